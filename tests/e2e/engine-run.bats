#!/usr/bin/env bats
# berth run, as docker users type it: output, exit codes, the image's config, flags.

load engine_helpers

@test "run prints the container's output and exits with its code; --rm leaves nothing" {
	run --separate-stderr berth run --rm "$IMAGE" sh -c 'echo out; echo err >&2; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = out ]
	[ "$stderr" = err ]
	run berth ps -aq
	[ -z "$output" ]
	[ -z "$(ls "$T/root/containers")" ]
}

@test "exit codes: 127 for a command not found, 126 for one that cannot be invoked, 125 for berth" {
	run -127 berth run --rm "$IMAGE" /no/such/command
	[ "$status" -eq 127 ]
	run berth run --rm "$IMAGE" /etc/passwd
	[ "$status" -eq 126 ]
	run --separate-stderr berth run --rm --pull never localhost/nothing:here true
	[ "$status" -eq 125 ]
	[[ $stderr == *"localhost/nothing:here"* ]]
	run --separate-stderr berth run --no-such-flag "$IMAGE" true
	[ "$status" -eq 125 ]
	[[ $stderr == *"unknown flag: --no-such-flag"* ]]
}

@test "the image's Cmd and Env; -e, --env-file, -w, --hostname, --entrypoint" {
	run berth run --rm "$IMAGE" sh -c 'echo $FROM_IMAGE'
	[ "$output" = yes ]
	printf 'A=from-file\n# comment\nB=2\n' >"$T/env"
	export PASSED=through
	run berth run --rm -e X=1 -e PASSED -e FROM_IMAGE=overridden --env-file "$T/env" \
		-w /tmp --hostname box "$IMAGE" sh -c 'echo $X $PASSED $FROM_IMAGE $A $B $(pwd) $(hostname)'
	[ "$output" = "1 through overridden from-file 2 /tmp box" ]
	run berth run --rm --entrypoint echo "$IMAGE" hello
	[ "$output" = hello ]
	# The image's Cmd (sh) with stdin closed: exits 0 at once.
	run berth run --rm "$IMAGE"
	[ "$status" -eq 0 ]
}

@test "-u resolves names in the image's /etc/passwd; numeric ids need no entry" {
	run berth run --rm -u nobody "$IMAGE" id
	[[ $output == "uid=65534(nobody) gid=65534(nogroup)"* ]]
	run berth run --rm -u 1234:5678 "$IMAGE" id -u
	[ "$output" = 1234 ]
	run --separate-stderr berth run --rm -u nosuchuser "$IMAGE" id
	[ "$status" -eq 125 ]
	[[ $stderr == *nosuchuser* ]]
}

@test "/etc/hosts, /etc/hostname and /etc/resolv.conf; --add-host and --dns" {
	run berth run --rm --hostname web --add-host db:10.1.2.3 --dns 9.9.9.9 "$IMAGE" \
		sh -c 'cat /etc/hostname; grep -c web /etc/hosts; grep db /etc/hosts; cat /etc/resolv.conf'
	[ "${lines[0]}" = web ]
	[ "${lines[1]}" = 1 ]
	[[ ${lines[2]} == "10.1.2.3"*db ]]
	[ "${lines[3]}" = "nameserver 9.9.9.9" ]
}

@test "-v binds a host directory (rw and ro); --read-only; --tmpfs" {
	mkdir -p "$T/data"
	echo host >"$T/data/in"
	run berth run --rm -v "$T/data:/data" "$IMAGE" sh -c 'cat /data/in; echo ctr >/data/out'
	[ "$output" = host ]
	[ "$(cat "$T/data/out")" = ctr ]
	run berth run --rm -v "$T/data:/data:ro" "$IMAGE" sh -c 'echo x >/data/out2'
	[ "$status" -ne 0 ]
	[ ! -e "$T/data/out2" ]
	run berth run --rm --read-only --tmpfs /scratch "$IMAGE" sh -c 'touch /x 2>/dev/null || echo ro; touch /scratch/y && echo tmpfs'
	[ "${lines[0]}" = ro ]
	[ "${lines[1]}" = tmpfs ]
}

@test "a container's writes stay in the container: the image is unchanged" {
	berth run --rm "$IMAGE" sh -c 'echo changed >/etc/motd; rm /bin/vi'
	run berth run --rm "$IMAGE" sh -c 'cat /etc/motd 2>/dev/null || echo none; ls /bin/vi'
	[ "${lines[0]}" = none ]
	[ "${lines[1]}" = /bin/vi ]
}

