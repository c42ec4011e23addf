#!/usr/bin/env bats
# linux.resources: the limits of config.json land in the container's cgroup files, device rules
# keep the container to its devices, and a limit the host cannot enforce is refused with one
# clear line and nothing left behind.
#
# The host is cgroup v1 (hybrid); the v2 tests run inside tests/lib/cgroup2-ns.sh, where only the
# hugetlb controller can exist (and only once the host's cgroup2 root delegates it).

load helpers

CG2NS=$REPO_ROOT/tests/lib/cgroup2-ns.sh
UNIFIED=/sys/fs/cgroup/unified

# cg_dir CONTROLLER PID: the v1 cgroup directory of PID in CONTROLLER's hierarchy.
cg_dir() {
	echo "/sys/fs/cgroup/$1$(awk -F: -v c="$1" '$2 == c { print $3 }' "/proc/$2/cgroup")"
}

# started ID: create and start ID from $BUNDLE; prints the init's pid.
started() {
	ctr_create "$1"
	rt start "$1"
	state_of "$1" pid
}

# expect_refused WORD: create fails with one line on stderr mentioning WORD, nothing is left.
expect_refused() {
	local rc=0 err
	ctr_create "$CID" 2>"$BATS_TEST_TMPDIR/create.err" || rc=$?
	err=$(cat "$BATS_TEST_TMPDIR/create.err")
	echo "create exited $rc: $err" >&2
	[ "$rc" -ne 0 ]
	[ "$(printf '%s\n' "$err" | grep -c .)" -eq 1 ]
	[[ $err == *"$1"* ]]
	run ! rt state "$CID"
	[ -z "$(rt list -q)" ]
	[ -z "$(leftover_cgroups)" ]
}

@test "v1: memory, pids and cpu limits are in the container's cgroup files" {
	make_bundle sleep 1000
	cfg '.linux.resources += {
		memory: {limit: 67108864, reservation: 33554432, swap: 134217728, swappiness: 20},
		pids: {limit: 42},
		cpu: {shares: 512, quota: 20000, period: 100000, cpus: "0", mems: "0"}}'
	pid=$(started "$CID")
	mem=$(cg_dir memory "$pid")
	[ "$(cat "$mem/memory.limit_in_bytes")" = 67108864 ]
	[ "$(cat "$mem/memory.soft_limit_in_bytes")" = 33554432 ]
	[ "$(cat "$mem/memory.memsw.limit_in_bytes")" = 134217728 ]
	[ "$(cat "$mem/memory.swappiness")" = 20 ]
	[ "$(cat "$(cg_dir pids "$pid")/pids.max")" = 42 ]
	cpu=$(cg_dir cpu "$pid")
	[ "$(cat "$cpu/cpu.shares")" = 512 ]
	[ "$(cat "$cpu/cpu.cfs_quota_us")" = 20000 ]
	[ "$(cat "$cpu/cpu.cfs_period_us")" = 100000 ]
	[ "$(cat "$(cg_dir cpuset "$pid")/cpuset.cpus")" = 0 ]
}

@test "v1: the pids limit holds inside the container" {
	make_bundle sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; echo forked all'
	cfg '.linux.resources.pids = {limit: 4}'
	run ctr_run
	echo "$output"
	[[ $output != *"forked all"* ]]
	grep -qi "resource temporarily unavailable\|can't fork" <<<"$output"
}

@test "v1: device rules are the config's plus the default devices, as runc sets them" {
	make_bundle sleep 1000
	pid=$(started "$CID")
	sort "$(cg_dir devices "$pid")/devices.list" >"$BATS_TEST_TMPDIR/list"
	sort >"$BATS_TEST_TMPDIR/want" <<-'EOF'
	b *:* m
	c *:* m
	c 1:3 rwm
	c 1:5 rwm
	c 1:7 rwm
	c 1:8 rwm
	c 1:9 rwm
	c 5:0 rwm
	c 5:2 rwm
	c 10:200 rwm
	c 136:* rwm
	EOF
	diff -u "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/list"
}

