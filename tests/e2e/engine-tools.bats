#!/usr/bin/env bats
# attach (detach keys), cp, stats, system df/prune, version, logs across rotation, volume
# copy-up: each as a docker user types it.

load engine_helpers

PTY=$LIB/pty-run.py

# running NAME: true when the container's status is running.
running() {
	[ "$(berth inspect --format '{{.State.Status}}' "$1")" = running ]
}

@test "attach: ctrl-p ctrl-q detaches (exit 0, nothing printed), the container runs on" {
	berth run -dit --name a1 "$IMAGE" sh >/dev/null
	wait_for running a1
	run "$PTY" --timeout 20 --input '\x10\x11' -- "$BERTH" --root "$T/root" --runroot "$T/run" attach a1
	[ "$status" -eq 0 ]
	[[ $output != *berth:* ]]
	running a1
	# the same with keys of one's own; the default ones then go to the shell
	run "$PTY" --timeout 20 --input 'echo in-$((6*7))\r\x10\x11\x01x' -- "$BERTH" --root "$T/root" --runroot "$T/run" attach --detach-keys ctrl-a,x a1
	[ "$status" -eq 0 ]
	running a1
	wait_for sh -c "'$BERTH' --root '$T/root' --runroot '$T/run' logs a1 | grep -q in-42"
	run -125 berth attach --detach-keys ctrl-1 a1
	[[ $output == *"invalid detach keys"* ]]
}

@test "attach: the container's exit code comes through; a stopped container is refused" {
	berth run -di --name a2 "$IMAGE" sh -c 'read line; echo "got $line"; exit 3' >/dev/null
	wait_for running a2
	run -3 bash -c "echo hello | '$BERTH' --root '$T/root' --runroot '$T/run' attach a2"
	[ "$output" = "got hello" ]
	run -1 berth attach a2
	[[ $output == *"You cannot attach to a stopped container, start it first"* ]]
}

@test "run -it and start -ai honour the detach keys" {
	run "$PTY" --timeout 20 --input '\x10\x11' -- "$BERTH" --root "$T/root" --runroot "$T/run" run -it --name r1 "$IMAGE" sh
	[ "$status" -eq 0 ]
	running r1
	berth create -it --name s1 "$IMAGE" sh >/dev/null
	run "$PTY" --timeout 20 --input '\x01x' -- "$BERTH" --root "$T/root" --runroot "$T/run" start -ai --detach-keys ctrl-a,x s1
	[ "$status" -eq 0 ]
	running s1
}

@test "cp into a running container: files, directories, /. contents, ownership root unless -a" {
	berth run -d --name c1 "$IMAGE" sleep 300 >/dev/null
	mkdir -p "$T/src/dir/sub"
	echo one >"$T/src/file"
	echo two >"$T/src/dir/sub/f"
	chmod 0751 "$T/src/dir/sub"
	chown 1234:4321 "$T/src/file" "$T/src/dir/sub/f"
	berth cp "$T/src/file" c1:/tmp/
	berth cp "$T/src/file" c1:/tmp/renamed
	berth cp "$T/src/dir" c1:/tmp/
	berth cp "$T/src/dir" c1:/tmp/newdir
	berth cp "$T/src/dir/." c1:/tmp/newdir
	berth cp -a "$T/src/file" c1:/tmp/kept
	run berth exec c1 sh -c 'cat /tmp/file /tmp/renamed /tmp/dir/sub/f /tmp/newdir/sub/f; stat -c "%n %u:%g %a" /tmp/file /tmp/dir/sub /tmp/dir/sub/f /tmp/kept; ls /tmp/newdir'
	[ "${lines[0]}" = one ]
	[ "${lines[1]}" = one ]
	[ "${lines[2]}" = two ]
	[ "${lines[3]}" = two ]
	[ "${lines[4]}" = "/tmp/file 0:0 644" ]
	[ "${lines[5]}" = "/tmp/dir/sub 0:0 751" ]
	[ "${lines[6]}" = "/tmp/dir/sub/f 0:0 644" ]
	[ "${lines[7]}" = "/tmp/kept 1234:4321 644" ]
	[ "${lines[8]}" = sub ]
	[ "${#lines[@]}" -eq 9 ]
}

