# Shared setup for the end-to-end suite. Every test file starts with `load helpers`.
#
# The suite drives an OCI runtime through runc's command line, so it runs unchanged against
# berth-runtime (the default), runc or crun:
#     RUNTIME=/usr/sbin/runc bats tests/e2e
#
# Each test gets its own state root ($ROOT), bundle ($BUNDLE) and container ids ($CID, or
# `new_id` for more); teardown force-deletes what the test created and fails the test if any
# state, cgroup, process, mount or network namespace is left behind.

bats_require_minimum_version 1.5.0

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$E2E_DIR/../.." && pwd)
RUNTIME=${RUNTIME:-$REPO_ROOT/build/berth-runtime}
case $RUNTIME in */*) ;; *) RUNTIME=$(command -v "$RUNTIME" || echo "$RUNTIME") ;; esac
# A test that hangs (a container holding a pipe open, a runtime waiting forever) fails instead.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

# Host pid whose namespaces are "the host's" (bats runs in the root namespaces here).
HOST_PID=$$

setup() {
	# Fail, not skip: a suite that skips everything would look green.
	[ -x "$RUNTIME" ] || { echo "runtime not found: $RUNTIME (build it or set RUNTIME)" >&2; return 1; }
	ROOT=$BATS_TEST_TMPDIR/root
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	CID_PREFIX="t$$-${BATS_TEST_NUMBER}-"
	CID=${CID_PREFIX}a
	ID_COUNTER=0
	HOST_MOUNTS=()
	NETNS_NAMES=()
	BG_PIDS=()
	mkdir -p "$ROOT"
}

teardown() {
	[ -n "${ROOT:-}" ] || return 0
	local pid id mnt ns leftover=0 i

	for pid in "${BG_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	for id in $(rt list -q 2>/dev/null); do
		rt delete --force "$id" >/dev/null 2>&1 || true
	done
	for pid in "${BG_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	for ((i = ${#HOST_MOUNTS[@]} - 1; i >= 0; i--)); do
		umount -l "${HOST_MOUNTS[i]}" 2>/dev/null || true
	done
	for ns in "${NETNS_NAMES[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	if ip netns list 2>/dev/null | grep -q "^${CID_PREFIX}"; then
		echo "teardown: network namespaces left behind:" $(ip netns list | grep "^${CID_PREFIX}") >&2
		leftover=1
	fi

	# What must be gone now.
	if [ -n "$(rt list -q 2>/dev/null)" ]; then
		echo "teardown: containers still listed: $(rt list -q 2>&1)" >&2
		leftover=1
	fi
	if [ -d "$ROOT" ] && [ -n "$(find "$ROOT" -name "${CID_PREFIX}*" -print -quit)" ]; then
		echo "teardown: state left under $ROOT:" $(find "$ROOT" -name "${CID_PREFIX}*") >&2
		leftover=1
	fi
	for i in $(seq 50); do
		[ -z "$(leftover_processes)" ] && break
		sleep 0.1
	done
	if [ -n "$(leftover_processes)" ]; then
		echo "teardown: container processes left behind:" $(leftover_processes) >&2
		leftover=1
		for pid in $(leftover_processes | cut -d: -f1); do kill -KILL "$pid" 2>/dev/null || true; done
	fi
	# The cgroup of a force-deleted container may take a moment to become removable.
	for i in $(seq 50); do
		[ -z "$(leftover_cgroups)" ] && break
		sleep 0.1
	done
	if [ -n "$(leftover_cgroups)" ]; then
		echo "teardown: cgroups left behind:" $(leftover_cgroups) >&2
		leftover=1
		leftover_cgroups | sort -r | xargs -r rmdir 2>/dev/null || true
	fi
	if grep -q " ${BATS_TEST_TMPDIR}[/ ]" /proc/self/mountinfo; then
		echo "teardown: mounts left behind:" >&2
		grep " ${BATS_TEST_TMPDIR}[/ ]" /proc/self/mountinfo >&2
		leftover=1
	fi
	return "$leftover"
}

# leftover_cgroups: cgroup directories (any hierarchy) named after one of this test's ids.
leftover_cgroups() {
	find /sys/fs/cgroup/ -mindepth 1 -maxdepth 7 -type d -name "*${CID_PREFIX}*" 2>/dev/null
}

# leftover_processes: live processes carrying this test's mark: the runtime's own processes (a
# container not yet started is still one of them) and every container process (make_bundle puts
# the mark in process.env).
leftover_processes() {
	local f p
	for f in $(grep -lzxF "BERTH_E2E_MARK=$CID_PREFIX" /proc/[0-9]*/environ 2>/dev/null); do
		p=${f#/proc/}
		p=${p%/environ}
		[ "$p" = "$BASHPID" ] && continue
		echo "$p:$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
	done
}

# rt ARGS...: the runtime under test with this test's state root.
rt() {
	BERTH_E2E_MARK=$CID_PREFIX "$RUNTIME" --root "$ROOT" "$@"
}

is_runc() {
	[ "$(basename "$RUNTIME")" = runc ]
}

# skip_if_runc REASON: for tests of what the spec (or berth) requires and runc is known not to do.
# E2E_RUNC_NO_SKIP=1 runs them anyway, to see whether runc still differs.
skip_if_runc() {
	if is_runc && [ -z "${E2E_RUNC_NO_SKIP:-}" ]; then skip "runc: $1"; fi
}

# new_id: another container id unique to this test.
new_id() {
	ID_COUNTER=$((ID_COUNTER + 1))
	echo "${CID_PREFIX}x${ID_COUNTER}"
}

