#!/bin/bash
# bench/runtime.sh [N]: how long one `run` of /bin/true takes with berth-runtime and with its peers, in
# one run on one machine; then the same with memory, pids and cpu limits in config.json, and one `exec`
# of /bin/true into a running container. See docs/benchmarks.md for what each row means and the targets.
#
# Builds nothing: expects `make` to have produced build/berth-runtime. Without it the peers are still
# measured, the berth rows say "not built", and the script exits 1.
#
# Each row runs the same bundle N times in sequence, with a unique container id per run, after a few
# uncounted warm-up runs. A run is `RUNTIME --root TMP run -b BUNDLE ID`: create, start, wait, delete
# (without --detach, `run` deletes the container when it exits). Times come from bash's $EPOCHREALTIME
# around each run, so no process is spawned to read the clock. (hyperfine repeats one identical command;
# giving each run its own id would need a shell wrapper whose cost lands in the numbers.)
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")/.." && pwd)
self=$here/bench/runtime.sh

# time_loop OUT N WARMUP CMD...: run CMD N+WARMUP times, "{id}" in CMD replaced by a fresh id each time;
# append one line per counted run to OUT: the wall time in microseconds. On the first failure, write
# "FAIL <status> <first stderr line>" to OUT and stop.
time_loop() {
	local out=$1 n=$2 warm=$3 i t0 t1 status
	shift 3
	local -a cmd
	local err=$out.err
	for ((i = 0; i < n + warm; i++)); do
		cmd=("${@//\{id\}/b$$-$i}")
		t0=${EPOCHREALTIME/./}
		"${cmd[@]}" </dev/null >/dev/null 2>"$err" && status=0 || status=$?
		t1=${EPOCHREALTIME/./}
		if [ "$status" != 0 ]; then
			echo "FAIL $status $(grep -m1 . "$err" || true)" >>"$out"
			return 0
		fi
		((i < warm)) || echo $((t1 - t0)) >>"$out"
	done
}

# rss_loop OUT BUNDLE ROOT RUNTIME [GLOBAL FLAGS...]: 5 times `create` then `delete -f`; append the
# peak RSS of each create in KiB to OUT, or "FAIL <status> <first stderr line>" and stop.
# /usr/bin/time's %M is the largest ru_maxrss of the runtime process and of the children it reaped; the
# container's init (e.g. runc init, still waiting on the exec fifo) is not counted.
rss_loop() {
	local out=$1 bundle=$2 root=$3 i id status
	shift 3
	for i in 1 2 3 4 5; do
		id=rss$$-$i
		/usr/bin/time -f %M -o "$out.one" "$@" --root "$root" create -b "$bundle" "$id" \
			</dev/null >/dev/null 2>"$out.err" && status=0 || status=$?
		if [ "$status" != 0 ]; then
			echo "FAIL $status $(grep -m1 . "$out.err" || true)" >>"$out"
			return 0
		fi
		tail -1 "$out.one" >>"$out"
		"$@" --root "$root" delete -f "$id" >/dev/null 2>&1 || true
	done
}

# exec_loop OUT N WARMUP BUNDLE ROOT RUNTIME [GLOBAL FLAGS...]: create and start one container from
# BUNDLE (a `sleep 1000`), time N+WARMUP `exec ID /bin/true` into it with time_loop, then delete it
# with -f. If create or start fails, write "FAIL <status> <first stderr line>" to OUT.
exec_loop() {
	local out=$1 n=$2 warm=$3 bundle=$4 root=$5 id=x$$ status
	shift 5
	"$@" --root "$root" create -b "$bundle" "$id" </dev/null >/dev/null 2>"$out.err" &&
		"$@" --root "$root" start "$id" </dev/null >/dev/null 2>>"$out.err" && status=0 || status=$?
	if [ "$status" = 0 ]; then
		time_loop "$out" "$n" "$warm" "$@" --root "$root" exec "$id" /bin/true
	else
		echo "FAIL $status $(grep -m1 . "$out.err" || true)" >>"$out"
	fi
	"$@" --root "$root" delete -f "$id" >/dev/null 2>&1 || true
}

# Internal: `runtime.sh --loop|--exec|--rss ...` is how the rows inside cgroup2-ns.sh run.
case ${1:-} in
--loop) shift; time_loop "$@"; exit 0 ;;
--exec) shift; exec_loop "$@"; exit 0 ;;
--rss) shift; rss_loop "$@"; exit 0 ;;
esac

