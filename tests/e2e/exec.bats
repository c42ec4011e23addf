#!/usr/bin/env bats
# exec: a new process in a running container, with runc's flags.

load helpers

start_sleeper() {
	make_bundle sleep 1000
	"$@"
	ctr_create "$CID"
	rt start "$CID"
	INIT_PID=$(state_of "$CID" pid)
}

@test "exec runs in every namespace and the cgroup of the container" {
	start_sleeper true
	run -0 rt exec "$CID" sh -c 'for n in mnt uts ipc net pid cgroup; do readlink /proc/self/ns/$n; done; cat /proc/self/cgroup'
	expected=$(for n in mnt uts ipc net pid cgroup; do readlink "/proc/$INIT_PID/ns/$n"; done; cat "/proc/$INIT_PID/cgroup")
	[ "$output" = "$expected" ]
}

@test "exec sees the container's root filesystem and processes" {
	start_sleeper true
	run -0 rt exec "$CID" sh -c 'test -x /bin/busybox && ps -o comm | grep -c sleep'
	[ "$output" = 1 ]
}

@test "exec passes the exit status through" {
	start_sleeper true
	run -5 rt exec "$CID" sh -c 'exit 5'
	run -0 rt exec "$CID" true
}

@test "exec -e, --cwd, -u and -g" {
	start_sleeper true
	run -0 rt exec -e FOO=bar -e PATH=/bin --cwd /tmp -u 65534:65534 -g 10 -g 20 "$CID" \
		sh -c 'echo "$FOO $PATH"; pwd; id -u; id -g; id -G'
	[ "${lines[0]}" = "bar /bin" ]
	[ "${lines[1]}" = /tmp ]
	[ "${lines[2]}" = 65534 ]
	[ "${lines[3]}" = 65534 ]
	[ "${lines[4]}" = "65534 10 20" ]
}

@test "exec keeps the container's environment and adds to it" {
	start_sleeper cfg '.process.env += ["FROM_CONFIG=yes"]'
	run -0 rt exec -e ADDED=1 "$CID" sh -c 'echo "$FROM_CONFIG $ADDED"'
	[ "$output" = "yes 1" ]
}

@test "exec --cap adds a capability; without it the container's set applies" {
	start_sleeper true
	# CAP_SYS_ADMIN is bit 21.
	run -0 rt exec "$CID" grep CapEff /proc/self/status
	mask=$((16#$(awk '{print $2}' <<<"$output")))
	[ $((mask >> 21 & 1)) -eq 0 ]
	run -0 rt exec --cap CAP_SYS_ADMIN "$CID" grep CapEff /proc/self/status
	mask=$((16#$(awk '{print $2}' <<<"$output")))
	[ $((mask >> 21 & 1)) -eq 1 ]
}

@test "exec --no-new-privs" {
	start_sleeper cfg '.process.noNewPrivileges = false'
	run -0 rt exec "$CID" grep NoNewPrivs /proc/self/status
	[[ "$output" == *0 ]]
	run -0 rt exec --no-new-privs "$CID" grep NoNewPrivs /proc/self/status
	[[ "$output" == *1 ]]
}

@test "exec --process FILE" {
	start_sleeper true
	jq '.process | .args = ["sh", "-c", "echo from-file $X; pwd"] | .env += ["X=1"] | .cwd = "/etc" | .terminal = false' \
		"$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/process.json"
	run -0 rt exec --process "$BATS_TEST_TMPDIR/process.json" "$CID"
	[ "${lines[0]}" = "from-file 1" ]
	[ "${lines[1]}" = /etc ]
}

@test "exec -t gives the process a terminal" {
	command -v script >/dev/null || skip "no script(1)"
	start_sleeper true
	run -7 script -qec "$RUNTIME --root $ROOT exec -t $CID sh -c 'tty; exit 7'" /dev/null </dev/null
	[[ "$output" == *"/dev/pts/"* ]]
}

@test "exec -d --pid-file returns at once and the process runs in the container" {
	start_sleeper true
	rt exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$CID" sleep 999 </dev/null >/dev/null 2>&1
	pid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	kill -0 "$pid"
	grep -q 999 "/proc/$pid/cmdline"
	[ "$(readlink "/proc/$pid/ns/pid")" = "$(readlink "/proc/$INIT_PID/ns/pid")" ]
	kill -9 "$pid"
}

@test "exec does not leak the runtime's fds; --preserve-fds passes them" {
	start_sleeper true
	run -0 rt exec "$CID" sh -c 'ls /proc/self/fd | sort -n | tr "\n" " "' 5<"$BATS_TEST_TMPDIR"
	[ "$output" = "0 1 2 3 " ]
	echo three >"$BATS_TEST_TMPDIR/f3"
	run -0 rt exec --preserve-fds 1 "$CID" sh -c 'cat <&3' 3<"$BATS_TEST_TMPDIR/f3"
	[ "$output" = three ]
}

@test "exec of a missing command fails with one line and leaves nothing running" {
	start_sleeper true
	run --separate-stderr ! rt exec "$CID" no-such-command
	one_line_error
	[[ "$stderr" == *no-such-command* ]]
	# From the host: the container's pid namespace holds its init and nothing else.
	ns=$(readlink "/proc/$INIT_PID/ns/pid")
	left=()
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] && left+=("${p#/proc/}")
	done
	echo "processes in the container: ${left[*]}" >&2
	[ "${left[*]}" = "$INIT_PID" ]
}

@test "exec into a stopped or unknown container fails" {
	start_sleeper true
	rt kill "$CID" KILL
	wait_status "$CID" stopped
	run --separate-stderr ! rt exec "$CID" true
	one_line_error
	run --separate-stderr ! rt exec nosuch-container true
	one_line_error
	# runc 1.1 says only "container does not exist".
	is_runc || [[ "$stderr" == *nosuch-container* ]]
}