@test "cp out of a container (running and stopped), tar streams both ways, -L" {
	berth run --name c2 "$IMAGE" sh -c 'mkdir -p /d/e; echo x >/d/e/f; chown 7:8 /d/e/f; ln -s /d/e/f /link'
	berth cp c2:/d "$T/out1"
	[ "$(cat "$T/out1/e/f")" = x ]
	[ "$(stat -c %u:%g "$T/out1/e/f")" = "$(id -u):$(id -g)" ]
	berth cp -a c2:/d/e/f "$T/f-kept"
	[ "$(stat -c %u:%g "$T/f-kept")" = 7:8 ]
	berth cp c2:/link "$T/link"
	[ "$(readlink "$T/link")" = /d/e/f ]
	berth cp -L c2:/link "$T/deref"
	[ "$(cat "$T/deref")" = x ]
	run bash -c "'$BERTH' --root '$T/root' --runroot '$T/run' cp c2:/d - | tar tvf - | awk '{print \$2, \$6}'"
	[ "$output" = $'0/0 d/\n0/0 d/e/\n7/8 d/e/f' ]
	mkdir -p "$T/in/t"
	echo tarred >"$T/in/t/g"
	tar cf - -C "$T/in" t | berth cp - c2:/d
	berth cp c2:/d/t/g "$T/g"
	[ "$(cat "$T/g")" = tarred ]
	run -1 berth cp - c2:/d/e/f <"$T/g"
	[[ $output == *"must be a directory"* ]]
}

@test "cp with a stopped container reaches its volumes and binds (ro refused), as in a running one; nothing stays mounted" {
	mkdir "$T/hostdir"
	echo payload >"$T/f"
	berth create --name cv -v cpvol:/data -v "$T/hostdir:/hd" -v "$T/hostdir:/hdro:ro" "$IMAGE" true >/dev/null
	# never started: the mount points are made as the runtime makes them
	berth cp "$T/f" cv:/data/
	berth cp "$T/f" cv:/hd/f2
	[ "$(cat "$T/hostdir/f2")" = payload ]
	run -1 berth cp "$T/f" cv:/hdro/x
	[[ $output == *"Read-only file system"* ]]
	run berth run --rm -v cpvol:/data "$IMAGE" cat /data/f
	[ "$output" = payload ]
	# and out of the volume, after the container ran
	berth start -a cv
	[ "$(berth cp cv:/data/f - | tar -xOf -)" = payload ]
	# only the containers' own overlays are mounted: the volumes were mounted for cp alone
	[ -z "$(mounts_under "$T" | grep -v '/merged$')" ]
	# a mount point swapped for a symlink out of the root resolves inside the container
	berth create --name cv2 -v cpvol:/data2 "$IMAGE" true >/dev/null
	id=$(berth inspect -f '{{.Id}}' cv2)
	ln -s ../../../../../../../../../../tmp "$T/root/containers/$id/merged/data2"
	berth cp "$T/f" "cv2:/data2/berth-cp-escape-$$"
	[ ! -e "/tmp/berth-cp-escape-$$" ]
	run berth run --rm -v cpvol:/v "$IMAGE" cat "/v/berth-cp-escape-$$"
	[ "$output" = payload ]
	# a dangling one is refused, not followed
	berth create --name cv3 -v cpvol:/data3 "$IMAGE" true >/dev/null
	id=$(berth inspect -f '{{.Id}}' cv3)
	ln -s "../../../../../../../../../../tmp/berth-cp-nothere-$$" "$T/root/containers/$id/merged/data3"
	run -1 berth cp "$T/f" cv3:/data3/g
	[[ $output == *"mount point /data3 in container cv3"* ]]
	[ ! -e "/tmp/berth-cp-nothere-$$" ]
	berth rm cv3 >/dev/null
	berth rm cv cv2 >/dev/null
	berth volume rm cpvol >/dev/null
}

