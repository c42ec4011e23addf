# containerd-env.sh: a throwaway containerd (Debian 12's 1.6) whose runc v2 shim runs the runtime
# under test. Sourced by tests/e2e/containerd.bats after helpers.bash ($RUNTIME, $REPO_ROOT).
#
# containerd_env_up DIR   starts containerd on DIR (root, state, sockets, config), imports the
#                         image made by tests/lib/make-image.sh oci
# cr ARGS...              ctr on that containerd, in the namespace $CONTAINERD_NS
# cr_fifo                 the --fifo-dir flag for commands that take it (run, task start/exec)
# containerd_runtime ARGS the runtime under test on the shim's state root (--root), to see the
#                         containers as the runtime sees them
# containerd_env_down     removes tasks, containers, images, stops containerd, and checks that no
#                         shim, container process, cgroup, mount or runtime state is left;
#                         returns 1 (after cleaning up) if something was
#
# How the shim finds the runtime: containerd-shim-runc-v2 runs the binary named by the runc
# option BinaryName, "runc" by default, looked up in its PATH, which it inherits from containerd.
# ctr has no flag to set BinaryName on `container create` (only `ctr run --runc-binary`), and
# containerd 1.6 reads runtime options from its config only for CRI, so containerd is started
# with $CONTAINERD_DIR/bin first in PATH, where `runc` is a link to $RUNTIME: every container of
# this containerd uses the runtime under test, however it is created.
#
# Fixed host paths containerd 1.6 uses whatever its config says: /run/containerd/s (shim
# sockets), /run/containerd/runc/NAMESPACE (the shim's --root for the runtime) and
# /run/containerd/fifo (ctr's default fifo dir; cr_fifo avoids it). They are removed at the end
# when empty, if /run/containerd did not exist before. Cgroups are /NAMESPACE/ID (ctr's default).

CONTAINERD_IMAGE=docker.io/library/berth-busybox:latest

