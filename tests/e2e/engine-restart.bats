#!/usr/bin/env bats
# After a container exits: restart policies (docker's rules), `berth container cleanup` (the
# monitor's exit command), the boot command after a reboot, and health checks.

load engine_helpers

state_is() { [ "$(berth inspect -f '{{.State.Status}}' "$1" 2>/dev/null)" = "$2" ]; }
restarts_are() { [ "$(berth inspect -f '{{.RestartCount}}' "$1" 2>/dev/null)" = "$2" ]; }
health_is() { [ "$(berth inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null)" = "$2" ]; }
# The init's pid once it differs from $2 (a restarted container has a new one).
new_pid() {
	local pid
	pid=$(berth inspect -f '{{.State.Pid}}' "$1" 2>/dev/null)
	[ "$(berth inspect -f '{{.State.Status}}' "$1" 2>/dev/null)" = running ] && [ "$pid" != "$2" ] && [ "$pid" != 0 ]
}

@test "restart on-failure:2 restarts twice, then the container stays exited" {
	berth run -d --name flaky --restart on-failure:2 "$IMAGE" sh -c 'echo ran; exit 3' >/dev/null
	wait_for restarts_are flaky 2
	wait_for state_is flaky exited
	sleep 1 # a third restart would come within 400 ms
	run berth inspect -f '{{.RestartCount}} {{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}' flaky
	[ "$output" = "2 3 on-failure 2" ]
	run berth logs flaky
	[ "$output" = "$(printf 'ran\nran\nran')" ]
}

@test "restart on-failure leaves a container that exited 0 alone" {
	berth run -d --name fine --restart on-failure "$IMAGE" true >/dev/null
	wait_for state_is fine exited
	sleep 0.5
	run berth inspect -f '{{.RestartCount}} {{.State.Status}}' fine
	[ "$output" = "0 exited" ]
}

@test "restart always: back after its init is killed from outside, not after berth stop" {
	berth run -d --name keeper --restart always "$IMAGE" sleep 1000 >/dev/null
	local pid
	pid=$(berth inspect -f '{{.State.Pid}}' keeper)
	kill -KILL "$pid" # the host's kill, not berth's: the container did not ask to stop
	wait_for new_pid keeper "$pid"
	run berth inspect -f '{{.RestartCount}}' keeper
	[ "$output" = 1 ]
	run berth stop -t 1 keeper
	[ "$status" -eq 0 ]
	sleep 1
	run berth inspect -f '{{.State.Status}} {{.RestartCount}}' keeper
	[ "$output" = "exited 1" ]
	# A start by the user begins a new count, as docker's does.
	berth start keeper >/dev/null
	run berth inspect -f '{{.State.Status}} {{.RestartCount}}' keeper
	[ "$output" = "running 0" ]
}

@test "restart always: berth kill is the user's stop too" {
	berth run -d --name killed --restart always "$IMAGE" sleep 1000 >/dev/null
	berth kill killed >/dev/null
	wait_for state_is killed exited
	sleep 1
	run berth inspect -f '{{.State.Status}} {{.RestartCount}}' killed
	[ "$output" = "exited 0" ]
}

@test "restart unless-stopped: back after a crash, whatever the code" {
	berth run -d --name us --restart unless-stopped "$IMAGE" sh -c 'sleep 0.3; exit 0' >/dev/null
	wait_for restarts_are us 2
	berth stop -t 1 us >/dev/null
	sleep 1
	run berth inspect -f '{{.State.Status}}' us
	[ "$output" = exited ]
}

@test "--rm with a restart policy is refused as docker refuses it" {
	run berth run --rm --restart always "$IMAGE" true
	[ "$status" -eq 125 ]
	[[ $output == *"Conflicting options: --restart and --rm"* ]]
	run berth run -d --rm --restart on-failure:1 "$IMAGE" true
	[ "$status" -eq 125 ]
	run berth run --restart sometimes "$IMAGE" true
	[ "$status" -eq 125 ]
	[[ $output == *"invalid restart policy"* ]]
	run berth ps -aq
	[ -z "$output" ]
}

@test "cleanup: detached --rm is removed by the exit command; containers without work get none" {
	berth run -d --rm --name gone "$IMAGE" true >/dev/null
	berth run -d --name plain "$IMAGE" true >/dev/null
	wait_for state_is plain exited
	run berth inspect -f '{{.HostConfig.AutoRemove}}' gone
	wait_for eval '! berth inspect gone >/dev/null 2>&1'
	run berth ps -a --format '{{.Names}}'
	[ "$output" = plain ]
	# Only containers with work after their exit pay for the exit command's process.
	run jq -r '.exitCommand' <<<"$(sqlite3 "$T/root/berth.db" "select data from containers where name='plain'")"
	[ "$output" = null ]
	# Attached --rm is removed by berth itself.
	run berth run --rm "$IMAGE" sh -c 'exit 4'
	[ "$status" -eq 4 ]
	run berth ps -aq
	[ "$output" = "$(berth ps -aq --filter name=plain)" ]
}

