#!/usr/bin/env bats
# berth-runtime is a drop-in for runc: the same bundle, run by runc and by $RUNTIME, must look the
# same from inside the container and from the command line.
#
# Both runtimes get the same config.json (runc's `spec`, so the input is identical; the runtime's own
# `spec` is compared separately), the same container id and their own state roots. Against
# RUNTIME=/usr/sbin/runc every test passes trivially; a failure prints a diff, runc's side first.

load helpers

REF_RUNTIME=${REF_RUNTIME:-$(command -v runc || echo /usr/sbin/runc)}

# The helpers' setup and teardown know only $RUNTIME: keep them as helpers_setup and helpers_teardown,
# and wrap them to add runc's state root.
eval "helpers_$(declare -f setup)"
eval "helpers_$(declare -f teardown)"
teardown() {
	local id
	if [ -n "${REF_ROOT:-}" ]; then
		for id in $(ref list -q 2>/dev/null); do
			ref delete --force "$id" >/dev/null 2>&1 || true
		done
		if [ -n "$(ref list -q 2>/dev/null)" ]; then
			echo "teardown: runc containers still listed: $(ref list -q 2>&1)" >&2
			helpers_teardown
			return 1
		fi
	fi
	helpers_teardown
}

setup() {
	[ -x "$REF_RUNTIME" ] || skip "runc not installed: $REF_RUNTIME"
	helpers_setup
	REF_ROOT=$BATS_TEST_TMPDIR/runc-root
	mkdir -p "$REF_ROOT"
	BERTH_RUNTIME=$REF_RUNTIME "$REPO_ROOT/tests/lib/make-bundle.sh" "$BUNDLE" true >/dev/null
	cfg --arg mark "BERTH_E2E_MARK=$CID_PREFIX" '.process.env += [$mark]'
}

# ref ARGS...: runc, the reference, with its own state root.
ref() {
	BERTH_E2E_MARK=$CID_PREFIX "$REF_RUNTIME" --root "$REF_ROOT" "$@"
}

# set_args CMD ARGS...: the bundle's process runs CMD ARGS.
set_args() {
	cfg --argjson a "$(json_array "$@")" '.process.args = $a'
}

# run_with WHO: `run` the bundle in the foreground with ref or rt; stdout, stderr and the exit status
# go to $BATS_TEST_TMPDIR/WHO.out, .err and .rc.
run_with() {
	local who=$1 rc=0
	"$who" run --bundle "$BUNDLE" "$CID" </dev/null \
		>"$BATS_TEST_TMPDIR/$who.out" 2>"$BATS_TEST_TMPDIR/$who.err" || rc=$?
	echo "$rc" >"$BATS_TEST_TMPDIR/$who.rc"
}

# same FILE-SUFFIX WHAT: runc's and $RUNTIME's versions of a captured result are equal, else show a diff.
same() {
	local a=$BATS_TEST_TMPDIR/ref.$1 b=$BATS_TEST_TMPDIR/rt.$1
	diff -u --label "runc: $2" --label "$(basename "$RUNTIME"): $2" "$a" "$b" >&2 && return 0
	echo "--- runc stderr:" >&2
	cat "$BATS_TEST_TMPDIR/ref.err" >&2
	echo "--- $(basename "$RUNTIME") stderr:" >&2
	cat "$BATS_TEST_TMPDIR/rt.err" >&2
	return 1
}

# compare NORMALISE CMD ARGS...: run CMD with both runtimes; the exit status and the stdout piped
# through NORMALISE (a function or command reading stdin) must be equal. runc must succeed (the test's
# own sanity), unless EXPECT_RC says which status it returns.
compare() {
	local norm=$1 who
	shift
	set_args "$@"
	for who in ref rt; do
		run_with "$who"
		$norm <"$BATS_TEST_TMPDIR/$who.out" >"$BATS_TEST_TMPDIR/$who.norm"
	done
	if [ "$(cat "$BATS_TEST_TMPDIR/ref.rc")" != "${EXPECT_RC:-0}" ]; then
		echo "runc itself exited $(cat "$BATS_TEST_TMPDIR/ref.rc"), expected ${EXPECT_RC:-0}:" >&2
		cat "$BATS_TEST_TMPDIR/ref.err" >&2
		return 1
	fi
	same rc "exit status of $*"
	same norm "output of $*"
}

# Normalisers: drop what differs between any two runs (ids, device numbers, inodes, times).
as_is() { cat; }
# mountinfo: "ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - TYPE SOURCE SUPEROPTS" without the
# ids and device numbers, and with peer group numbers dropped (shared:12 -> shared).
norm_mountinfo() {
	awk '{ out = $4 " " $5 " " $6; i = 7
	       while ($i != "-") { sub(/:[0-9]+$/, "", $i); out = out " " $i; i++ }
	       print out " - " $(i + 1) " " $(i + 2) " " $(i + 3) }'
}
# ls -l: no dates (busybox prints "Nov 23 09:32" or "Nov 23  2025").
norm_ls() {
	sed -E 's/ [A-Z][a-z]{2} +[0-9]+ +([0-9]{1,2}:[0-9]{2}|[0-9]{4}) / /'
}
# ls -l /proc/self/fd: pipe and socket inodes differ; the fd of ls's own directory stream is unreadable.
norm_fds() {
	norm_ls | sed -E 's/(pipe|socket|anon_inode):\[[0-9]+\]/\1/' | grep -v '^total'
}