containerd_env_up() {
	CONTAINERD_DIR=$1
	CONTAINERD_NS=berth-e2e-$$
	CONTAINERD_SOCK=$CONTAINERD_DIR/containerd.sock
	export CONTAINERD_DIR CONTAINERD_NS CONTAINERD_SOCK RUNTIME
	mkdir -p "$CONTAINERD_DIR"/{root,state,bin,fifo,opt}
	CONTAINERD_RUN_EXISTED=0
	if [ -e /run/containerd ]; then CONTAINERD_RUN_EXISTED=1; fi
	export CONTAINERD_RUN_EXISTED

	ln -s "$RUNTIME" "$CONTAINERD_DIR/bin/runc"
	cat >"$CONTAINERD_DIR/config.toml" <<EOF
version = 2
root = "$CONTAINERD_DIR/root"
state = "$CONTAINERD_DIR/state"
# Only what ctr needs: no CRI (it would want CNI and a pause image), no snapshotters that
# probe the host's disks.
disabled_plugins = [
  "io.containerd.grpc.v1.cri",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
]

[grpc]
  address = "$CONTAINERD_SOCK"

[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"

[debug]
  address = "$CONTAINERD_DIR/debug.sock"
  level = "info"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$CONTAINERD_DIR/opt"
EOF

	# fd 3 is bats' own: a daemon holding it would keep bats waiting.
	PATH="$CONTAINERD_DIR/bin:$PATH" containerd --config "$CONTAINERD_DIR/config.toml" \
		</dev/null >"$CONTAINERD_DIR/containerd.log" 2>&1 3>&- &
	CONTAINERD_PID=$!
	export CONTAINERD_PID
	local i
	for i in $(seq 100); do
		cr version >/dev/null 2>&1 && break
		if ! kill -0 "$CONTAINERD_PID" 2>/dev/null; then
			echo "containerd exited:" >&2
			tail -n 20 "$CONTAINERD_DIR/containerd.log" >&2
			return 1
		fi
		sleep 0.1
	done
	cr version >/dev/null || { tail -n 20 "$CONTAINERD_DIR/containerd.log" >&2; return 1; }

	"$REPO_ROOT/tests/lib/make-image.sh" oci "$CONTAINERD_DIR/image.tar" "$CONTAINERD_IMAGE" || return 1
	cr image import "$CONTAINERD_DIR/image.tar" >/dev/null || return 1
}

# (ctr 1.6 does not close the task's stdin at EOF of its own: `echo x | cr run ... cat` never
# ends, so no test pipes into a task.)
cr() {
	ctr --connect-timeout 10s --address "$CONTAINERD_SOCK" --namespace "$CONTAINERD_NS" "$@"
}

cr_fifo() {
	echo "--fifo-dir=$CONTAINERD_DIR/fifo"
}

containerd_runtime() {
	"$RUNTIME" --root "/run/containerd/runc/$CONTAINERD_NS" "$@"
}

# containerd_processes: live processes of this containerd (its shims carry its socket address)
# and of their containers (found through the cgroups /NAMESPACE/...).
containerd_processes() {
	local f p
	for f in /proc/[0-9]*/cmdline; do
		p=${f#/proc/}
		p=${p%/cmdline}
		[ "$p" = "$BASHPID" ] || [ "$p" = "${CONTAINERD_PID:-}" ] && continue
		if { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -qF -- "$CONTAINERD_DIR/"; then
			echo "$p:$({ tr '\0' ' ' <"$f"; } 2>/dev/null)"
		elif grep -qF ":/$CONTAINERD_NS/" "/proc/$p/cgroup" 2>/dev/null; then
			echo "$p:$({ tr '\0' ' ' <"$f"; } 2>/dev/null)"
		fi
	done
}

# containerd_cgroups: cgroup directories under /NAMESPACE, deepest first.
containerd_cgroups() {
	find /sys/fs/cgroup/ -mindepth 1 -maxdepth 4 -type d -name "$CONTAINERD_NS" 2>/dev/null |
		while read -r d; do find "$d" -depth -type d; done
}

# containerd_remove_all: kill and delete every task, delete every container; prints the ids of
# containers that are still there.
containerd_remove_all() {
	local id i
	for id in $(cr task ls -q 2>/dev/null); do
		cr task kill --signal SIGKILL "$id" >/dev/null 2>&1 || true
	done
	for id in $(cr task ls -q 2>/dev/null); do
		for i in $(seq 50); do
			cr task ls 2>/dev/null | awk -v id="$id" '$1 == id { print $3 }' | grep -q RUNNING || break
			sleep 0.1
		done
		cr task delete --force "$id" >/dev/null 2>&1 || true
	done
	for id in $(cr container ls -q 2>/dev/null); do
		cr container delete "$id" >/dev/null 2>&1 || true
	done
	cr container ls -q 2>/dev/null
}

containerd_env_down() {
	[ -n "${CONTAINERD_DIR:-}" ] || return 0
	local leftover=0 left i p

	left=$(containerd_remove_all)
	if [ -n "$left" ]; then
		echo "containerd_env_down: containers that could not be deleted: $left" >&2
		leftover=1
	fi
	cr image rm "$CONTAINERD_IMAGE" >/dev/null 2>&1 || true
	# Once the images are gone, the namespace itself can go.
	cr namespace rm "$CONTAINERD_NS" >/dev/null 2>&1 ||
		ctr --address "$CONTAINERD_SOCK" namespace rm "$CONTAINERD_NS" >/dev/null 2>&1 || true

	if [ -n "${CONTAINERD_PID:-}" ]; then
		kill -TERM "$CONTAINERD_PID" 2>/dev/null || true
		for i in $(seq 100); do
			kill -0 "$CONTAINERD_PID" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$CONTAINERD_PID" 2>/dev/null; then
			echo "containerd_env_down: containerd did not stop on SIGTERM" >&2
			kill -KILL "$CONTAINERD_PID" 2>/dev/null || true
			leftover=1
		fi
		wait "$CONTAINERD_PID" 2>/dev/null || true
	fi

	for i in $(seq 50); do
		[ -z "$(containerd_processes)" ] && break
		sleep 0.1
	done
	if [ -n "$(containerd_processes)" ]; then
		echo "containerd_env_down: processes left behind:" >&2
		containerd_processes >&2
		for p in $(containerd_processes | cut -d: -f1); do kill -KILL "$p" 2>/dev/null || true; done
		leftover=1
	fi

	# /NAMESPACE is made by the runtime as the parent of the containers' cgroups; it may stay,
	# a container's may not.
	if containerd_cgroups | grep -q "/$CONTAINERD_NS/"; then
		echo "containerd_env_down: container cgroups left behind:" $(containerd_cgroups | grep "/$CONTAINERD_NS/") >&2
		leftover=1
	fi
	for i in $(seq 20); do
		containerd_cgroups | xargs -r rmdir 2>/dev/null
		[ -z "$(containerd_cgroups)" ] && break
		sleep 0.1
	done
	if [ -n "$(containerd_cgroups)" ]; then
		echo "containerd_env_down: cgroups that cannot be removed:" $(containerd_cgroups) >&2
		leftover=1
	fi

	if grep -qF " $CONTAINERD_DIR/" /proc/self/mountinfo; then
		echo "containerd_env_down: mounts left behind:" >&2
		grep -F " $CONTAINERD_DIR/" /proc/self/mountinfo >&2
		grep -F " $CONTAINERD_DIR/" /proc/self/mountinfo | cut -d' ' -f5 | sort -r |
			xargs -r -n1 umount -l 2>/dev/null
		leftover=1
	fi

	left=$(ls -A "/run/containerd/runc/$CONTAINERD_NS" 2>/dev/null)
	if [ -n "$left" ]; then
		echo "containerd_env_down: runtime state left in /run/containerd/runc/$CONTAINERD_NS:" $left >&2
		leftover=1
	fi
	rm -rf "/run/containerd/runc/$CONTAINERD_NS"
	# Another containerd may be using the rest: remove only what is empty.
	if [ "$CONTAINERD_RUN_EXISTED" = 0 ]; then
		rmdir /run/containerd/runc /run/containerd/s /run/containerd/fifo /run/containerd 2>/dev/null || true
	fi

	rm -rf "$CONTAINERD_DIR"
	return "$leftover"
}