@test "cleanup: racing rm -f and a container that restarts without pause" {
	berth run -d --name looper --restart always "$IMAGE" true >/dev/null
	berth run -d --rm --name quick "$IMAGE" true >/dev/null
	sleep 0.3
	run berth rm -f looper
	[ "$status" -eq 0 ]
	run berth rm -f quick # it may be gone already: -f makes that no error
	run berth container cleanup looper # a late exit command: nothing left to do
	[ "$status" -eq 0 ]
	sleep 1
	run berth ps -aq
	[ -z "$output" ]
	[ -z "$(processes_under "$T")" ]
}

# What a reboot does: every process gone, /run empty, the rootfs mounts and cgroups gone.
simulate_reboot() {
	local id m
	for m in $(processes_under "$T" | cut -d: -f1); do kill -KILL "$m" 2>/dev/null || true; done
	for id in $(berth ps -aq --no-trunc); do
		m=$(berth inspect -f '{{.State.Pid}}' "$id")
		[ "$m" != 0 ] && kill -KILL "$m" 2>/dev/null || true
	done
	sleep 0.3
	for m in $(processes_under "$T" | cut -d: -f1); do kill -KILL "$m" 2>/dev/null || true; done
	sleep 0.2
	mounts_under "$T" | sort -r | xargs -r -n1 umount -l
	for id in $(ls "$T/root/containers"); do
		find /sys/fs/cgroup -maxdepth 6 -depth -type d -name "*$id*" -exec rmdir {} + 2>/dev/null || true
	done
	rm -rf "$T/run"
}

@test "reboot: start --all --filter restart-policy=... is the boot command" {
	berth run -d --name always1 --restart always "$IMAGE" sleep 1000 >/dev/null
	berth run -d --name unless1 --restart unless-stopped "$IMAGE" sleep 1000 >/dev/null
	berth run -d --name unless-stopped-by-user --restart unless-stopped "$IMAGE" sleep 1000 >/dev/null
	berth run -d --name nopolicy "$IMAGE" sleep 1000 >/dev/null
	berth stop -t 1 unless-stopped-by-user >/dev/null
	simulate_reboot
	run berth ps -a --format '{{.Names}} {{.State}}'
	[[ $output != *running* ]]
	run berth start --all --filter restart-policy=always --filter restart-policy=unless-stopped
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "always1 unless1 " ]
	run berth ps --format '{{.Names}}'
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "always1 unless1 " ]
	run berth exec always1 cat /etc/hostname
	[ "$status" -eq 0 ]
	# Without a filter: every stopped container.
	run berth start --all
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "nopolicy unless-stopped-by-user " ]
	run berth ps -q
	[ "$(echo "$output" | wc -l)" -eq 4 ]
}

@test "reboot: cp with a stopped container mounts its rootfs again first, and reaches its volume" {
	berth run --name kept -v rbvol:/data "$IMAGE" sh -c 'echo before >/data/v; echo root >/r' >/dev/null
	simulate_reboot
	echo after >"$T/f"
	berth cp "$T/f" kept:/data/after
	berth cp "$T/f" kept:/after
	[ "$(berth cp kept:/r - | tar -xOf -)" = root ]
	run berth start -a kept
	[ "$status" -eq 0 ]
	run berth run --rm -v rbvol:/data "$IMAGE" cat /data/v /data/after
	[ "$output" = $'before\nafter' ]
	# what cp wrote into the rootfs is in the overlay that start mounted, not under it
	[ "$(berth cp kept:/after - | tar -xOf -)" = after ]
	berth rm kept >/dev/null
	berth volume rm rbvol >/dev/null
}

@test "health: starting, then healthy after a passing check; ps shows it" {
	berth run -d --name doc --health-cmd 'test -e /tmp/ready' --health-interval 1s "$IMAGE" sleep 1000 >/dev/null
	run berth ps --format '{{.Status}}'
	[[ $output == "Up "*"(health: starting)" ]]
	berth exec doc touch /tmp/ready
	wait_for health_is doc healthy
	run berth ps --format '{{.Status}}'
	[[ $output == "Up "*"(healthy)" ]]
	run berth ps --filter health=healthy --format '{{.Names}}'
	[ "$output" = doc ]
	run berth ps --filter health=unhealthy --format '{{.Names}}'
	[ -z "$output" ]
	run berth inspect -f '{{json .State.Health}}' doc
	[ "$(jq -r '.FailingStreak' <<<"$output")" = 0 ]
	[ "$(jq -r '.Log[-1].ExitCode' <<<"$output")" = 0 ]
	run berth inspect -f '{{json .Config.Healthcheck}}' doc
	[ "$(jq -c '.Test' <<<"$output")" = '["CMD-SHELL","test -e /tmp/ready"]' ]
	[ "$(jq -r '.Interval' <<<"$output")" = 1000000000 ]
}

