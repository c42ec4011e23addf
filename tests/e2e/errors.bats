#!/usr/bin/env bats
# Failures: each gives one clear line on stderr naming what is wrong, a non-zero exit, and
# leaves nothing behind (teardown checks state, cgroups, processes and mounts).

load helpers

# expect_create_error WORD [CREATE-FLAGS...]: create fails with one line on stderr that mentions
# WORD, and no container exists afterwards.
expect_create_error() {
	local word=$1 rc=0 err n
	shift
	ctr_create "$CID" "$@" 2>"$BATS_TEST_TMPDIR/create.err" || rc=$?
	err=$(cat "$BATS_TEST_TMPDIR/create.err")
	echo "create exited $rc: $err" >&2
	[ "$rc" -ne 0 ]
	n=$(printf '%s\n' "$err" | grep -c .) || true
	[ "$n" -eq 1 ] || { echo "expected one line on stderr, got $n" >&2; false; }
	[[ $err == *"$word"* ]] || { echo "the message does not mention '$word'" >&2; false; }
	run ! rt state "$CID"
	[ -z "$(rt list -q)" ]
}

@test "malformed config.json" {
	make_bundle true
	printf '{"ociVersion": "1.0.2", "process": {' >"$BUNDLE/config.json"
	# runc says only "unexpected EOF"; berth names the file.
	expect_create_error "$(is_runc || echo config.json)"
}

@test "config.json that is not an object" {
	make_bundle true
	echo '[1, 2, 3]' >"$BUNDLE/config.json"
	# runc names the Go type it could not fill; berth names the file.
	expect_create_error "$(is_runc || echo config.json)"
}

@test "empty process.args" {
	make_bundle true
	cfg '.process.args = []'
	expect_create_error args
}

@test "unknown namespace type" {
	make_bundle true
	cfg '.linux.namespaces += [{"type": "bogusns"}]'
	expect_create_error bogusns
}

@test "missing bundle directory" {
	BUNDLE=$BATS_TEST_TMPDIR/no-such-bundle
	expect_create_error no-such-bundle
}

@test "bundle without config.json" {
	make_bundle true
	rm "$BUNDLE/config.json"
	expect_create_error config.json
}

@test "missing rootfs" {
	make_bundle true
	cfg '.root.path = "no-such-rootfs"'
	expect_create_error no-such-rootfs
}

@test "args[0] not found" {
	make_bundle no-such-command
	expect_create_error no-such-command
}

@test "args[0] not executable" {
	make_bundle /bin/not-executable
	printf '#!/bin/sh\necho ran\n' >"$BUNDLE/rootfs/bin/not-executable"
	chmod 644 "$BUNDLE/rootfs/bin/not-executable"
	expect_create_error not-executable
}

@test "cwd that is a file" {
	make_bundle true
	cfg '.process.cwd = "/bin/busybox"'
	expect_create_error /bin/busybox
}

@test "a bind mount whose source does not exist" {
	make_bundle true
	cfg --arg src "$BATS_TEST_TMPDIR/no-such-source" '.mounts += [
		{"destination": "/data", "type": "bind", "source": $src, "options": ["rbind"]}]'
	expect_create_error no-such-source
}

@test "a namespace path that does not exist" {
	make_bundle true
	cfg '.linux.namespaces = [.linux.namespaces[] | select(.type != "network")]
		+ [{"type": "network", "path": "/var/run/netns/no-such-netns"}]'
	expect_create_error no-such-netns
}

@test "run with an error exits non-zero with one line and leaves nothing" {
	make_bundle no-such-command
	run ! --separate-stderr ctr_run
	one_line_error
	[[ $stderr == *no-such-command* ]]
	[ -z "$(rt list -q)" ]
}

@test "invalid container ids are refused" {
	make_bundle true
	for id in ../escape a/b "" .; do
		run ! --separate-stderr rt create --bundle "$BUNDLE" "$id" </dev/null
		one_line_error
	done
	[ ! -e "$BATS_TEST_TMPDIR/escape" ]
	[ -z "$(rt list -q)" ]
}

@test "create without an id fails" {
	make_bundle true
	run ! --separate-stderr rt create --bundle "$BUNDLE" </dev/null
	[ -n "$stderr" ]
	[ -z "$(rt list -q)" ]
}

@test "state, start, kill and delete without an id fail" {
	for cmd in state start kill delete; do
		run ! --separate-stderr rt "$cmd"
		[ -n "$stderr" ] || { echo "$cmd: no message" >&2; false; }
	done
}

@test "--log FILE --log-format json records the error as a JSON line" {
	make_bundle no-such-command
	log=$BATS_TEST_TMPDIR/runtime.log
	run ! "$RUNTIME" --root "$ROOT" --log "$log" --log-format json create --bundle "$BUNDLE" "$CID" </dev/null
	[ -s "$log" ]
	# Every line is a JSON object; the error is among them.
	jq -e 'type == "object"' "$log" >/dev/null
	run -0 jq -r 'select(.level == "error") | .msg' "$log"
	[ -n "$output" ]
	[[ $output == *no-such-command* ]]
	run ! rt state "$CID"
}

@test "--log FILE with the default text format records the error" {
	make_bundle no-such-command
	log=$BATS_TEST_TMPDIR/runtime.log
	run ! "$RUNTIME" --root "$ROOT" --log "$log" create --bundle "$BUNDLE" "$CID" </dev/null
	grep -q no-such-command "$log"
}

@test "an unknown command fails with a message" {
	run ! --separate-stderr rt no-such-command
	[[ $stderr$output == *no-such-command* ]]
}

@test "an unknown flag fails with a message" {
	run ! --separate-stderr rt --no-such-flag list
	[[ $stderr$output == *no-such-flag* ]]
	run ! --separate-stderr rt list --no-such-flag
	[[ $stderr$output == *no-such-flag* ]]
}

@test "--version and --help succeed" {
	run -0 rt --version
	[[ $output == *version* ]]
	run -0 rt --help
	[[ $output == *create* ]]
	[[ $output == *delete* ]]
}

@test "an AppArmor profile on a host without AppArmor is refused with one line" {
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ] ||
		skip "AppArmor is enabled here"
	make_bundle true
	cfg '.process.apparmorProfile = "berth-test-profile"'
	# runc fails only in its init ("apparmor failed to apply profile"), lower case.
	if is_runc; then expect_create_error apparmor; else expect_create_error AppArmor; fi
}

@test "a program the kernel cannot exec: run and start say why" {
	make_bundle /bin/notelf
	printf 'not an executable format' >"$BUNDLE/rootfs/bin/notelf"
	chmod 755 "$BUNDLE/rootfs/bin/notelf"
	run --separate-stderr ! ctr_run
	one_line_error
	shopt -s nocasematch # runc says "exec format error"
	[[ "$stderr" == *"exec format error"* ]]
	shopt -u nocasematch
	skip_if_runc "runc 1.1's start succeeds; the init fails after it returns"
	id2=$(new_id)
	ctr_create "$id2"
	run --separate-stderr ! rt start "$id2"
	one_line_error
	[[ "$stderr" == *"Exec format error"* ]]
}
