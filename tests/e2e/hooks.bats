#!/usr/bin/env bats
# Hooks: when each kind runs, what it gets on stdin, in argv and in its environment, and what a
# failing or hanging hook does to the lifecycle.

load helpers

# Each hook is busybox called as `sh` (so argv[0] must be passed as args[0]) running this script
# with $0=hook, $1=kind, $2=log dir. It records its stdin (the state), argv, environment and mount
# namespace, then appends its kind to $2/order.
HOOK_SCRIPT='kind=$1 dir=$2
cat >"$dir/$kind.state"
printf "%s\n" "$@" >"$dir/$kind.args"
env >"$dir/$kind.env"
readlink /proc/self/ns/mnt >"$dir/$kind.mntns"
echo "$kind" >>"$dir/order"'

setup_hooks() {
	LOG=$BATS_TEST_TMPDIR/hooklog
	mkdir -p "$LOG"
	BUSYBOX=$(command -v busybox)
	make_bundle sh -c 'echo process >>/hooklog/order; sleep 1000'
	# startContainer's path resolves in the container: a name only the rootfs has.
	ln "$BUNDLE/rootfs/bin/busybox" "$BUNDLE/rootfs/bin/in-container-busybox"
	cfg --arg log "$LOG" '.mounts += [{"destination": "/hooklog", "type": "bind", "source": $log, "options": ["rbind", "rw"]}]'
}

# hook_json KIND DIR [PATH]: one hook entry running HOOK_SCRIPT.
hook_json() {
	jq -n --arg path "${3:-$BUSYBOX}" --arg script "$HOOK_SCRIPT" --arg kind "$1" --arg dir "$2" \
		--arg mark "BERTH_E2E_MARK=$CID_PREFIX" \
		'{path: $path, args: ["sh", "-c", $script, "hook", $kind, $dir, "extra arg"],
		  env: ["HOOK_VAR=hook value", "PATH=/bin:/usr/bin", $mark]}'
}

# add_hook KIND JSON: append a hook to hooks.KIND.
add_hook() {
	cfg --arg kind "$1" --argjson hook "$2" '.hooks[$kind] += [$hook]'
}

# shell_hook SCRIPT [TIMEOUT]: a hook entry running `sh -c SCRIPT` on the host.
shell_hook() {
	jq -n --arg path "$BUSYBOX" --arg script "$1" --arg mark "BERTH_E2E_MARK=$CID_PREFIX" \
		--argjson timeout "${2:-null}" \
		'{path: $path, args: ["sh", "-c", $script], env: ["PATH=/bin:/usr/bin", $mark]}
		 + (if $timeout then {timeout: $timeout} else {} end)'
}

order() {
	xargs <"$LOG/order"
}

setup_all_hooks() {
	setup_hooks
	for kind in prestart createRuntime createContainer poststart poststop; do
		add_hook "$kind" "$(hook_json "$kind" "$LOG")"
	done
	add_hook startContainer "$(hook_json startContainer /hooklog /bin/in-container-busybox)"
}

@test "hooks run in order, each at its step of the lifecycle" {
	setup_all_hooks
	ctr_create "$CID"
	[ "$(grep -v poststart "$LOG/order" | xargs)" = "prestart createRuntime createContainer" ]

	rt start "$CID"
	for _ in $(seq 100); do
		grep -qx process "$LOG/order" && break
		sleep 0.05
	done
	# startContainer runs before the program.
	[ "$(grep -v poststart "$LOG/order" | xargs)" = "prestart createRuntime createContainer startContainer process" ]

	rt kill "$CID" KILL
	wait_status "$CID" stopped
	! grep -qx poststop "$LOG/order"
	rt delete "$CID"
	[ "$(tail -n1 "$LOG/order")" = poststop ]
	[ "$(wc -l <"$LOG/order")" -eq 7 ]
}

@test "poststart runs during start, after the program started, and sees it running" {
	# config.md, Poststart: after the user-specified process is executed, before start returns.
	skip_if_runc "1.1 runs poststart hooks during create"
	setup_all_hooks
	ctr_create "$CID"
	! grep -qx poststart "$LOG/order"
	rt start "$CID"
	grep -qx poststart "$LOG/order"
	[ "$(sed -n 4p "$LOG/order")" = startContainer ]
	[ "$(jq -r .status "$LOG/poststart.state")" = running ]
	[ "$(jq -r .pid "$LOG/poststart.state")" = "$(state_of "$CID" pid)" ]
}

