# podman-env.sh: a throwaway podman (Debian 12's 4.3) that drives the runtime under test.
# Sourced by tests/e2e/podman.bats after helpers.bash (which sets $RUNTIME and $REPO_ROOT).
#
# podman_env_up DIR     makes everything under DIR and a network namespace, imports the image
# pm ARGS...            podman with that state, the runtime under test, inside that namespace
# pm_netns CMD...       CMD in the same network namespace (curl to a published port)
# podman_env_down       removes every container, network, image, cgroup, netns and file it made;
#                       prints what it had to clean up that podman should have, returns 1 then
#
# What podman would otherwise touch on the host is kept out of the way:
#   - storage (--root, --runroot, driver vfs: no mounts), tmp_dir (events, exit files, locks),
#     CNI network configs: all under DIR; CONTAINERS_CONF / CONTAINERS_STORAGE_CONF point at
#     files under DIR, so /etc/containers and /usr/share/containers are not read;
#   - every podman command runs in a network namespace of ours (nsenter --net): the CNI bridge,
#     its veths, iptables rules, ip_forward and the 127.0.0.1 a published port listens on all
#     belong to it and go away with it; containers default to --network none;
#   - containers get --cgroup-parent /$PODMAN_CGROUP_PARENT (conmon's cgroup is made there
#     too), removed from every hierarchy at the end;
#   - what cannot be moved (host-local IPAM's /var/lib/cni/networks/NAME, the image
#     blob-info cache /var/lib/containers/cache) is removed if it was not there before; the
#     runtime's state root (/run/NAME, podman gives no --root) and /run/netns stay, but no entry
#     of one of our containers may be left in them.
# Other suites may run at the same time (other podman states, other runtimes): nothing here
# looks at, or removes, what is not ours by name.
# default_ulimits stay below the hard nofile limit of this machine (no CAP_SYS_RESOURCE).

PODMAN_IMAGE=localhost/berth-busybox:latest

podman_env_up() {
	PODMAN_DIR=$1
	PODMAN_NETNS=berth-e2e-podman-$$
	PODMAN_CGROUP_PARENT=berth-e2e-podman-$$
	# Unique: host-local IPAM keeps its leases in /var/lib/cni/networks/NAME on the host.
	PODMAN_NETWORK=berth-e2e-$$
	# RUNTIME too: pm also runs in child shells (bash -c, pty-run.py).
	export PODMAN_DIR PODMAN_NETNS PODMAN_CGROUP_PARENT PODMAN_NETWORK RUNTIME
	mkdir -p "$PODMAN_DIR"/{root,runroot,tmp,cni}

	# What exists before, to know what to remove afterwards.
	local d
	PODMAN_PREEXISTING=
	for d in /var/lib/cni /var/lib/cni/networks /var/lib/containers /var/lib/containers/cache; do
		if [ -e "$d" ]; then PODMAN_PREEXISTING+="$d"$'\n'; fi
	done
	export PODMAN_PREEXISTING

	cat >"$PODMAN_DIR/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
netns = "none"
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$PODMAN_DIR/tmp"
volume_path = "$PODMAN_DIR/root/volumes"
# berth-runtime writes runc's JSON error lines with --log-format json, as runc and crun do.
runtime_supports_json = ["crun", "runc", "berth-runtime"]

[network]
network_backend = "cni"
network_config_dir = "$PODMAN_DIR/cni"
cni_plugin_dirs = ["/usr/lib/cni"]
EOF
	cat >"$PODMAN_DIR/storage.conf" <<EOF
[storage]
driver = "vfs"
runroot = "$PODMAN_DIR/runroot"
graphroot = "$PODMAN_DIR/root"
EOF
	export CONTAINERS_CONF=$PODMAN_DIR/containers.conf
	export CONTAINERS_STORAGE_CONF=$PODMAN_DIR/storage.conf

	ip netns add "$PODMAN_NETNS" || return 1
	ip -n "$PODMAN_NETNS" link set lo up || return 1

	"$REPO_ROOT/tests/lib/make-image.sh" tar "$PODMAN_DIR/rootfs.tar" || return 1
	pm import --change 'CMD ["sh"]' "$PODMAN_DIR/rootfs.tar" "$PODMAN_IMAGE" >/dev/null || return 1
}

