#!/usr/bin/env bats
# berth save and load with docker as the other side: docker loads berth's archives as the same
# image, berth loads docker's.
#
# Docker is Debian's docker.io (20.10), whose daemon is started by hand for this file on a
# temporary directory ($DOCKER_TMP: data root, exec root, pid file, key file, socket), with no
# bridge and no iptables or ip6tables rules: nothing of the host's network changes, and no test
# needs a network (images come and go as files). Its client is /usr/bin/docker, not whatever
# `docker` comes first in PATH, with a configuration directory of its own.
#
# No test gives docker berth's oci-archive: docker 20.10's `docker load` reads the docker-archive
# format only. It looks for manifest.json and, without one, reads the archive as the legacy
# format (<layer id>/json, repositories), so an OCI layout fails with "open .../blobs/json: no
# such file or directory" whoever wrote it (podman's oci-archive too). Later dockers read OCI
# layouts through the containerd image store (moby/moby#43822). podman loads berth's oci-archive
# (image-commands.bats).

load image_helpers

DOCKERD=/usr/sbin/dockerd
DOCKER=/usr/bin/docker

setup_file() {
	[ -x "$DOCKERD" ] && [ -x "$DOCKER" ] ||
		{ echo "docker.io is not installed (tests/lib/install-deps.sh installs it)" >&2; return 1; }
	image_setup_file
	docker_start
}

teardown_file() {
	local status=0
	docker_stop || status=1
	image_teardown_file
	return "$status"
}

# dk ARGS...: the docker client on this file's daemon.
dk() {
	DOCKER_CONFIG=$DOCKER_TMP/client "$DOCKER" -H "unix://$DOCKER_TMP/docker.sock" "$@"
}

# docker_host_state: what a daemon could change on the host that this one must not: network
# links named docker*, iptables rules naming docker, the directories dockerd makes whatever its
# flags say.
docker_host_state() {
	ip -o link show | awk -F': ' '{ print $2 }' | grep -i '^docker' || true
	{ iptables-save; ip6tables-save; } 2>/dev/null | grep -v '^#' | grep -i docker || true
	ls -d /etc/docker/key.json /var/lib/docker 2>/dev/null || true
}

# docker_start: dockerd on a fresh $DOCKER_TMP, overlay2 if the kernel and file system allow it,
# vfs if not; waits until it answers.
docker_start() {
	local driver
	DOCKER_TMP=$(mktemp -d /tmp/berth-docker.XXXXXX)
	export DOCKER_TMP
	DOCKER_RUN_EXISTED=0
	[ -e /run/docker ] && DOCKER_RUN_EXISTED=1
	export DOCKER_RUN_EXISTED
	docker_host_state >"$DOCKER_TMP/host-before"
	for driver in overlay2 vfs; do
		docker_start_with "$driver" && return 0
	done
	echo "dockerd did not start:" >&2
	tail -n 30 "$DOCKER_TMP/dockerd.log" >&2
	return 1
}

# docker_start_with DRIVER: one attempt; a daemon that exits early is gone, its data root emptied.
docker_start_with() {
	local i
	rm -rf "$DOCKER_TMP/data" "$DOCKER_TMP/exec"
	mkdir -p "$DOCKER_TMP"/{data,exec,client}
	# No /etc/docker/daemon.json of the host; the key docker 20.10 writes to /etc/docker by
	# default goes here.
	printf '{"deprecated-key-path": "%s"}\n' "$DOCKER_TMP/key.json" >"$DOCKER_TMP/daemon.json"
	# fd 3 is bats' own: a daemon holding it would keep bats waiting.
	"$DOCKERD" --config-file "$DOCKER_TMP/daemon.json" \
		--data-root "$DOCKER_TMP/data" --exec-root "$DOCKER_TMP/exec" \
		--pidfile "$DOCKER_TMP/docker.pid" -H "unix://$DOCKER_TMP/docker.sock" \
		--bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --storage-driver "$1" \
		</dev/null >"$DOCKER_TMP/dockerd.log" 2>&1 3>&- &
	DOCKERD_PID=$!
	export DOCKERD_PID
	for i in $(seq 200); do
		dk version >/dev/null 2>&1 && return 0
		kill -0 "$DOCKERD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$DOCKERD_PID" 2>/dev/null || true
	wait "$DOCKERD_PID" 2>/dev/null || true
	docker_unmount_all
	return 1
}

