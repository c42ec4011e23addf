#!/usr/bin/env bats
# create/run flags beyond the basics: --no-pivot, --preserve-fds, LISTEN_FDS,
# --no-new-keyring, and run's own terminal handling.

load helpers

@test "--no-pivot: the container runs in its rootfs and cannot see the host's root" {
	make_bundle sh -c 'test -x /bin/busybox && ! test -e /berth-host-marker-$$ && echo inside'
	run -0 rt run --no-pivot --bundle "$BUNDLE" "$CID" </dev/null
	[ "$output" = inside ]
}

@test "--preserve-fds N passes fds 3..N+2 and nothing beyond" {
	make_bundle sh -c 'cat <&3; cat <&4; if ls -l /proc/self/fd/5 >/dev/null 2>&1; then echo leaked; fi'
	echo three >"$BATS_TEST_TMPDIR/f3"
	echo four >"$BATS_TEST_TMPDIR/f4"
	echo five >"$BATS_TEST_TMPDIR/f5"
	run -0 rt run --preserve-fds 2 --bundle "$BUNDLE" "$CID" \
		</dev/null 3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f4" 5<"$BATS_TEST_TMPDIR/f5"
	[ "$output" = "$(printf 'three\nfour')" ]
}

@test "without --preserve-fds no fd of the caller reaches the container" {
	make_bundle sh -c 'ls /proc/self/fd | sort -n | tr "\n" " "'
	run -0 rt run --bundle "$BUNDLE" "$CID" </dev/null 3<"$BATS_TEST_TMPDIR" 7<"$BATS_TEST_TMPDIR"
	# 0-2, and the fd ls itself opens on /proc/self/fd.
	[ "$output" = "0 1 2 3 " ]
}

@test "LISTEN_FDS (with LISTEN_PID the runtime's) passes socket-activation fds" {
	make_bundle sh -c 'cat <&3; echo "$LISTEN_FDS $LISTEN_PID"'
	echo activated >"$BATS_TEST_TMPDIR/f3"
	run -0 sh -c 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"' sh "$RUNTIME" --root "$ROOT" run \
		--bundle "$BUNDLE" "$CID" </dev/null 3<"$BATS_TEST_TMPDIR/f3"
	[ "$output" = "$(printf 'activated\n1 1')" ]
}

@test "LISTEN_FDS meant for another process is ignored" {
	make_bundle sh -c '{ cat <&3; } 2>/dev/null || echo closed'
	echo activated >"$BATS_TEST_TMPDIR/f3"
	LISTEN_PID=1 LISTEN_FDS=1 run -0 rt run --bundle "$BUNDLE" "$CID" </dev/null 3<"$BATS_TEST_TMPDIR/f3"
	[ "$output" = closed ]
}

@test "--no-new-keyring is accepted and the container runs" {
	make_bundle echo ok
	run -0 rt run --no-new-keyring --bundle "$BUNDLE" "$CID" </dev/null
	[ "$output" = ok ]
}

@test "run with terminal and no console socket proxies the pty and keeps the exit code" {
	command -v script >/dev/null || skip "no script(1)"
	make_bundle sh -c 'tty; exit 7'
	cfg '.process.terminal = true'
	run -7 script -qec "$RUNTIME --root $ROOT run --bundle $BUNDLE $CID" /dev/null </dev/null
	[[ "$output" == *"/dev/pts/0"* ]]
}

@test "run --detach with terminal needs a console socket" {
	make_bundle sh
	cfg '.process.terminal = true'
	run --separate-stderr ! rt run --detach --bundle "$BUNDLE" "$CID" </dev/null
	one_line_error
	[[ "$stderr" == *console* ]]
	[ -z "$(rt list -q)" ]
}
