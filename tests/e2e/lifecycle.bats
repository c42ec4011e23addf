#!/usr/bin/env bats
# The container lifecycle through the runc command line: create, start, state, kill, delete,
# run, list.

load helpers

@test "create, start, kill, delete: state follows each step" {
	make_bundle sleep 1000
	ctr_create "$CID"

	run -0 rt state "$CID"
	[ "$(jq -r .id <<<"$output")" = "$CID" ]
	[ "$(jq -r .status <<<"$output")" = created ]
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
	[ "$(jq -r .ociVersion <<<"$output")" != null ]
	pid=$(jq -r .pid <<<"$output")
	[ "$pid" -gt 1 ]
	kill -0 "$pid"
	# Created means the user program has not run yet.
	! grep -q sleep "/proc/$pid/cmdline"

	run -0 rt start "$CID"
	run -0 rt state "$CID"
	[ "$(jq -r .status <<<"$output")" = running ]
	[ "$(jq -r .pid <<<"$output")" = "$pid" ]
	grep -q sleep "/proc/$pid/cmdline"

	run -0 rt kill "$CID" KILL
	wait_status "$CID" stopped
	! kill -0 "$pid" 2>/dev/null || grep -q '^State:.*Z' "/proc/$pid/status"

	run -0 rt delete "$CID"
	run ! rt state "$CID"
	[ -z "$(rt list -q)" ]
}

@test "state bundle is absolute when create is given a relative --bundle" {
	make_bundle sleep 1000
	cd "$BATS_TEST_TMPDIR"
	rt create --bundle bundle "$CID" </dev/null >/dev/null 2>&1
	[ "$(state_of "$CID" bundle)" = "$BUNDLE" ]
}

@test "create with --bundle defaulting to the current directory" {
	make_bundle sleep 1000
	cd "$BUNDLE"
	rt create "$CID" </dev/null >/dev/null 2>&1
	[ "$(state_of "$CID" status)" = created ]
	[ "$(state_of "$CID" bundle)" = "$BUNDLE" ]
}