# docker_processes: live processes started for this daemon (dockerd, its containerd, shims).
docker_processes() {
	local f p
	for f in /proc/[0-9]*/cmdline; do
		p=${f#/proc/}
		p=${p%/cmdline}
		[ "$p" = "$BASHPID" ] && continue
		if { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -qF -- "$DOCKER_TMP/"; then
			echo "$p:$({ tr '\0' ' ' <"$f"; } 2>/dev/null)"
		fi
	done
}

docker_mounts() {
	findmnt -rn -o TARGET | grep -F -- "$DOCKER_TMP" || true
}

docker_unmount_all() {
	docker_mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
}

# docker_stop: stops the daemon and removes $DOCKER_TMP; returns 1 (after cleaning up) if a
# process, a mount or a change to the host was left.
docker_stop() {
	[ -n "${DOCKER_TMP:-}" ] && [ -d "$DOCKER_TMP" ] || return 0
	local leftover=0 i p
	if [ -n "${DOCKERD_PID:-}" ]; then
		kill -TERM "$DOCKERD_PID" 2>/dev/null || true
		for i in $(seq 150); do
			kill -0 "$DOCKERD_PID" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$DOCKERD_PID" 2>/dev/null; then
			echo "docker_stop: dockerd did not stop on SIGTERM" >&2
			kill -KILL "$DOCKERD_PID" 2>/dev/null || true
			leftover=1
		fi
		wait "$DOCKERD_PID" 2>/dev/null || true
	fi
	for i in $(seq 50); do
		[ -z "$(docker_processes)" ] && break
		sleep 0.1
	done
	if [ -n "$(docker_processes)" ]; then
		echo "docker_stop: processes left behind:" >&2
		docker_processes >&2
		for p in $(docker_processes | cut -d: -f1); do kill -KILL "$p" 2>/dev/null || true; done
		leftover=1
	fi
	if [ -n "$(docker_mounts)" ]; then
		echo "docker_stop: mounts left behind:" $(docker_mounts) >&2
		docker_unmount_all
		leftover=1
	fi
	if ! docker_host_state | diff -u "$DOCKER_TMP/host-before" - >&2; then
		echo "docker_stop: the host changed (links, iptables rules or files of docker)" >&2
		leftover=1
	fi
	# dockerd makes /run/docker/plugins whatever its exec root: removed if it was not there.
	if [ "$DOCKER_RUN_EXISTED" = 0 ]; then
		rmdir /run/docker/plugins /run/docker 2>/dev/null || true
	fi
	rm -rf "$DOCKER_TMP"
	return "$leftover"
}

MULTI_ID() { hex "$(fact '."multi-gzip".config')"; }
PLAIN_ID() { hex "$(fact .plain.config)"; }

# dk_has_image ID NAME: docker has the image ID (its config digest) named NAME, with the diff_ids
# of the config it was built from.
dk_has_image() {
	run --separate-stderr dk image inspect "$2"
	if [ "$status" -ne 0 ]; then
		echo "docker image inspect $2: $stderr" >&2
		return 1
	fi
	jq -e --arg id "sha256:$1" '.[0].Id == $id' <<<"$output" ||
		{ echo "docker's $2 is $(jq -r '.[0].Id' <<<"$output"), not sha256:$1" >&2; return 1; }
	jq -e --arg n "$2" '.[0].RepoTags | index($n) != null' <<<"$output"
}

@test "docker loads berth's docker-archive: the same image ID, with its name" {
	pull_ok "$REGISTRY/berth-test/multi:gzip"
	run --separate-stderr berth save --format docker-archive -o "$T/multi.tar" "$REGISTRY/berth-test/multi:gzip"
	[ "$status" -eq 0 ]
	run --separate-stderr dk load -i "$T/multi.tar"
	[ "$status" -eq 0 ] || { echo "docker load: $stderr" >&2; false; }
	grep -q "Loaded image: $REGISTRY/berth-test/multi:gzip" <<<"$output"
	dk_has_image "$(MULTI_ID)" "$REGISTRY/berth-test/multi:gzip"
	# docker checks every layer's digest against the config's diff_ids as it loads; the same
	# list on both sides.
	[ "$(dk image inspect -f '{{json .RootFS.Layers}}' "$REGISTRY/berth-test/multi:gzip")" = \
		"$(jq -c '."multi-gzip".diff_ids' "$FACTS")" ]
	dk rmi "$REGISTRY/berth-test/multi:gzip" >/dev/null
}

@test "docker loads two images of one berth docker-archive, from stdin" {
	pull_ok "$REGISTRY/berth-test/multi:gzip"
	pull_ok "$REGISTRY/berth-test/plain:latest"
	berth tag "$(PLAIN_ID)" localhost/berth/plain:other
	berth save "$REGISTRY/berth-test/multi:gzip" localhost/berth/plain:other >"$T/two.tar"
	run --separate-stderr dk load <"$T/two.tar"
	[ "$status" -eq 0 ] || { echo "docker load: $stderr" >&2; false; }
	dk_has_image "$(MULTI_ID)" "$REGISTRY/berth-test/multi:gzip"
	dk_has_image "$(PLAIN_ID)" localhost/berth/plain:other
	dk rmi "$REGISTRY/berth-test/multi:gzip" localhost/berth/plain:other >/dev/null
}

@test "berth loads what docker saved: the same image ID and name, umoci's tree" {
	image_reference_tree
	pull_ok "$REGISTRY/berth-test/multi:gzip"
	berth save -o "$T/multi.tar" "$REGISTRY/berth-test/multi:gzip"
	dk load -q -i "$T/multi.tar" >/dev/null
	dk tag "$REGISTRY/berth-test/multi:gzip" localhost/from/docker:v1
	run --separate-stderr dk save -o "$T/from-docker.tar" localhost/from/docker:v1
	[ "$status" -eq 0 ]
	dk rmi "$REGISTRY/berth-test/multi:gzip" localhost/from/docker:v1 >/dev/null
	# docker writes layers uncompressed, each as its own file; a fresh store loads them.
	mkdir -p "$T/fresh"
	run --separate-stderr berth_at "$T/fresh" load -i "$T/from-docker.tar"
	[ "$status" -eq 0 ] || { echo "berth load: $stderr" >&2; false; }
	run --separate-stderr berth_at "$T/fresh" image inspect localhost/from/docker:v1
	[ "$status" -eq 0 ]
	jq -e --arg id "$(MULTI_ID)" '.[0].Id == $id' <<<"$output"
	jq -e '.[0].RepoTags == ["localhost/from/docker:v1"]' <<<"$output"
	run --separate-stderr berth_at "$T/fresh" image mount localhost/from/docker:v1
	[ "$status" -eq 0 ]
	same_tree "$(last_line)" "$REF_MULTI"
	berth_at "$T/fresh" image umount localhost/from/docker:v1
}