@test "hooks get the state on stdin: id, pid, status and bundle" {
	setup_all_hooks
	ctr_create "$CID"
	pid=$(state_of "$CID" pid)
	rt start "$CID"
	rt kill "$CID" KILL
	wait_status "$CID" stopped
	rt delete "$CID"

	for kind in prestart createRuntime createContainer startContainer poststart poststop; do
		state=$LOG/$kind.state
		[ "$(jq -r .id "$state")" = "$CID" ] || { echo "$kind: $(cat "$state")" >&2; false; }
		[ "$(jq -r .bundle "$state")" = "$BUNDLE" ]
		[ "$(jq -r .ociVersion "$state")" != null ]
	done
	# runtime.md, State: while create runs the status is "creating"; startContainer runs before
	# the user program, while the container is still "created".
	for kind in prestart createRuntime createContainer; do
		[ "$(jq -r .status "$LOG/$kind.state")" = creating ] || { echo "$kind: $(cat "$LOG/$kind.state")" >&2; false; }
	done
	[ "$(jq -r .status "$LOG/startContainer.state")" = created ]
	[ "$(jq -r .status "$LOG/poststop.state")" = stopped ]
	# Hooks in the runtime namespace see the pid as the runtime does, hooks in the container
	# namespace as the container does.
	for kind in prestart createRuntime; do
		[ "$(jq -r .pid "$LOG/$kind.state")" = "$pid" ] || { echo "$kind: $(cat "$LOG/$kind.state")" >&2; false; }
	done
	[ "$(jq -r .pid "$LOG/createContainer.state")" = 1 ]
	[ "$(jq -r .pid "$LOG/startContainer.state")" = 1 ]
}

@test "hooks get their args (args[0] as argv[0]) and exactly their env" {
	setup_all_hooks
	# Something the runtime has in its environment that no hook must inherit.
	RUNTIME_ONLY_VAR=1 ctr_create "$CID"
	RUNTIME_ONLY_VAR=1 rt start "$CID"
	rt kill "$CID" KILL
	wait_status "$CID" stopped
	RUNTIME_ONLY_VAR=1 rt delete "$CID"
	for kind in prestart createRuntime createContainer startContainer poststart poststop; do
		[ "$(xargs <"$LOG/$kind.args")" = "$kind $( [ "$kind" = startContainer ] && echo /hooklog || echo "$LOG") extra arg" ]
		grep -qx "HOOK_VAR=hook value" "$LOG/$kind.env"
		! grep -q RUNTIME_ONLY_VAR "$LOG/$kind.env"
	done
}

@test "runtime-namespace hooks run in the host mount namespace, container ones in the container's" {
	setup_all_hooks
	ctr_create "$CID"
	rt start "$CID"
	pid=$(state_of "$CID" pid)
	host_mnt=$(readlink /proc/$HOST_PID/ns/mnt)
	ctr_mnt=$(readlink /proc/$pid/ns/mnt)
	[ "$host_mnt" != "$ctr_mnt" ]
	[ "$(cat "$LOG/prestart.mntns")" = "$host_mnt" ]
	[ "$(cat "$LOG/createRuntime.mntns")" = "$host_mnt" ]
	[ "$(cat "$LOG/poststart.mntns")" = "$host_mnt" ]
	[ "$(cat "$LOG/createContainer.mntns")" = "$ctr_mnt" ]
	[ "$(cat "$LOG/startContainer.mntns")" = "$ctr_mnt" ]
}

@test "several hooks of one kind run in the listed order" {
	setup_hooks
	for n in 1 2 3; do
		add_hook createRuntime "$(hook_json "createRuntime$n" "$LOG")"
	done
	ctr_create "$CID"
	[ "$(order)" = "createRuntime1 createRuntime2 createRuntime3" ]
}

@test "a failing prestart hook makes create fail and leaves nothing behind" {
	setup_hooks
	add_hook prestart "$(shell_hook 'echo prestart-failed >&2; exit 3')"
	run ! --separate-stderr ctr_create "$CID"
	run ! rt state "$CID"
	[ -z "$(rt list -q)" ]
}

