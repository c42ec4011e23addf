#!/usr/bin/env bats
# Detached containers: ps, logs, exec, stop, kill, wait, restart, inspect, rm, and the state
# after a berth killed mid-run and after a simulated reboot.

load engine_helpers

# logs_have NAME TEXT: the container's logs contain TEXT.
logs_have() { berth logs "$1" 2>/dev/null | grep -q "$2"; }

@test "run -d prints the ID; ps shows it running; logs has its output; stop ends it" {
	run berth run -d --name sleeper "$IMAGE" sh -c 'echo started; trap "echo bye; exit 0" TERM; while :; do sleep 0.1; done'
	[ "$status" -eq 0 ]
	[[ $output =~ ^[0-9a-f]{64}$ ]]
	local id=$output
	run berth ps --format '{{.ID}} {{.Names}} {{.State}}'
	[ "$output" = "${id:0:12} sleeper running" ]
	wait_for logs_have sleeper started
	run berth stop -t 5 sleeper
	[ "$output" = sleeper ]
	run berth ps -a --format '{{.State}} {{.Status}}'
	[[ $output == "exited Exited (0) "* ]]
	run berth logs sleeper
	[ "${lines[0]}" = started ]
	[ "${lines[1]}" = bye ]
	run berth ps -q
	[ -z "$output" ]
}

@test "exec runs in the running container, with its env; exit codes come back" {
	berth run -d --name box -e WHO=box "$IMAGE" sleep 1000 >/dev/null
	run berth exec box sh -c 'echo $WHO $(hostname); exit 4'
	[ "$status" -eq 4 ]
	[ "$output" = "box $(berth inspect -f '{{.Config.Hostname}}' box)" ]
	run berth exec -u nobody box id -u
	[ "$output" = 65534 ]
	run berth exec box /no/such
	[ "$status" -ne 0 ]
	berth rm -f box
}

@test "kill sends a signal; wait prints the exit code; stop of a stopped container is fine" {
	# (pid 1 ignores signals it has no handler for: the shell traps TERM.)
	berth run -d --name k "$IMAGE" sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done' >/dev/null
	berth kill -s TERM k
	run berth wait k
	[ "$output" = 7 ]
	berth run -d --name k2 "$IMAGE" sleep 1000 >/dev/null
	berth kill k2
	run berth wait k2
	[ "$output" = 137 ]
	run berth stop k
	[ "$status" -eq 0 ]
	run --separate-stderr berth kill k
	[ "$status" -eq 125 ]
	[[ $stderr == *"not running"* ]]
}

@test "rm refuses a running container without -f; inspect shows docker's fields" {
	berth run -d --name r -l team=blue "$IMAGE" sleep 1000 >/dev/null
	run berth inspect r
	[ "$(jq -r '.[0].State.Status' <<<"$output")" = running ]
	[ "$(jq -r '.[0].Name' <<<"$output")" = /r ]
	[ "$(jq -r '.[0].Config.Labels.team' <<<"$output")" = blue ]
	[ "$(jq -r '.[0].Config.Cmd | join(" ")' <<<"$output")" = "sleep 1000" ]
	[ "$(jq -r '.[0].State.Pid' <<<"$output")" -gt 0 ]
	run --separate-stderr berth rm r
	[ "$status" -eq 125 ]
	[[ $stderr == *"container is running"* ]]
	run berth rm -f r
	[ "$status" -eq 0 ]
	run --separate-stderr berth inspect --type container r
	[ "$status" -eq 125 ]
}

# count_is ID N: the container's /count has N lines.
count_is() { [ "$(berth exec "$1" cat /count 2>/dev/null | wc -l)" -eq "$2" ]; }

@test "a removed container's directory goes at once; the trash it went to is emptied after the command" {
	# A deletion cut short earlier (a crash): the next removal's deleter finishes it.
	mkdir -p "$T/root/trash/left-by-a-crash/upper/etc"
	touch "$T/root/trash/left-by-a-crash/upper/etc/hosts"
	run berth run --rm --name gone "$IMAGE" sh -c 'echo data >/written; echo out'
	[ "$status" -eq 0 ]
	[ "$output" = out ]
	[ -z "$(ls "$T/root/containers")" ]
	[ -z "$(berth ps -aq)" ]
	trash_empty() { [ -z "$(ls -A "$T/root/trash")" ]; }
	wait_for trash_empty
	# the name is free at once
	berth run --rm --name gone "$IMAGE" true
}

@test "restart and start: a stopped container runs again with the same ID and filesystem" {
	local id
	id=$(berth run -d "$IMAGE" sh -c 'echo run >>/count; sleep 1000')
	wait_for count_is "$id" 1
	berth restart -t 1 "$id" >/dev/null
	wait_for count_is "$id" 2
	berth stop -t 1 "$id" >/dev/null
	berth start "$id" >/dev/null
	wait_for count_is "$id" 3
	run berth ps --format '{{.State}}'
	[ "$output" = running ]
}