@test "cp errors: docker's message and exit status 1" {
	berth create --name c3 "$IMAGE" true >/dev/null
	run -1 berth cp c3:/nope "$T/x"
	[[ $output == *"Could not find the file /nope in container c3"* ]]
	run -1 berth cp "$T/nope" c3:/tmp
	[[ $output == *"lstat $T/nope"* ]]
	echo f >"$T/f"
	run -1 berth cp "$T/f" c3:/nope/deeper
	[[ $output == *"Could not find the file /nope in container c3"* ]]
	run -1 berth cp "$T/f" c3:/tmp/missing/
	[[ $output == *"no such directory"* ]]
	run -1 berth cp c3:/etc "$T/f"
	[[ $output == *"cannot copy directory"* ]]
	run -1 berth cp "$T/f" "$T/g"
	[[ $output == *"must specify at least one container source"* ]]
	run -1 berth cp c3:/a c3:/b
	[[ $output == *"copying between containers is not supported"* ]]
}

@test "cp: symlinks in the container to / and .. never reach the host" {
	berth run -d --name h1 "$IMAGE" sh -c 'ln -s / /evil; ln -s ../../../../../.. /up; mkdir /dd; ln -s /etc /dd/etc; sleep 300' >/dev/null
	berth create --name h2 "$IMAGE" true >/dev/null
	berth cp h1:/up "$T/up-link" # the link itself, as docker
	echo payload >"$T/payload"
	local ctr
	# the stopped container gets the same links into its rootfs (copied as links)
	berth cp "$T/up-link" h2:/up
	ln -s / "$T/evil-link"
	berth cp "$T/evil-link" h2:/evil
	for ctr in h1 h2; do
		berth cp "$T/payload" "$ctr:/evil/tmp/berth-escape-$ctr"
		berth cp "$T/payload" "$ctr:/up/tmp/berth-escape2-$ctr"
		[ ! -e "/tmp/berth-escape-$ctr" ]
		[ ! -e "/tmp/berth-escape2-$ctr" ]
	done
	run berth exec h1 cat /tmp/berth-escape-h1 /tmp/berth-escape2-h1
	[ "$output" = $'payload\npayload' ]
	# reading through them reads the container's files, not the host's
	echo "host-only $$" >"$T/host-marker"
	run -1 berth cp "h1:/up$T/host-marker" "$T/stolen"
	[ ! -e "$T/stolen" ]
	# a tar whose entries climb out is refused
	python3 - "$T/evil.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    data = b"escaped\n"
    info = tarfile.TarInfo("../../../../tmp/berth-tar-escape")
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))
PY
	run -1 berth cp - h1:/tmp <"$T/evil.tar"
	[ ! -e /tmp/berth-tar-escape ]
	# copying out of a directory holding a link to /etc writes the link, not /etc's files
	berth cp h1:/dd "$T/dd"
	[ -L "$T/dd/etc" ]
}

@test "stats --no-stream: docker's columns, the memory limit, json and templates" {
	berth run -d --name st --memory 64m "$IMAGE" sleep 300 >/dev/null
	run berth stats --no-stream
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^CONTAINER\ ID\ +NAME\ +CPU\ %\ +MEM\ USAGE\ /\ LIMIT\ +MEM\ %\ +NET\ I/O\ +BLOCK\ I/O\ +PIDS$ ]]
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[1]} =~ ^[0-9a-f]{12}\ +st\ +[0-9]+\.[0-9]{2}%\ +[0-9.]+[KMG]?i?B\ /\ 64MiB\ +[0-9]+\.[0-9]{2}%\ +0B\ /\ 0B\ +.*\ 1$ ]]
	run berth stats --no-stream --format json st
	[ "$(jq -r .Name <<<"$output")" = st ]
	[ "$(jq -r .Container <<<"$output")" = st ]
	[ "$(jq -r .PIDs <<<"$output")" = 1 ]
	[[ $(jq -r .MemUsage <<<"$output") == *" / 64MiB" ]]
	run berth stats --no-stream --format '{{.Name}}: {{.PIDs}}' st
	[ "$output" = "st: 1" ]
	berth create --name idle "$IMAGE" true >/dev/null
	run berth stats --no-stream -a --format 'table {{.Name}}\t{{.MemUsage}}'
	[[ ${lines[0]} =~ ^NAME\ +MEM\ USAGE\ /\ LIMIT$ ]]
	[[ $output =~ idle\ +0B\ /\ 0B ]]
	run -125 berth stats --no-stream nope
}