@test "a failing createRuntime hook makes create fail and leaves nothing behind" {
	setup_hooks
	add_hook createRuntime "$(shell_hook 'exit 1')"
	add_hook createContainer "$(hook_json createContainer "$LOG")"
	run ! ctr_create "$CID"
	run ! rt state "$CID"
	[ -z "$(rt list -q)" ]
	# The lifecycle stopped before the next hook.
	[ ! -e "$LOG/order" ]
}

@test "a failing createContainer hook makes create fail and leaves nothing behind" {
	setup_hooks
	add_hook createContainer "$(shell_hook 'exit 1')"
	run ! ctr_create "$CID"
	run ! rt state "$CID"
	[ -z "$(rt list -q)" ]
}

@test "after a failing create hook the poststop hooks still run" {
	# runtime.md, Lifecycle 3-5: on a failing create hook, continue at step 12, which runs poststop.
	setup_hooks
	add_hook createRuntime "$(shell_hook 'exit 1')"
	add_hook poststop "$(hook_json poststop "$LOG")"
	run ! ctr_create "$CID"
	[ "$(order)" = poststop ]
}

@test "a hook running past its timeout is killed and fails create" {
	setup_hooks
	add_hook createRuntime "$(shell_hook 'sleep 60' 1)"
	start=$(date +%s)
	run ! ctr_create "$CID"
	[ $(($(date +%s) - start)) -lt 20 ]
	run ! rt state "$CID"
	# teardown checks the sleeping hook is gone (it carries this test's mark).
}

@test "a hook within its timeout succeeds" {
	setup_hooks
	add_hook createRuntime "$(shell_hook 'sleep 0.2' 5)"
	ctr_create "$CID"
	[ "$(state_of "$CID" status)" = created ]
}

@test "a failing poststop hook only warns: delete succeeds" {
	setup_hooks
	add_hook poststop "$(shell_hook 'exit 1')"
	ctr_create "$CID"
	rt start "$CID"
	rt kill "$CID" KILL
	wait_status "$CID" stopped
	run -0 --separate-stderr rt delete "$CID"
	[ -n "$stderr" ]
	run ! rt state "$CID"
}

@test "after a failing poststop hook the remaining poststop hooks run" {
	# runtime.md, Lifecycle 13: the remaining hooks and lifecycle continue.
	skip_if_runc "1.1 stops at the first failing poststop hook"
	setup_hooks
	add_hook poststop "$(shell_hook 'exit 1')"
	add_hook poststop "$(hook_json poststop "$LOG")"
	ctr_create "$CID"
	rt start "$CID"
	rt kill "$CID" KILL
	wait_status "$CID" stopped
	run -0 rt delete "$CID"
	[ "$(order)" = "process poststop" ]
}

@test "a failing poststart hook makes start fail and stops the container" {
	# runtime.md, Lifecycle 9.
	skip_if_runc "1.1 runs poststart hooks during create"
	setup_hooks
	add_hook poststart "$(shell_hook 'exit 1')"
	ctr_create "$CID"
	pid=$(state_of "$CID" pid)
	run ! rt start "$CID"
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$pid/status" || break
		sleep 0.05
	done
	! kill -0 "$pid" 2>/dev/null || grep -q '^State:.*Z' "/proc/$pid/status"
}

@test "a failing startContainer hook: the program never runs and the container stops" {
	setup_hooks
	add_hook startContainer "$(jq -n '{path: "/bin/in-container-busybox", args: ["sh", "-c", "exit 1"]}')"
	ctr_create "$CID"
	rt start "$CID" || true
	wait_status "$CID" stopped
	[ ! -e "$LOG/order" ]
}

@test "a failing startContainer hook makes start fail" {
	# runtime.md, Lifecycle 7: the runtime MUST generate an error.
	skip_if_runc "1.1 start succeeds; the container init exits on its own"
	setup_hooks
	add_hook startContainer "$(jq -n '{path: "/bin/in-container-busybox", args: ["sh", "-c", "exit 1"]}')"
	ctr_create "$CID"
	run ! rt start "$CID"
	[ ! -e "$LOG/order" ]
}

@test "hooks also run for run" {
	setup_all_hooks
	cfg '.process.args = ["sh", "-c", "echo process >>/hooklog/order"]'
	run -0 ctr_run
	[ "$(grep -v poststart "$LOG/order" | xargs)" = "prestart createRuntime createContainer startContainer process poststop" ]
	grep -qx poststart "$LOG/order"
}