@test "the runtime does not stay around between commands; state persists" {
	make_bundle sleep 1000
	ctr_create "$CID"
	pid=$(state_of "$CID" pid)
	created=$(state_of "$CID" created)
	exe=$(readlink -f "$RUNTIME")
	for p in $(leftover_processes | cut -d: -f1); do
		[ "$p" = "$pid" ] && continue
		if [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$exe" ]; then
			echo "runtime process $p still running: $(tr '\0' ' ' <"/proc/$p/cmdline")" >&2
			false
		fi
	done
	# Another invocation sees the same container.
	[ "$(state_of "$CID" pid)" = "$pid" ]
	[ "$(state_of "$CID" created)" = "$created" ]
	rt start "$CID"
	[ "$(state_of "$CID" status)" = running ]
	[ "$(state_of "$CID" pid)" = "$pid" ]
}

@test "start on a running container fails and leaves it running" {
	make_bundle sleep 1000
	ctr_create "$CID"
	rt start "$CID"
	pid=$(state_of "$CID" pid)
	run ! rt start "$CID"
	[ "$(state_of "$CID" status)" = running ]
	[ "$(state_of "$CID" pid)" = "$pid" ]
}

@test "start on a stopped container fails" {
	make_bundle true
	ctr_create "$CID"
	rt start "$CID"
	wait_status "$CID" stopped
	run ! rt start "$CID"
	[ "$(state_of "$CID" status)" = stopped ]
}

@test "delete of a running container fails without --force and works with it" {
	make_bundle sleep 1000
	ctr_create "$CID"
	rt start "$CID"
	pid=$(state_of "$CID" pid)
	run ! rt delete "$CID"
	[ "$(state_of "$CID" status)" = running ]
	kill -0 "$pid"

	run -0 rt delete --force "$CID"
	run ! rt state "$CID"
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$pid" 2>/dev/null || grep -q '^State:.*Z' "/proc/$pid/status"
}

@test "delete of a created container fails without --force" {
	# runtime.md, Delete: deleting a container that is not stopped MUST generate an error.
	skip_if_runc "deletes a created container without --force (spec: MUST error)"
	make_bundle sleep 1000
	ctr_create "$CID"
	run ! rt delete "$CID"
	[ "$(state_of "$CID" status)" = created ]
	run -0 rt delete --force "$CID"
	run ! rt state "$CID"
}

@test "delete --force of a created container removes it" {
	make_bundle sleep 1000
	ctr_create "$CID"
	pid=$(state_of "$CID" pid)
	run -0 rt delete --force "$CID"
	run ! rt state "$CID"
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$pid" 2>/dev/null || grep -q '^State:.*Z' "/proc/$pid/status"
}

@test "delete of a stopped container frees its id for reuse" {
	make_bundle sh -c 'echo first'
	ctr_create "$CID"
	rt start "$CID"
	wait_status "$CID" stopped
	rt delete "$CID"
	ctr_create "$CID"
	[ "$(state_of "$CID" status)" = created ]
}

@test "run returns the process exit code" {
	make_bundle sh -c 'echo out; echo err >&2; exit 3'
	run -3 --separate-stderr ctr_run
	[ "$output" = out ]
	[ "$stderr" = err ]
	# A foreground run cleans up after itself.
	[ -z "$(rt list -q)" ]
}

@test "run of a successful process exits 0" {
	make_bundle true
	run -0 ctr_run
}

@test "run of a process killed by a signal exits 128+signal" {
	make_bundle sleep 1000
	background rt run --bundle "$BUNDLE" "$CID"
	wait_status "$CID" running
	rt kill "$CID" KILL
	status=0
	wait "$BG_PID" || status=$?
	[ "$status" -eq 137 ]
}

@test "run of a process that kills itself with SIGTERM exits 143" {
	make_bundle sh -c 'kill -TERM $$; sleep 5'
	# Not pid 1 of a pid namespace, which cannot receive its own unhandled signals.
	cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
	run -143 ctr_run
}

@test "run --detach returns while the container keeps running" {
	make_bundle sh -c 'echo detached-output; sleep 1000'
	# Not through `run`: the container would hold its output pipe open.
	rt run --detach --bundle "$BUNDLE" "$CID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1
	[ "$(state_of "$CID" status)" = running ]
	wait_file "$BATS_TEST_TMPDIR/out"
	grep -qx detached-output "$BATS_TEST_TMPDIR/out"
}

@test "--pid-file holds the container pid" {
	make_bundle sleep 1000
	ctr_create "$CID" --pid-file "$BATS_TEST_TMPDIR/pid"
	pid=$(state_of "$CID" pid)
	[ "$(cat "$BATS_TEST_TMPDIR/pid")" = "$pid" ]

	id2=$(new_id)
	rt run --detach --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid2" "$id2" \
		</dev/null >/dev/null 2>&1
	[ "$(cat "$BATS_TEST_TMPDIR/pid2")" = "$(state_of "$id2" pid)" ]
}

@test "create with an id already in use fails and leaves the first container alone" {
	make_bundle sleep 1000
	ctr_create "$CID"
	pid=$(state_of "$CID" pid)
	run ! ctr_create "$CID"
	[ "$(state_of "$CID" status)" = created ]
	[ "$(state_of "$CID" pid)" = "$pid" ]
	[ "$(rt list -q)" = "$CID" ]
}

@test "state, start, kill and delete of an unknown container fail with one line" {
	for cmd in state start kill delete; do
		run -1 --separate-stderr rt "$cmd" nosuch-container
		[ -z "$output" ] || { echo "$cmd printed on stdout: $output" >&2; false; }
		one_line_error
	done
}

@test "errors about an unknown container name it" {
	skip_if_runc "says 'container does not exist' without the id"
	for cmd in state start kill delete; do
		run -1 --separate-stderr rt "$cmd" nosuch-container
		one_line_error
		[[ $stderr == *nosuch-container* ]]
	done
}

@test "list shows a table with a header and one row per container" {
	make_bundle sleep 1000
	run -0 rt list
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER$ ]]

	ctr_create "$CID"
	id2=$(new_id)
	ctr_create "$id2"
	rt start "$id2"
	pid=$(state_of "$CID" pid)
	run -0 rt list
	[ "${#lines[@]}" -eq 3 ]
	[[ ${lines[0]} =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER$ ]]
	row=$(printf '%s\n' "${lines[@]}" | grep "^$CID ")
	read -r id p st b created owner <<<"$row"
	[ "$id" = "$CID" ] && [ "$p" = "$pid" ] && [ "$st" = created ] && [ "$b" = "$BUNDLE" ]
	[ "$created" = "$(state_of "$CID" created)" ]
	[ "$owner" = root ]
	row=$(printf '%s\n' "${lines[@]}" | grep "^$id2 ")
	[ "$(awk '{print $3}' <<<"$row")" = running ]
}