@test "system df agrees with images, ps and volume ls" {
	berth run --name done1 -v v1:/data "$IMAGE" sh -c 'dd if=/dev/zero of=/big bs=1000 count=50 2>/dev/null'
	berth run -d --name up1 "$IMAGE" sleep 300 >/dev/null
	run berth system df
	[ "${lines[0]}" = "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE" ]
	[[ ${lines[1]} =~ ^Images\ +1\ +1\  ]]
	[[ ${lines[2]} =~ ^Containers\ +2\ +1\ +50kB\ +50kB\ \(100%\)$ ]]
	[[ ${lines[3]} =~ ^Local\ Volumes\ +1\ +1\  ]]
	[[ ${lines[4]} =~ ^Build\ Cache\ +0\ +0\ +0B\ +0B$ ]]
	run berth system df --format json
	[ "$(jq -r 'select(.Type=="Images").TotalCount' <<<"$output")" = "$(berth images -q | wc -l)" ]
	[ "$(jq -r 'select(.Type=="Containers").TotalCount' <<<"$output")" = "$(berth ps -aq | wc -l)" ]
	[ "$(jq -r 'select(.Type=="Containers").Active' <<<"$output")" = "$(berth ps -q | wc -l)" ]
	[ "$(jq -r 'select(.Type=="Local Volumes").TotalCount' <<<"$output")" = "$(berth volume ls -q | wc -l)" ]
	run berth system df -v
	[[ $output == *"Containers space usage:"* ]]
	[[ $output == *done1* ]]
}

@test "system prune removes stopped containers, dangling images, and with --volumes unused volumes" {
	berth run --name gone "$IMAGE" true
	berth run -d --name stays "$IMAGE" sleep 300 >/dev/null
	# importing the same name again leaves the image before dangling (the second one: the
	# first is used by the running container)
	berth import --change 'CMD ["sh"]' --change 'ENV SECOND=1' "$ROOTFS_TAR" "$IMAGE" >/dev/null
	berth import --change 'CMD ["sh"]' --change 'ENV THIRD=1' "$ROOTFS_TAR" "$IMAGE" >/dev/null
	berth volume create unused >/dev/null
	local gone_id
	gone_id=$(berth inspect --format '{{.Id}}' gone)
	[ "$(berth images -aq | wc -l)" -eq 3 ]
	run berth system prune -f
	[ "$status" -eq 0 ]
	[[ $output == *"Deleted Containers:"*"$gone_id"* ]]
	[[ $output == *"Deleted Images:"* ]]
	[[ $output == *"Total reclaimed space:"* ]]
	[ "$(berth ps -aq)" = "$(berth ps -q)" ]
	running stays
	[ "$(berth images -aq | wc -l)" -eq 2 ]
	[ "$(berth volume ls -q)" = unused ]
	run berth system prune -f --volumes
	[[ $output == *"Deleted Volumes:"*unused* ]]
	[ -z "$(berth volume ls -q)" ]
	run berth system info --format '{{.Containers}}'
	[ "$output" = 1 ]
}

@test "version: docker's layout without a server, --format" {
	run berth version
	[ "${lines[0]}" = "Client:" ]
	[[ ${lines[1]} =~ ^\ Version:\ +[0-9]+\.[0-9]+ ]]
	run berth version --format '{{.Client.Os}}/{{.Client.Version}}'
	[[ $output =~ ^linux/[0-9] ]]
	run berth version --format json
	[ "$(jq -r .Client.Os <<<"$output")" = linux ]
}

