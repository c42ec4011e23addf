#!/usr/bin/env bats
# update, pause, resume, ps and events on a running container, as a user of runc types them.

load helpers

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

# A container that counts, one number a tenth of a second, into its /tmp/count.
COUNTER='i=0; while :; do i=$((i+1)); echo $i >/tmp/count; sleep 0.1; done'
count() { cat "$BUNDLE/rootfs/tmp/count" 2>/dev/null || echo 0; }

@test "update changes memory, swap, pids and cpu limits of a running container" {
	make_bundle sleep 1000
	cfg '.linux.resources += {memory: {limit: 67108864}, pids: {limit: 20}}'
	pid=$(started "$CID")
	mem=$(cg_dir memory "$pid")
	[ "$(cat "$mem/memory.limit_in_bytes")" = 67108864 ]
	rt update --memory 256M --memory-swap 512M --memory-reservation 128m --pids-limit 30 \
		--cpu-share 256 --cpu-period 200000 --cpu-quota 50000 --cpuset-cpus 0 "$CID"
	[ "$(cat "$mem/memory.limit_in_bytes")" = 268435456 ]
	[ "$(cat "$mem/memory.memsw.limit_in_bytes")" = 536870912 ]
	[ "$(cat "$mem/memory.soft_limit_in_bytes")" = 134217728 ]
	[ "$(cat "$(cg_dir pids "$pid")/pids.max")" = 30 ]
	cpu=$(cg_dir cpu "$pid")
	[ "$(cat "$cpu/cpu.shares")" = 256 ]
	[ "$(cat "$cpu/cpu.cfs_period_us")" = 200000 ]
	[ "$(cat "$cpu/cpu.cfs_quota_us")" = 50000 ]
	[ "$(cat "$(cg_dir cpuset "$pid")/cpuset.cpus")" = 0 ]
	# Lowering again: the limit goes down before memsw.
	rt update --memory 32M --memory-swap 64M "$CID"
	[ "$(cat "$mem/memory.limit_in_bytes")" = 33554432 ]
	[ "$(cat "$mem/memory.memsw.limit_in_bytes")" = 67108864 ]
	rt update --pids-limit -1 "$CID"
	[ "$(cat "$(cg_dir pids "$pid")/pids.max")" = max ]
}

@test "update --resources reads linux.resources JSON from a file or stdin" {
	make_bundle sleep 1000
	pid=$(started "$CID")
	echo '{"memory": {"limit": 100663296}, "pids": {"limit": 11}}' >"$BATS_TEST_TMPDIR/r.json"
	rt update -r "$BATS_TEST_TMPDIR/r.json" "$CID"
	[ "$(cat "$(cg_dir memory "$pid")/memory.limit_in_bytes")" = 100663296 ]
	[ "$(cat "$(cg_dir pids "$pid")/pids.max")" = 11 ]
	echo '{"pids": {"limit": 12}}' | rt update --resources - "$CID"
	[ "$(cat "$(cg_dir pids "$pid")/pids.max")" = 12 ]
}

@test "update with a bad value fails with one line and changes nothing" {
	make_bundle sleep 1000
	cfg '.linux.resources.pids = {limit: 20}'
	pid=$(started "$CID")
	run --separate-stderr rt update --memory lots "$CID"
	[ "$status" -ne 0 ]
	one_line_error
	skip_if_runc "runc does not check a resources file's types before applying it"
	echo '{"pids": {"limit": 5}, "memory": {"limit": "1g"}}' >"$BATS_TEST_TMPDIR/r.json"
	run --separate-stderr rt update -r "$BATS_TEST_TMPDIR/r.json" "$CID"
	[ "$status" -ne 0 ]
	one_line_error
	[[ $stderr == *"linux.resources.memory.limit"* ]]
	[ "$(cat "$(cg_dir pids "$pid")/pids.max")" = 20 ]
}

@test "update of a stopped container fails" {
	make_bundle true
	ctr_create "$CID"
	rt start "$CID"
	wait_status "$CID" stopped
	run rt update --pids-limit 10 "$CID"
	[ "$status" -ne 0 ]
}

@test "pause freezes the container (status paused, no progress), resume thaws it" {
	make_bundle sh -c "$COUNTER"
	cfg '.root.readonly = false'
	pid=$(started "$CID")
	for _ in $(seq 100); do [ "$(count)" -ge 2 ] && break; sleep 0.05; done
	rt pause "$CID"
	[ "$(state_of "$CID" status)" = paused ]
	[ "$(cat "$(cg_dir freezer "$pid")/freezer.state")" = FROZEN ]
	rt list | grep -q "paused"
	before=$(count)
	sleep 0.5
	[ "$(count)" = "$before" ]
	rt resume "$CID"
	[ "$(state_of "$CID" status)" = running ]
	sleep 0.5
	[ "$(count)" -gt "$before" ]
	rm -f "$BUNDLE/rootfs/tmp/count"
}

@test "a paused container can be killed and force-deleted" {
	make_bundle sleep 1000
	started "$CID" >/dev/null
	rt pause "$CID"
	rt delete --force "$CID"
	run ! rt state "$CID"
}

