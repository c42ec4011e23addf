#!/bin/bash
# bench/engine.sh [N [ROUNDS]]: what a container costs through the engine, with berth, podman and
# docker, in one run on one machine. See docs/benchmarks.md for what each row means and the targets
# (berth <= 0.1x podman on the first row, a monitor under 1 MiB RSS).
#
# Rows, each with every engine in turn (berth, podman, docker), after 2 uncounted warm-ups:
#   run --rm       N times `run --rm --network none IMAGE true` (attached: create, start, wait,
#                  remove)
#   run -d / exec / rm -f
#                  N times `run -d --network none --name NAME IMAGE sleep 1000`, then
#                  `exec NAME true`, then `rm -f NAME`; each step timed, and the sum
#   50 containers  ROUNDS times: 50 `run -d ... sleep 1000` one after the other, then one
#                  `rm -f` naming the 50; the two totals. While the 50 run, the RSS and PSS of the
#                  process each engine keeps per container (berth-monitor, conmon,
#                  containerd-shim-runc-v2) are read from /proc.
#
# The image is a busybox-static root filesystem (tests/lib/make-image.sh tar) imported into each
# engine (`berth import`, `podman import`, `docker import`) under the same name. Nothing of the
# host's engines is used or touched:
#   berth   BERTH (default build/berth) with --root in a temporary directory and --runroot in
#           one under /run (every engine's volatile state is on that tmpfs, as on a real host)
#   podman  --runtime runc, overlay driver, --root/--runroot and a CONTAINERS_CONF and
#           CONTAINERS_STORAGE_CONF of ours in the temporary directory (as tests/lib/podman-env.sh),
#           containers in the cgroup parent /berth-bench-PID (removed at the end); `rm -f -t 0`,
#           since podman's `rm -f` otherwise waits the 10 s stop timeout first (docker's and
#           berth's `rm -f` kill at once)
#   docker  Debian's docker.io (/usr/sbin/dockerd, /usr/bin/docker), a dockerd started for this run
#           as tests/e2e/image-docker.bats does: data root, exec root, pid file, key and unix socket
#           in the temporary directory, --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false, overlay2
#           (vfs if overlay2 does not start), cgroup parent /berth-bench-PID-docker; stopped at
#           the end
# Times are wall-clock, bash's $EPOCHREALTIME around each command (no process spawned to read the
# clock); mean, median, min and max in ms, and berth/podman and berth/docker by mean and median.
#
# Builds nothing. Needs root. An engine that is not installed (or a dockerd that does not start)
# gets "not measured" rows; the script exits 1 if berth could not be measured.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-20}
rounds=${2:-3}
[[ $n =~ ^[1-9][0-9]*$ && $rounds =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/engine.sh [N [ROUNDS]]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }
berth=${BERTH:-$here/build/berth}
[ -x "$berth" ] || { echo "bench: $berth is missing: build it first (or set BERTH)" >&2; exit 1; }
podman=$(command -v podman || true)
runc=$(command -v runc || true)
DOCKERD=/usr/sbin/dockerd
DOCKER=/usr/bin/docker
warm=2
batch=50
image=localhost/bench/busybox:latest

tmp=$(mktemp -d /tmp/berth-bench-engine.XXXXXX)
# The volatile state of each engine (berth's and podman's runroot, docker's exec root) on a
# tmpfs, as on a real host (/run): on disk, it would add fsyncs none of them pays there. Where
# /run is not a tmpfs (this VM's /run is on the root's ext4), the bench mounts one there, for
# every engine alike.
run=$(mktemp -d /run/berth-bench-engine.XXXXXX)
run_mounted=0
if [ "$(stat -f -c %T "$run")" != tmpfs ]; then
	mount -t tmpfs -o mode=0700,size=1g berth-bench "$run"
	run_mounted=1
fi
cgparent=berth-bench-$$
run_docker_existed=0
# podman puts an exec session's conmon in /libpod_parent/conmon whatever --cgroup-parent says:
# removed at the end if it was not there before.
libpod_parent_existed=0
[ -n "$(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name libpod_parent 2>/dev/null)" ] && libpod_parent_existed=1
[ -e /run/docker ] && run_docker_existed=1
dockerd_pid=

# The engines, each with its state in $tmp. The functions add no process to what is timed.
eb() { "$berth" --root "$tmp/berth/root" --runroot "$run/berth" "$@"; }
ep() {
	CONTAINERS_CONF=$tmp/podman/containers.conf CONTAINERS_STORAGE_CONF=$tmp/podman/storage.conf \
		"$podman" --root "$tmp/podman/root" --runroot "$run/podman" --storage-driver overlay \
		--runtime runc --cgroup-manager cgroupfs --events-backend file "$@"
}
ed() { DOCKER_CONFIG=$tmp/docker/client "$DOCKER" -H "unix://$tmp/docker/docker.sock" "$@"; }

# What each engine is given for the rows (the podman flags are explained at the top).
declare -A cli=([berth]=eb [podman]=ep [docker]=ed)
declare -A runflags=([berth]="" [podman]="--cgroup-parent /$cgparent" [docker]="")
declare -A rmflags=([berth]="-f" [podman]="-f -t 0" [docker]="-f")
declare -A why_not=()
engines=(berth podman docker)

# our_processes: pid and command line of every live process whose command line names $tmp/
# (monitors, conmons, shims, dockerd, containerd).
our_processes() {
	local f p
	for f in /proc/[0-9]*/cmdline; do
		p=${f#/proc/}
		p=${p%/cmdline}
		[ "$p" = "$BASHPID" ] && continue
		if { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -qF -- "$tmp/"; then
			echo "$p $({ tr '\0' ' ' <"$f"; } 2>/dev/null)"
		fi
	done
}

unmount_ours() {
	local m
	for m in $(awk -v d="$tmp/" -v r="$run/" 'index($5, d) == 1 || index($5, r) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
}

cleanup() {
	local i p d
	set +e
	if [ -z "${why_not[berth]:-}" ]; then
		eb ps -aq 2>/dev/null | xargs -r "$berth" --root "$tmp/berth/root" --runroot "$run/berth" rm -f >/dev/null 2>&1
	fi
	if [ -n "$podman" ] && [ -d "$tmp/podman" ]; then
		ep rm -a -f -t 0 >/dev/null 2>&1
		ep system reset -f >/dev/null 2>&1
	fi
	if [ -n "$dockerd_pid" ]; then
		ed ps -aq 2>/dev/null | xargs -r "$DOCKER" -H "unix://$tmp/docker/docker.sock" rm -f >/dev/null 2>&1
		kill -TERM "$dockerd_pid" 2>/dev/null
		for i in $(seq 150); do
			kill -0 "$dockerd_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$dockerd_pid" 2>/dev/null
		wait "$dockerd_pid" 2>/dev/null
	fi
	# Whatever an engine left running (a monitor, a conmon, a shim): only processes naming $tmp/.
	for i in $(seq 30); do
		[ -z "$(our_processes)" ] && break
		sleep 0.1
	done
	for p in $(our_processes | cut -d' ' -f1); do
		echo "bench: killing a process left behind: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" >&2
		kill -KILL "$p" 2>/dev/null
	done
	unmount_ours
	[ "$run_mounted" = 1 ] && umount -l "$run"
	# The cgroup parents of podman's and docker's containers (conmon's cgroup stays by design).
	for d in $(find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d \( -name "$cgparent" -o -name "$cgparent-docker" \) 2>/dev/null); do
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	if [ "$libpod_parent_existed" = 0 ]; then
		find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name libpod_parent -exec rmdir {}/conmon {} \; 2>/dev/null
	fi
	# dockerd makes /run/docker/plugins whatever its exec root says.
	[ "$run_docker_existed" = 1 ] || rmdir /run/docker/plugins /run/docker 2>/dev/null
	rm -rf "$tmp" "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# docker_start: a dockerd of our own; returns 1 (with its log's last lines in $tmp/docker.why) if
# neither overlay2 nor vfs starts.
docker_start() {
	local driver i
	for driver in overlay2 vfs; do
		rm -rf "$tmp/docker"
		mkdir -p "$tmp/docker"/{data,exec,client}
		printf '{"deprecated-key-path": "%s"}\n' "$tmp/docker/key.json" >"$tmp/docker/daemon.json"
		"$DOCKERD" --config-file "$tmp/docker/daemon.json" \
			--data-root "$tmp/docker/data" --exec-root "$run/docker" \
			--pidfile "$tmp/docker/docker.pid" -H "unix://$tmp/docker/docker.sock" \
			--bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --storage-driver "$driver" \
			--cgroup-parent "/$cgparent-docker" \
			</dev/null >"$tmp/dockerd-$driver.log" 2>&1 &
		dockerd_pid=$!
		for i in $(seq 200); do
			ed version >/dev/null 2>&1 && { docker_driver=$driver; return 0; }
			kill -0 "$dockerd_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$dockerd_pid" 2>/dev/null || true
		wait "$dockerd_pid" 2>/dev/null || true
		dockerd_pid=
		unmount_ours
	done
	tail -n 1 "$tmp/dockerd-vfs.log" >"$tmp/docker.why"
	return 1
}

# timed OUT CMD...: run CMD once, append its wall time in microseconds to OUT; on failure append
# "FAIL <status> <first stderr line>" and return 1.
timed() {
	local out=$1 t0 t1 status
	shift
	t0=${EPOCHREALTIME/./}
	"$@" </dev/null >/dev/null 2>"$tmp/err" && status=0 || status=$?
	t1=${EPOCHREALTIME/./}
	if [ "$status" != 0 ]; then
		echo "FAIL $status $(grep -m1 . "$tmp/err" || true)" >>"$out"
		return 1
	fi
	echo $((t1 - t0)) >>"$out"
}

failed() { grep -q '^FAIL' "$1" 2>/dev/null; }

# row_run ENGINE: the `run --rm` row.
row_run() {
	local e=$1 c=${cli[$1]} i out=$tmp/$1.run.us
	for ((i = 0; i < n + warm; i++)); do
		# shellcheck disable=SC2086
		timed "$out" "$c" run --rm --network none ${runflags[$e]} "$image" true || return 0
		((i >= warm)) || sed -i '$d' "$out"
	done
}

# row_cycle ENGINE: the run -d / exec / rm -f rows; the sum of the three per cycle too.
row_cycle() {
	local e=$1 c=${cli[$1]} i name a b d
	local k
	for ((i = 0; i < n + warm; i++)); do
		name=bench-$$-$i
		# shellcheck disable=SC2086
		timed "$tmp/$e.rund.us" "$c" run -d --network none ${runflags[$e]} --name "$name" "$image" sleep 1000 &&
			timed "$tmp/$e.exec.us" "$c" exec "$name" true &&
			timed "$tmp/$e.rm.us" "$c" rm ${rmflags[$e]} "$name" || { "$c" rm ${rmflags[$e]} "$name" >/dev/null 2>&1 || true; return 0; }
		if ((i < warm)); then
			for k in rund exec rm; do sed -i '$d' "$tmp/$e.$k.us"; done
		else
			a=$(tail -n1 "$tmp/$e.rund.us")
			b=$(tail -n1 "$tmp/$e.exec.us")
			d=$(tail -n1 "$tmp/$e.rm.us")
			echo $((a + b + d)) >>"$tmp/$e.cycle.us"
		fi
	done
}

# monitor_pids ENGINE: the per-container process of each running container of ENGINE.
monitor_pids() {
	local pat
	case $1 in
	berth) pat='berth-monitor' ;;
	podman) pat='conmon' ;;
	docker) pat='containerd-shim' ;;
	esac
	our_processes | awk -v p="$pat" '{ n = split($2, a, "/"); if (index(a[n], p) == 1) print $1 }'
}

# memory ENGINE: "RSS PSS" in KiB of each per-container process, one line each, to $tmp/ENGINE.mem.
memory() {
	local p
	for p in $(monitor_pids "$1"); do
		awk '/^VmRSS:/ { r = $2 } END { printf "%d ", r }' "/proc/$p/status" 2>/dev/null || continue
		awk '/^Pss:/ { s = $2 } END { print s + 0 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0
	done >>"$tmp/$1.mem"
}

# row_batch ENGINE: ROUNDS times, 50 run -d then one rm -f of the 50.
row_batch() {
	local e=$1 c=${cli[$1]} r i t0 t1 status
	local -a names
	for ((r = 0; r < rounds; r++)); do
		names=()
		t0=${EPOCHREALTIME/./}
		for ((i = 0; i < batch; i++)); do
			names+=("batch-$$-$r-$i")
			# shellcheck disable=SC2086
			"$c" run -d --network none ${runflags[$e]} --name "batch-$$-$r-$i" "$image" sleep 1000 \
				</dev/null >/dev/null 2>"$tmp/err" && status=0 || status=$?
			if [ "$status" != 0 ]; then
				echo "FAIL $status $(grep -m1 . "$tmp/err" || true)" >>"$tmp/$e.batch-run.us"
				# shellcheck disable=SC2086
				"$c" rm ${rmflags[$e]} "${names[@]}" >/dev/null 2>&1 || true
				return 0
			fi
		done
		t1=${EPOCHREALTIME/./}
		echo $((t1 - t0)) >>"$tmp/$e.batch-run.us"
		((r > 0)) || memory "$e"
		# shellcheck disable=SC2086
		timed "$tmp/$e.batch-rm.us" "$c" rm ${rmflags[$e]} "${names[@]}" || return 0
	done
}

# stats FILE: "mean median min max" in ms, the FAIL line, or "-" when there is no file.
stats() {
	[ -s "$1" ] || { echo "-"; return; }
	if failed "$1"; then grep -m1 '^FAIL' "$1"; return; fi
	sort -n "$1" | awk '{ v[NR] = $1; s += $1 }
		END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.1f %.1f %.1f %.1f\n", s / NR / 1000, m / 1000, v[1] / 1000, v[NR] / 1000 }'
}

# Setup: the image, and each engine with it imported. An engine that cannot be set up is skipped.
"$here/tests/lib/make-image.sh" tar "$tmp/rootfs.tar"
mkdir -p "$tmp/berth"
eb import "$tmp/rootfs.tar" "$image" >/dev/null 2>"$tmp/err" ||
	why_not[berth]="berth import failed: $(head -n1 "$tmp/err")"

if [ -z "$podman" ] || [ -z "$runc" ]; then
	why_not[podman]="podman or runc not installed"
else
	mkdir -p "$tmp/podman"/{root,runroot,tmp,cni}
	cat >"$tmp/podman/containers.conf" <<-EOF
		[containers]
		default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
		netns = "none"
		log_driver = "k8s-file"

		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		tmp_dir = "$tmp/podman/tmp"
		volume_path = "$tmp/podman/root/volumes"

		[network]
		network_backend = "cni"
		network_config_dir = "$tmp/podman/cni"
		cni_plugin_dirs = ["/usr/lib/cni"]
	EOF
	cat >"$tmp/podman/storage.conf" <<-EOF
		[storage]
		driver = "overlay"
		runroot = "$run/podman"
		graphroot = "$tmp/podman/root"
	EOF
	ep import "$tmp/rootfs.tar" "$image" >/dev/null 2>"$tmp/err" ||
		why_not[podman]="podman import failed: $(head -n1 "$tmp/err")"
fi

docker_driver=
if [ ! -x "$DOCKERD" ] || [ ! -x "$DOCKER" ]; then
	why_not[docker]="docker.io not installed ($DOCKERD, $DOCKER)"
elif ! docker_start; then
	why_not[docker]="dockerd did not start: $(cat "$tmp/docker.why")"
else
	ed import "$tmp/rootfs.tar" "$image" >/dev/null 2>"$tmp/err" ||
		why_not[docker]="docker import failed: $(head -n1 "$tmp/err")"
fi

version() {
	case $1 in
	berth) "$berth" version --format '{{.Client.Version}}' 2>/dev/null ;;
	podman) "$podman" --version | awk '{ print $NF }' ;;
	docker) ed version --format '{{.Server.Version}}' 2>/dev/null ;;
	esac
}
declare -A label=()
for e in "${engines[@]}"; do
	label[$e]=$e
	[ -n "${why_not[$e]:-}" ] && continue
	label[$e]="$e $(version "$e")"
