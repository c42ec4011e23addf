#!/usr/bin/env bats
# containerd (Debian 12's 1.6) and its runc v2 shim drive the runtime under test, through ctr:
#     RUNTIME=/usr/sbin/runc bats tests/e2e/containerd.bats     # the oracle
#     bats tests/e2e/containerd.bats                            # berth-runtime
# One containerd per file (tests/lib/containerd-env.sh), on a root, state dir and socket under
# $BATS_FILE_TMPDIR, with the image made by tests/lib/make-image.sh imported from an OCI archive.
# teardown_file stops it and fails the last test if anything was left behind.

load helpers
source "$REPO_ROOT/tests/lib/containerd-env.sh"

IMG=$CONTAINERD_IMAGE

setup_file() {
	command -v containerd >/dev/null || { echo "containerd is not installed (tests/lib/install-deps.sh)" >&2; return 1; }
	[ -x "$RUNTIME" ] || { echo "runtime not found: $RUNTIME (build it or set RUNTIME)" >&2; return 1; }
	containerd_env_up "$BATS_FILE_TMPDIR/containerd"
}

teardown_file() {
	containerd_env_down
}

setup() {
	[ -x "$RUNTIME" ] || { echo "runtime not found: $RUNTIME" >&2; return 1; }
}

teardown() {
	containerd_remove_all >/dev/null
}

# task_status ID: RUNNING, STOPPED, CREATED... as `ctr task ls` says.
task_status() {
	cr task ls | awk -v id="$1" '$1 == id { print $3 }'
}

# wait_task ID STATUS: poll until the task has STATUS (10 s).
wait_task() {
	local i got=
	for i in $(seq 100); do
		got=$(task_status "$1")
		[ "$got" = "$2" ] && return 0
		sleep 0.1
	done
	echo "wait_task: $1 is '$got', expected '$2'" >&2
	return 1
}

@test "ctr image import: make-image.sh's OCI archive is a complete image with the digests it names" {
	run -0 cr image ls -q
	[ "$output" = "$IMG" ]
	# The manifest digest in the archive's index is the image's target.
	manifest=$(tar -xOf "$CONTAINERD_DIR/image.tar" ./index.json | jq -r '.manifests[0].digest')
	run -0 cr image ls
	[[ ${lines[1]} == *" $manifest "* ]]
	# Config and layer are there, and the layer is unpacked.
	run -0 cr image check
	[[ ${lines[1]} == *" complete (2/2) "*" true"* ]]
	# Unpacked into one committed snapshot, named by the layer's diff_id.
	diff_id=$(cr content get "$(cr content get "$manifest" | jq -r .config.digest)" | jq -r '.rootfs.diff_ids[0]')
	run -0 cr snapshot ls
	[[ $output == *"$diff_id"*Committed* ]]
}

@test "ctr run --rm: output, exit status, env and cwd" {
	run -0 cr run --rm "$(cr_fifo)" "$IMG" rm1 echo hi
	[ "$output" = hi ]
	run -3 cr run --rm "$(cr_fifo)" "$IMG" rm2 sh -c 'exit 3'
	run -0 cr run --rm "$(cr_fifo)" --env FOO=bar --cwd /tmp "$IMG" rm4 sh -c 'echo "$FOO $(pwd) $(id -u)"'
	[ "$output" = "bar /tmp 0" ]
	[ -z "$(cr container ls -q)" ]
}