@test "list -q prints only the ids" {
	make_bundle sleep 1000
	run -0 rt list -q
	[ -z "$output" ]
	ctr_create "$CID"
	id2=$(new_id)
	ctr_create "$id2"
	run -0 rt list -q
	[ "$(printf '%s\n' "${lines[@]}" | sort)" = "$(printf '%s\n' "$CID" "$id2" | sort)" ]
}

@test "list --format json is parseable and matches state" {
	make_bundle sleep 1000
	run -0 rt list --format json
	[ "$(jq length <<<"$output")" -eq 0 ]
	ctr_create "$CID"
	cfg '.annotations = {"org.example.key": "value"}'
	id2=$(new_id)
	ctr_create "$id2"
	rt start "$id2"
	run -0 rt list --format json
	[ "$(jq length <<<"$output")" -eq 2 ]
	[ "$(jq -r --arg id "$CID" '.[] | select(.id == $id) | .status' <<<"$output")" = created ]
	[ "$(jq -r --arg id "$id2" '.[] | select(.id == $id) | .status' <<<"$output")" = running ]
	[ "$(jq -r --arg id "$CID" '.[] | select(.id == $id) | .pid' <<<"$output")" = "$(state_of "$CID" pid)" ]
	[ "$(jq -r --arg id "$CID" '.[] | select(.id == $id) | .bundle' <<<"$output")" = "$BUNDLE" ]
	[ "$(jq -r --arg id "$id2" '.[] | select(.id == $id) | .annotations["org.example.key"]' <<<"$output")" = value ]
}

@test "kill accepts KILL, SIGKILL and 9" {
	make_bundle sleep 1000
	for sig in KILL SIGKILL 9; do
		id=$(new_id)
		ctr_create "$id"
		rt start "$id"
		run -0 rt kill "$id" "$sig"
		wait_status "$id" stopped
		rt delete "$id"
	done
}

@test "kill without a signal sends SIGTERM" {
	make_bundle sh -c 'trap "echo got-TERM; exit 0" TERM; echo ready; while :; do sleep 0.1; done'
	ctr_create "$CID"
	rt start "$CID"
	wait_file "$BATS_TEST_TMPDIR/$CID.out"
	run -0 rt kill "$CID"
	wait_status "$CID" stopped
	grep -qx got-TERM "$BATS_TEST_TMPDIR/$CID.out"
}

@test "kill delivers the named signal to the container process" {
	make_bundle sh -c 'trap "echo got-USR1" USR1; trap "echo got-HUP; exit 0" HUP; echo ready; while :; do sleep 0.1; done'
	ctr_create "$CID"
	rt start "$CID"
	wait_file "$BATS_TEST_TMPDIR/$CID.out"
	rt kill "$CID" USR1
	for _ in $(seq 100); do
		grep -q got-USR1 "$BATS_TEST_TMPDIR/$CID.out" && break
		sleep 0.05
	done
	rt kill "$CID" SIGHUP
	wait_status "$CID" stopped
	[ "$(ctr_output "$CID")" = "$(printf 'ready\ngot-USR1\ngot-HUP')" ]
}

@test "kill with an unknown signal fails and leaves the container running" {
	make_bundle sleep 1000
	ctr_create "$CID"
	rt start "$CID"
	run ! rt kill "$CID" NOSUCHSIGNAL
	sleep 0.2
	[ "$(state_of "$CID" status)" = running ]
}

