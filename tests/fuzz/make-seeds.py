#!/usr/bin/env python3
"""Writes a seed corpus for each fuzz target into OUTDIR/<target>/, from the unit tests' corpus
(tests/unit/corpus) and the hostile layers tests/lib/make-hostile-layers.py writes, plus a few
inputs written here. The seeds only start libFuzzer off: it keeps what it finds in its own
corpus directory.

usage: make-seeds.py OUTDIR
"""
import gzip
import io
import os
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
TREE = os.path.dirname(os.path.dirname(HERE))
UNIT = os.path.join(TREE, "tests", "unit", "corpus")
OUT = sys.argv[1]

# The first byte of an image_manifest input chooses the Content-Type (fuzz_image_manifest.c).
CONTENT_TYPE_NONE, CONTENT_TYPE_OCI_MANIFEST, CONTENT_TYPE_OCI_INDEX = 0, 1, 3
# The first byte of a decompress input: bit 1 zstd, bit 0 round trip, the rest the buffer size.
DECOMPRESS_GZIP, DECOMPRESS_ZSTD = 0x14, 0x16


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def tar_of(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, kind, arg in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(arg)
                t.addfile(info, io.BytesIO(arg))
            else:
                info.type = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
                             "hardlink": tarfile.LNKTYPE}[kind]
                info.linkname = arg or ""
                t.addfile(info)
    return buf.getvalue()


def main():
    # References: the left column of the unit cases.
    with open(os.path.join(UNIT, "image_reference", "cases.txt")) as f:
        for i, line in enumerate(f):
            if line.strip() and not line.startswith("#"):
                text = line.split()[0]
                put("image_reference", "case-%03d" % i, "" if text == '""' else text)

    for i, text in enumerate(["sha256:" + "a" * 64, "sha512:" + "0" * 128, "sha256:abc",
                              "md5:d41d8cd98f00b204e9800998ecf8427e", "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564"]):
        put("digest", "seed-%d" % i, text)

    for i, text in enumerate(["linux/amd64", "linux/arm64/v8", "linux/arm/v7", "windows/amd64",
                              "linux/aarch64", "/", "a//b"]):
        put("platform", "seed-%d" % i, text)

    # Manifests, indexes and configs: the unit corpus, with each content-type choice.
    corpus = os.path.join(UNIT, "image_manifest")
    for name in sorted(os.listdir(corpus)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(corpus, name), "rb") as f:
            doc = f.read()
        if name.startswith("config-"):
            put("image_config", name, doc)
        else:
            kind = CONTENT_TYPE_OCI_INDEX if name.startswith("index-") else CONTENT_TYPE_OCI_MANIFEST
            put("image_manifest", name, bytes([kind]) + doc)
            put("image_manifest", "untyped-" + name, bytes([CONTENT_TYPE_NONE]) + doc)

    put("registries_conf", "full",
        "unqualified-search-registries = [\"docker.io\", 'quay.io'] # trailing\n\n"
        "[[registry]]\nprefix = \"docker.io\"\nlocation = \"docker.io\"\n"
        "  [[registry.mirror]]\n  location = \"127.0.0.1:5001/cache\"\n  insecure = true\n"
        "[[registry]]\nlocation = \"127.0.0.1:5000\"\ninsecure = true\n"
        "[[registry]]\nprefix = \"*.wild.io\"\nblocked = true\n"
        "[aliases]\n\"busybox\" = \"docker.io/library/busybox\"\n")
    put("registries_conf", "empty", "")

    put("auth_file", "podman",
        "127.0.0.1:5000/team/app\n{\"auths\": {\"127.0.0.1:5000\": {\"auth\": \"dXNlcjpwYXNz\"},"
        " \"127.0.0.1:5000/team\": {\"auth\": \"YTpi\"}}}\n")
    put("auth_file", "docker",
        "docker.io/library/busybox\n{\"auths\": {\"https://index.docker.io/v1/\": "
        "{\"auth\": \"dXNlcjpwYXNz\"}}, \"credsStore\": \"desktop\"}\n")

    put("docker_archive_manifest", "podman",
        "[{\"Config\": \"abc.json\", \"RepoTags\": [\"docker.io/library/busybox:latest\"],"
        " \"Layers\": [\"def.tar\", \"./ghi/layer.tar\"]}]")
    put("docker_archive_manifest", "untagged",
        "[{\"Config\": \"abc.json\", \"RepoTags\": null, \"Layers\": []}]")

    layer = tar_of([("etc", "dir", None), ("etc/passwd", "file", b"root:x:0:0::/root:/bin/sh\n"),
                    ("bin", "dir", None), ("bin/sh", "symlink", "busybox"),
                    ("bin/busybox", "file", b"\x7fELF"), ("bin/ls", "hardlink", "bin/busybox"),
                    ("etc/.wh.old", "file", b""), ("var/.wh..wh..opq", "file", b"")])
    put("layer_unpack", "ordinary", layer)
    put("decompress", "gzip", bytes([DECOMPRESS_GZIP]) + gzip.compress(layer))
    zst = subprocess.run(["zstd", "-q", "-c"], input=layer, stdout=subprocess.PIPE)
    if zst.returncode == 0:
        put("decompress", "zstd", bytes([DECOMPRESS_ZSTD]) + zst.stdout)
    put("decompress", "roundtrip", bytes([DECOMPRESS_GZIP | 1]) + b"hello hello hello")

    # The hostile layers of the unit test (uncompressed ones only: the target reads plain tars).
    hostile = os.path.join(OUT, "hostile")
    outside = os.path.join(OUT, "outside")
    os.makedirs(outside, exist_ok=True)
    subprocess.run([sys.executable, os.path.join(TREE, "tests", "lib", "make-hostile-layers.py"),
                    hostile, outside], check=True, stdout=subprocess.DEVNULL)
    for name in sorted(os.listdir(hostile)):
        path = os.path.join(hostile, name)
        if name.endswith(".tar"):
            with open(path, "rb") as f:
                put("layer_unpack", name, f.read())
        elif name.endswith((".tar.gz", ".tar.zst")):
            with open(path, "rb") as f:
                first = DECOMPRESS_GZIP if name.endswith(".gz") else DECOMPRESS_ZSTD
                put("decompress", name, bytes([first]) + f.read())


main()