@test "v1: a host device bound into the container cannot be opened, /dev/null can" {
	make_bundle sh -c 'echo x >/dev/null && echo null-ok; (exec 3</dev/loop-control) 2>&1 || echo loopctl-denied'
	cfg '.mounts += [{destination: "/dev/loop-control", source: "/dev/loop-control", type: "bind", options: ["bind"]}]'
	run ctr_run
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *null-ok* ]]
	[[ $output == *"loopctl-denied"* ]]
}

@test "v1: a device in linux.devices is usable once linux.resources.devices allows it" {
	make_bundle sh -c '(exec 3</dev/loop-control) 2>&1 && echo loopctl-ok'
	cfg '.linux.devices = [{path: "/dev/loop-control", type: "c", major: 10, minor: 237}]'
	run ctr_run
	echo "$output"
	[[ $output == *"Operation not permitted"* ]]
	cfg '.linux.resources.devices += [{allow: true, type: "c", major: 10, minor: 237, access: "rw"}]'
	run ctr_run
	echo "$output"
	[[ $output == *loopctl-ok* ]]
}

@test "v1: a limit whose file the kernel lacks is refused and nothing is left (blockIO.weight)" {
	[ ! -e /sys/fs/cgroup/blkio/blkio.weight ] || skip "this kernel has blkio.weight"
	skip_if_runc "runc ignores a blkio weight the kernel has no file for"
	make_bundle sleep 1000
	cfg '.linux.resources.blockIO = {weight: 500}'
	expect_refused "linux.resources.blockIO: blkio.weight is not supported by this kernel"
}

@test "v1: linux.resources.unified is refused" {
	make_bundle sleep 1000
	cfg '.linux.resources.unified = {"memory.max": "1048576"}'
	expect_refused "$(is_runc || echo 'linux.resources.unified: needs cgroup v2')"
}

@test "v1: hugepageLimits without a v1 hugetlb hierarchy is refused" {
	! grep -q '\bhugetlb\b' <(awk '$9 == "cgroup" { print $NF }' /proc/self/mountinfo) ||
		skip "hugetlb is mounted as v1 here"
	skip_if_runc "runc ignores a missing v1 hugetlb hierarchy"
	make_bundle sleep 1000
	cfg '.linux.resources.hugepageLimits = [{pageSize: "2MB", limit: 4194304}]'
	expect_refused "linux.resources.hugepageLimits: the hugetlb controller is not available"
}

# --- cgroup v2 (in a private cgroup2 namespace) ---