@test "--rm containers' root filesystems are volatile overlays (no sync of the host's disk), others are not" {
	run berth run --rm "$IMAGE" awk '$2 == "/"' /proc/mounts
	[ "$status" -eq 0 ]
	[[ $output == *' / overlay '*volatile* ]]
	run berth run --rm -d "$IMAGE" sh -c 'grep " / overlay " /proc/mounts; sleep 1000'
	id=$output
	logged() { [ -n "$(berth logs "$id")" ]; }
	wait_for logged
	[[ $(berth logs "$id") == *' / overlay '*volatile* ]]
	berth rm -f "$id" >/dev/null
	run berth run --name kept "$IMAGE" awk '$2 == "/"' /proc/mounts
	[ "$status" -eq 0 ]
	[[ $output == *' / overlay '* ]]
	[[ $output != *volatile* ]]
	# the kept container's rootfs mounts again for its next start
	run berth start -a kept
	[ "$status" -eq 0 ]
	[[ $output == *' / overlay '* ]]
	berth rm kept >/dev/null
}

@test "-i passes stdin; --memory and --pids-limit land in the container's cgroups" {
	run berth run --rm -i "$IMAGE" cat <<<"through stdin"
	[ "$output" = "through stdin" ]
	run berth run --rm -m 64m --pids-limit 50 "$IMAGE" sh -c \
		'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max'
	[ "${lines[0]}" = $((64 * 1024 * 1024)) ]
	[ "${lines[1]}" = 50 ]
}

@test "--name: the name is used by ps and refused twice" {
	berth create --name alpha "$IMAGE" true >/dev/null
	run --separate-stderr berth create --name alpha "$IMAGE" true
	[ "$status" -eq 125 ]
	[[ $stderr == *'"alpha" is already in use'* ]]
	run berth ps -a --format '{{.Names}} {{.State}}'
	[ "$output" = "alpha created" ]
}

@test "--init: berth-init is pid 1, forwards the stop signal, passes the exit code" {
	run berth run --rm --init "$IMAGE" ps -o pid,args
	[[ ${lines[1]} == *"1 /run/berth-init -- ps"* ]]
	run berth run --rm --init "$IMAGE" sh -c 'exit 5'
	[ "$status" -eq 5 ]
	run -127 berth run --rm --init "$IMAGE" /no/such
	[ "$status" -eq 127 ]
	# sleep as pid 1 would ignore SIGTERM until the 10 s SIGKILL; under berth-init it ends at once.
	local id
	id=$(berth run -d --init "$IMAGE" sleep 1000)
	SECONDS=0
	berth stop "$id" >/dev/null
	[ "$SECONDS" -lt 5 ]
	run berth ps -a --format '{{.Status}}'
	[[ $output == "Exited (143)"* ]]
}

@test "a create that fails leaves no anonymous volume, directory or record behind" {
	run --separate-stderr berth run --rm -u nosuchuser -v /anon "$IMAGE" true
	[ "$status" -eq 125 ]
	[ -z "$(ls "$T/root/volumes" 2>/dev/null)" ]
	[ -z "$(ls "$T/root/containers")" ]
	run berth ps -aq
	[ -z "$output" ]
}

@test "attached run: no output is lost, however fast the container is (50 runs)" {
	# berth starts the container only once the monitor has accepted its attach connection
	# (the monitor's first frame); before that fix one run in a few dozen printed nothing.
	local i out
	for i in $(seq 50); do
		out=$(berth run --rm "$IMAGE" sh -c 'echo one; echo two >&2' 2>&1)
		[ "$out" = "$(printf 'one\ntwo')" ] || { echo "run $i: [$out]"; false; }
	done
}

@test "--network none: a namespace of its own with only the loopback, which is up (docker's none)" {
	run berth run --rm --network none "$IMAGE" sh -c 'ip -o link show | wc -l; ip -o link show lo'
	[ "${lines[0]}" -eq 1 ]
	[[ ${lines[1]} == *"lo: <LOOPBACK,UP,LOWER_UP>"* ]]
	# and a server on 127.0.0.1 answers inside the container, after a restart too
	berth run -d --name local --network none "$IMAGE" sh -c 'exec httpd -f -p 8080 -h /etc' >/dev/null
	wait_for berth exec local wget -qO /dev/null http://127.0.0.1:8080/hostname
	berth restart -t 0 local >/dev/null
	wait_for berth exec local wget -qO /dev/null http://127.0.0.1:8080/hostname
}
