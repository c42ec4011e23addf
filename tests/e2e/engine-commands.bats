#!/usr/bin/env bats
# volume create/ls/inspect/rm/prune, rm -v, rename, pause/unpause, top, port, container prune,
# info: each as a docker user types it.

load engine_helpers

@test "volume create prints the name (random hex without one); ls and inspect show it" {
	run berth volume create data
	[ "$status" -eq 0 ]
	[ "$output" = data ]
	run berth volume create
	[[ $output =~ ^[0-9a-f]{64}$ ]]
	local anon=$output
	run berth volume create data # docker: creating an existing volume is fine
	[ "$output" = data ]
	run berth volume ls
	[ "${lines[0]}" = "DRIVER    VOLUME NAME" ]
	[ "$(printf '%s\n' "${lines[@]:1}" | sort)" = "$(printf 'local     %s\n' "$anon" data | sort)" ]
	run berth volume ls -q
	[ "$output" = "$(printf '%s\n' "$anon" data | sort)" ] # sorted by name
	run berth volume ls --format json
	[ "$(jq -r '.[].Name' <<<"$output" | sort | tr '\n' ' ')" = "$(printf '%s\n' "$anon" data | sort | tr '\n' ' ')" ]
	run berth volume inspect data
	[ "$(jq -r '.[0].Name' <<<"$output")" = data ]
	[ "$(jq -r '.[0].Driver' <<<"$output")" = local ]
	[ "$(jq -r '.[0].Scope' <<<"$output")" = local ]
	[ "$(jq -r '.[0].Mountpoint' <<<"$output")" = "$T/root/volumes/data/_data" ]
	[[ $(jq -r '.[0].CreatedAt' <<<"$output") =~ ^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T ]]
	[ "$(jq -c '.[0].Labels' <<<"$output")" = "{}" ]
	[ -d "$T/root/volumes/data/_data" ]
	run berth volume inspect -f '{{.Mountpoint}}' data
	[ "$output" = "$T/root/volumes/data/_data" ]
	run --separate-stderr berth volume inspect nope
	[ "$status" -eq 125 ]
	[[ $stderr == *"no such volume"* ]]
}

@test "volume labels, filters and bad names" {
	berth volume create -l team=blue blue >/dev/null
	berth volume create red >/dev/null
	run berth volume inspect -f '{{.Labels.team}}' blue
	[ "$output" = blue ]
	run berth volume ls -q -f label=team=blue
	[ "$output" = blue ]
	run berth volume ls -q --filter name=re
	[ "$output" = red ]
	run --separate-stderr berth volume create ../escape
	[ "$status" -eq 125 ]
	[[ $stderr == *"invalid characters"* ]]
	[ ! -e "$T/root/escape" ]
}

@test "a container's volume: its data persists; rm refuses it while used; rm -v removes anonymous ones" {
	berth run --rm -v data:/data "$IMAGE" sh -c 'echo kept >/data/f'
	run berth run --rm -v data:/data "$IMAGE" cat /data/f
	[ "$output" = kept ]
	berth create --name user -v data:/data -v /anon "$IMAGE" true >/dev/null
	run berth volume ls -q -f dangling=false
	[ "${#lines[@]}" -eq 2 ]
	local anon
	anon=$(berth volume ls -q | grep -v '^data$')
	[[ $anon =~ ^[0-9a-f]{64}$ ]]
	run --separate-stderr berth volume rm data
	[ "$status" -eq 125 ]
	[[ $stderr == *"volume is in use by container user"* ]]
	run --separate-stderr berth volume rm -f data
	[ "$status" -eq 125 ]
	run berth rm -v user
	[ "$status" -eq 0 ]
	run berth volume ls -q
	[ "$output" = data ] # the named one stays, the anonymous one went
	run berth volume rm data
	[ "$output" = data ]
	[ ! -e "$T/root/volumes/data" ]
	run --separate-stderr berth volume rm data
	[ "$status" -eq 125 ]
	[[ $stderr == *"no such volume"* ]]
	run berth volume rm -f data
	[ "$status" -eq 0 ]
}

@test "volume prune removes unused volumes only, and asks first without -f" {
	berth volume create used >/dev/null
	berth volume create unused >/dev/null
	head -c 5000 /dev/zero >"$T/root/volumes/unused/_data/f"
	berth create --name c -v used:/u "$IMAGE" true >/dev/null
	run berth volume prune <<<"n"
	[ "$status" -eq 0 ]
	[ -d "$T/root/volumes/unused" ]
	run berth volume prune -f
	[ "${lines[0]}" = "Deleted Volumes:" ]
	[ "${lines[1]}" = unused ]
	[ "${lines[2]}" = "Total reclaimed space: 5 kB" ]
	run berth volume ls -q
	[ "$output" = used ]
	berth rm c
	run berth volume prune -f
	[ "${lines[1]}" = used ]
	run berth volume ls -q
	[ -z "$output" ]
}

