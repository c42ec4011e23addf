#!/bin/bash
# make-test-images.sh: the images the image tests (tests/e2e/image-*.bats) and bench/pull.sh pull,
# built locally as OCI image layouts (no network), and pushed into a registry with skopeo.
#
#   make-test-images.sh build DIR            the small test images, one OCI layout per directory:
#       DIR/multi-gzip   "multi": 4 layers (busybox-static, a few host files and a tree of odd
#                        entries: symlinks, hardlinks, setuid/setgid/sticky modes, a fifo, owners,
#                        user.* xattrs and security.capability, mtimes, long and non-ASCII names),
#                        then deletions (.wh. files), an opaque directory (.wh..wh..opq), a file
#                        re-added after its deletion, a symlink and a directory replaced by files
#       DIR/multi-zstd   the same layers compressed with zstd (same config: same image ID)
#       DIR/multi-none   the same layers uncompressed (same config: same image ID)
#       DIR/plain        busybox-static, one uncompressed layer
#       DIR/multiarch    an index: linux/amd64 (busybox, /platform says amd64) and linux/arm64
#                        (one file, /platform says arm64)
#       DIR/facts.json   digests of each: {name: {manifest, config, layers[], diff_ids[]}} and for
#                        multiarch {index, platforms: {"linux/amd64": {...}, "linux/arm64": {...}}}
#     Every layout's index.json names its image "latest". The output is reproducible.
#   make-test-images.sh push DIR REGISTRY    push DIR's images into REGISTRY (host:port, plain HTTP):
#       berth-test/multi:gzip, :zstd, :none; berth-test/plain:latest and library/busybox:latest
#       (the image `busybox` means once docker.io is mapped to REGISTRY); berth-test/multiarch:latest
#       (the index and both images); berth-test/schema2:latest (multi-gzip converted by skopeo to a
#       Docker schema 2 manifest). Adds DIR/facts.json's "schema2" entry from the registry.
#   make-test-images.sh layout DIR TAR...    an OCI layout at DIR (tag latest) of one linux/amd64
#       image whose layers are the TARs byte for byte (hostile layers, for instance): a .tar is
#       gzip-compressed, a .tar.gz or .tar.zst goes as it is
#   make-test-images.sh push-layout DIR REGISTRY REPO TAG
#       push the image of layout DIR byte for byte (skopeo would recompress uncompressed layers)
#   make-test-images.sh big DIR              the benchmark image at DIR/big (OCI layout, tag latest):
#       4 gzip layers, about 500 MB unpacked and 200 MB compressed, of data that is 40% random and
#       60% repetitive in 64 KiB blocks, so that the gzip level changes little. Kept if DIR/big
#       is already complete.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
	sed -n '2,/^set -e/{/^set -e/d;s/^# \{0,1\}//p}' "$0" >&2
	exit 2
}

need() {
	command -v "$1" >/dev/null || { echo "make-test-images: $1 not found ($2)" >&2; exit 1; }
}

# The Python that writes layers and manifests byte by byte. MODE is build or big.
run_python() {
	python3 - "$@" <<'EOF'
import gzip, hashlib, io, json, os, random, shutil, stat, struct, subprocess, sys, tarfile, zlib

mode, out = sys.argv[1], sys.argv[2]
T0 = 1700000000  # mtime of most entries
CREATED = "2024-01-02T03:04:05Z"


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


class Layout:
    """An OCI image layout under DIR (image-layout.md)."""

    def __init__(self, path):
        self.path = path
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(os.path.join(path, "blobs", "sha256"))
        with open(os.path.join(path, "oci-layout"), "wb") as f:
            f.write(canonical({"imageLayoutVersion": "1.0.0"}))

    def blob(self, data, media_type):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.path, "blobs", "sha256", digest[7:]), "wb") as f:
            f.write(data)
        return {"mediaType": media_type, "digest": digest, "size": len(data)}

    def blob_file(self, path, media_type):
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        digest = "sha256:" + h.hexdigest()
        os.rename(path, os.path.join(self.path, "blobs", "sha256", digest[7:]))
        return {"mediaType": media_type, "digest": digest, "size": os.path.getsize(
            os.path.join(self.path, "blobs", "sha256", digest[7:]))}

    def index(self, manifests):
        with open(os.path.join(self.path, "index.json"), "wb") as f:
            f.write(canonical({"schemaVersion": 2,
                               "mediaType": "application/vnd.oci.image.index.v1+json",
                               "manifests": manifests}))