@test "20 containers started at once all run" {
	local i pids=()
	for i in $(seq 20); do
		berth run -d "$IMAGE" sleep 1000 >"$T/out.$i" 2>&1 &
		pids+=($!)
	done
	# (not a bare `wait`: bats's own timeout timer is a background job too)
	wait "${pids[@]}"
	for i in $(seq 20); do
		[[ $(cat "$T/out.$i") =~ ^[0-9a-f]{64}$ ]] || { cat "$T/out.$i"; false; }
	done
	run berth ps -q
	[ "${#lines[@]}" -eq 20 ]
}

@test "a simulated reboot (the runroot cleared): containers show as exited and can be removed" {
	berth run -d --name survivor "$IMAGE" sleep 1000 >/dev/null
	# A --rm container keeps no bundle in ROOT: after the reboot it cannot start again.
	berth run -d --rm --name ephemeral "$IMAGE" sleep 1000 >/dev/null
	[ -e "$T/root/containers/$(berth inspect -f '{{.Id}}' survivor)/bundle.json" ]
	[ ! -e "$T/root/containers/$(berth inspect -f '{{.Id}}' ephemeral)/bundle.json" ]
	local pids
	pids="$(berth inspect -f '{{.State.Pid}}' survivor) $(berth inspect -f '{{.State.Pid}}' ephemeral)"
	# What a reboot does: every process gone (the monitors first: they would clean up after
	# their containers), /run empty (the rootfs mount goes too).
	for m in $(processes_under "$T" | cut -d: -f1); do kill -KILL "$m" 2>/dev/null || true; done
	kill -KILL $pids
	sleep 0.3
	mounts_under "$T" | sort -r | xargs -r -n1 umount -l
	local c
	for c in survivor ephemeral; do
		find /sys/fs/cgroup -maxdepth 6 -type d -name "*$(berth inspect -f '{{.Id}}' $c)*" -exec rmdir {} + 2>/dev/null || true
	done
	rm -rf "$T/run"
	run berth ps -a --format '{{.Names}} {{.State}}'
	echo "$output"
	[ "$(sort <<<"$output")" = "$(printf 'ephemeral exited\nsurvivor exited')" ]
	run berth start ephemeral
	[ "$status" -eq 125 ]
	[[ $output == *"ephemeral was run with --rm and did not survive the reboot"* ]]
	run berth rm survivor ephemeral
	[ "$status" -eq 0 ]
}

@test "berth killed with SIGKILL mid-run: ps -a tells the truth and rm -f cleans everything" {
	# Attached runs killed at different points of their life: while creating, starting, and
	# running. Whatever each left, ps -a must list it without error and rm -f must remove it:
	# teardown then checks that no mount, monitor, cgroup or runtime state is left.
	local i delay
	for i in $(seq 16); do
		delay=$(printf '0.%03d' $((i * i * 2)))
		berth run --name "victim$i" "$IMAGE" sleep 300 </dev/null >/dev/null 2>&1 &
		local pid=$!
		sleep "$delay"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	run berth ps -a --format '{{.Names}} {{.State}}'
	[ "$status" -eq 0 ]
	echo "$output"
	# every record is in a state docker has, and the running ones really run
	while read -r name state; do
		[[ $state =~ ^(created|running|exited)$ ]]
		if [ "$state" = running ]; then
			local cpid
			cpid=$(berth inspect -f '{{.State.Pid}}' "$name")
			kill -0 "$cpid"
		fi
	done <<<"$output"
	# a killed berth leaves no container directory without a record
	local ids dirs
	ids=$(berth ps -aq --no-trunc | sort)
	dirs=$(ls "$T/root/containers" | sort)
	[ "$dirs" = "$ids" ] || { echo "dirs: $dirs"; echo "ids: $ids"; false; }
	berth rm -f $(berth ps -aq) >/dev/null
	[ -z "$(ls "$T/root/containers")" ]
}

@test "a record left half-created (its berth was killed while creating) is refused by start, removed by rm -f" {
	berth create --name whole "$IMAGE" true >/dev/null
	# What a berth killed during create leaves: the record, still marked creating.
	sqlite3 "$T/root/berth.db" \
		"UPDATE containers SET data = json_set(data, '$.creating', json('true')) WHERE name = 'whole'"
	run berth start whole
	[ "$status" -eq 125 ]
	[[ $output == *"was not completely created"*"berth rm -f"* ]]
	run berth ps -a --format '{{.Names}} {{.State}}'
	[ "$output" = "whole created" ]
	berth rm -f whole >/dev/null
	[ -z "$(berth ps -aq)" ]
}