n=${1:-100}
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/runtime.sh [N]" >&2; exit 2; }
warm=5
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }

berth=$here/build/berth-runtime
runc=$(command -v runc || true)
crun=$(command -v crun || true)
cg2ns=$here/tests/lib/cgroup2-ns.sh

tmp=$(mktemp -d /tmp/berth-bench.XXXXXX)
bundle=$tmp/bundle
cleanup() {
	local rt root id
	for rt in "$berth" "$runc" "$crun"; do
		[ -x "$rt" ] || continue
		for root in "$tmp"/root-*; do
			[ -d "$root" ] || continue
			for id in $("$rt" --root "$root" list -q 2>/dev/null); do
				"$rt" --root "$root" delete -f "$id" >/dev/null 2>&1 || true
			done
		done
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One config for every row: runc's default (`runc spec`), so no runtime is timed on a lighter config of
# its own. crun 1.8.1 accepts only ociVersion 1.0.x, which is what runc writes.
BERTH_RUNTIME=${runc:-$berth} "$here/tests/lib/make-bundle.sh" "$bundle" /bin/true >/dev/null
jq '.ociVersion = "1.0.2-dev"' "$bundle/config.json" >"$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"

# The same config with limits (the limits rows), and with `sleep 1000` (the container the exec rows
# exec into). Both use the first bundle's rootfs by its absolute path (runc refuses a symlinked one).
bundle_lim=$tmp/bundle-limits
bundle_sleep=$tmp/bundle-sleep
mkdir "$bundle_lim" "$bundle_sleep"
jq --arg r "$bundle/rootfs" '.root.path = $r
	| .linux.resources.memory.limit = 268435456 | .linux.resources.pids.limit = 100
	| .linux.resources.cpu.quota = 50000 | .linux.resources.cpu.period = 100000' \
	"$bundle/config.json" >"$bundle_lim/config.json"
jq --arg r "$bundle/rootfs" '.root.path = $r | .process.args = ["sleep", "1000"]' \
	"$bundle/config.json" >"$bundle_sleep/config.json"

# stats FILE: "mean median min max" in milliseconds, or the FAIL line, or "-" if there is no file.
stats() {
	[ -s "$1" ] || { echo "-"; return; }
	if grep -q '^FAIL' "$1"; then grep -m1 '^FAIL' "$1"; return; fi
	sort -n "$1" | awk '{ v[NR] = $1; s += $1 }
		END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.2f %.2f %.2f %.2f\n", s / NR / 1000, m / 1000, v[1] / 1000, v[NR] / 1000 }'
}

# rss_summary KEY host|cgroup2 RUNTIME [FLAGS...]: median peak RSS of create, or why there is none.
rss_summary() {
	local out=$tmp/$1.rss root=$tmp/root-rss-$1 where=$2
	shift 2
	mkdir -p "$root"
	if [ "$where" = cgroup2 ]; then
		"$cg2ns" "$self" --rss "$out" "$bundle" "$root" "$@" || echo "FAIL $? cgroup2-ns.sh" >>"$out"
	else
		rss_loop "$out" "$bundle" "$root" "$@"
	fi
	if grep -q '^FAIL' "$out" 2>/dev/null; then
		echo "failed: $(grep -m1 '^FAIL' "$out" | cut -d' ' -f2-)"
	else
		sort -n "$out" | awk '{ v[NR] = $1 } END { printf "%d KiB (%.1f MiB)\n", v[int((NR + 1) / 2)], v[int((NR + 1) / 2)] / 1024 }'
	fi
}

version() { "$1" --version 2>/dev/null | awk 'NR == 1 { print $NF; exit }'; }

# Rows: name, file, where (host|cgroup2), command. The cgroup2 rows run inside one cgroup2-ns.sh call
# each, so the wrapper's own cost is outside the timed loop. A row with file "-" is a heading.
rows=()
row() { rows+=("$1|$2|$3|$4"); }
row "floor: unshare -fpmuinC /bin/true" floor host ""
row "runc $(version "$runc"), host cgroup v1" runc host ""
row "berth-runtime, host cgroup v1" berth-v1 host ""
row "crun $(version "$crun") --cgroup-manager=disabled, cgroup2 ns" crun cgroup2 ""
row "berth-runtime, cgroup2 ns" berth-v2 cgroup2 ""
row "run, limits (memory 256 MiB, pids 100, cpu 50000/100000):" - - ""
row "  runc, host cgroup v1 (limits applied)" runc-lim host ""
row "  berth-runtime, host cgroup v1 (limits applied)" berth-v1-lim host ""
row "  crun --cgroup-manager=disabled, cgroup2 ns (limits IGNORED)" crun-lim cgroup2 ""
row "  berth-runtime, cgroup2 ns, PLAIN config (limits refused)" berth-v2-plain cgroup2 ""
row "exec /bin/true into a running container:" - - ""
row "  runc, host cgroup v1" runc-exec host ""
row "  berth-runtime, host cgroup v1" berth-exec-v1 host ""
row "  crun --cgroup-manager=disabled, cgroup2 ns" crun-exec cgroup2 ""
row "  berth-runtime, cgroup2 ns" berth-exec-v2 cgroup2 ""

measure() {
	local file=$tmp/$1.us where=$2
	shift 2
	mkdir -p "$tmp/root-${file##*/}"
	if [ "$where" = cgroup2 ]; then
		"$cg2ns" "$self" --loop "$file" "$n" "$warm" "$@" || echo "FAIL $? cgroup2-ns.sh" >>"$file"
	else
		time_loop "$file" "$n" "$warm" "$@"
	fi
}

# measure_exec KEY WHERE RUNTIME [GLOBAL FLAGS...]: the exec rows (exec_loop), with their own --root.
measure_exec() {
	local file=$tmp/$1.us root=$tmp/root-$1 where=$2
	shift 2
	mkdir -p "$root"
	if [ "$where" = cgroup2 ]; then
		"$cg2ns" "$self" --exec "$file" "$n" "$warm" "$bundle_sleep" "$root" "$@" ||
			echo "FAIL $? cgroup2-ns.sh" >>"$file"
	else
		exec_loop "$file" "$n" "$warm" "$bundle_sleep" "$root" "$@"
	fi
}

have_berth=
[ -x "$berth" ] && have_berth=1
can_ns=
"$cg2ns" --check 2>"$tmp/ns.err" && can_ns=1

echo "berth runtime benchmark: $n sequential runs of /bin/true per row (+$warm warm-up), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "kernel $(uname -r), $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
echo

measure floor host unshare --fork --pid --mount --uts --ipc --net --cgroup /bin/true
[ -n "$runc" ] && measure runc host "$runc" --root "$tmp/root-runc" run -b "$bundle" "{id}"
[ -n "$have_berth" ] && measure berth-v1 host "$berth" --root "$tmp/root-berth-v1" run -b "$bundle" "{id}"
if [ -n "$can_ns" ]; then
	[ -n "$crun" ] && measure crun cgroup2 "$crun" --cgroup-manager=disabled --root "$tmp/root-crun" run -b "$bundle" "{id}"
	[ -n "$have_berth" ] && measure berth-v2 cgroup2 "$berth" --root "$tmp/root-berth-v2" run -b "$bundle" "{id}"
fi

[ -n "$runc" ] && measure runc-lim host "$runc" --root "$tmp/root-runc-lim" run -b "$bundle_lim" "{id}"
[ -n "$have_berth" ] && measure berth-v1-lim host "$berth" --root "$tmp/root-berth-v1-lim" run -b "$bundle_lim" "{id}"
# In the cgroup2 namespace there is no memory, pids or cpu controller. crun with its manager disabled
# runs the limited config and applies none of it; berth refuses it (checked once, below), so berth's row
# there runs the plain config: neither of the two applies a limit.
lim_probe=
if [ -n "$can_ns" ]; then
	[ -n "$crun" ] && measure crun-lim cgroup2 "$crun" --cgroup-manager=disabled --root "$tmp/root-crun-lim" run -b "$bundle_lim" "{id}"
	if [ -n "$have_berth" ]; then
		measure berth-v2-plain cgroup2 "$berth" --root "$tmp/root-berth-v2-plain" run -b "$bundle" "{id}"
		mkdir -p "$tmp/root-berth-v2-probe"
		"$cg2ns" "$self" --loop "$tmp/berth-v2-probe" 1 0 "$berth" --root "$tmp/root-berth-v2-probe" \
			run -b "$bundle_lim" "{id}" || true
		if grep -q '^FAIL' "$tmp/berth-v2-probe" 2>/dev/null; then
			lim_probe="refused: $(grep -m1 '^FAIL' "$tmp/berth-v2-probe" | cut -d' ' -f3-)"
		elif [ -s "$tmp/berth-v2-probe" ]; then
			lim_probe="accepted (the plain-config row understates berth's cost)"
		else
			lim_probe="could not be tried"
		fi
	fi
fi

[ -n "$runc" ] && measure_exec runc-exec host "$runc"
[ -n "$have_berth" ] && measure_exec berth-exec-v1 host "$berth"
if [ -n "$can_ns" ]; then
	[ -n "$crun" ] && measure_exec crun-exec cgroup2 "$crun" --cgroup-manager=disabled
	[ -n "$have_berth" ] && measure_exec berth-exec-v2 cgroup2 "$berth"
fi

printf '%-60s %9s %9s %9s %9s\n' "per container (per exec), ms" mean median min max
for r in "${rows[@]}"; do
	IFS='|' read -r name key where _ <<<"$r"
	[ "$key" = - ] && { echo "$name"; continue; }
	s=$(stats "$tmp/$key.us")
	if [ "$s" = - ]; then
		case $key in
		berth-*) [ -n "$have_berth" ] || s="not built" ;;
		esac
		[ "$where" = cgroup2 ] && [ -z "$can_ns" ] && s="cgroup2 ns unavailable: $(head -1 "$tmp/ns.err")"
		[ "$s" = - ] && s="not installed"
		printf '%-60s %s\n' "$name" "$s"
	elif [[ $s == FAIL* ]]; then
		printf '%-60s %s\n' "$name" "failed: ${s#FAIL }"
	else
		read -r mean median min max <<<"$s"
		printf '%-60s %9s %9s %9s %9s\n' "$name" "$mean" "$median" "$min" "$max"
	fi
