#!/bin/bash
# demo.sh: the whole path with no network: an image made from the host's busybox-static is
# imported into a store of its own (build/demo-store), its layers mounted as a read-only overlay
# (`berth image mount`), and a container run on that root filesystem by berth-runtime; then the
# engine runs the image as a docker user would (`berth run`, `run -d`, `exec`, `logs`, `rm -f`),
# with --network none: the demo touches no network of the host's.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
runtime=$here/build/berth-runtime
berth=$here/build/berth
store=(--root "$here/build/demo-store" --runroot "$here/build/demo-run")
bundle=$here/build/demo-bundle
image=localhost/berth-demo:latest
[ -x "$runtime" ] && [ -x "$berth" ] || { echo "demo: build first (make)" >&2; exit 1; }

if ! "$berth" "${store[@]}" image inspect --format '{{.Id}}' "$image" >/dev/null 2>&1; then
	tar=$(mktemp /tmp/berth-demo.XXXXXX.tar)
	"$here/tests/lib/make-image.sh" tar "$tar"
	echo "demo: berth import (a busybox-static root filesystem) as $image" >&2
	"$berth" "${store[@]}" import --change 'CMD ["sh"]' "$tar" "$image" >/dev/null
	rm -f "$tar"
fi
"$berth" "${store[@]}" images
rootfs=$("$berth" "${store[@]}" image mount "$image")
trap '"$berth" "${store[@]}" image umount "$image" >/dev/null' EXIT
echo "demo: the image's root filesystem is mounted at $rootfs" >&2

rm -rf "$bundle"
mkdir -p "$bundle"
(cd "$bundle" && "$runtime" spec)
jq --arg root "$rootfs" '.root = {path: $root, readonly: true} | .process.terminal = false |
	.process.args = ["sh", "-c", "echo \"hello from a berth container\"; echo \"hostname: $(hostname)\"; id; ps; head -3 /proc/self/cgroup; cat /var/www/index.html"]' \
	"$bundle/config.json" >"$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"
(cd "$bundle" && "$runtime" --root "$here/build/demo-state" run "demo-$$")

echo "demo: berth run --rm (the engine: overlay rootfs, berth-monitor, berth-runtime)" >&2
"$berth" "${store[@]}" run --rm --network none "$image" sh -c 'echo "hello from berth run"; id'
echo "demo: berth run -d, exec, logs, ps, rm -f" >&2
"$berth" "${store[@]}" rm -f demo-web >/dev/null 2>&1 || true
"$berth" "${store[@]}" run -d --name demo-web --network none "$image" \
	sh -c 'echo serving; exec httpd -f -p 8080 -h /var/www' >/dev/null
"$berth" "${store[@]}" exec demo-web wget -qO- http://127.0.0.1:8080/
"$berth" "${store[@]}" logs demo-web
"$berth" "${store[@]}" ps
"$berth" "${store[@]}" rm -f demo-web >/dev/null
