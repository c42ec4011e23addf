#!/bin/bash
# bench/pull.sh [N]: how long a cold pull of a big image takes, from a local docker-registry to a
# ready root filesystem, with berth, `podman pull`, and `skopeo copy` + `umoci unpack`, in one run
# on one machine. See docs/benchmarks.md for the targets (berth <= 0.35x podman).
#
# The image (tests/lib/make-test-images.sh big): 4 gzip layers, about 500 MB unpacked and 200 MB
# compressed, of data that compresses about as well at any gzip level. It is built once into
# $BERTH_BENCH_CACHE (default /var/tmp/berth-bench-images) and pushed into a registry started for
# this run (tests/lib/registry-env.sh), on 127.0.0.1 over plain HTTP.
#
# Each of N rounds runs the three, in a rotating order, each with the page cache dropped first
# (echo 3 > /proc/sys/vm/drop_caches) and an empty store of its own:
#   berth     berth --root R --runroot R pull -q --tls-verify=false REF, then berth image mount
#             (every blob's digest verified, layers unpacked, the rootfs overlay mounted)
#   podman    podman pull -q --tls-verify=false REF with its own --root/--runroot, overlay driver,
#             CONTAINERS_CONF and CONTAINERS_STORAGE_CONF of ours (layers unpacked by podman)
#   skopeo    skopeo copy docker://REF oci:DIR:latest, then umoci unpack --image DIR:latest BUNDLE
# Times are wall-clock ($EPOCHREALTIME) around the whole of each; the medians and the ratios
# berth/podman and berth/skopeo+umoci are printed.
#
# Builds nothing: expects build/berth (or $BERTH). Needs root (drop_caches, overlay mounts).
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-5}
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/pull.sh [N]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }
berth=${BERTH:-$here/build/berth}
[ -x "$berth" ] || { echo "bench: $berth is missing: build it first (or set BERTH)" >&2; exit 1; }
for tool in podman skopeo umoci docker-registry; do
	command -v "$tool" >/dev/null || { echo "bench: $tool not installed" >&2; exit 1; }
done

cache=${BERTH_BENCH_CACHE:-/var/tmp/berth-bench-images}
tmp=$(mktemp -d /tmp/berth-bench-pull.XXXXXX)

# shellcheck source=../tests/lib/registry-env.sh
source "$here/tests/lib/registry-env.sh"

