#!/usr/bin/env bats
# podman (Debian 12's 4.3) drives the runtime under test through conmon, as a user would:
#     RUNTIME=/usr/sbin/runc bats tests/e2e/podman.bats     # the oracle
#     bats tests/e2e/podman.bats                            # berth-runtime
# One podman state per file (tests/lib/podman-env.sh): storage, config, CNI networks and a network
# namespace of its own under $BATS_FILE_TMPDIR, removed by teardown_file, which fails the last
# test if anything (container, conmon, cgroup, netns, mount, runtime state) was left behind.
# The image is busybox-static imported from a tarball (tests/lib/make-image.sh): no registry.

load helpers
source "$REPO_ROOT/tests/lib/podman-env.sh"

IMG=$PODMAN_IMAGE

setup_file() {
	command -v podman >/dev/null || { echo "podman is not installed (tests/lib/install-deps.sh)" >&2; return 1; }
	[ -x "$RUNTIME" ] || { echo "runtime not found: $RUNTIME (build it or set RUNTIME)" >&2; return 1; }
	podman_env_up "$BATS_FILE_TMPDIR/podman"
}

teardown_file() {
	podman_env_down
}

setup() {
	[ -x "$RUNTIME" ] || { echo "runtime not found: $RUNTIME" >&2; return 1; }
}

teardown() {
	# A failed test may leave containers: remove them so that the next test starts clean.
	pm_remove_all >/dev/null
}

# cgroup_file_in CONTROLLER V1-FILE V2-FILE: the shell command that prints the file of the
# container's own cgroup, as seen inside the container (v1 or v2 host).
cgroup_file_in() {
	echo "if [ -e /sys/fs/cgroup/$3 ]; then cat /sys/fs/cgroup/$3; else cat /sys/fs/cgroup/$1/$2; fi"
}

# host_cgroup_file PID CONTROLLER V1-FILE V2-FILE: the file of PID's cgroup, read on the host.
host_cgroup_file() {
	local pid=$1 path
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		path=$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")
		cat "/sys/fs/cgroup$path/$4"
	else
		path=$(awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' \
			"/proc/$pid/cgroup")
		cat "/sys/fs/cgroup/$2$path/$3"
	fi
}

@test "podman run: output, exit status, user, workdir, env, stdin and the configured ulimits" {
	run -0 pm run --rm "$IMG" echo hi
	[ "$output" = hi ]
	run -3 pm run --rm "$IMG" sh -c 'exit 3'
	[ "$output" = "" ]
	run -0 pm run --rm --user 65534:65534 --workdir /tmp --env FOO=bar "$IMG" \
		sh -c 'echo "$(id -u):$(id -g) $(pwd) $FOO"'
	[ "$output" = "65534:65534 /tmp bar" ]
	run -0 bash -c "$(declare -f pm); echo piped | pm run --rm -i '$IMG' cat"
	[ "$output" = piped ]
	# containers.conf's default_ulimits reach the process.
	run -0 pm run --rm "$IMG" sh -c 'echo $(ulimit -Sn) $(ulimit -Hn) $(ulimit -u)'
	[ "$output" = "4096 4096 4096" ]
	# The command is looked up in the image's PATH; a missing one is podman's 127.
	run -127 pm run --rm "$IMG" no-such-command
}

@test "podman run -d, exec, logs, ps, inspect, stop, start, kill and rm" {
	run -0 pm run -d --name bg "$IMG" sh -c 'echo started; trap "echo got TERM; exit 7" TERM; sleep 1000 & wait'
	id=$output
	[ ${#id} -eq 64 ]

	run -0 pm ps --filter name=bg --format '{{.ID}} {{.Status}}'
	[[ $output == "${id:0:12} Up"* ]]
	run -0 pm inspect --format '{{.State.Status}} {{.State.Running}} {{.State.Pid}} {{.OCIRuntime}}' bg
	read -r status running pid ociruntime <<<"$output"
	[ "$status" = running ]
	[ "$running" = true ]
	[ "$(basename "$ociruntime")" = "$(basename "$RUNTIME")" ]
	# The pid is the container's init on the host, in its own pid namespace.
	kill -0 "$pid"
	[ "$(readlink "/proc/$pid/ns/pid")" != "$(readlink /proc/self/ns/pid)" ]
	grep -q 'sleep 1000' <(tr '\0' ' ' <"/proc/$pid/cmdline")

	# exec: in the container's pid namespace, with its own status, user, cwd and env.
	run -0 pm exec bg sh -c 'echo $$ > /dev/null; tr "\0" " " </proc/1/cmdline'
	[[ $output == "sh -c echo started;"* ]]
	run -4 pm exec bg sh -c 'exit 4'
	run -0 pm exec --user 65534 --workdir /tmp --env X=y bg sh -c 'echo "$(id -u) $(pwd) $X"'
	[ "$output" = "65534 /tmp y" ]
	run -0 pm exec bg cat /proc/self/cgroup
	[ "$output" = "$(cat "/proc/$pid/cgroup")" ]

	run -0 pm logs bg
	[ "$output" = started ]

	# stop: SIGTERM reaches the trap; the status is the process's.
	run -0 pm stop --time 20 bg
	run -0 pm inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}' bg
	[ "$output" = "exited 7 false" ]
	run -0 pm ps --all --filter name=bg --format '{{.Status}}'
	[[ $output == "Exited (7)"* ]]
	run -0 pm logs bg
	[ "$output" = $'started\ngot TERM' ]
	! kill -0 "$pid" 2>/dev/null

	# start again (the runtime creates the same id anew), then kill with SIGKILL.
	run -0 pm start bg
	run -0 pm inspect --format '{{.State.Status}}' bg
	[ "$output" = running ]
	run -0 pm kill --signal KILL bg
	run -0 pm wait bg
	[ "$output" = 137 ]
	run -0 pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' bg
	[ "$output" = "exited 137" ]

	run -0 pm rm bg
	run -0 pm ps --all --quiet --filter name=bg
	[ "$output" = "" ]
}

@test "podman ps, logs, wait and inspect follow a container that exits by itself" {
	run -0 pm run -d --name quick "$IMG" sh -c 'echo out; echo err >&2; exit 9'
	run -0 pm wait quick
	[ "$output" = 9 ]
	run -0 pm inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.State.Pid}}' quick
	[ "$output" = "exited 9 0" ]
	run -0 pm ps --all --filter name=quick --format '{{.Status}}'
	[[ $output == "Exited (9)"* ]]
	run -0 pm logs quick
	[ "${lines[0]}" = out ] && [ "${lines[1]}" = err ]
	run -0 pm rm quick
}