# make_bundle [CMD ARGS...]: a busybox bundle at $BUNDLE whose process runs CMD.
# The config is the runtime's own `spec` output (so the defaults under test are the runtime's).
make_bundle() {
	make_bundle_at "$BUNDLE" "$@"
}

make_bundle_at() {
	local dir=$1
	shift
	BERTH_RUNTIME=$RUNTIME "$REPO_ROOT/tests/lib/make-bundle.sh" "$dir" "$@" >/dev/null
	local file=$dir/config.json
	jq --arg mark "BERTH_E2E_MARK=$CID_PREFIX" '.process.env += [$mark]' "$file" >"$file.new" &&
		mv "$file.new" "$file"
}

# cfg [JQ-OPTIONS] FILTER: edit $BUNDLE/config.json in place with jq.
cfg() {
	local file=$BUNDLE/config.json
	jq "$@" "$file" >"$file.new" && mv "$file.new" "$file"
}

# ctr_run [ID]: `run` the bundle's container in the foreground; its output is the command's.
ctr_run() {
	rt run --bundle "$BUNDLE" "${1:-$CID}" </dev/null
}

# ctr_create ID [CREATE-FLAGS...]: create a container from $BUNDLE. The container's stdio goes to
# $BATS_TEST_TMPDIR/ID.out and ID.err (never to a bats pipe, which it would hold open); the
# runtime's own stderr is copied to stderr once create returns.
ctr_create() {
	local id=$1 rc=0
	shift
	rt create --bundle "$BUNDLE" "$@" "$id" </dev/null \
		>"$BATS_TEST_TMPDIR/$id.out" 2>"$BATS_TEST_TMPDIR/$id.err" || rc=$?
	cat "$BATS_TEST_TMPDIR/$id.err" >&2
	return "$rc"
}

# ctr_output ID: what the container has written to stdout so far.
ctr_output() {
	cat "$BATS_TEST_TMPDIR/$1.out"
}

# state_of ID FIELD: one field of `state ID`, e.g. `state_of "$CID" status`.
state_of() {
	rt state "$1" | jq -r ".$2"
}

# wait_status ID STATUS [SECONDS]: poll `state` until the container reaches STATUS.
wait_status() {
	local id=$1 want=$2 tries=$((${3:-10} * 20)) got=
	while [ "$tries" -gt 0 ]; do
		got=$(state_of "$id" status 2>/dev/null) || got=
		[ "$got" = "$want" ] && return 0
		sleep 0.05
		tries=$((tries - 1))
	done
	echo "wait_status: $id is '$got', expected '$want'" >&2
	return 1
}

# wait_file FILE [SECONDS]: poll until FILE exists and is non-empty.
wait_file() {
	local tries=$((${2:-10} * 20))
	while [ "$tries" -gt 0 ]; do
		[ -s "$1" ] && return 0
		sleep 0.05
		tries=$((tries - 1))
	done
	echo "wait_file: $1 did not appear" >&2
	return 1
}

# host_mount ARGS...: `mount ARGS`, unmounted by teardown (last argument is the target).
host_mount() {
	mount "$@"
	HOST_MOUNTS+=("${!#}")
}

# host_netns NAME: `ip netns add NAME`, deleted by teardown.
host_netns() {
	ip netns add "$1"
	NETNS_NAMES+=("$1")
}

# background CMD...: run CMD in the background, killed by teardown; sets BG_PID.
background() {
	"$@" &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# one_line_error: the last `run --separate-stderr` printed exactly one non-empty line on stderr.
one_line_error() {
	local n
	n=$(printf '%s\n' "$stderr" | grep -c .)
	if [ "$n" -ne 1 ]; then
		echo "expected one line on stderr, got $n:" >&2
		printf '%s\n' "$stderr" >&2
		return 1
	fi
}

# cap_mask NAME...: the /proc/PID/status hex mask for capabilities NAME (CAP_ prefix optional).
cap_mask() {
	local -A bit=(
		[CHOWN]=0 [DAC_OVERRIDE]=1 [DAC_READ_SEARCH]=2 [FOWNER]=3 [FSETID]=4 [KILL]=5
		[SETGID]=6 [SETUID]=7 [SETPCAP]=8 [LINUX_IMMUTABLE]=9 [NET_BIND_SERVICE]=10
		[NET_BROADCAST]=11 [NET_ADMIN]=12 [NET_RAW]=13 [IPC_LOCK]=14 [IPC_OWNER]=15
		[SYS_MODULE]=16 [SYS_RAWIO]=17 [SYS_CHROOT]=18 [SYS_PTRACE]=19 [SYS_PACCT]=20
		[SYS_ADMIN]=21 [SYS_BOOT]=22 [SYS_NICE]=23 [SYS_RESOURCE]=24 [SYS_TIME]=25
		[SYS_TTY_CONFIG]=26 [MKNOD]=27 [LEASE]=28 [AUDIT_WRITE]=29 [AUDIT_CONTROL]=30
		[SETFCAP]=31 [MAC_OVERRIDE]=32 [MAC_ADMIN]=33 [SYSLOG]=34 [WAKE_ALARM]=35
		[BLOCK_SUSPEND]=36 [AUDIT_READ]=37 [PERFMON]=38 [BPF]=39 [CHECKPOINT_RESTORE]=40
	)
	local mask=0 name
	for name in "$@"; do
		name=${name#CAP_}
		[ -n "${bit[$name]:-}" ] || { echo "cap_mask: unknown capability $name" >&2; return 1; }
		mask=$((mask | (1 << bit[$name])))
	done
	printf '%016x\n' "$mask"
}

# json_array WORD...: the words as a JSON array of strings.
json_array() {
	if [ $# -eq 0 ]; then echo '[]'; return; fi
	printf '%s\n' "$@" | jq -R . | jq -cs .
}