cleanup() {
	local m
	# Whatever is still mounted under our directory (an interrupted round).
	for m in $(awk -v d="$tmp/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	registry_stop || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building the image (once, into $cache)..." >&2
"$here/tests/lib/make-test-images.sh" big "$cache"
registry_start
ref=$REGISTRY/bench/big:latest
skopeo copy -q --dest-tls-verify=false "oci:$cache/big:latest" "docker://$ref"

mkdir -p "$tmp/podman"
cat >"$tmp/podman/containers.conf" <<EOF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$tmp/podman/tmp"
EOF

drop_caches() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

# run_berth DIR, run_podman DIR, run_skopeo DIR: one cold pull to a ready rootfs into DIR.
run_berth() {
	"$berth" --root "$1/root" --runroot "$1/run" pull -q --tls-verify=false "$ref" >"$1.out"
	"$berth" --root "$1/root" --runroot "$1/run" image mount "$ref" >>"$1.out"
}
run_podman() {
	cat >"$1.storage.conf" <<-EOF
		[storage]
		driver = "overlay"
		runroot = "$1/runroot"
		graphroot = "$1/root"
	EOF
	CONTAINERS_CONF=$tmp/podman/containers.conf CONTAINERS_STORAGE_CONF=$1.storage.conf \
		podman --root "$1/root" --runroot "$1/runroot" --storage-driver overlay \
		pull -q --tls-verify=false "$ref" >"$1.out"
}
run_skopeo() {
	skopeo copy -q --src-tls-verify=false "docker://$ref" "oci:$1/layout:latest" >"$1.out"
	umoci unpack --image "$1/layout:latest" "$1/bundle" >>"$1.out"
}

# clean_up_after TOOL DIR: unmount and remove what a round made (not timed).
clean_up_after() {
	case $1 in
	berth) "$berth" --root "$2/root" --runroot "$2/run" image umount "$ref" >/dev/null 2>&1 || true ;;
	podman)
		CONTAINERS_CONF=$tmp/podman/containers.conf CONTAINERS_STORAGE_CONF=$2.storage.conf \
			podman --root "$2/root" --runroot "$2/runroot" --storage-driver overlay \
			system reset -f >/dev/null 2>&1 || true
		;;
	esac
	local m
	for m in $(awk -v d="$2/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf "$2"
}

# tree_sizes DIR: every name under DIR with its type, and the size of regular files, sorted.
tree_sizes() {
	(cd "$1" && find . -xdev \( -type f -printf 'f %p %s\n' \) -o \( ! -type f -printf '%y %p\n' \) | sort)
}

tools=(berth podman skopeo)
for ((round = 0; round < n; round++)); do
	for ((k = 0; k < 3; k++)); do
		tool=${tools[(round + k) % 3]}
		dir=$tmp/$tool-$round
		mkdir -p "$dir"
		drop_caches
		t0=${EPOCHREALTIME/./}
		if "run_$tool" "$dir" 2>"$dir.err"; then
			t1=${EPOCHREALTIME/./}
			echo $((t1 - t0)) >>"$tmp/$tool.us"
		else
			echo "FAIL $(grep -m1 . "$dir.err" || echo "exit status $?")" >>"$tmp/$tool.us"
		fi
		# The first round: berth's rootfs must hold what umoci unpacked (names and sizes).
		if [ "$round" = 0 ] && [ "$tool" = berth ] && [ -s "$dir.out" ]; then
			cp "$dir.out" "$tmp/berth-first.out"
			tree_sizes "$(tail -n1 "$dir.out")" >"$tmp/berth-tree" || true
		fi
		if [ "$round" = 0 ] && [ "$tool" = skopeo ] && [ -d "$dir/bundle/rootfs" ]; then
			tree_sizes "$dir/bundle/rootfs" >"$tmp/umoci-tree"
		fi
		clean_up_after "$tool" "$dir"
	done
	echo "round $((round + 1))/$n done" >&2
done

# stats FILE: "median min max" in seconds, or the FAIL line.
stats() {
	if grep -q '^FAIL' "$1"; then grep -m1 '^FAIL' "$1"; return; fi
	sort -n "$1" | awk '{ v[NR] = $1 }
		END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.3f %.3f %.3f\n", m / 1e6, v[1] / 1e6, v[NR] / 1e6 }'
}

layers_mb=$(jq '[.layers[].size] | add / 1e6' "$cache/big/blobs/sha256/$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$cache/big/index.json")")
echo "berth pull benchmark: $n cold pulls per tool, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "kernel $(uname -r), $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
unpacked=$(awk '$1 == "f" { s += $3 } END { printf "%.0f MB", s / 1e6 }' "$tmp/umoci-tree" 2>/dev/null || echo "?")
printf 'image: 4 gzip layers, %.0f MB compressed, %s unpacked\n' "$layers_mb" "$unpacked"
echo
printf '%-44s %9s %9s %9s\n' "cold pull to a ready rootfs, s" median min max
declare -A median
for tool in berth podman skopeo; do
	case $tool in
	berth) label="berth $("$berth" version --format '{{.Client.Version}}') (pull + image mount)" ;;
	podman) label="podman $(podman --version | awk '{ print $NF }') (overlay)" ;;
	skopeo) label="skopeo $(skopeo --version | awk '{ print $NF }') + umoci unpack" ;;
	esac
	s=$(stats "$tmp/$tool.us")
	if [[ $s == FAIL* ]]; then
		printf '%-44s failed: %s\n' "$label" "${s#FAIL }"
	else
		read -r med min max <<<"$s"
		median[$tool]=$med
		printf '%-44s %9s %9s %9s\n' "$label" "$med" "$min" "$max"
	fi
done
echo
ratio() {
	if [ -n "${median[berth]:-}" ] && [ -n "${median[$1]:-}" ]; then
		awk -v a="${median[berth]}" -v b="${median[$1]}" -v l="$2" -v t="$3" 'BEGIN {
			r = a / b
			if (t != "") printf "%-28s %.2fx by median  (target <= %.2fx: %s)\n", l, r, t, (r <= t) ? "met" : "not met"
			else printf "%-28s %.2fx by median\n", l, r }'
	else
		printf '%-28s n/a\n' "$2"
	fi
}
ratio podman "berth/podman:" 0.35
ratio skopeo "berth/skopeo+umoci:" ""
if [ -s "$tmp/berth-tree" ] && [ -s "$tmp/umoci-tree" ]; then
	if cmp -s "$tmp/berth-tree" "$tmp/umoci-tree"; then
		echo "berth's rootfs: the same names and sizes as umoci's"
	else
		echo "berth's rootfs DIFFERS from umoci's (names or sizes):"
		diff "$tmp/umoci-tree" "$tmp/berth-tree" | head -n 10
		exit 1
	fi
fi