@test "ctr container create, task start, exec, ps, kill, delete" {
	run -0 cr container create "$IMG" c1 -- sh -c 'trap "exit 7" TERM; sleep 1000 & wait'
	run -0 cr container ls -q
	[ "$output" = c1 ]
	[ -z "$(task_status c1)" ]

	run -0 cr task start -d "$(cr_fifo)" c1
	[ "$(task_status c1)" = RUNNING ]
	pid=$(cr task ls | awk '$1 == "c1" { print $2 }')
	kill -0 "$pid"
	[ "$(readlink "/proc/$pid/ns/pid")" != "$(readlink /proc/self/ns/pid)" ]
	grep -q ":/$CONTAINERD_NS/c1\$" "/proc/$pid/cgroup"
	# The shim ran the runtime under test: it knows the container.
	run -0 containerd_runtime state c1
	[ "$(jq -r .status <<<"$output")" = running ]
	[ "$(jq -r .pid <<<"$output")" = "$pid" ]

	run -0 cr task exec "$(cr_fifo)" --exec-id e1 c1 sh -c 'tr "\0" " " </proc/1/cmdline; echo; cat /proc/self/cgroup'
	[[ ${lines[0]} == "sh -c trap "* ]]
	[ "$(printf '%s\n' "${lines[@]:1}")" = "$(cat "/proc/$pid/cgroup")" ]
	run -4 cr task exec "$(cr_fifo)" --exec-id e2 c1 sh -c 'exit 4'
	run -0 cr task exec "$(cr_fifo)" --exec-id e3 --cwd /tmp --user 65534 c1 sh -c 'echo "$(id -u) $(pwd)"'
	[ "$output" = "65534 /tmp" ]

	# An exec that is still running shows up in `task ps` next to the init and its child.
	run -0 cr task exec -d "$(cr_fifo)" --exec-id e4 c1 sleep 1000
	run -0 cr task ps c1
	[ "${#lines[@]}" -eq 4 ]
	[[ ${lines[1]} == "$pid "* ]]
	[[ $output == *"ExecID:e4"* ]]

	run -0 cr task kill --signal SIGTERM c1
	wait_task c1 STOPPED
	! kill -0 "$pid" 2>/dev/null
	run -0 cr task delete c1
	[[ $output == *"exit code 7"* ]]
	[ -z "$(task_status c1)" ]
	# The runtime has forgotten it; the container (metadata, snapshot) is still there.
	run containerd_runtime state c1
	[ "$status" -ne 0 ]
	run -0 cr container ls -q
	[ "$output" = c1 ]

	# It can be started again, then killed with SIGKILL.
	run -0 cr task start -d "$(cr_fifo)" c1
	[ "$(task_status c1)" = RUNNING ]
	run -0 cr task kill --signal SIGKILL c1
	wait_task c1 STOPPED
	run -0 cr task delete c1
	[[ $output == *"exit code 137"* ]]

	run -0 cr container delete c1
	[ -z "$(cr container ls -q)" ]
	[ -z "$(cr snapshot ls | grep -w c1)" ]
}

@test "ctr run -t: the process has a terminal of the requested size" {
	export -f cr cr_fifo
	run -5 "$REPO_ROOT/tests/lib/pty-run.py" --rows 33 --cols 101 --timeout 60 \
		--input 'tty; stty size; echo $((6*7)); exit 5\n' -- bash -c "cr run --rm -t \"\$(cr_fifo)\" '$IMG' tty1 sh"
	echo "$output" | od -c | head -20
	# (ctr leaves our terminal's output processing on: its lines end in \r\r\n.)
	out=${output//$'\r'/}
	[[ $out == *$'\n/dev/pts/'[0-9]*$'\n33 101\n42'* ]]
}

@test "ctr run -d --runc-binary --runc-root: the runtime named on the command line, with its own root" {
	root=$BATS_TEST_TMPDIR/runtime-root
	run -0 cr run -d "$(cr_fifo)" --runc-binary "$RUNTIME" --runc-root "$root" "$IMG" d1 sleep 1000
	[ "$(task_status d1)" = RUNNING ]
	run -0 "$RUNTIME" --root "$root/$CONTAINERD_NS" list -q
	[ "$output" = d1 ]
	run -0 cr task exec "$(cr_fifo)" --exec-id e1 d1 echo in-d1
	[ "$output" = in-d1 ]
	run -0 cr task kill --signal SIGKILL d1
	wait_task d1 STOPPED
	run -0 cr task delete d1
	run -0 cr container delete d1
	run -0 "$RUNTIME" --root "$root/$CONTAINERD_NS" list -q
	[ "$output" = "" ]
}

@test "ctr run --memory-limit: the container's cgroup has the limit" {
	run -0 cr run -d "$(cr_fifo)" --memory-limit 67108864 "$IMG" mem1 sleep 1000
	pid=$(cr task ls | awk '$1 == "mem1" { print $2 }')
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		file=/sys/fs/cgroup$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")/memory.max
	else
		file=/sys/fs/cgroup/memory$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' "/proc/$pid/cgroup")/memory.limit_in_bytes
	fi
	[[ $file == *"/$CONTAINERD_NS/mem1/memory"* ]]
	run -0 cat "$file"
	[ "$output" = 67108864 ]
	run -0 cr task kill --signal SIGKILL mem1
	wait_task mem1 STOPPED
	run -0 cr task delete mem1
	run -0 cr container delete mem1
}
