#!/bin/bash
# make-image.sh: a container image built locally from the host's busybox-static (no registry,
# no network), for the tests that drive real clients (podman, containerd).
#
#   make-image.sh rootfs DIR          the root filesystem, as a directory
#   make-image.sh tar FILE            the root filesystem as a tar (for `podman import`)
#   make-image.sh oci FILE [NAME]     an OCI image layout as a tar (for `ctr image import`,
#                                     `podman load`): one gzip layer, its config and manifest
#                                     with their sha256 digests and sizes; NAME (default
#                                     docker.io/library/berth-busybox:latest) is in the index
#                                     as io.containerd.image.name and org.opencontainers.image.ref.name
#
# The output is reproducible: sorted names, mtime 0, uid/gid 0, gzip without a timestamp.
set -euo pipefail

usage() {
	sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

# make_rootfs DIR: busybox with one hard link per applet, /etc/passwd and /etc/group.
make_rootfs() {
	local dir=$1 busybox applet
	busybox=$(command -v busybox) || { echo "make-image: busybox not found (apt-get install busybox-static)" >&2; exit 1; }
	file -L "$busybox" 2>/dev/null | grep -q 'statically linked' || {
		echo "make-image: $busybox is not busybox-static (apt-get install busybox-static)" >&2; exit 1; }
	mkdir -p "$dir"/{bin,sbin,etc,proc,sys,dev,tmp,root,usr/bin,usr/sbin,var/www}
	chmod 1777 "$dir/tmp"
	cp "$busybox" "$dir/bin/busybox"
	for applet in $("$busybox" --list); do
		[ -e "$dir/bin/$applet" ] || ln "$dir/bin/busybox" "$dir/bin/$applet"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
	echo 'hello from berth-busybox' >"$dir/var/www/index.html"
}

# make_tar DIR FILE: DIR's content as a reproducible tar.
make_tar() {
	tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu \
		-C "$1" -cf "$2" .
}

[ $# -ge 2 ] || usage
mode=$1
out=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/make-image.XXXXXX")
trap 'rm -rf "$work"' EXIT

case $mode in
rootfs)
	make_rootfs "$out"
	;;
tar)
	make_rootfs "$work/rootfs"
	make_tar "$work/rootfs" "$out"
	;;
oci)
	name=${3:-docker.io/library/berth-busybox:latest}
	make_rootfs "$work/rootfs"
	make_tar "$work/rootfs" "$work/layer.tar"
	gzip -n -9 <"$work/layer.tar" >"$work/layer.tar.gz"
	mkdir -p "$work/layout/blobs/sha256"
	python3 - "$work" "$name" <<'EOF'
import hashlib, json, os, shutil, sys

work, name = sys.argv[1], sys.argv[2]
blobs = os.path.join(work, "layout", "blobs", "sha256")

def digest_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()

def add_blob(data_or_path, media_type):
    """Store a blob (bytes or a file path) in the layout; return its descriptor."""
    if isinstance(data_or_path, bytes):
        digest = "sha256:" + hashlib.sha256(data_or_path).hexdigest()
        with open(os.path.join(blobs, digest[7:]), "wb") as f:
            f.write(data_or_path)
        size = len(data_or_path)
    else:
        digest = digest_of(data_or_path)
        shutil.copyfile(data_or_path, os.path.join(blobs, digest[7:]))
        size = os.path.getsize(data_or_path)
    return {"mediaType": media_type, "digest": digest, "size": size}

def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()

diff_id = digest_of(os.path.join(work, "layer.tar"))
layer = add_blob(os.path.join(work, "layer.tar.gz"), "application/vnd.oci.image.layer.v1.tar+gzip")
config = {
    "created": "1970-01-01T00:00:00Z",
    "architecture": "amd64",
    "os": "linux",
    "config": {
        "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        "Cmd": ["sh"],
        "WorkingDir": "/",
    },
    "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "tests/lib/make-image.sh: busybox-static"}],
}
config_desc = add_blob(canonical(config), "application/vnd.oci.image.config.v1+json")
manifest = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": config_desc,
    "layers": [layer],
}
manifest_desc = add_blob(canonical(manifest), "application/vnd.oci.image.manifest.v1+json")
tag = name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else "latest"
manifest_desc["annotations"] = {
    "io.containerd.image.name": name,
    "org.opencontainers.image.ref.name": tag,
}
index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [manifest_desc]}
with open(os.path.join(work, "layout", "index.json"), "wb") as f:
    f.write(canonical(index))
with open(os.path.join(work, "layout", "oci-layout"), "wb") as f:
    f.write(canonical({"imageLayoutVersion": "1.0.0"}))
EOF
	make_tar "$work/layout" "$out"
	;;
*)
	usage
	;;
esac
