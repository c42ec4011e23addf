#!/usr/bin/env bats
# linux.namespaces "time" and linux.timeOffsets (config-linux.md).

load helpers

@test "a new time namespace with a boottime offset of one day" {
	skip_if_runc "runc 1.1 has no time namespace support"
	make_bundle sh -c 'readlink /proc/self/ns/time; cut -d. -f1 /proc/uptime'
	cfg '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"boottime": {"secs": 86400}}'
	run -0 ctr_run
	host_ns=$(readlink /proc/self/ns/time)
	host_uptime=$(cut -d. -f1 /proc/uptime)
	[ "${lines[0]}" != "$host_ns" ]
	# The container's uptime is the host's plus a day (give or take the seconds the test took).
	diff=$((lines[1] - host_uptime))
	[ "$diff" -ge 86390 ] && [ "$diff" -le 86410 ]
}

@test "without a time namespace the container shares the host's clocks" {
	make_bundle readlink /proc/self/ns/time
	run -0 ctr_run
	[ "$output" = "$(readlink /proc/self/ns/time)" ]
}
