#!/usr/bin/env bats
# docker (Debian's docker.io 20.10, dockerd on a temporary root and socket) and containerd's ctr
# (containerd started by hand on a temporary root and socket) push to and pull from berth's
# registry server. Everything binds 127.0.0.1 or a socket under the test's directory and is
# stopped in teardown_file. docker treats 127.0.0.0/8 registries as insecure (plain HTTP) by
# itself; ctr is told with --plain-http.

bats_require_minimum_version 1.5.0

E2E_DIR=$BATS_TEST_DIRNAME
REPO_ROOT=$(cd "$E2E_DIR/../.." && pwd)
LIB=$REPO_ROOT/tests/lib
RUNTIME=${RUNTIME:-$REPO_ROOT/build/berth-runtime}
BERTH=${BERTH:-$(dirname "$RUNTIME")/berth}
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-240}

# shellcheck source=../lib/registry-env.sh
source "$LIB/registry-env.sh"

setup_file() {
	[ -x "$BERTH" ] || { echo "berth not found: $BERTH" >&2; return 1; }
	D=$(mktemp -d /tmp/berth-registry-clients.XXXXXX)
	export D
	"$LIB/make-test-images.sh" build "$D/images" >/dev/null
	local port i
	port=$(registry_free_port)
	"$BERTH" registry serve --addr "127.0.0.1:$port" --storage "$D/storage" \
		--access-log "$D/access.log" </dev/null >"$D/server.log" 2>&1 3>&- &
	echo $! >"$D/server.pid"
	export HOSTPORT=127.0.0.1:$port
	registry_wait_http "http://$HOSTPORT/v2/"
	skopeo copy --dest-tls-verify=false "oci:$D/images/plain:latest" "docker://$HOSTPORT/clients/plain:src" >/dev/null
	skopeo copy --dest-tls-verify=false "oci:$D/images/multi-gzip:latest" "docker://$HOSTPORT/clients/multi:src" >/dev/null
}

teardown_file() {
	local status=0 pid i
	for what in dockerd containerd server; do
		[ -f "$D/$what.pid" ] || continue
		pid=$(cat "$D/$what.pid")
		kill -TERM "$pid" 2>/dev/null || true
		for i in $(seq 150); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "$what did not stop on SIGTERM" >&2
			kill -KILL "$pid" 2>/dev/null || true
			status=1
		fi
	done
	# dockerd's and containerd's mounts (overlay, shm) under $D
	findmnt -rn -o TARGET | grep -F -- "$D" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
	# dockerd's own containerd (and shims) go a moment after dockerd
	local left i
	for i in $(seq 100); do
		left=$(for f in /proc/[0-9]*/cmdline; do
			tr '\0' ' ' <"$f" 2>/dev/null | grep -qE "^[^ ]*(containerd|dockerd)[^ ]* .*$D/" && echo "$f"
		done || true)
		[ -z "$left" ] && break
		sleep 0.1
	done
	[ -z "$left" ] || { echo "processes left: $left" >&2; status=1; }
	rm -rf "$D"
	return "$status"
}

# dk ARGS: docker on a dockerd of its own (started on first use).
dk() {
	if [ ! -S "$D/docker.sock" ]; then
		mkdir -p "$D/docker"/{data,exec,client}
		printf '{"deprecated-key-path": "%s"}\n' "$D/docker/key.json" >"$D/docker/daemon.json"
		/usr/sbin/dockerd --config-file "$D/docker/daemon.json" --data-root "$D/docker/data" \
			--exec-root "$D/docker/exec" --pidfile "$D/docker/docker.pid" \
			-H "unix://$D/docker.sock" --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
			--storage-driver vfs </dev/null >"$D/dockerd.log" 2>&1 3>&- &
		echo $! >"$D/dockerd.pid"
		local i
		for i in $(seq 300); do
			DOCKER_CONFIG=$D/docker/client docker -H "unix://$D/docker.sock" version >/dev/null 2>&1 && break
			sleep 0.1
		done
	fi
	DOCKER_CONFIG=$D/docker/client docker -H "unix://$D/docker.sock" "$@"
}

# cr ARGS: ctr on a containerd of its own (started on first use), namespace berth-registry.
cr() {
	if [ ! -S "$D/containerd.sock" ]; then
		mkdir -p "$D/containerd"/{root,state}
		cat >"$D/containerd/config.toml" <<-EOF
			version = 2
			root = "$D/containerd/root"
			state = "$D/containerd/state"
			disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
			  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs",
			  "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp",
			  "io.containerd.internal.v1.tracing"]
			[grpc]
			  address = "$D/containerd.sock"
			[ttrpc]
			  address = "$D/containerd.sock.ttrpc"
		EOF
		containerd --config "$D/containerd/config.toml" </dev/null >"$D/containerd.log" 2>&1 3>&- &
		echo $! >"$D/containerd.pid"
		local i
		for i in $(seq 100); do
			ctr --address "$D/containerd.sock" version >/dev/null 2>&1 && break
			sleep 0.1
		done
	fi
	ctr --address "$D/containerd.sock" --namespace berth-registry "$@"
}

@test "docker pulls from berth's registry, pushes a retagged image, pulls it back" {
	dk pull "$HOSTPORT/clients/plain:src"
	dk tag "$HOSTPORT/clients/plain:src" "$HOSTPORT/clients/docker:pushed"
	dk push "$HOSTPORT/clients/docker:pushed"
	# docker pushes Docker schema 2 with gzip layers of its own
	run curl -sf -o /dev/null -w '%{content_type}' -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
		"http://$HOSTPORT/v2/clients/docker/manifests/pushed"
	[ "$output" = application/vnd.docker.distribution.manifest.v2+json ]
	dk rmi "$HOSTPORT/clients/plain:src" "$HOSTPORT/clients/docker:pushed"
	dk pull "$HOSTPORT/clients/docker:pushed"
	run dk image inspect --format '{{.RepoTags}}' "$HOSTPORT/clients/docker:pushed"
	[[ $output == *"clients/docker:pushed"* ]]
	dk pull "$HOSTPORT/clients/multi:src"
	dk rmi -f "$HOSTPORT/clients/docker:pushed" "$HOSTPORT/clients/multi:src" >/dev/null
}

@test "containerd's ctr pulls over plain HTTP, pushes, and pulls its push back" {
	cr images pull --plain-http "$HOSTPORT/clients/multi:src"
	cr images tag "$HOSTPORT/clients/multi:src" "$HOSTPORT/clients/ctr:pushed"
	cr images push --plain-http "$HOSTPORT/clients/ctr:pushed"
	cr images rm "$HOSTPORT/clients/multi:src" "$HOSTPORT/clients/ctr:pushed"
	cr content prune references >/dev/null 2>&1 || true
	cr images pull --plain-http "$HOSTPORT/clients/ctr:pushed"
	want=$(curl -sf -o /dev/null -D - -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"http://$HOSTPORT/v2/clients/multi/manifests/src" | tr -d '\r' | awk 'tolower($1) == "docker-content-digest:" { print $2 }')
	run cr images ls -q
	[[ $output == *"clients/ctr:pushed"* ]]
	[ "$(cr images ls | awk -v r="$HOSTPORT/clients/ctr:pushed" '$1 == r { print $3 }')" = "$want" ]
	cr images rm "$HOSTPORT/clients/ctr:pushed"
}