@test "kill of a stopped container fails" {
	make_bundle true
	ctr_create "$CID"
	rt start "$CID"
	wait_status "$CID" stopped
	run ! rt kill "$CID" KILL
}

@test "kill --all signals every process of the container" {
	# pid 1 of the pid namespace ignores an unhandled SIGTERM; its children do not.
	make_bundle sh -c 'sleep 1000 & sleep 1000 & echo ready; wait; echo children-gone; sleep 1000'
	ctr_create "$CID"
	rt start "$CID"
	wait_file "$BATS_TEST_TMPDIR/$CID.out"
	rt kill "$CID" TERM
	sleep 0.3
	[ "$(state_of "$CID" status)" = running ]
	! grep -q children-gone "$BATS_TEST_TMPDIR/$CID.out"

	run -0 rt kill --all "$CID" TERM
	for _ in $(seq 100); do
		grep -q children-gone "$BATS_TEST_TMPDIR/$CID.out" && break
		sleep 0.05
	done
	grep -q children-gone "$BATS_TEST_TMPDIR/$CID.out"
	run -0 rt kill --all "$CID" KILL
	wait_status "$CID" stopped
}

@test "start runs the process with the stdio given to create" {
	make_bundle sh -c 'read line; echo "read:$line"; echo to-stderr >&2'
	echo hello-stdin >"$BATS_TEST_TMPDIR/in"
	rt create --bundle "$BUNDLE" "$CID" <"$BATS_TEST_TMPDIR/in" \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	rt start "$CID"
	wait_status "$CID" stopped
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = read:hello-stdin ]
	grep -qx to-stderr "$BATS_TEST_TMPDIR/err"
}

@test "kill of a created container stops it" {
	make_bundle sleep 1000
	ctr_create "$CID"
	run -0 rt kill "$CID" KILL
	wait_status "$CID" stopped
	run -0 rt delete "$CID"
}

@test "only stdin, stdout and stderr reach the container by default" {
	# runtime-linux.md, File descriptors. fd 7 is open in the caller but must not leak.
	# ls lists the fds of the shell (pid 1), which has no pipe of its own open at that moment
	# (`; exit 0` keeps sh from exec-ing ls in its place).
	make_bundle sh -c 'ls /proc/1/fd; exit 0'
	run -0 rt run --bundle "$BUNDLE" "$CID" </dev/null 7</dev/null
	[ "$(xargs <<<"$output")" = "0 1 2" ]
}

@test "--preserve-fds N passes fds 3..3+N-1 to the container" {
	echo third >"$BATS_TEST_TMPDIR/three"
	echo fourth >"$BATS_TEST_TMPDIR/four"
	make_bundle sh -c 'cat <&3; cat <&4; ls /proc/1/fd; exit 0'
	run -0 rt run --preserve-fds 2 --bundle "$BUNDLE" "$CID" </dev/null \
		3<"$BATS_TEST_TMPDIR/three" 4<"$BATS_TEST_TMPDIR/four" 5</dev/null
	[ "${lines[0]}" = third ]
	[ "${lines[1]}" = fourth ]
	[ "$(printf '%s\n' "${lines[@]:2}" | xargs)" = "0 1 2 3 4" ]
}

@test "create --preserve-fds keeps the fds until start" {
	echo kept >"$BATS_TEST_TMPDIR/three"
	make_bundle sh -c 'cat <&3'
	rt create --preserve-fds 1 --bundle "$BUNDLE" "$CID" </dev/null \
		>"$BATS_TEST_TMPDIR/out" 2>&1 3<"$BATS_TEST_TMPDIR/three"
	rt start "$CID"
	wait_status "$CID" stopped
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = kept ]
}

@test "--no-pivot and --no-new-keyring still give a working container" {
	make_bundle sh -c 'ls / | grep -qx bin && cat /etc/passwd | head -n1'
	run -0 rt run --no-pivot --no-new-keyring --bundle "$BUNDLE" "$CID" </dev/null
	[ "$output" = "root:x:0:0:root:/root:/bin/sh" ]
}

@test "the global --debug flag is accepted" {
	make_bundle true
	run -0 rt --debug run --bundle "$BUNDLE" "$CID" </dev/null
	run -0 rt --debug list -q
}