@test "spec: the default config.json is runc's" {
	mkdir "$BATS_TEST_TMPDIR/spec-ref" "$BATS_TEST_TMPDIR/spec-rt"
	(cd "$BATS_TEST_TMPDIR/spec-ref" && "$REF_RUNTIME" spec)
	(cd "$BATS_TEST_TMPDIR/spec-rt" && "$RUNTIME" spec)
	jq -S . "$BATS_TEST_TMPDIR/spec-ref/config.json" >"$BATS_TEST_TMPDIR/ref.norm"
	jq -S . "$BATS_TEST_TMPDIR/spec-rt/config.json" >"$BATS_TEST_TMPDIR/rt.norm"
	# ociVersion is the spec version each runtime implements, allowed to differ.
	sed -i '/"ociVersion"/d' "$BATS_TEST_TMPDIR/ref.norm" "$BATS_TEST_TMPDIR/rt.norm"
	touch "$BATS_TEST_TMPDIR/ref.err" "$BATS_TEST_TMPDIR/rt.err"
	same norm "spec"
}

# state_fields WHO ID: the runtime-spec fields of `state` that must match: id, status, bundle, whether
# pid is there (and > 0), and the key set restricted to the spec's (ociVersion id status pid bundle
# annotations). runc adds rootfs, created and owner; those are not compared.
state_fields() {
	"$1" state "$2" | jq -S '{id, status, bundle, pid: (if .pid then (.pid > 0) else null end),
		spec_keys: (keys - ["rootfs", "created", "owner"])}'
}

@test "state: id, status, bundle and pid through create, start and kill" {
	set_args sleep 1000
	local who
	for who in ref rt; do
		"$who" create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/$who.err"
		state_fields "$who" "$CID" >"$BATS_TEST_TMPDIR/$who.created"
		"$who" start "$CID"
		state_fields "$who" "$CID" >"$BATS_TEST_TMPDIR/$who.running"
		"$who" kill "$CID" KILL
		local tries=100
		while [ "$("$who" state "$CID" | jq -r .status)" != stopped ] && ((tries-- > 0)); do sleep 0.05; done
		state_fields "$who" "$CID" >"$BATS_TEST_TMPDIR/$who.stopped"
		"$who" delete "$CID"
	done
	same created "state after create"
	same running "state after start"
	same stopped "state after kill"
	grep -q '"status": "stopped"' "$BATS_TEST_TMPDIR/ref.stopped"
}

@test "state and delete of a container that does not exist fail the same way" {
	for who in ref rt; do
		rc=0
		"$who" state nosuch-$CID_PREFIX >/dev/null 2>"$BATS_TEST_TMPDIR/$who.err" || rc=$?
		echo "state $rc" >"$BATS_TEST_TMPDIR/$who.rc"
		rc=0
		"$who" delete nosuch-$CID_PREFIX >/dev/null 2>>"$BATS_TEST_TMPDIR/$who.err" || rc=$?
		echo "delete $rc" >>"$BATS_TEST_TMPDIR/$who.rc"
	done
	same rc "exit status of state and delete"
}

@test "exit status 0 is passed through by run" {
	compare as_is true
}

@test "exit status 3 is passed through by run" {
	EXPECT_RC=3 compare as_is sh -c 'exit 3'
}

@test "a container killed by SIGKILL: run exits 137" {
	set_args sleep 1000
	local who pid tries rc
	for who in ref rt; do
		"$who" run --bundle "$BUNDLE" "$CID" </dev/null >"$BATS_TEST_TMPDIR/$who.out" 2>"$BATS_TEST_TMPDIR/$who.err" &
		pid=$!
		tries=200
		while [ "$("$who" state "$CID" 2>/dev/null | jq -r .status)" != running ] && ((tries-- > 0)); do sleep 0.05; done
		"$who" kill "$CID" KILL
		rc=0
		wait "$pid" || rc=$?
		echo "$rc" >"$BATS_TEST_TMPDIR/$who.rc"
		# run deletes the container when it exits.
		"$who" state "$CID" >/dev/null 2>&1 && echo "still listed" >>"$BATS_TEST_TMPDIR/$who.rc"
	done
	[ "$(cat "$BATS_TEST_TMPDIR/ref.rc")" = 137 ]
	same rc "exit status of run after kill KILL"
}

@test "/proc/self/status: capabilities, no_new_privs, ids and groups" {
	compare as_is grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Uid|Gid|Groups):' /proc/self/status
}

@test "/proc/self/status as a non-root user with additional groups" {
	cfg '.process.user = {uid: 65534, gid: 65534, additionalGids: [5, 7]}'
	compare as_is grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Uid|Gid|Groups):' /proc/self/status
}

@test "mountinfo: mount points, types, sources and options" {
	compare norm_mountinfo cat /proc/self/mountinfo
}

@test "id" {
	compare as_is id
}

@test "hostname" {
	compare as_is hostname
}

@test "ls -l /dev" {
	compare norm_ls ls -l /dev
}

# Which fds the process gets, and what fds 3+ are: none of the runtime's may leak in
# (CVE-2024-21626). What fds 0-2 point at is left out: a foreground `runc run` copies stdio
# through pipes of its own, while berth-runtime (like crun) hands the caller's stdio over as it
# is, which costs no copying process; docs/runtime.md says so.
norm_fd_set() {
	norm_fds | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/ && $(i + 1) == "->") {
	                    print ($i < 3) ? $i : $i " -> " $(i + 2) } }'
}

@test "open file descriptors" {
	compare norm_fd_set ls -l /proc/self/fd/
}

@test "ulimit -a" {
	compare as_is sh -c 'ulimit -a'
}

@test "umask" {
	compare as_is sh -c umask
}

@test "environment" {
	compare as_is env
}

@test "working directory and pid" {
	cfg '.process.cwd = "/tmp"'
	compare as_is sh -c 'pwd; echo $$'
}