LAYER_TYPES = {
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
    "none": "application/vnd.oci.image.layer.v1.tar",
}


def compress(data, how):
    if how == "gzip":
        return gzip.compress(data, compresslevel=6, mtime=0)
    if how == "zstd":
        return subprocess.run(["zstd", "-q", "-c", "-3"], input=data, check=True,
                              stdout=subprocess.PIPE).stdout
    return data


class Tar:
    """A layer tar written entry by entry (PAX, so xattrs and long names need no GNU extension)."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.tar = tarfile.open(fileobj=self.buf, mode="w", format=tarfile.PAX_FORMAT)

    def _info(self, name, type_, mode, uid, gid, mtime, xattrs):
        ti = tarfile.TarInfo(name)
        ti.type = type_
        ti.mode = mode
        ti.uid, ti.gid = uid, gid
        ti.uname = ti.gname = ""
        ti.mtime = mtime
        if xattrs:
            # Binary values (security.capability) go through surrogateescape: tarfile then
            # writes them as they are, with hdrcharset=BINARY when they are not UTF-8.
            ti.pax_headers = {"SCHILY.xattr." + k: v.decode("utf-8", "surrogateescape")
                              for k, v in xattrs.items()}
        return ti

    def dir(self, name, mode=0o755, uid=0, gid=0, mtime=T0, xattrs=None):
        self.tar.addfile(self._info(name, tarfile.DIRTYPE, mode, uid, gid, mtime, xattrs))

    def file(self, name, data, mode=0o644, uid=0, gid=0, mtime=T0, xattrs=None):
        if isinstance(data, str):
            data = data.encode()
        ti = self._info(name, tarfile.REGTYPE, mode, uid, gid, mtime, xattrs)
        ti.size = len(data)
        self.tar.addfile(ti, io.BytesIO(data))

    def symlink(self, name, target, uid=0, gid=0, mtime=T0):
        ti = self._info(name, tarfile.SYMTYPE, 0o777, uid, gid, mtime, None)
        ti.linkname = target
        self.tar.addfile(ti)

    def hardlink(self, name, target):
        ti = self._info(name, tarfile.LNKTYPE, 0o644, 0, 0, T0, None)
        ti.linkname = target
        self.tar.addfile(ti)

    def fifo(self, name, mode=0o600, mtime=T0):
        self.tar.addfile(self._info(name, tarfile.FIFOTYPE, mode, 0, 0, mtime, None))

    def whiteout(self, path):
        d, b = os.path.split(path)
        self.file(os.path.join(d, ".wh." + b), b"", mode=0o644)

    def opaque(self, dirpath):
        self.file(os.path.join(dirpath, ".wh..wh..opq"), b"", mode=0o644)

    def bytes(self):
        self.tar.close()
        return self.buf.getvalue()


def busybox_path():
    path = shutil.which("busybox")
    if not path:
        sys.exit("make-test-images: busybox not found (apt-get install busybox-static)")
    out = subprocess.run(["file", "-L", path], stdout=subprocess.PIPE, text=True).stdout
    if "statically linked" not in out:
        sys.exit("make-test-images: %s is not busybox-static (apt-get install busybox-static)" % path)
    return path


def add_busybox(t, marker=None):
    """busybox-static with one hardlink per applet, like tests/lib/make-image.sh."""
    bb = busybox_path()
    for d in ["bin", "sbin", "etc", "proc", "sys", "dev", "root", "usr", "usr/bin", "usr/sbin",
              "var", "var/www"]:
        t.dir(d)
    t.dir("tmp", mode=0o1777)
    with open(bb, "rb") as f:
        t.file("bin/busybox", f.read(), mode=0o755)
    applets = subprocess.run([bb, "--list"], stdout=subprocess.PIPE, text=True,
                             check=True).stdout.split()
    for a in sorted(set(applets)):
        if a != "busybox":
            t.hardlink("bin/" + a, "bin/busybox")
    t.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")
    t.file("etc/group", "root:x:0:\nnogroup:x:65534:\n")
    t.file("var/www/index.html", "hello from berth-busybox\n")
    if marker:
        t.file("platform", marker + "\n")


def capability_xattr():
    """security.capability for cap_net_raw+ep: what setcap writes (VFS_CAP_REVISION_2), checked
    against setcap itself when it is there."""
    packed = struct.pack("<IIIII", 0x02000000 | 0x1, 1 << 13, 0, 0, 0)
    setcap = shutil.which("setcap") or "/usr/sbin/setcap"
    if os.path.exists(setcap):
        probe = os.path.join(out, ".cap-probe")
        open(probe, "wb").close()
        try:
            if subprocess.run([setcap, "cap_net_raw+ep", probe], stderr=subprocess.DEVNULL).returncode == 0:
                got = os.getxattr(probe, "security.capability")
                if got != packed:
                    sys.exit("make-test-images: setcap wrote %s, expected %s" % (got.hex(), packed.hex()))
        finally:
            os.unlink(probe)
    return packed


def host_files(t):
    """A small tree of host files, as they are on this machine (content, modes, symlinks)."""
    t.dir("usr/share")
    t.dir("usr/share/hostfiles")
    src = "/usr/share/common-licenses"
    if os.path.isdir(src):
        t.dir("usr/share/hostfiles/licenses")
        for name in sorted(os.listdir(src)):
            p = os.path.join(src, name)
            st = os.lstat(p)
            dest = "usr/share/hostfiles/licenses/" + name
            if stat.S_ISLNK(st.st_mode):
                t.symlink(dest, os.readlink(p), mtime=int(st.st_mtime))
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    t.file(dest, f.read(), mode=stat.S_IMODE(st.st_mode), mtime=int(st.st_mtime))
    for p in ["/etc/os-release", "/etc/debian_version", "/etc/shells"]:
        if os.path.isfile(p):
            with open(p, "rb") as f:
                t.file("usr/share/hostfiles/" + os.path.basename(p), f.read())


def multi_layers():
    """The four layer tars of "multi" (uncompressed)."""
    cap = capability_xattr()
    layers = []

    t = Tar()  # 1: the base
    add_busybox(t)
    host_files(t)
    t.dir("data")
    t.dir("data/keep")
    t.file("data/keep/a.txt", "alpha\n", uid=1000, gid=1000)
    t.hardlink("data/hard", "data/keep/a.txt")
    t.file("data/keep/modified.txt", "version 1\n")
    t.symlink("data/link", "keep/a.txt")
    t.symlink("data/abslink", "/etc/passwd")
    t.symlink("data/dangling", "does/not/exist")
    t.symlink("data/replaced-by-file", "keep")
    t.file("data/suid", "#!/bin/sh\necho suid\n", mode=0o4755)
    t.file("data/sgid", "#!/bin/sh\necho sgid\n", mode=0o2755, gid=50)
    t.dir("data/sticky", mode=0o1777)
    t.fifo("data/fifo", mode=0o640)
    t.file("data/xattr.txt", "has xattrs\n", xattrs={"user.berth.test": b"hello",
                                                     "user.berth.other": b"second value"})
    t.file("data/cap-bin", "#!/bin/sh\necho cap\n", mode=0o755, xattrs={"security.capability": cap})
    t.file("data/remove-me.txt", "to be deleted\n")
    t.dir("data/gone-dir")
    t.file("data/gone-dir/x", "x\n")
    t.dir("data/gone-dir/sub")
    t.file("data/gone-dir/sub/y", "y\n")
    t.dir("data/opaque", mode=0o750)
    t.file("data/opaque/old1", "old 1\n")
    t.dir("data/opaque/sub")
    t.file("data/opaque/sub/old2", "old 2\n")
    t.dir("data/dir-to-file")
    t.file("data/dir-to-file/inside", "inside\n")
    t.dir("data/nobody-dir", mode=0o750, uid=65534, gid=65534)
    t.file("data/nobody-dir/owned", "owned by 65534:1000\n", mode=0o640, uid=65534, gid=1000)
    t.file("data/name with spaces.txt", "spaces\n")
    t.file("data/\u00fcn\u00efc\u00f6d\u00e9.txt", "unicode\n")
    deep = "data/long/" + "/".join(["directory-%02d" % i for i in range(12)])
    parts = deep.split("/")
    for i in range(2, len(parts) + 1):
        t.dir("/".join(parts[:i]))
    t.file(deep + "/" + "f" * 120, "a long path\n")
    t.file("data/old-mtime", "from 2009\n", mtime=1234567890)
    t.file("data/empty", b"", mode=0o600)
    layers.append(t.bytes())

    t = Tar()  # 2: a deletion, new and changed files
    t.dir("data")
    t.whiteout("data/remove-me.txt")
    t.file("data/new.txt", "added in layer 2\n")
    t.dir("data/keep")
    t.file("data/keep/b.txt", "bravo\n")
    t.file("data/keep/modified.txt", "version 2\n", mtime=T0 + 2)
    t.file("etc/hostname", "berth-test\n")
    layers.append(t.bytes())

    t = Tar()  # 3: an opaque directory, a deleted directory, a deleted applet link
    t.dir("data")
    t.dir("data/opaque", mode=0o750)
    t.opaque("data/opaque")
    t.file("data/opaque/new1", "new in opaque\n")
    t.whiteout("data/gone-dir")
    t.dir("bin")
    t.whiteout("bin/vi")
    layers.append(t.bytes())

    t = Tar()  # 4: replacements and a re-added file
    t.dir("data")
    t.file("data/replaced-by-file", "was a symlink\n")
    t.file("data/dir-to-file", "was a directory\n")
    t.file("data/remove-me.txt", "reborn in layer 4\n", mtime=T0 + 4)
    t.file("data/layer4.txt", "layer 4\n", xattrs={"user.berth.layer": b"4"})
    layers.append(t.bytes())
    return layers


def image(layout, tars, how, config_extra, history, annotations=None):
    """Writes one image (layers, config, manifest) into LAYOUT; returns (manifest descriptor,
    facts)."""
    descs = [layout.blob(compress(data, how), LAYER_TYPES[how]) for data in tars]
    diff_ids = ["sha256:" + hashlib.sha256(data).hexdigest() for data in tars]
    config = {"created": CREATED, "rootfs": {"type": "layers", "diff_ids": diff_ids},
              "history": history}
    config.update(config_extra)
    config_desc = layout.blob(canonical(config), "application/vnd.oci.image.config.v1+json")
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": config_desc, "layers": descs}
    if annotations:
        manifest["annotations"] = annotations
    mdesc = layout.blob(canonical(manifest), "application/vnd.oci.image.manifest.v1+json")
    facts = {"manifest": mdesc["digest"], "config": config_desc["digest"],
             "layers": [d["digest"] for d in descs], "diff_ids": diff_ids,
             "media_types": [d["mediaType"] for d in descs]}
    return mdesc, facts


def tagged(desc, tag="latest", platform=None):
    d = dict(desc)
    if platform:
        d["platform"] = platform
    d["annotations"] = {"org.opencontainers.image.ref.name": tag}
    return d


BASE_CONFIG = {
    "architecture": "amd64",
    "os": "linux",
    "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
               "Cmd": ["sh"], "WorkingDir": "/"},
}


def build():
    os.makedirs(out, exist_ok=True)
    facts = {}
    tars = multi_layers()
    multi_config = json.loads(json.dumps(BASE_CONFIG))
    multi_config["config"].update({"WorkingDir": "/data", "Labels": {"org.berth.test": "multi"}})
    multi_history = [
        {"created": CREATED, "created_by": "/bin/sh -c #(nop) ADD busybox, host files and data/"},
        {"created": CREATED, "created_by": "/bin/sh -c rm data/remove-me.txt && echo > data/new.txt"},
        {"created": CREATED, "created_by": "/bin/sh -c #(nop) ENV BERTH=test", "empty_layer": True},
        {"created": CREATED, "created_by": "/bin/sh -c rm -rf data/opaque/* data/gone-dir bin/vi"},
        {"created": CREATED, "created_by": "/bin/sh -c replace files", "comment": "layer 4"},
    ]
    for how in ["gzip", "zstd", "none"]:
        layout = Layout(os.path.join(out, "multi-" + how))
        desc, facts["multi-" + how] = image(layout, tars, how, multi_config, multi_history)
        layout.index([tagged(desc)])

    t = Tar()
    add_busybox(t)
    layout = Layout(os.path.join(out, "plain"))
    desc, facts["plain"] = image(layout, [t.bytes()], "none", BASE_CONFIG,
                                 [{"created": CREATED, "created_by": "make-test-images.sh: busybox"}])
    layout.index([tagged(desc)])

    layout = Layout(os.path.join(out, "multiarch"))
    t = Tar()
    add_busybox(t, marker="amd64")
    amd64, amd64_facts = image(layout, [t.bytes()], "gzip", BASE_CONFIG,
                               [{"created": CREATED, "created_by": "busybox for amd64"}])
    t = Tar()
    t.file("platform", "arm64\n")
    arm64_config = {"architecture": "arm64", "variant": "v8", "os": "linux",
                    "config": {"Cmd": ["/bin/sh"]}}
    arm64, arm64_facts = image(layout, [t.bytes()], "gzip", arm64_config,
                               [{"created": CREATED, "created_by": "a marker for arm64"}])
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [dict(amd64, platform={"architecture": "amd64", "os": "linux"}),
                           dict(arm64, platform={"architecture": "arm64", "os": "linux",
                                                 "variant": "v8"})]}
    idesc = layout.blob(canonical(index), "application/vnd.oci.image.index.v1+json")
    layout.index([tagged(idesc)])
    facts["multiarch"] = {"index": idesc["digest"],
                          "platforms": {"linux/amd64": amd64_facts, "linux/arm64": arm64_facts}}

    with open(os.path.join(out, "facts.json"), "w") as f:
        json.dump(facts, f, indent=1, sort_keys=True)


def big_layer(seed, size, tmp):
    """One big layer tar at TMP: files of several sizes whose content is blocks of up to 64 KiB,
    each 40% random bytes and 60% a repeated line (gzip shrinks it to about 0.42 at any level)."""
    rng = random.Random(seed)
    line = ("berth benchmark layer %d: the quick brown fox jumps over the lazy dog\n" % seed).encode()
    filler = (line * (65536 // len(line) + 1))

    def content(n):
        parts = []
        while n > 0:
            block = min(n, 65536)
            rnd = block * 2 // 5
            parts.append(rng.randbytes(rnd))
            parts.append(filler[:block - rnd])
            n -= block
        return b"".join(parts)

    sizes = [40 << 20] + [2 << 20] * 40 + [rng.randrange(1024, 60 << 10) for _ in range(2000)]
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        base = "layer%d" % seed
        ti = tarfile.TarInfo(base)
        ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o755, T0
        tar.addfile(ti)
        total, i = 0, 0
        for n in sizes:
            if total >= size:
                break
            d = "%s/d%02d" % (base, i // 100)
            if i % 100 == 0:
                ti = tarfile.TarInfo(d)
                ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o755, T0
                tar.addfile(ti)
            n = min(n, size - total)
            ti = tarfile.TarInfo("%s/f%05d" % (d, i))
            ti.size, ti.mode, ti.mtime = n, 0o644, T0
            tar.addfile(ti, io.BytesIO(content(n)))
            total += n
            i += 1


def big_one(args):
    seed, size, dir_ = args
    tmp = os.path.join(dir_, "layer%d.tar" % seed)
    big_layer(seed, size, tmp)
    h = hashlib.sha256()
    gz = tmp + ".gz"
    with open(tmp, "rb") as src, open(gz, "wb") as dst:
        z = zlib.compressobj(6, zlib.DEFLATED, 31)
        for chunk in iter(lambda: src.read(1 << 20), b""):
            h.update(chunk)
            dst.write(z.compress(chunk))
        dst.write(z.flush())
    os.unlink(tmp)
    return gz, "sha256:" + h.hexdigest()


def big():
    import multiprocessing
    path = os.path.join(out, "big")
    if os.path.exists(os.path.join(path, "index.json")):
        return
    work = path + ".tmp"
    shutil.rmtree(work, ignore_errors=True)
    layout = Layout(work)
    sizes = [(1, 200 << 20), (2, 150 << 20), (3, 100 << 20), (4, 50 << 20)]
    with multiprocessing.Pool(min(4, os.cpu_count() or 1)) as pool:
        done = pool.map(big_one, [(s, n, work) for s, n in sizes])
    descs = [layout.blob_file(gz, LAYER_TYPES["gzip"]) for gz, _ in done]
    config = dict(BASE_CONFIG, created=CREATED,
                  rootfs={"type": "layers", "diff_ids": [d for _, d in done]},
                  history=[{"created": CREATED, "created_by": "bench layer %d" % s} for s, _ in sizes])
    config_desc = layout.blob(canonical(config), "application/vnd.oci.image.config.v1+json")
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": config_desc, "layers": descs}
    layout.index([tagged(layout.blob(canonical(manifest),
                                     "application/vnd.oci.image.manifest.v1+json"))])
    shutil.rmtree(path, ignore_errors=True)
    os.rename(work, path)


def layout_from_tars(tar_paths):
    """NAME.tar is gzip-compressed here; NAME.tar.gz and NAME.tar.zst go as they are."""
    layout = Layout(out)
    descs, diff_ids = [], []
    for p in tar_paths:
        with open(p, "rb") as f:
            data = f.read()
        if p.endswith(".gz"):
            raw, blob, how = gzip.decompress(data), data, "gzip"
        elif p.endswith(".zst"):
            raw = subprocess.run(["zstd", "-dcq"], input=data, check=True,
                                 stdout=subprocess.PIPE).stdout
            blob, how = data, "zstd"
        else:
            raw, blob, how = data, compress(data, "gzip"), "gzip"
        descs.append(layout.blob(blob, LAYER_TYPES[how]))
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
    config = dict(BASE_CONFIG, created=CREATED, rootfs={"type": "layers", "diff_ids": diff_ids},
                  history=[{"created": CREATED, "created_by": "layer " + os.path.basename(p)}
                           for p in tar_paths])
    config_desc = layout.blob(canonical(config), "application/vnd.oci.image.config.v1+json")
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": config_desc, "layers": descs}
    layout.index([tagged(layout.blob(canonical(manifest),
                                     "application/vnd.oci.image.manifest.v1+json"))])


if mode == "build":
    build()
elif mode == "layout":
    layout_from_tars(sys.argv[3:])
elif mode == "big":
    os.makedirs(out, exist_ok=True)
    big()
EOF
}

# skopeo_push SRC DEST [FLAGS...]: skopeo copy into the registry, quietly unless it fails.
skopeo_push() {
	local src=$1 dest=$2 log
	shift 2
	log=$(skopeo copy --quiet --dest-tls-verify=false "$@" "$src" "docker://$dest" 2>&1) || {
		echo "make-test-images: skopeo copy $src docker://$dest failed:" >&2
		echo "$log" >&2
		return 1
	}
}

# raw_push LAYOUT REGISTRY REPO TAG: LAYOUT's image (one manifest) into REGISTRY byte for byte,
# through the distribution API (monolithic uploads, distribution-spec "Pushing blobs").
raw_push() {
	python3 - "$@" <<'EOF'
import json, os, sys, urllib.error, urllib.parse, urllib.request

layout, reg, repo, tag = sys.argv[1:5]
base = "http://%s/v2/%s" % (reg, repo)


def blob_bytes(digest):
    with open(os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1]), "rb") as f:
        return f.read()


def request(method, url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        return urllib.request.urlopen(req)
    except urllib.error.HTTPError as e:
        sys.exit("make-test-images: %s %s: %d %s" % (method, url, e.code, e.read()[:300]))


desc = json.load(open(os.path.join(layout, "index.json")))["manifests"][0]
manifest = blob_bytes(desc["digest"])
m = json.loads(manifest)
for d in [m["config"]] + m["layers"]:
    loc = request("POST", base + "/blobs/uploads/").headers["Location"]
    loc = urllib.parse.urljoin(base + "/", loc)
    sep = "&" if "?" in loc else "?"
    request("PUT", loc + sep + "digest=" + urllib.parse.quote(d["digest"]), blob_bytes(d["digest"]),
            {"Content-Type": "application/octet-stream"})
request("PUT", "%s/manifests/%s" % (base, tag), manifest, {"Content-Type": desc["mediaType"]})
EOF
}

[ $# -ge 2 ] || usage
case $1 in
build)
	need zstd "apt-get install zstd"
	need python3 "apt-get install python3"
	run_python build "$2"
	;;
big)
	run_python big "$2"
	;;
layout)
	[ $# -ge 3 ] || usage
	run_python "$@"
	;;
push-layout)
	[ $# -eq 5 ] || usage
	raw_push "$2" "$3" "$4" "$5"
	;;
push)
	[ $# -eq 3 ] || usage
	dir=$2 reg=$3
	need skopeo "apt-get install skopeo"
	[ -s "$dir/facts.json" ] || { echo "make-test-images: $dir has no images (run build first)" >&2; exit 1; }
	for how in gzip zstd; do
		skopeo_push "oci:$dir/multi-$how:latest" "$reg/berth-test/multi:$how"
	done
	# skopeo compresses uncompressed layers on their way to a registry: these go as they are.
	raw_push "$dir/multi-none" "$reg" berth-test/multi none
	raw_push "$dir/plain" "$reg" berth-test/plain latest
	raw_push "$dir/plain" "$reg" library/busybox latest
	skopeo_push "oci:$dir/multiarch:latest" "$reg/berth-test/multiarch:latest" --all
	skopeo_push "oci:$dir/multi-gzip:latest" "$reg/berth-test/schema2:latest" --format v2s2
	# What skopeo made of the schema 2 image, as the registry serves it (the digest from skopeo:
	# --raw output may not be byte for byte what the registry holds).
	raw=$(skopeo inspect --raw --tls-verify=false "docker://$reg/berth-test/schema2:latest")
	digest=$(skopeo inspect --tls-verify=false "docker://$reg/berth-test/schema2:latest" | jq -r .Digest)
	python3 - "$dir/facts.json" "$raw" "$digest" <<'PY'
import json, os, sys
path, raw, digest = sys.argv[1], sys.argv[2], sys.argv[3]
facts = json.load(open(path))
m = json.loads(raw)
facts["schema2"] = {"manifest": digest, "mediaType": m.get("mediaType"),
                    "config": m["config"]["digest"],
                    "layers": [l["digest"] for l in m["layers"]],
                    "media_types": [l["mediaType"] for l in m["layers"]]}
# Atomic: several test files may push from the same directory at once.
tmp = "%s.%d" % (path, os.getpid())
with open(tmp, "w") as f:
    json.dump(facts, f, indent=1, sort_keys=True)
os.rename(tmp, path)
PY
	;;
*)
	usage
	;;
esac