# pm ARGS...: podman with the test's state and runtime. `run` and `create` get the cgroup parent.
pm() {
	local sub=${1:-}
	local -a extra=()
	case $sub in
	run | create) extra=(--cgroup-parent "/$PODMAN_CGROUP_PARENT") ;;
	esac
	[ $# -gt 0 ] && shift
	nsenter --net="/run/netns/$PODMAN_NETNS" \
		podman --root "$PODMAN_DIR/root" --runroot "$PODMAN_DIR/runroot" --storage-driver vfs \
		--runtime "$RUNTIME" --cgroup-manager cgroupfs --events-backend file \
		${sub:+"$sub"} "${extra[@]}" "$@"
}

# pm_netns CMD...: CMD in podman's network namespace.
pm_netns() {
	nsenter --net="/run/netns/$PODMAN_NETNS" "$@"
}

# pm_processes: live processes podman started for this state (conmon, the cleanup command).
pm_processes() {
	local f p
	for f in /proc/[0-9]*/cmdline; do
		p=${f#/proc/}
		p=${p%/cmdline}
		[ "$p" = "$BASHPID" ] && continue
		if { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -qF -- "$PODMAN_DIR/"; then
			echo "$p:$({ tr '\0' ' ' <"$f"; } 2>/dev/null)"
		fi
	done
}

# pm_cgroups: the cgroup directories under our cgroup parent, deepest first.
pm_cgroups() {
	find /sys/fs/cgroup/ -mindepth 1 -maxdepth 4 -type d -name "$PODMAN_CGROUP_PARENT" 2>/dev/null |
		while read -r d; do find "$d" -depth -type d; done
}

# pm_remove_all: every container (and its exec sessions and conmon) gone.
pm_remove_all() {
	pm rm --all --force --time 0 >/dev/null 2>&1 || true
	pm ps --all --quiet 2>/dev/null
}

podman_env_down() {
	[ -n "${PODMAN_DIR:-}" ] || return 0
	local leftover=0 i d left

	left=$(pm_remove_all)
	if [ -n "$left" ]; then
		echo "podman_env_down: containers podman could not remove: $left" >&2
		leftover=1
	fi
	pm network rm --force "$PODMAN_NETWORK" >/dev/null 2>&1 || true
	pm rmi --all --force >/dev/null 2>&1 || true

	for i in $(seq 50); do
		[ -z "$(pm_processes)" ] && break
		sleep 0.1
	done
	if [ -n "$(pm_processes)" ]; then
		echo "podman_env_down: processes left behind:" >&2
		pm_processes >&2
		for d in $(pm_processes | cut -d: -f1); do kill -KILL "$d" 2>/dev/null || true; done
		leftover=1
	fi

	# The runtime's state of every container this podman ever had must be gone: the ids are in
	# its events log.
	d=/run/$(basename "$RUNTIME")
	for i in $(pm events --stream=false --filter type=container --format '{{.ID}}' 2>/dev/null | sort -u); do
		if [ -e "$d/$i" ]; then
			echo "podman_env_down: runtime state left behind: $d/$i" >&2
			leftover=1
		fi
	done

	# Container cgroups must be gone; conmon's (podman leaves it by design) and the parent go now.
	if pm_cgroups | grep -q '/libpod-'; then
		echo "podman_env_down: container cgroups left behind:" $(pm_cgroups | grep '/libpod-') >&2
		leftover=1
	fi
	for i in $(seq 20); do
		pm_cgroups | xargs -r rmdir 2>/dev/null
		[ -z "$(pm_cgroups)" ] && break
		sleep 0.1
	done
	if [ -n "$(pm_cgroups)" ]; then
		echo "podman_env_down: cgroups that cannot be removed:" $(pm_cgroups) >&2
		leftover=1
	fi

	ip netns del "$PODMAN_NETNS" 2>/dev/null || true

	if grep -qF " $PODMAN_DIR/" /proc/self/mountinfo; then
		echo "podman_env_down: mounts left behind:" >&2
		grep -F " $PODMAN_DIR/" /proc/self/mountinfo >&2
		grep -F " $PODMAN_DIR/" /proc/self/mountinfo | cut -d' ' -f5 | sort -r |
			xargs -r -n1 umount -l 2>/dev/null
		leftover=1
	fi

	# Host paths podman or CNI make whatever the configuration says.
	rm -rf "/var/lib/cni/networks/$PODMAN_NETWORK"
	for d in /var/lib/cni/results /var/lib/cni/networks /var/lib/cni /var/lib/containers/cache \
		/var/lib/containers; do
		if [ -e "$d" ] && ! grep -qxF "$d" <<<"$PODMAN_PREEXISTING"; then
			case $d in
			/var/lib/containers/cache) rm -rf "$d" ;;
			*) rmdir "$d" 2>/dev/null || true ;;
			esac
		fi
	done

	rm -rf "$PODMAN_DIR"
	return "$leftover"
}