@test "rename changes the name; a name in use is refused" {
	berth create --name old "$IMAGE" true >/dev/null
	berth create --name other "$IMAGE" true >/dev/null
	run berth rename old new
	[ "$status" -eq 0 ]
	run berth ps -a --format '{{.Names}}'
	[[ $output == *new* ]]
	[[ $output != *old* ]]
	run --separate-stderr berth rename new other
	[ "$status" -eq 125 ]
	[[ $stderr == *"already in use"* ]]
	run --separate-stderr berth rename nothere x1
	[ "$status" -eq 125 ]
	[[ $stderr == *"no such container"* ]]
	run --separate-stderr berth container rename new 'bad/name'
	[ "$status" -eq 125 ]
}

@test "pause freezes the container, unpause thaws it; ps shows paused" {
	berth run -d --name p "$IMAGE" sh -c 'while :; do date +%s%N >/tmp/t; sleep 0.05; done' >/dev/null
	run berth pause p
	[ "$output" = p ]
	run berth ps --format '{{.State}}'
	[ "$output" = paused ]
	[ "$(berth inspect -f '{{.State.Status}}' p)" = paused ]
	local f a b
	f=$T/root/containers/$(berth ps -q --no-trunc)/merged/tmp/t
	sleep 0.3
	a=$(cat "$f")
	sleep 0.3
	b=$(cat "$f")
	[ "$a" = "$b" ]
	run --separate-stderr berth pause p
	[ "$status" -eq 125 ]
	run berth unpause p
	[ "$output" = p ]
	run berth ps --format '{{.State}}'
	[ "$output" = running ]
	# thawed, it writes again (within 5 s: a loaded machine may take a while to run it)
	file_differs() { [ "$(cat "$1")" != "$2" ]; }
	wait_for file_differs "$f" "$a"
	run --separate-stderr berth unpause p
	[ "$status" -eq 125 ]
	[[ $stderr == *"not paused"* ]]
	berth rm -f p
}

@test "top lists the container's processes with ps -ef's columns, or the ps options given" {
	berth run -d --name t "$IMAGE" sh -c 'sleep 1001 & sleep 1002 & wait' >/dev/null
	wait_for sh -c "\"$BERTH\" --root '$T/root' --runroot '$T/run' top t | grep -q 'sleep 1002'"
	run berth top t
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^UID\ +PID\ +PPID\ +C\ +STIME\ +TTY\ +TIME\ +CMD ]]
	[[ $output == *"sleep 1001"* ]]
	[[ $output == *"sleep 1002"* ]]
	[ "${#lines[@]}" -eq 4 ] # header, sh, two sleeps: nothing of the host's
	run berth top t -o pid,args
	[[ ${lines[0]} =~ ^\ *PID\ +COMMAND ]]
	[ "${#lines[@]}" -eq 4 ]
	berth stop -t 0 t >/dev/null
	run --separate-stderr berth top t
	[ "$status" -eq 125 ]
	[[ $stderr == *"not running"* ]]
}

@test "port prints nothing for a container without published ports" {
	berth create --name noports "$IMAGE" true >/dev/null
	run --separate-stderr berth port noports
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run --separate-stderr berth port nothere
	[ "$status" -eq 125 ]
}

@test "container prune removes created and exited containers, not running ones" {
	berth create --name created "$IMAGE" true >/dev/null
	berth run --name exited "$IMAGE" sh -c 'head -c 3000 /dev/zero >/junk'
	berth run -d --name running "$IMAGE" sleep 1000 >/dev/null
	local created exited
	created=$(berth inspect -f '{{.Id}}' created)
	exited=$(berth inspect -f '{{.Id}}' exited)
	run berth container prune <<<"no"
	[ "$(berth ps -aq | wc -l)" -eq 3 ]
	run berth container prune -f
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Deleted Containers:" ]
	[[ $output == *"$created"* ]]
	[[ $output == *"$exited"* ]]
	[ "${lines[-1]}" = "Total reclaimed space: 3 kB" ]
	run berth ps -a --format '{{.Names}}'
	[ "$output" = running ]
	berth rm -f running
}

@test "info counts containers by state and names the storage and the runtime" {
	berth run -d --name r "$IMAGE" sleep 1000 >/dev/null
	berth create --name c "$IMAGE" true >/dev/null
	run berth info
	[ "$status" -eq 0 ]
	[[ $output == *" Containers: 2"* ]]
	[[ $output == *"  Running: 1"* ]]
	[[ $output == *"  Stopped: 1"* ]]
	[[ $output == *" Images: 1"* ]]
	[[ $output == *" Root Dir: $T/root"* ]]
	[[ $output == *" Cgroup Version: "[12]* ]]
	run berth info --format '{{.ContainersRunning}} {{.Images}} {{.DockerRootDir}}'
	[ "$output" = "1 1 $T/root" ]
	run berth info --format json
	[ "$(jq -r .OSType <<<"$output")" = linux ]
	berth rm -f r c >/dev/null
}