@test "podman run -it: the process has a terminal of the requested size" {
	export -f pm
	run -5 "$REPO_ROOT/tests/lib/pty-run.py" --rows 33 --cols 101 --timeout 60 \
		--input 'tty; stty size; echo $((6*7)); exit 5\n' -- bash -c "pm run --rm -it '$IMG' sh"
	echo "$output" | od -c | head -20
	[[ $output == *$'\r\n/dev/pts/'[0-9]*$'\r\n33 101\r\n42\r' ]]
}

@test "podman run --memory 64m: the container's cgroup has the limit" {
	run -0 pm run --rm --memory 64m "$IMG" sh -c "$(cgroup_file_in memory memory.limit_in_bytes memory.max)"
	[ "$output" = 67108864 ]
	# The same file seen from the host, in the cgroup podman asked for.
	run -0 pm run -d --name mem --memory 64m "$IMG" sleep 1000
	pid=$(pm inspect --format '{{.State.Pid}}' mem)
	grep -q "/$PODMAN_CGROUP_PARENT/libpod-" "/proc/$pid/cgroup"
	run -0 host_cgroup_file "$pid" memory memory.limit_in_bytes memory.max
	[ "$output" = 67108864 ]
	run -0 pm rm --force --time 0 mem
}

@test "podman run --pids-limit 50: pids.max is 50 and a 60th process cannot be forked" {
	run -0 pm run --rm --pids-limit 50 "$IMG" sh -c "$(cgroup_file_in pids pids.max pids.max)"
	[ "$output" = 50 ]
	# 60 tries at a background `sleep` in a subshell that dies at the first failed fork; the
	# count is kept with builtins only (no fork left to spare). sh + subshell + 48 sleeps = 50.
	run -0 pm run --rm --pids-limit 50 "$IMG" sh -c \
		'(i=0; while [ $i -lt 60 ]; do sleep 30 & i=$((i+1)); echo $i >/tmp/n; done) 2>/dev/null; read n </tmp/n; echo $n'
	[ "$output" -lt 50 ]
}

