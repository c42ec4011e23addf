#!/bin/bash
# run-all.sh: every test of berth, on the release build and under ASan+UBSan.
#
#   build/      release build (make -s all)
#   build-san/  debug build with -Db_sanitize=address,undefined
#   unit        meson test in each build (TAP executables; every TAP line is counted)
#   e2e         bats --tap tests/e2e with RUNTIME=<build>/berth-runtime (the sanitizer build: without
#               the suites about peer programs, PEER_SUITES below)
#
# Prints per-suite counts, the names of failing (and skipped) tests, and ends with exactly one
# line "N passed, N failed, N skipped" (skipped tests are also counted as passed). Exits 1 if
# anything failed. Logs (build output, meson logs, TAP) go to $BERTH_TEST_LOGS or a fresh
# directory under /tmp, printed at the end.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
LOGS=${BERTH_TEST_LOGS:-$(mktemp -d "${TMPDIR:-/tmp}/berth-tests.XXXXXX")}
mkdir -p "$LOGS"

total_pass=0
total_fail=0
total_skip=0
failures=()

# record SUITE PASS FAIL SKIP: add one suite's counts to the totals and print them.
record() {
	total_pass=$((total_pass + $2))
	total_fail=$((total_fail + $3))
	total_skip=$((total_skip + $4))
	printf '%-16s %5d passed, %d failed, %d skipped\n' "$1:" "$2" "$3" "$4"
}

# fail_step SUITE WHAT LOG: a step that produced no test results failed; counts as one failure.
fail_step() {
	echo "$1: $2 failed (log: $3)"
	tail -n 20 "$3" | sed 's/^/    /'
	record "$1" 0 1 0
	failures+=("$1: $2")
}

# count_tap SUITE FILE: count a TAP stream (bats): "ok" passes, "ok ... # skip" skips (also
# passes), "not ok" failures; results missing from the plan count as failures.
count_tap() {
	local suite=$1 file=$2 pass=0 fail=0 skip=0 planned=0 line name
	while IFS= read -r line; do
		case $line in
		1..*) planned=${line#1..} ;;
		"not ok "*)
			fail=$((fail + 1))
			name=${line#not ok }
			failures+=("$suite: ${name#* }")
			;;
		"ok "*)
			pass=$((pass + 1))
			shopt -s nocasematch
			if [[ $line == *" # skip"* ]]; then
				skip=$((skip + 1))
				name=${line#ok }
				echo "  skipped: ${name#* }"
			fi
			shopt -u nocasematch
			;;
		esac
	done <"$file"
	if [ "$planned" -gt $((pass + fail)) ] 2>/dev/null; then
		echo "  $suite: $((planned - pass - fail)) planned tests did not report (see $file)"
		failures+=("$suite: $((planned - pass - fail)) tests did not run")
		fail=$((fail + planned - pass - fail))
	fi
	record "$suite" "$pass" "$fail" "$skip"
}

# count_meson SUITE BUILD: count meson test's results from BUILD/meson-logs/testlog.json, one
# per TAP line of each test executable; an executable that failed without a failing TAP line
# (a crash, a sanitizer abort, a bad plan) counts as one more failure.
count_meson() {
	local suite=$1 build=$2 counts
	if [ ! -s "$build/meson-logs/testlog.json" ]; then
		fail_step "$suite" "meson test (no testlog.json)" "$LOGS/$suite.log"
		return
	fi
	counts=$(python3 - "$build/meson-logs/testlog.json" "$suite" 2>"$LOGS/$suite.details" <<'EOF'
import json, re, sys
path, suite = sys.argv[1], sys.argv[2]
passed = failed = skipped = 0
for raw in open(path):
    raw = raw.strip()
    if not raw:
        continue
    t = json.loads(raw)
    name, result, out = t.get("name", "?"), t.get("result", "?"), t.get("stdout") or ""
    bad_lines = 0
    for line in out.splitlines():
        m = re.match(r"(not ok|ok)\b\s*(\d+)?\s*(?:-\s*)?(.*)", line)
        if not m:
            continue
        ok, desc = m.group(1) == "ok", m.group(3)
        directive = desc.split("#", 1)[1].strip().lower() if "#" in desc else ""
        if directive.startswith("todo"):
            continue
        if ok:
            passed += 1
            if directive.startswith("skip"):
                skipped += 1
                print("  skipped: %s: %s" % (name, desc), file=sys.stderr)
        else:
            failed += 1
            bad_lines += 1
            print("FAIL %s: %s" % (name, desc.split("#", 1)[0].strip()), file=sys.stderr)
    if result not in ("OK", "SKIP", "EXPECTEDFAIL") and bad_lines == 0:
        failed += 1
        print("FAIL %s: %s (exit %s)" % (name, result, t.get("returncode")), file=sys.stderr)
    elif result == "SKIP" and not out.strip():
        passed += 1
        skipped += 1
        print("  skipped: %s" % name, file=sys.stderr)
print(passed, failed, skipped)
EOF
	)
	local pass fail skip line
	read -r pass fail skip <<<"$counts"
	if [ -z "$skip" ]; then
		fail_step "$suite" "reading testlog.json" "$LOGS/$suite.details"
		return
	fi
	while IFS= read -r line; do
		case $line in
		"FAIL "*) failures+=("$suite: ${line#FAIL }") ;;
		*) echo "$line" ;;
		esac
	done <"$LOGS/$suite.details"
	record "$suite" "$pass" "$fail" "$skip"
}

