#!/usr/bin/env bats
# berth-monitor (conmon's job) driven as the engine drives it: started with a sync fd, it runs
# `runtime create`, answers with the pid, and after `runtime start` logs the container's output
# in the k8s-file format, serves attach clients and writes the exit file. See docs/monitor.md.

load helpers

BERTH_MONITOR=${BERTH_MONITOR:-$(dirname "$RUNTIME")/berth-monitor}
ATTACH_CLIENT=$REPO_ROOT/tests/lib/attach-client.py

# monitor_argv [FLAGS...]: the monitor's command line for $CID and $BUNDLE in MONITOR_ARGV, its
# files under $M (log ctr.log, exit file exit.json, attach socket attach.sock, pid file pid).
monitor_argv() {
	M=$BATS_TEST_TMPDIR/mon
	mkdir -p "$M"
	[ -x "$BERTH_MONITOR" ] || { echo "monitor not found: $BERTH_MONITOR" >&2; return 1; }
	MONITOR_ARGV=(env BERTH_E2E_MARK="$CID_PREFIX" TMPDIR="$M" "$BERTH_MONITOR"
		--runtime "$RUNTIME" --runtime-arg --root --runtime-arg "$ROOT"
		--id "$CID" --bundle "$BUNDLE" --log-path "$M/ctr.log" --exit-file "$M/exit.json"
		--attach-socket "$M/attach.sock" --pid-file "$M/pid" --sync-fd 3 "$@")
}

# start_monitor [FLAGS...]: the monitor in the background ($MONITOR_PID); waits for its sync
# line ($SYNC_LINE; the container's pid in $PID when it has one).
start_monitor() {
	monitor_argv "$@"
	"${MONITOR_ARGV[@]}" 3>"$M/sync" </dev/null >"$M/monitor.out" 2>"$M/monitor.err" &
	MONITOR_PID=$!
	BG_PIDS+=("$MONITOR_PID")
	wait_file "$M/sync"
	SYNC_LINE=$(cat "$M/sync")
	PID=$(jq -r '.pid // empty' <<<"$SYNC_LINE")
}

# wait_monitor [STATUS]: the monitor exits with STATUS (default 0).
wait_monitor() {
	local rc=0
	wait "$MONITOR_PID" || rc=$?
	if [ "$rc" != "${1:-0}" ]; then
		echo "monitor exited $rc, expected ${1:-0}; its stderr:" >&2
		cat "$M/monitor.err" >&2
		return 1
	fi
}

# start_client [ACTIONS...]: an attach client in the background ($CLIENT_PID) with its output in
# $M/client.out and client.err; returns once it is connected.
start_client() {
	rm -f "$M/client.ready"
	python3 "$ATTACH_CLIENT" "$M/attach.sock" --ready "$M/client.ready" "$@" \
		>"$M/client.out" 2>"$M/client.err" &
	CLIENT_PID=$!
	BG_PIDS+=("$CLIENT_PID")
	for _ in $(seq 100); do
		[ -e "$M/client.ready" ] && return 0
		sleep 0.05
	done
	echo "attach client did not connect" >&2
	return 1
}

exit_code() {
	jq -r .exitCode "$M/exit.json"
}

# log_text: the log without its timestamps ("stdout F text").
log_text() {
	cut -d' ' -f2- "$M/ctr.log"
}

@test "monitor: the sync fd gets the pid, the log the k8s-file lines, the exit file the code" {
	make_bundle sh -c 'echo one; printf part; sleep 0.3; echo ial; sleep 0.3; echo err >&2; sleep 0.3; printf tail; exit 3'
	start_monitor --exit-command /bin/sh --exit-arg -c --exit-arg "echo ran >$BATS_TEST_TMPDIR/exit-command"
	[ "$SYNC_LINE" = "{\"pid\":$PID}" ]
	[ "$(cat "$M/pid")" = "$PID" ]
	[ "$(state_of "$CID" status)" = created ]
	[ -S "$M/attach.sock" ]
	[ "$(stat -c %a "$M/attach.sock")" = 600 ]
	rt start "$CID"
	wait_monitor 0
	[ "$(exit_code)" = 3 ]
	jq -e '.exitedAt | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{9}Z$")' "$M/exit.json"
	[ "$(log_text)" = "$(printf 'stdout F one\nstdout P part\nstdout F ial\nstderr F err\nstdout P tail')" ]
	# Every entry: RFC 3339 UTC with nine fraction digits, stream, F or P.
	run ! grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{9}Z (stdout|stderr) [FP] ' "$M/ctr.log"
	[ ! -e "$M/attach.sock" ]
	wait_file "$BATS_TEST_TMPDIR/exit-command"
	[ ! -s "$M/monitor.err" ]
	rt delete "$CID"
}

@test "monitor: a container killed with SIGKILL exits 137" {
	make_bundle sleep 100
	start_monitor
	rt start "$CID"
	kill -KILL "$PID"
	wait_monitor 0
	[ "$(exit_code)" = 137 ]
	rt delete "$CID"
}

@test "monitor: without --stdin the container's stdin is /dev/null" {
	make_bundle sh -c 'cat; echo done'
	start_monitor
	rt start "$CID"
	wait_monitor 0
	[ "$(exit_code)" = 0 ]
	[ "$(log_text)" = "stdout F done" ]
	rt delete "$CID"
}

