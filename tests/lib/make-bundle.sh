#!/bin/bash
# make-bundle.sh DIR [CMD ARGS...]: an OCI bundle whose rootfs is the host's busybox-static.
# config.json is the runtime's default (`berth-runtime spec`, or `runc spec` if berth-runtime is
# not built yet) with terminal off and process.args set to CMD (default: sh).
set -euo pipefail
dir=$1; shift
[ $# -gt 0 ] || set -- sh
busybox=$(command -v busybox)
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' || [ -n "${BUSYBOX_ANY:-}" ] || {
	echo "make-bundle: $busybox is not busybox-static (apt-get install busybox-static)" >&2; exit 1; }
mkdir -p "$dir/rootfs"/{bin,sbin,etc,proc,sys,dev,tmp,root,usr/bin,usr/sbin,var}
cp "$busybox" "$dir/rootfs/bin/busybox"
# One link per applet keeps the tree like a real image; hard links cost no space.
for applet in $("$busybox" --list); do
	[ -e "$dir/rootfs/bin/$applet" ] || ln "$dir/rootfs/bin/busybox" "$dir/rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/rootfs/etc/group"
here=$(cd "$(dirname "$0")/../.." && pwd)
runtime=${BERTH_RUNTIME:-$here/build/berth-runtime}
[ -x "$runtime" ] || runtime=runc
rm -f "$dir/config.json"
(cd "$dir" && "$runtime" spec)
args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
jq --argjson args "$args" '.process.terminal = false | .process.args = $args' \
	"$dir/config.json" >"$dir/config.json.new"
mv "$dir/config.json.new" "$dir/config.json"