# run_unit SUITE BUILD
run_unit() {
	meson test -C "$2" --print-errorlogs >"$LOGS/$1.log" 2>&1
	count_meson "$1" "$2"
}

# Suites whose subject is another program driving or serving berth (podman, containerd, dockerd,
# skopeo/ctr against berth's registry, runc as an oracle): they run once, in the release build.
# The sanitizer build runs every other suite: those drive berth's own code, where ASan and UBSan
# have something to find, and the two runs together stay well inside CI's 30 minutes.
PEER_SUITES=(podman.bats containerd.bats compare-runc.bats image-docker.bats engine-podman.bats
	registry-server-clients.bats)

# run_e2e SUITE RUNTIME [all|own|FILE.bats]: bats on tests/e2e (own: without PEER_SUITES; a
# file name: that file alone).
run_e2e() {
	local suite=$1 runtime=$2 which=${3:-all} files=() f
	if [ ! -x "$runtime" ]; then
		fail_step "$suite" "finding $runtime" /dev/null
		return
	fi
	for f in tests/e2e/*.bats; do
		case $which in
		own) [[ " ${PEER_SUITES[*]} " == *" $(basename "$f") "* ]] && continue ;;
		all) ;;
		*) [ "$(basename "$f")" = "$which" ] || continue ;;
		esac
		files+=("$f")
	done
	# --verbose-run: a failing test shows the output of its commands in the TAP log; --timing
	# adds each test's duration. The time limit keeps one stuck test (a process holding bats's
	# pipe) from stalling CI: tests that did not report count as failures.
	RUNTIME=$runtime timeout --kill-after=10 "${E2E_TIME_LIMIT:-1200}" \
		bats --tap --timing --verbose-run "${files[@]}" >"$LOGS/$suite.tap" 2>&1
	[ $? -lt 124 ] || echo "$suite: stopped after ${E2E_TIME_LIMIT:-1200}s (see $LOGS/$suite.tap)"
	count_tap "$suite" "$LOGS/$suite.tap"
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

release_ok=0
if make -s all >"$LOGS/build.log" 2>&1; then
	release_ok=1
else
	fail_step build "make all" "$LOGS/build.log"
fi

san_ok=0
if { [ -f build-san/build.ninja ] ||
	meson setup build-san --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false; } \
	>"$LOGS/build-san.log" 2>&1 && ninja -C build-san >>"$LOGS/build-san.log" 2>&1; then
	san_ok=1
else
	fail_step build-san "meson setup + ninja" "$LOGS/build-san.log"
fi

if [ "$release_ok" = 1 ]; then
	run_unit unit "$ROOT/build"
	run_e2e e2e "$ROOT/build/berth-runtime"
	# The distribution-spec workflows once more, against Debian's docker-registry: the same
	# tests, the spec's cases where docker-registry 2.8 falls short skipped with the reason.
	REGISTRY_SERVER=docker-registry run_e2e e2e-docker-registry "$ROOT/build/berth-runtime" \
		registry-server.bats
fi
if [ "$san_ok" = 1 ]; then
	run_unit unit-san "$ROOT/build-san"
	run_e2e e2e-san "$ROOT/build-san/berth-runtime" own
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed:"
	printf '  %s\n' "${failures[@]}"
fi
echo "logs: $LOGS"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