@test "pause of a stopped container and resume of a running one fail" {
	make_bundle sleep 1000
	started "$CID" >/dev/null
	run rt resume "$CID"
	[ "$status" -ne 0 ]
	rt kill "$CID" KILL
	wait_status "$CID" stopped
	run rt pause "$CID"
	[ "$status" -ne 0 ]
}

@test "ps lists the container's processes (table and json)" {
	make_bundle sh -c 'sleep 1000 & sleep 1001 & wait'
	pid=$(started "$CID")
	for _ in $(seq 100); do [ "$(rt ps -f json "$CID" | jq length)" -ge 3 ] && break; sleep 0.05; done
	json=$(rt ps --format json "$CID")
	echo "$json"
	[ "$(jq length <<<"$json")" = 3 ]
	jq -e --argjson p "$pid" 'index($p) != null' <<<"$json"
	table=$(rt ps "$CID")
	echo "$table"
	[[ $(head -1 <<<"$table") == *PID* ]]
	[ "$(tail -n +2 <<<"$table" | wc -l)" = 3 ]
	grep -q "sleep 1001" <<<"$table"
	# Options go to ps(1).
	out=$(rt ps "$CID" -o pid,comm)
	echo "$out"
	[ "$(head -1 <<<"$out" | awk '{print $1}')" = PID ]
	grep -qE "^ *$pid +sh$" <<<"$out"
	! grep -q bats <<<"$out"
}

@test "events --stats prints one stats event with the container's usage and limits" {
	make_bundle sleep 1000
	cfg '.linux.resources += {memory: {limit: 67108864}, pids: {limit: 9}}'
	started "$CID" >/dev/null
	out=$(rt events --stats "$CID")
	echo "$out"
	[ "$(wc -l <<<"$out")" = 1 ]
	jq -e --arg id "$CID" '.type == "stats" and .id == $id' <<<"$out"
	jq -e '.data.memory.usage.limit == 67108864 and .data.memory.usage.usage > 0' <<<"$out"
	jq -e '.data.pids.current == 1 and .data.pids.limit == 9' <<<"$out"
	jq -e '.data.cpu.usage.total > 0 and (.data.cpu.usage.percpu | length) > 0' <<<"$out"
	jq -e '.data | has("blkio") and has("hugetlb")' <<<"$out"
}

@test "events streams stats every --interval until the container stops" {
	make_bundle sleep 1000
	started "$CID" >/dev/null
	background sh -c "BERTH_E2E_MARK=$CID_PREFIX '$RUNTIME' --root '$ROOT' events --interval 200ms '$CID' >'$BATS_TEST_TMPDIR/events'"
	sleep 1
	rt kill "$CID" KILL
	wait_status "$CID" stopped
	is_runc || wait "$BG_PID"
	cat "$BATS_TEST_TMPDIR/events"
	[ "$(grep -c '"type":"stats"' "$BATS_TEST_TMPDIR/events")" -ge 3 ]
	jq -e 'select(.type == "stats") | .data.pids' "$BATS_TEST_TMPDIR/events" >/dev/null
}

# --- cgroup v2 (in a private cgroup2 namespace, where the core freezer still works) ---

@test "v2: pause and resume through cgroup.freeze" {
	CG2NS=$REPO_ROOT/tests/lib/cgroup2-ns.sh
	why=$("$CG2NS" --check 2>&1) || skip "cannot set up a cgroup2 namespace: $why"
	make_bundle sh -c "$COUNTER"
	cfg '.root.readonly = false | .linux.cgroupsPath = "/'"$CID"'"'
	export RUNTIME ROOT BUNDLE CID CID_PREFIX TMP=$BATS_TEST_TMPDIR
	run "$CG2NS" bash -c '
		set -euo pipefail
		rt() { BERTH_E2E_MARK=$CID_PREFIX "$RUNTIME" --root "$ROOT" "$@"; }
		trap "rt delete --force $CID >/dev/null 2>&1 || true" EXIT
		count() { cat "$BUNDLE/rootfs/tmp/count" 2>/dev/null || echo 0; }
		rt create --bundle "$BUNDLE" "$CID" </dev/null >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/err"; exit 1; }
		rt start "$CID"
		for _ in $(seq 100); do [ "$(count)" -ge 2 ] && break; sleep 0.05; done
		rt pause "$CID"
		[ "$(rt state "$CID" | jq -r .status)" = paused ]
		[ "$(cat /sys/fs/cgroup/$CID/cgroup.freeze)" = 1 ]
		grep -qx "frozen 1" /sys/fs/cgroup/$CID/cgroup.events
		before=$(count); sleep 0.5; [ "$(count)" = "$before" ]
		rt resume "$CID"
		[ "$(rt state "$CID" | jq -r .status)" = running ]
		sleep 0.5; [ "$(count)" -gt "$before" ]
		rt delete --force "$CID"
		[ ! -e /sys/fs/cgroup/$CID ]
		echo v2-pause-ok'
	echo "$output"
	rm -f "$BUNDLE/rootfs/tmp/count"
	[ "$status" -eq 0 ]
	[[ $output == *v2-pause-ok* ]]
	! grep -q '^cgroup2-ns: leaked' <<<"$output"
}
