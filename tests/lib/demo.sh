#!/bin/bash
# demo.sh: runs a container from a bundle made of the host's busybox-static, no network needed.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
runtime=$here/build/berth-runtime
bundle=$here/build/demo-bundle
[ -x "$runtime" ] || { echo "demo: build first (make)" >&2; exit 1; }
if [ ! -f "$bundle/config.json" ]; then
	rm -rf "$bundle"
	BERTH_RUNTIME=$runtime "$here/tests/lib/make-bundle.sh" "$bundle" \
		sh -c 'echo "hello from a berth container"; echo "hostname: $(hostname)"; id; ps; cat /proc/self/cgroup | head -3'
fi
cd "$bundle"
exec "$runtime" --root "$here/build/demo-state" run "demo-$$"