PRELUDE='set -euo pipefail
PS4="+ "
rt() { BERTH_E2E_MARK=$CID_PREFIX "$RUNTIME" --root "$ROOT" "$@"; }
cfg() { jq "$@" "$BUNDLE/config.json" >"$BUNDLE/config.json.new" && mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"; }
# The test shell leaves the namespace root for a cgroup of its own, so that the root may delegate
# controllers ("no internal processes"); the trap puts it back and removes what is left.
SHELL_CG=/sys/fs/cgroup/${CID_PREFIX}shell
mkdir "$SHELL_CG"
echo $$ >"$SHELL_CG/cgroup.procs"
cleanup() {
	local id
	for id in $(rt list -q 2>/dev/null); do rt delete --force "$id" >/dev/null 2>&1 || true; done
	echo -hugetlb >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
	echo $$ >/sys/fs/cgroup/cgroup.procs
	rmdir "$SHELL_CG"
}
trap cleanup EXIT
set -x
'

in_cgroup2() {
	local script
	script=$(cat)
	run "$CG2NS" bash -c "$PRELUDE$script"
	echo "$output"
	[ "$status" -eq 0 ]
	if grep -q '^cgroup2-ns: leaked' <<<"$output"; then
		echo "the test left processes or cgroups behind (see above)"
		return 1
	fi
}

# Lets the namespace's root have hugetlb: the host's cgroup2 root must delegate it. Undone in
# teardown when this test turned it on.
delegate_hugetlb() {
	grep -qw hugetlb "$UNIFIED/cgroup.controllers" || skip "no hugetlb controller in cgroup2"
	if ! grep -qw hugetlb "$UNIFIED/cgroup.subtree_control"; then
		echo +hugetlb >"$UNIFIED/cgroup.subtree_control"
		HUGETLB_DELEGATED=1
	fi
}

eval "helpers_$(declare -f teardown)"
teardown() {
	if [ -n "${HUGETLB_DELEGATED:-}" ]; then
		echo -hugetlb >"$UNIFIED/cgroup.subtree_control" 2>/dev/null || true
	fi
	helpers_teardown
}

v2_setup() {
	local why
	why=$("$CG2NS" --check 2>&1) || skip "cannot set up a cgroup2 namespace: $why"
	make_bundle sleep 1000
	export RUNTIME ROOT BUNDLE CID CID_PREFIX TMP=$BATS_TEST_TMPDIR
}

@test "v2: a memory limit is refused naming the missing controller, and nothing is left" {
	v2_setup
	skip_if_runc "runc's error names a file, not the controller"
	cfg '.linux.cgroupsPath = "/'"$CID"'" | .linux.resources.memory = {limit: 67108864}'
	in_cgroup2 <<-'EOF'
	rc=0; rt create --bundle "$BUNDLE" "$CID" </dev/null >"$TMP/out" 2>"$TMP/err" || rc=$?
	cat "$TMP/err"
	[ "$rc" -ne 0 ]
	# (the trace of set -x goes to the same file)
	[ "$(grep -v '^+ ' "$TMP/err" | grep -c .)" -eq 1 ]
	grep -q "linux.resources.memory: the memory controller is not available in this cgroup" "$TMP/err"
	[ ! -e "/sys/fs/cgroup/$CID" ]
	[ -z "$(rt list -q)" ]
	EOF
}

@test "v2: pids and cpu limits are refused the same way" {
	v2_setup
	skip_if_runc "runc's error names a file, not the controller"
	cfg '.linux.cgroupsPath = "/'"$CID"'" | .linux.resources.pids = {limit: 10}'
	in_cgroup2 <<-'EOF'
	rc=0; rt create --bundle "$BUNDLE" "$CID" </dev/null >"$TMP/out" 2>"$TMP/err" || rc=$?
	grep "linux.resources.pids: the pids controller is not available" "$TMP/err"
	cfg '.linux.resources = {cpu: {shares: 512}}'
	rc=0; rt create --bundle "$BUNDLE" "$CID" </dev/null >"$TMP/out" 2>"$TMP/err" || rc=$?
	grep "linux.resources.cpu: the cpu controller is not available" "$TMP/err"
	[ ! -e "/sys/fs/cgroup/$CID" ]
	EOF
}

@test "v2: a hugetlb limit is applied (the controller is delegated down to the container)" {
	v2_setup
	delegate_hugetlb
	cfg '.linux.cgroupsPath = "/'"$CID"'" | .linux.resources.hugepageLimits = [{pageSize: "2MB", limit: 4194304}]'
	in_cgroup2 <<-'EOF'
	rt create --bundle "$BUNDLE" "$CID" </dev/null >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/err"; exit 1; }
	[ "$(cat "/sys/fs/cgroup/$CID/hugetlb.2MB.max")" = 4194304 ]
	[ ! -e "/sys/fs/cgroup/$CID/hugetlb.2MB.rsvd.max" ] || [ "$(cat "/sys/fs/cgroup/$CID/hugetlb.2MB.rsvd.max")" = 4194304 ]
	grep -qw hugetlb /sys/fs/cgroup/cgroup.subtree_control
	rt delete --force "$CID"
	[ ! -e "/sys/fs/cgroup/$CID" ]
	EOF
}

@test "v2: the eBPF device program denies a bound host device and allows /dev/null" {
	v2_setup
	cfg '.process.args = ["sh", "-c", "echo x >/dev/null && echo null-ok; (exec 3</dev/loop-control) 2>&1 || echo loopctl-denied"]
		| .mounts += [{destination: "/dev/loop-control", source: "/dev/loop-control", type: "bind", options: ["bind"]}]'
	in_cgroup2 <<-'EOF'
	out=$(rt run --bundle "$BUNDLE" "$CID" </dev/null 2>"$TMP/err")
	cat "$TMP/err"
	echo "$out"
	! grep -q "not restricted" "$TMP/err"
	[[ $out == *null-ok* ]]
	[[ $out == *loopctl-denied* ]]
	EOF
}