@test "podman run --cap-drop / --cap-add: the process's capability sets" {
	run -0 pm run --rm "$IMG" grep CapEff /proc/self/status
	default=$(awk '{ print $2 }' <<<"$output")
	run -0 pm run --rm --cap-drop KILL "$IMG" grep -E '^Cap(Eff|Prm|Bnd)' /proc/self/status
	want=$(printf '%016x' $((0x$default & ~0x$(cap_mask KILL))))
	[ "$want" != "$default" ]
	[ "$output" = "$(printf 'CapPrm:\t%s\nCapEff:\t%s\nCapBnd:\t%s' "$want" "$want" "$want")" ]
	run -0 pm run --rm --cap-drop all --cap-add CHOWN --cap-add NET_BIND_SERVICE "$IMG" \
		grep -E '^Cap(Eff|Bnd)' /proc/self/status
	want=$(cap_mask CHOWN NET_BIND_SERVICE)
	[ "$output" = "$(printf 'CapEff:\t%s\nCapBnd:\t%s' "$want" "$want")" ]
	# What the sets mean: chown works with CAP_CHOWN only.
	run -0 pm run --rm --cap-drop all --cap-add CHOWN "$IMG" sh -c 'touch /tmp/f && chown 65534 /tmp/f'
	run -1 pm run --rm --cap-drop all "$IMG" sh -c 'touch /tmp/f && chown 65534 /tmp/f'
	[[ $output == *"Operation not permitted"* ]]
}

@test "podman run -p 127.0.0.1:8080:80: busybox httpd answers on the published port" {
	forward_before=$(cat /proc/sys/net/ipv4/ip_forward)
	pm network exists "$PODMAN_NETWORK" || pm network create --subnet 10.99.77.0/24 "$PODMAN_NETWORK" >/dev/null
	run -0 pm run -d --name web --network "$PODMAN_NETWORK" -p 127.0.0.1:8080:80 "$IMG" \
		httpd -f -p 80 -h /var/www
	run -0 pm port web
	[ "$output" = "80/tcp -> 127.0.0.1:8080" ]
	for i in $(seq 50); do
		pm_netns curl -s -o /dev/null -m 2 http://127.0.0.1:8080/ && break
		sleep 0.1
	done
	run -0 pm_netns curl -sS -m 5 http://127.0.0.1:8080/index.html
	[ "$output" = "hello from berth-busybox" ]
	run -0 pm inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}} {{.NetworkSettings.SandboxKey}}' web
	read -r ip netns <<<"$output"
	[[ $ip == 10.99.77.* ]]
	[ -e "$netns" ]
	run -0 pm rm --force --time 0 web
	[ ! -e "$netns" ]
	run -0 pm network rm "$PODMAN_NETWORK"
	# All of it happened in podman's network namespace: the host's rules and forwarding are as they were.
	! iptables-save 2>/dev/null | grep -qF "$PODMAN_NETWORK"
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$forward_before" ]
}

@test "podman run --security-opt seccomp=FILE: the profile is loaded and enforced" {
	cat >"$BATS_TEST_TMPDIR/seccomp.json" <<-'EOF'
		{
		  "defaultAction": "SCMP_ACT_ALLOW",
		  "syscalls": [
		    { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1 }
		  ]
		}
	EOF
	run -0 pm run --rm --security-opt "seccomp=$BATS_TEST_TMPDIR/seccomp.json" "$IMG" grep Seccomp: /proc/self/status
	[ "$output" = $'Seccomp:\t2' ]
	run -1 pm run --rm --security-opt "seccomp=$BATS_TEST_TMPDIR/seccomp.json" "$IMG" mkdir /tmp/d
	[[ $output == *"Operation not permitted"* ]]
	run -0 pm run --rm --security-opt seccomp=unconfined "$IMG" sh -c 'mkdir /tmp/d && grep Seccomp: /proc/self/status'
	[ "$output" = $'Seccomp:\t0' ]
	# podman's default profile is a filter too.
	run -0 pm run --rm "$IMG" grep Seccomp: /proc/self/status
	[ "$output" = $'Seccomp:\t2' ]
}

@test "podman load reads the OCI archive of make-image.sh" {
	"$REPO_ROOT/tests/lib/make-image.sh" oci "$BATS_TEST_TMPDIR/oci.tar" localhost/berth-oci:test
	run -0 pm load --input "$BATS_TEST_TMPDIR/oci.tar"
	run -0 pm image inspect --format '{{.Config.Cmd}} {{len .RootFS.Layers}}' localhost/berth-oci:test
	[ "$output" = "[sh] 1" ]
	run -0 pm run --rm localhost/berth-oci:test cat /var/www/index.html
	[ "$output" = "hello from berth-busybox" ]
	run -0 pm rmi localhost/berth-oci:test
}