@test "ps -s and inspect -s: the SIZE column (writable layer, virtual with the image), SizeRw and SizeRootFs" {
	berth run -d --name sized "$IMAGE" sh -c 'dd if=/dev/zero of=/blob bs=1k count=300 2>/dev/null; sleep 300' >/dev/null
	wait_for sh -c "[ \"\$(\"$BERTH\" --root \"$T/root\" --runroot \"$T/run\" ps -s --format '{{.SizeRw}}' --filter name=sized)\" -ge 307200 ]"
	run berth ps -s
	[[ ${lines[0]} == *"NAMES"*"SIZE" ]]
	[[ ${lines[1]} =~ sized\ +30[0-9](\.[0-9])?kB\ \(virtual\ [0-9.]+MB\)$ ]]
	# without -s there is no SIZE column
	run berth ps
	[[ ${lines[0]} != *SIZE* ]]
	run berth ps -s --format '{{.SizeRw}} {{.SizeRootFs}}'
	read -r rw rootfs <<<"$output"
	[ "$rw" -ge 307200 ] && [ "$rootfs" -gt "$rw" ]
	# inspect -s adds the same fields; without -s they are absent, as with docker
	run berth inspect -s -f '{{.SizeRw}} {{.SizeRootFs}}' sized
	[ "$output" = "$rw $rootfs" ]
	run berth inspect sized
	[ "$(jq '.[0] | has("SizeRw")' <<<"$output")" = false ]
}

@test "flags after the arguments work as with docker (inspect NAME --format, logs NAME -t, rm NAME -f), not after run's or exec's command" {
	berth run -d --name late "$IMAGE" sh -c 'echo hello; sleep 1000' >/dev/null
	run berth inspect late --format '{{.State.Status}}'
	[ "$status" -eq 0 ]
	[ "$output" = running ]
	logs_say_hello() { [ "$(berth logs late)" = hello ]; }
	wait_for logs_say_hello
	run berth logs late -t
	[ "$status" -eq 0 ]
	[[ $output =~ ^20[0-9-]+T[0-9:.]+Z\ hello$ ]]
	run berth ps -a --format '{{.Names}}' --filter name=late
	[ "$output" = late ]
	# run and exec pass what follows the image or the container to the command
	run berth exec late echo -n -e x
	[ "$output" = x ]
	run berth run --rm "$IMAGE" echo --format -t
	[ "$output" = "--format -t" ]
	run berth rm late -f
	[ "$status" -eq 0 ]
	run berth ps -aq --filter name=late
	[ -z "$output" ]
	# an unknown flag after the arguments is still an error
	run --separate-stderr berth inspect late --nosuchflag
	[ "$status" -eq 125 ]
	[[ $stderr == *nosuchflag* ]]
}

@test "ps and network ls line their columns up under the headers, whatever the widths of the cells" {
	long=localhost/a-rather-long-repository-name/for-the-image:with-a-long-tag
	berth tag "$IMAGE" "$long"
	berth create --name short "$IMAGE" true >/dev/null
	berth create --name a-container-with-a-long-name "$long" true >/dev/null
	run berth ps -a
	[ "$status" -eq 0 ]
	header=${lines[0]}
	names_at=${header%%NAMES*}
	status_at=${header%%STATUS*}
	for line in "${lines[@]:1}"; do
		name=${line:${#names_at}}
		[[ $name == short || $name == a-container-with-a-long-name ]]
		[[ ${line:${#status_at}} == Created* ]]
		# at least two spaces between columns
		[[ ${line:${#names_at}-2:2} == '  ' ]]
	done
	[[ $output == *"$long"* ]]
	berth network create a-network-with-a-much-longer-name >/dev/null
	run berth network ls
	driver_at=${lines[0]%%DRIVER*}
	for line in "${lines[@]:1}"; do
		[[ ${line:${#driver_at}} == bridge* ]]
	done
	berth network rm a-network-with-a-much-longer-name >/dev/null
}

@test "ps --filter label=KEY and label=KEY=VALUE" {
	berth create --name lab1 --label team=blue "$IMAGE" true >/dev/null
	berth create --name lab2 --label team=red --label tier "$IMAGE" true >/dev/null
	run berth ps -a --filter label=team --format '{{.Names}}'
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "lab1 lab2 " ]
	run berth ps -a --filter label=team=red --format '{{.Names}}'
	[ "$output" = lab2 ]
	run berth ps -a -f label=tier -f label=team=blue --format '{{.Names}}'
	[ -z "$output" ]
	run berth ps -a -f label=team=green -q
	[ -z "$output" ]
}