done
echo

# ratio A B TARGET LABEL: berth/peer by mean (and by median), against the target.
ratio() {
	local a b
	a=$(stats "$tmp/$1.us")
	b=$(stats "$tmp/$2.us")
	if [[ $a == [0-9]* && $b == [0-9]* ]]; then
		read -r am amed _ <<<"$a"
		read -r bm bmed _ <<<"$b"
		awk -v am="$am" -v bm="$bm" -v amed="$amed" -v bmed="$bmed" -v t="$3" -v l="$4" 'BEGIN {
			r = am / bm
			printf "%-40s %.2fx by mean, %.2fx by median  (target <= %.2fx: %s)\n", l, r, amed / bmed, t,
				(r <= t) ? "met" : "not met" }'
	else
		printf '%-40s n/a (target <= %.2fx)\n' "$4" "$3"
	fi
}
ratio berth-v2 crun 0.70 "berth/crun (cgroup2):"
ratio berth-v1 runc 0.25 "berth/runc (cgroup v1):"
ratio berth-v2-plain crun-lim 0.70 "limits, berth/crun (cgroup2, no limits):"
ratio berth-v1-lim runc-lim 0.25 "limits, berth/runc (cgroup v1):"
ratio berth-exec-v2 crun-exec 0.70 "exec, berth/crun (cgroup2):"
ratio berth-exec-v1 runc-exec 0.25 "exec, berth/runc (cgroup v1):"
echo
echo "limits in the cgroup2 ns: it has no memory, pids or cpu controller (only hugetlb), so neither"
echo "  runtime applies a limit there: crun --cgroup-manager=disabled runs the limited config and ignores"
echo "  the limits; berth-runtime's row runs the plain config. berth-runtime given the limited config there:"
echo "    ${lim_probe:-not tried}"
echo

echo "peak RSS of \`create\` (median of 5):"
if [ -x /usr/bin/time ]; then
	if [ -n "$have_berth" ]; then
		printf '  %-16s %s\n' berth-runtime "$(rss_summary berth host "$berth")"
	else
		printf '  %-16s %s\n' berth-runtime "not built"
	fi
	[ -n "$runc" ] && printf '  %-16s %s\n' runc "$(rss_summary runc host "$runc")"
	[ -n "$crun" ] && [ -n "$can_ns" ] &&
		printf '  %-16s %s\n' "crun (cgroup2)" "$(rss_summary crun cgroup2 "$crun" --cgroup-manager=disabled)"
else
	echo "  /usr/bin/time not installed (apt-get install time)"
fi
echo
for b in "$berth" "$runc" "$crun"; do
	[ -x "$b" ] && printf 'binary size: %-40s %s KiB\n' "$b" $(($(stat -L -c %s "$b") / 1024))
done

if [ -z "$have_berth" ]; then
	echo
	echo "bench: $berth is missing: run make first" >&2
	exit 1
fi
