#!/usr/bin/env bats
# cgroup v2: the runtime puts each container in its own cgroup and removes it on delete.
#
# The host is cgroup v1 (hybrid), so every test runs its body inside tests/lib/cgroup2-ns.sh: a private
# mount namespace and cgroup namespace where /sys/fs/cgroup is a plain cgroup2 (no controllers are
# available there on this kernel, only placement). Paths below are as seen inside: the namespace's root
# is "/", the test shell sits in it, so runc's rule for the default and relative cgroupsPath (relative
# to the runtime's own cgroup) gives "/<id>".
# crun, which refuses the hybrid host, serves as the oracle for the same bundle in the same place.

load helpers

CG2NS=$REPO_ROOT/tests/lib/cgroup2-ns.sh
CRUN=${CRUN:-$(command -v crun || true)}

eval "helpers_$(declare -f setup)"
setup() {
	helpers_setup
	local why
	why=$("$CG2NS" --check 2>&1) || skip "cannot set up a cgroup2 namespace: $why"
	make_bundle sleep 1000
	export RUNTIME ROOT BUNDLE CID CID_PREFIX CRUN TMP=$BATS_TEST_TMPDIR
}

# What every body starts with, inside the namespace: strict mode, a trace for the failure report,
# the runtime with this test's root, and a cleanup that deletes whatever the body left.
PRELUDE='set -euo pipefail
PS4="+ "
rt() { BERTH_E2E_MARK=$CID_PREFIX "$RUNTIME" --root "$ROOT" "$@"; }
crun_() { BERTH_E2E_MARK=$CID_PREFIX "$CRUN" --cgroup-manager=disabled --root "$TMP/crun-root" "$@"; }
cleanup() {
	local id
	for id in $(rt list -q 2>/dev/null); do rt delete --force "$id" >/dev/null 2>&1 || true; done
	[ ! -d "$TMP/crun-root" ] || for id in $(crun_ list -q 2>/dev/null); do crun_ delete --force "$id" >/dev/null 2>&1 || true; done
	[ ! -d "/sys/fs/cgroup/${CID_PREFIX}parent" ] || find "/sys/fs/cgroup/${CID_PREFIX}parent" -depth -type d -exec rmdir {} + 2>/dev/null || true
}
trap cleanup EXIT
# create_bg ID: create $BUNDLE as ID, its stdio in $TMP/ID.out/.err; prints the pid.
create_bg() {
	rt create --bundle "$BUNDLE" "$1" </dev/null >"$TMP/$1.out" 2>"$TMP/$1.err" || { cat "$TMP/$1.err" >&2; return 1; }
	rt state "$1" | jq -r .pid
}
# wait_stopped ID
wait_stopped() {
	local i
	for i in $(seq 200); do
		[ "$(rt state "$1" | jq -r .status)" = stopped ] && return 0
		sleep 0.05
	done
	echo "$1 did not stop: $(rt state "$1")" >&2
	return 1
}
# v2_path PID: the cgroup2 path of PID, from /proc/PID/cgroup.
v2_path() { sed -n "s/^0:://p" "/proc/$1/cgroup"; }
# gone DIR: the cgroup directory is removed (delete may take a moment after a kill).
gone() {
	local i
	for i in $(seq 50); do [ ! -e "$1" ] && return 0; sleep 0.02; done
	echo "cgroup $1 still exists" >&2
	return 1
}
# dead PID: the process is gone (or a zombie waiting for its reaper).
dead() {
	local i
	for i in $(seq 50); do
		[ -e "/proc/$1" ] || return 0
		grep -q "^State:.*Z" "/proc/$1/status" 2>/dev/null && return 0
		sleep 0.02
	done
	echo "process $1 still alive" >&2
	return 1
}
cfg() { jq "$@" "$BUNDLE/config.json" >"$BUNDLE/config.json.new" && mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"; }
set -x
'

# in_cgroup2: run the script on stdin inside the namespace; it must succeed, and cgroup2-ns.sh must not
# have found processes or cgroups left behind.
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

@test "cgroup2 namespace: /sys/fs/cgroup is cgroup2 and we are at its root" {
	in_cgroup2 <<-'EOF'
	[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]
	[ "$(v2_path self)" = / ]
	[ -e /sys/fs/cgroup/cgroup.procs ]
	EOF
}

@test "oracle: crun --cgroup-manager=disabled runs the bundle there, and so does the runtime" {
	[ -x "$CRUN" ] || skip "crun not installed"
	# crun 1.8.1 accepts only ociVersion 1.0.x ("unknown version specified" otherwise): use runc's.
	cfg '.ociVersion = "1.0.2-dev" | .process.args = ["sh", "-c", "echo hello from $(hostname); exit 3"]'
	in_cgroup2 <<-'EOF'
	mkdir -p "$TMP/crun-root"
	rc=0; crun_ run --bundle "$BUNDLE" "$CID" </dev/null >"$TMP/crun.out" 2>"$TMP/crun.err" || rc=$?
	[ "$rc" = 3 ] || { cat "$TMP/crun.err"; exit 1; }
	rc=0; rt run --bundle "$BUNDLE" "$CID" </dev/null >"$TMP/rt.out" 2>"$TMP/rt.err" || rc=$?
	cat "$TMP/rt.err"
	[ "$rc" = 3 ]
	diff -u "$TMP/crun.out" "$TMP/rt.out"
	[ -z "$(rt list -q)" ]
	EOF
}

@test "default cgroupsPath: the container gets its own cgroup named after its id" {
	in_cgroup2 <<-'EOF'
	[ "$(jq -r '.linux.cgroupsPath // ""' "$BUNDLE/config.json")" = "" ]
	pid=$(create_bg "$CID")
	[ "$(v2_path "$pid")" = "/$CID" ]
	[ -d "/sys/fs/cgroup/$CID" ]
	grep -qx "$pid" "/sys/fs/cgroup/$CID/cgroup.procs"
	rt start "$CID"
	[ "$(v2_path "$pid")" = "/$CID" ]
	rt kill "$CID" KILL
	wait_stopped "$CID"
	rt delete "$CID"
	gone "/sys/fs/cgroup/$CID"
	EOF
}

@test "absolute cgroupsPath: the container is there, parents are created, the leaf is removed on delete" {
	in_cgroup2 <<-'EOF'
	path=/${CID_PREFIX}parent/sub/$CID
	cfg --arg p "$path" '.linux.cgroupsPath = $p'
	pid=$(create_bg "$CID")
	[ "$(v2_path "$pid")" = "$path" ]
	grep -qx "$pid" "/sys/fs/cgroup$path/cgroup.procs"
	rt start "$CID"
	rt kill "$CID" KILL
	wait_stopped "$CID"
	rt delete "$CID"
	gone "/sys/fs/cgroup$path"
	EOF
}

@test "relative cgroupsPath: under the runtime's own cgroup" {
	in_cgroup2 <<-'EOF'
	cfg --arg p "${CID_PREFIX}parent/$CID" '.linux.cgroupsPath = $p'
	pid=$(create_bg "$CID")
	[ "$(v2_path "$pid")" = "/${CID_PREFIX}parent/$CID" ]
	rt delete --force "$CID"
	gone "/sys/fs/cgroup/${CID_PREFIX}parent/$CID"
	EOF
}

@test "the container's process sees its cgroup in /proc/self/cgroup" {
	in_cgroup2 <<-'EOF'
	path=/${CID_PREFIX}parent/$CID
	cfg --arg p "$path" '.linux.cgroupsPath = $p | .process.args = ["cat", "/proc/self/cgroup"]'
	out=$(rt run --bundle "$BUNDLE" "$CID" </dev/null)
	echo "$out"
	# No cgroup namespace in the default spec: the path is the one seen from the test shell.
	grep -qx "0::$path" <<<"$out"
	gone "/sys/fs/cgroup$path"
	EOF
}

@test "the cgroup is removed on delete after the process is killed with kill -9 from outside" {
	in_cgroup2 <<-'EOF'
	pid=$(create_bg "$CID")
	dir=/sys/fs/cgroup$(v2_path "$pid")
	[ "$dir" = "/sys/fs/cgroup/$CID" ]
	rt start "$CID"
	kill -9 "$pid"
	wait_stopped "$CID"
	rt delete "$CID"
	gone "$dir"
	EOF
}

@test "delete --force of a running container kills it and removes the cgroup" {
	in_cgroup2 <<-'EOF'
	pid=$(create_bg "$CID")
	dir=/sys/fs/cgroup$(v2_path "$pid")
	[ "$dir" = "/sys/fs/cgroup/$CID" ]
	rt start "$CID"
	rt delete --force "$CID"
	gone "$dir"
	dead "$pid"
	EOF
}

@test "a child the container forked is in the container's cgroup and dies with it" {
	cfg '.process.args = ["sh", "-c", "sleep 1000 & echo $! >/tmp/child; wait"] | .root.readonly = false'
	in_cgroup2 <<-'EOF'
	pid=$(create_bg "$CID")
	rt start "$CID"
	for i in $(seq 100); do [ -s "$BUNDLE/rootfs/tmp/child" ] && break; sleep 0.05; done
	[ -s "$BUNDLE/rootfs/tmp/child" ]
	# The pid in the file is the container's pid namespace view; find the host pid via cgroup.procs.
	procs=$(cat "/sys/fs/cgroup/$CID/cgroup.procs" | wc -l)
	[ "$procs" -ge 2 ]
	rt kill "$CID" KILL
	wait_stopped "$CID"
	rt delete "$CID"
	gone "/sys/fs/cgroup/$CID"
	rm -f "$BUNDLE/rootfs/tmp/child"
	EOF
}

@test "run in the foreground: the cgroup is gone when run returns" {
	cfg '.process.args = ["true"]'
	in_cgroup2 <<-'EOF'
	rt run --bundle "$BUNDLE" "$CID" </dev/null
	[ ! -e "/sys/fs/cgroup/$CID" ]
	[ -z "$(rt list -q)" ]
	EOF
}