@test "logs read the rotated ctr.log.1 too: --tail and --since across both, in order" {
	berth run --name lg --log-opt max-size=400 "$IMAGE" sh -c 'for i in $(seq 1 30); do echo line$i; done' >/dev/null
	local id
	id=$(berth inspect --format '{{.Id}}' lg)
	[ -s "$T/root/containers/$id/ctr.log.1" ]
	run berth logs lg
	local first=${lines[0]#line}
	[ "${lines[-1]}" = line30 ]
	[ "$first" -gt 1 ] # what was rotated away twice is gone
	# every line from the first kept one to 30, in order, across both files
	[ "$output" = "$(seq "$first" 30 | sed 's/^/line/')" ]
	local in_old
	in_old=$(wc -l <"$T/root/containers/$id/ctr.log.1")
	run berth logs --tail $((30 - first)) lg
	[ "$output" = "$(seq $((first + 1)) 30 | sed 's/^/line/')" ]
	[ $((30 - first)) -gt "$(wc -l <"$T/root/containers/$id/ctr.log")" ]
	run berth logs --since 1h lg
	[ "${lines[0]}" = "line$first" ]
	run berth logs --since "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%S)" lg
	[ -z "$output" ]
}

@test "a new volume gets the image's content (owners and modes kept); nocopy and used volumes do not" {
	mkdir -p "$T/rootfs"
	tar xf "$ROOTFS_TAR" -C "$T/rootfs"
	mkdir -p "$T/rootfs/srv/app/sub"
	echo conf >"$T/rootfs/srv/app/conf"
	chown -R 5:6 "$T/rootfs/srv/app"
	chmod 0710 "$T/rootfs/srv/app"
	chmod 0640 "$T/rootfs/srv/app/conf"
	tar cf "$T/withdata.tar" -C "$T/rootfs" .
	berth import --change 'CMD ["sh"]' --change 'VOLUME /srv/app' "$T/withdata.tar" localhost/withdata:test >/dev/null
	# a named volume, new: filled
	run berth run --rm -v named:/srv/app localhost/withdata:test stat -c '%n %u:%g %a' /srv/app /srv/app/conf /srv/app/sub
	[ "${lines[0]}" = "/srv/app 5:6 710" ]
	[ "${lines[1]}" = "/srv/app/conf 5:6 640" ]
	[ "${lines[2]}" = "/srv/app/sub 5:6 755" ]
	[ "$(cat "$T/root/volumes/named/_data/conf")" = conf ]
	# not empty any more: a second container's change stays, nothing is copied over it
	berth run --rm -v named:/srv/app localhost/withdata:test sh -c 'echo changed >/srv/app/conf; rm -r /srv/app/sub'
	run berth run --rm -v named:/srv/app localhost/withdata:test sh -c 'cat /srv/app/conf; ls /srv/app'
	[ "$output" = $'changed\nconf' ]
	# nocopy (-v and --mount)
	run berth run --rm -v empty:/srv/app:nocopy localhost/withdata:test ls -A /srv/app
	[ -z "$output" ]
	run berth run --rm --mount type=volume,src=empty2,dst=/srv/app,volume-nocopy localhost/withdata:test ls -A /srv/app
	[ -z "$output" ]
	# the image's VOLUME without a mount: an anonymous volume, filled too
	berth run --name anon localhost/withdata:test cat /srv/app/conf
	local vol
	vol=$(berth volume ls -q | grep -E '^[0-9a-f]{64}$')
	[ "$(cat "$T/root/volumes/$vol/_data/conf")" = conf ]
	[ "$(stat -c %u:%g:%a "$T/root/volumes/$vol/_data")" = 5:6:710 ]
	berth rm -v anon >/dev/null
	[ ! -e "$T/root/volumes/$vol" ]
}
