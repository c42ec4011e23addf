#!/usr/bin/env bats
# process.terminal with --console-socket: the runtime sends the pty master over the socket
# (SCM_RIGHTS); whoever holds it talks to the container.

load helpers

# start_receiver: listen on $SOCK; on connection receive the pty master, write $INPUT to it and
# copy everything read from it to $SCREEN until the container side closes.
start_receiver() {
	SOCK=$BATS_TEST_TMPDIR/console.sock
	SCREEN=$BATS_TEST_TMPDIR/screen
	cat >"$BATS_TEST_TMPDIR/receiver.py" <<'EOF'
import os, socket, sys
path, screen, data = sys.argv[1], sys.argv[2], sys.argv[3].encode()
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
server.listen(1)
open(screen + ".ready", "w").close()
conn, _ = server.accept()
msg, fds, _, _ = socket.recv_fds(conn, 4096, 4)
if len(fds) != 1:
    sys.exit("receiver: expected one fd, got %d" % len(fds))
master = fds[0]
if data:
    os.write(master, data)
with open(screen, "wb") as out:
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: every slave fd is closed
            break
        if not chunk:
            break
        out.write(chunk)
        out.flush()
open(screen + ".done", "w").close()
EOF
	background python3 "$BATS_TEST_TMPDIR/receiver.py" "$SOCK" "$SCREEN" "${INPUT:-}"
	wait_file_exists "$SCREEN.ready"
}

wait_file_exists() {
	for _ in $(seq 200); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	echo "$1 did not appear" >&2
	return 1
}

# screen: what the container wrote to its terminal, without carriage returns (also on stderr,
# which bats shows when the test fails).
screen() {
	tr -d '\r' <"$SCREEN" | tee /dev/stderr
}

terminal_bundle() {
	make_bundle sh
	cfg --arg script "$1" '.process.terminal = true | .process.args = ["sh", "-c", $script]'
}

@test "the container's stdio is the pty sent to the console socket" {
	terminal_bundle 'tty; [ -t 0 ] && echo stdin-is-a-tty; [ -t 1 ] && echo stdout-is-a-tty; [ -t 2 ] && echo stderr-is-a-tty'
	start_receiver
	ctr_create "$CID" --console-socket "$SOCK"
	rt start "$CID"
	wait_status "$CID" stopped
	wait_file_exists "$SCREEN.done"
	[ "$(screen)" = "$(printf '/dev/pts/0\nstdin-is-a-tty\nstdout-is-a-tty\nstderr-is-a-tty')" ]
}

@test "input written to the pty master reaches the container's stdin" {
	terminal_bundle 'read line; echo "got:$line"'
	INPUT=$'hello terminal\n' start_receiver
	ctr_create "$CID" --console-socket "$SOCK"
	rt start "$CID"
	wait_status "$CID" stopped
	wait_file_exists "$SCREEN.done"
	screen | grep -qx 'got:hello terminal'
}

@test "/dev/console is the container's pty" {
	# config-linux.md, Default Devices: /dev/console is the pty when terminal is enabled.
	terminal_bundle 'stat -c "%F %t" /dev/console; stat -c "%t %T" /dev/pts/0'
	start_receiver
	ctr_create "$CID" --console-socket "$SOCK"
	rt start "$CID"
	wait_status "$CID" stopped
	wait_file_exists "$SCREEN.done"
	# A pts device: major 136 (0x88), the same numbers as /dev/pts/0.
	[ "$(screen | sed -n 1p)" = "character special file 88" ]
	[ "$(screen | sed -n 2p)" = "88 0" ]
}

@test "process.consoleSize sets the terminal size" {
	terminal_bundle 'stty size'
	cfg '.process.consoleSize = {"height": 25, "width": 93}'
	start_receiver
	ctr_create "$CID" --console-socket "$SOCK"
	rt start "$CID"
	wait_status "$CID" stopped
	wait_file_exists "$SCREEN.done"
	[ "$(screen)" = "25 93" ]
}

@test "run --detach with --console-socket" {
	terminal_bundle 'tty'
	start_receiver
	rt run --detach --console-socket "$SOCK" --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	wait_status "$CID" stopped
	wait_file_exists "$SCREEN.done"
	[ "$(screen)" = /dev/pts/0 ]
}

@test "terminal without --console-socket fails create" {
	terminal_bundle 'tty'
	run ! --separate-stderr ctr_create "$CID"
	one_line_error
	run ! rt state "$CID"
}

@test "a console socket nobody listens on fails create and leaves nothing behind" {
	terminal_bundle 'tty'
	run ! --separate-stderr ctr_create "$CID" --console-socket "$BATS_TEST_TMPDIR/nobody.sock"
	one_line_error
	[[ $stderr == *nobody.sock* ]]
	run ! rt state "$CID"
}

@test "without terminal the console socket is not needed and stdio is not a tty" {
	make_bundle sh -c '[ -t 0 ] || echo stdin-not-a-tty; [ -t 1 ] || echo stdout-not-a-tty'
	run -0 ctr_run
	[ "$output" = "$(printf 'stdin-not-a-tty\nstdout-not-a-tty')" ]
}