@test "monitor: an attach client sees stdout and stderr, feeds stdin and closes it" {
	make_bundle sh -c 'echo ready; cat; echo bye >&2'
	start_monitor --stdin
	start_client --wait ready --send 'hello\n' --send 'world\n' --close-stdin
	rt start "$CID"
	wait "$CLIENT_PID"
	wait_monitor 0
	[ "$(cat "$M/client.out")" = "$(printf 'ready\nhello\nworld')" ]
	[ "$(cat "$M/client.err")" = bye ]
	[ "$(exit_code)" = 0 ]
	[ "$(log_text)" = "$(printf 'stdout F ready\nstdout F hello\nstdout F world\nstderr F bye')" ]
	rt delete "$CID"
}

@test "monitor: a client that does not read is dropped and the container goes on" {
	make_bundle sh -c 'yes 0123456789abcdef | head -c 4000000; echo; echo end'
	start_monitor
	start_client --stall 30
	rt start "$CID"
	# The monitor ends long before the client would read anything.
	wait_monitor 0
	[ "$(exit_code)" = 0 ]
	[ "$(tail -n 1 "$M/ctr.log" | cut -d' ' -f2-)" = "stdout F end" ]
	kill "$CLIENT_PID"
	rt delete "$CID"
}

@test "monitor: --terminal: the pty's output with CRLF, input, resize" {
	make_bundle sh
	cfg '.process.terminal = true | .process.args = ["sh", "-c", "read line; stty size; echo \"got:$line\"; exit 4"]'
	start_monitor --terminal --stdin
	start_client --resize 30 100 --send 'hello\n'
	rt start "$CID"
	wait "$CLIENT_PID"
	wait_monitor 0
	[ "$(exit_code)" = 4 ]
	grep -q $'^got:hello\r$' "$M/client.out"
	grep -q $'^30 100\r$' "$M/client.out"
	[ ! -s "$M/client.err" ]
	grep -q $' stdout F got:hello\r$' "$M/ctr.log"
	# The console socket's private directory is gone.
	[ -z "$(find "$M" -name 'berth-monitor-*')" ]
	rt delete "$CID"
}

@test "monitor: it outlives the process that started it" {
	make_bundle sh -c 'sleep 1; echo late'
	monitor_argv
	background bash -c 'pidfile=$1 sync=$2; shift 2; "$@" 3>"$sync" </dev/null >/dev/null 2>&1 & echo $! >"$pidfile"; exec sleep 100' \
		starter "$M/monitor.pid" "$M/sync" "${MONITOR_ARGV[@]}"
	local starter=$BG_PID
	wait_file "$M/sync"
	local monitor
	monitor=$(cat "$M/monitor.pid")
	kill -KILL "$starter"
	wait "$starter" || true
	kill -0 "$monitor"
	[ "$(ps -o ppid= -p "$monitor" | tr -d ' ')" != "$starter" ]
	rt start "$CID"
	wait_file "$M/exit.json"
	for _ in $(seq 100); do kill -0 "$monitor" 2>/dev/null || break; sleep 0.05; done
	run ! kill -0 "$monitor"
	[ "$(exit_code)" = 0 ]
	[ "$(log_text)" = "stdout F late" ]
	rt delete "$CID"
}

@test "monitor: the log is rotated to .1 beyond --log-max-size" {
	make_bundle sh -c 'i=1; while [ $i -le 40 ]; do echo "line $i"; i=$((i + 1)); done'
	start_monitor --log-max-size 200
	rt start "$CID"
	wait_monitor 0
	[ "$(stat -c %s "$M/ctr.log")" -le 200 ]
	[ "$(stat -c %s "$M/ctr.log.1")" -le 200 ]
	[ "$(tail -n 1 "$M/ctr.log" | cut -d' ' -f2-)" = "stdout F line 40" ]
	# The two files hold the newest lines, in order, with none missing in between.
	local lines first
	lines=$(cat "$M/ctr.log.1" "$M/ctr.log" | cut -d' ' -f5)
	first=$(head -n 1 <<<"$lines")
	[ "$first" -gt 1 ]
	[ "$lines" = "$(seq "$first" 40)" ]
	rt delete "$CID"
}

@test "monitor: a failing runtime create: an error line on the sync fd and in the exit file" {
	make_bundle /no/such/program
	cfg '.process.terminal = true'
	start_monitor --terminal
	wait_monitor 1
	jq -e '.error | test("no/such/program")' <<<"$SYNC_LINE"
	[ "$(jq -r .pid "$M/sync")" = null ]
	jq -e '.error | test("no/such/program")' "$M/exit.json"
	[ ! -e "$M/attach.sock" ]
	[ -z "$(find "$M" -name 'berth-monitor-*')" ]
	[ -z "$(rt list -q)" ]
	# One line on its stderr: the error (under ASan, also nothing leaked).
	[ "$(grep -c . "$M/monitor.err")" = 1 ]
}

@test "monitor: a runtime that cannot be run: the error names it" {
	make_bundle true
	RUNTIME=/no/such/runtime start_monitor
	wait_monitor 1
	jq -e '.error == "exec /no/such/runtime: No such file or directory"' <<<"$SYNC_LINE"
	jq -e '.error' "$M/exit.json"
	[ "$(grep -c . "$M/monitor.err")" = 1 ]
}

@test "monitor: stays under 1 MiB resident (static release build)" {
	file -L "$BERTH_MONITOR" | grep -q 'statically linked' || skip "not the static release build"
	make_bundle sleep 100
	start_monitor
	rt start "$CID"
	local rss
	rss=$(ps -o rss= -p "$MONITOR_PID" | tr -d ' ')
	echo "berth-monitor RSS: $rss KiB" >&2
	[ "$rss" -lt 1024 ]
	kill -KILL "$PID"
	wait_monitor 0
	rt delete "$CID"
}