@test "health: unhealthy after --health-retries failures in a row" {
	berth run -d --name sick --health-cmd 'echo nope; exit 1' --health-interval 500ms --health-retries 2 "$IMAGE" sleep 1000 >/dev/null
	wait_for health_is sick unhealthy
	run berth inspect -f '{{.State.Health.FailingStreak}}' sick
	[ "$output" -ge 2 ]
	run berth inspect -f '{{json .State.Health}}' sick
	[ "$(jq -r '.Log[0].Output' <<<"$output")" = "nope" ]
	run berth ps --format '{{.Status}}'
	[[ $output == "Up "*"(unhealthy)" ]]
	run berth ps --filter health=unhealthy -q
	[ -n "$output" ]
}

@test "healthcheck run: 0 when it passes, 1 when it fails, 125 when it cannot run" {
	berth run -d --name probe --health-cmd 'test ! -e /tmp/broken' --health-interval 1h "$IMAGE" sleep 1000 >/dev/null
	run berth healthcheck run probe
	[ "$status" -eq 0 ]
	run berth inspect -f '{{.State.Health.Status}}' probe
	[ "$output" = healthy ]
	berth exec probe touch /tmp/broken
	run berth healthcheck run probe
	[ "$status" -eq 1 ]
	[ "$output" = unhealthy ]
	berth run -d --name nocheck "$IMAGE" sleep 1000 >/dev/null
	run berth healthcheck run nocheck
	[ "$status" -eq 125 ]
	run berth inspect -f '{{.State.Health}}' nocheck
	[ "$output" = "<no value>" ] || [ -z "$output" ] || [ "$output" = null ]
	run berth ps --filter health=none --format '{{.Names}}'
	[ "$output" = nocheck ]
}

@test "healthcheck run: a check past its timeout fails with docker's message" {
	berth run -d --name slow --health-cmd 'sleep 7' --health-timeout 500ms --health-interval 1h "$IMAGE" sleep 1000 >/dev/null
	run berth healthcheck run slow
	[ "$status" -eq 1 ]
	run berth inspect -f '{{json .State.Health}}' slow
	[ "$(jq -r '.Log[0] | "\(.ExitCode) \(.Output)"' <<<"$output")" = "-1 Health check exceeded timeout (0.5s)" ]
	# The check's process was killed with it.
	run berth exec slow sh -c 'ps | grep -c "[s]leep 7$"'
	[ "$output" = 0 ]
}

@test "--no-healthcheck: no health, and it conflicts with --health-cmd" {
	berth run -d --name none --no-healthcheck "$IMAGE" sleep 1000 >/dev/null
	run berth ps --format '{{.Status}}'
	[[ $output != *health* ]]
	run berth run -d --no-healthcheck --health-cmd true "$IMAGE" sleep 1
	[ "$status" -eq 125 ]
	[[ $output == *"--no-healthcheck conflicts with --health-* options"* ]]
	run berth run -d --health-cmd true --health-interval 5 "$IMAGE" sleep 1
	[ "$status" -eq 125 ]
	[[ $output == *"--health-interval"* ]]
}

@test "the image's Healthcheck (import --change HEALTHCHECK), overridden by the flags, or turned off" {
	berth import --change 'CMD ["sh"]' \
		--change 'HEALTHCHECK --interval=500ms --retries=1 CMD test -e /tmp/ok' \
		"$ROOTFS_TAR" localhost/checked:1 >/dev/null
	run berth image inspect -f '{{json .Config.Healthcheck}}' localhost/checked:1
	[ "$(jq -c '.Test' <<<"$output")" = '["CMD-SHELL","test -e /tmp/ok"]' ]
	[ "$(jq -r '.Interval' <<<"$output")" = 500000000 ]
	# The image's check runs: unhealthy until the file exists, then healthy.
	berth run -d --name fromimage localhost/checked:1 sleep 1000 >/dev/null
	wait_for health_is fromimage unhealthy
	berth exec fromimage touch /tmp/ok
	wait_for health_is fromimage healthy
	# --health-cmd replaces the image's test and keeps its other settings.
	berth run -d --name flagged --health-cmd 'true' localhost/checked:1 sleep 1000 >/dev/null
	run berth inspect -f '{{json .Config.Healthcheck}}' flagged
	[ "$(jq -c '.Test' <<<"$output")" = '["CMD-SHELL","true"]' ]
	[ "$(jq -r '.Interval' <<<"$output")" = 500000000 ]
	# --no-healthcheck turns the image's off.
	berth run -d --name unchecked --no-healthcheck localhost/checked:1 sleep 1000 >/dev/null
	run berth ps --filter name=unchecked --format '{{.Status}}'
	[[ $output == "Up "* && $output != *health* ]]
	# HEALTHCHECK NONE in an image: no check.
	berth import --change 'CMD ["sh"]' --change 'HEALTHCHECK NONE' "$ROOTFS_TAR" localhost/nocheck:1 >/dev/null
	berth run -d --name none localhost/nocheck:1 sleep 1000 >/dev/null
	run berth inspect -f '{{json .State.Health}}' none
	[[ $output == null || $output == "<no value>" || -z $output ]]
	run berth ps --filter name=none --format "{{.Status}}"
	[[ $output == "Up "* && $output != *health* ]]
}