done
[ -n "$runc" ] && label[podman]+=" (runc $("$runc" --version 2>/dev/null | awk 'NR == 1 { print $NF }'))"
[ -n "$docker_driver" ] && label[docker]+=" ($docker_driver)"

for step in row_run row_cycle row_batch; do
	for e in "${engines[@]}"; do
		[ -n "${why_not[$e]:-}" ] || "$step" "$e"
	done
	echo "${step#row_} done" >&2
done

echo "berth engine benchmark: N = $n (+$warm warm-up) per row, $rounds round(s) of $batch containers, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "kernel $(uname -r), $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
for e in "${engines[@]}"; do
	printf '  %-8s %s\n' "$e:" "${label[$e]}${why_not[$e]:+: NOT MEASURED: ${why_not[$e]}}"
done
echo

rows=(
	"run --rm --network none IMAGE true|run"
	"run -d ... sleep 1000|rund"
	"exec NAME true|exec"
	"rm -f NAME|rm"
	"run -d + exec + rm -f (sum)|cycle"
	"$batch x run -d (total of the $batch)|batch-run"
	"rm -f of the $batch (one command)|batch-rm"
)
printf '%-40s %-8s %10s %10s %10s %10s\n' "ms" engine mean median min max
for r in "${rows[@]}"; do
	name=${r%|*}
	key=${r#*|}
	for e in "${engines[@]}"; do
		s=$(stats "$tmp/$e.$key.us")
		if [ -n "${why_not[$e]:-}" ]; then
			printf '%-40s %-8s %s\n' "$name" "$e" "not measured"
		elif [[ $s == FAIL* ]]; then
			printf '%-40s %-8s failed: %s\n' "$name" "$e" "${s#FAIL }"
		elif [ "$s" = - ]; then
			printf '%-40s %-8s %s\n' "$name" "$e" "not run (an earlier step failed)"
		else
			read -r mean median min max <<<"$s"
			printf '%-40s %-8s %10s %10s %10s %10s\n' "$name" "$e" "$mean" "$median" "$min" "$max"
		fi
		name=""
	done
done
echo

# ratio KEY PEER: berth/PEER on row KEY, "MEAN MEDIAN" (ratios by mean and by median), or "n/a".
ratio() {
	local a b
	a=$(stats "$tmp/berth.$1.us")
	b=$(stats "$tmp/$2.$1.us")
	if [[ $a == [0-9]* && $b == [0-9]* ]]; then
		read -r am amed _ <<<"$a"
		read -r bm bmed _ <<<"$b"
		awk -v am="$am" -v bm="$bm" -v amed="$amed" -v bmed="$bmed" 'BEGIN { printf "%.2fx %.2fx\n", am / bm, amed / bmed }'
	else
		echo "n/a"
	fi
}
printf '%-40s %-16s %s\n' "berth / peer, by mean and by median" berth/podman berth/docker
for r in "${rows[@]}"; do
	printf '%-40s %-16s %s\n' "${r%|*}" "$(ratio "${r#*|}" podman)" "$(ratio "${r#*|}" docker)"
done
# The target is judged on the unrounded ratio of the means (the table rounds to 0.01).
first=$(ratio run podman)
if [ "$first" = n/a ]; then
	echo "target: berth <= 0.10x podman on run --rm by mean: n/a"
else
	awk -v a="$(stats "$tmp/berth.run.us" | cut -d' ' -f1)" -v b="$(stats "$tmp/podman.run.us" | cut -d' ' -f1)" \
		'BEGIN { r = a / b; printf "target: berth <= 0.10x podman on run --rm by mean: %s (%.3fx)\n", (r <= 0.10) ? "met" : "not met", r }'
fi
echo

echo "memory of the process kept per running container, while $batch run (KiB, median and total):"
mem_line() {
	local f=$tmp/$1.mem
	if [ ! -s "$f" ]; then
		printf '  %-26s %s\n' "$2" "not measured"
		return
	fi
	local rss pss
	rss=$(cut -d' ' -f1 "$f" | sort -n | awk '{ v[NR] = $1; t += $1 } END { printf "%d %d %d", NR, v[int((NR + 1) / 2)], t }')
	pss=$(cut -d' ' -f2 "$f" | sort -n | awk '{ v[NR] = $1; t += $1 } END { printf "%d %d", v[int((NR + 1) / 2)], t }')
	awk -v l="$2" -v e="$1" -v rss="$rss" -v pss="$pss" 'BEGIN { split(rss, r, " "); split(pss, s, " ")
		printf "  %-26s %d processes: RSS %d KiB (%.2f MiB), PSS %d KiB; total RSS %d, PSS %d", l, r[1], r[2], r[2] / 1024, s[1], r[3], s[2]
		if (e == "berth") printf "  (target RSS < 1024 KiB: %s)", (r[2] < 1024) ? "met" : "not met"
		printf "\n" }'
}
mem_line berth berth-monitor
mem_line podman conmon
mem_line docker containerd-shim-runc-v2
echo "  (docker also keeps dockerd and containerd running: $(for p in $(our_processes | awk '{ n = split($2, a, "/"); if (a[n] == "dockerd" || a[n] == "containerd") print $1 }'); do
	awk '/^Name:/ { n = $2 } /^VmRSS:/ { r = $2 } END { printf "%s %d KiB ", n, r }' "/proc/$p/status" 2>/dev/null
done))"

if [ -n "${why_not[berth]:-}" ] || failed "$tmp/berth.run.us"; then
	echo "bench: berth could not be measured" >&2
	exit 1
fi
