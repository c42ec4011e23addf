# Shared setup of the engine tests (engine-*.bats): `load engine_helpers`.
#
# The binaries under test are `berth`, `berth-runtime` and `berth-monitor` next to $RUNTIME
# (tests/run-all.sh sets RUNTIME to build/berth-runtime or build-san/berth-runtime).
# Per file: a busybox-static root filesystem tar (tests/lib/make-image.sh). Per test: a store of
# its own ($T/root, $T/run) holding that tar imported as $IMAGE. teardown removes every container
# the test left and fails the test if a monitor process, a mount, a cgroup or runtime state
# survived the removal.

bats_require_minimum_version 1.5.0

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$E2E_DIR/../.." && pwd)
LIB=$REPO_ROOT/tests/lib
RUNTIME=${RUNTIME:-$REPO_ROOT/build/berth-runtime}
BERTH=${BERTH:-$(dirname "$RUNTIME")/berth}
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}
IMAGE=localhost/busybox:test

setup_file() {
	export ROOTFS_TAR=$BATS_FILE_TMPDIR/busybox.tar
	"$LIB/make-image.sh" tar "$ROOTFS_TAR"
	# A container without --network gets `none` here, not berth's default bridge (podman's
	# containers.conf setting, which berth reads): the tests of networks ask for them.
	export CONTAINERS_CONF=$BATS_FILE_TMPDIR/containers.conf
	printf '[containers]\nnetns = "none"\n' >"$CONTAINERS_CONF"
	host_network_snapshot
}

teardown_file() {
	host_network_restore
}

# What the CNI plugins change on the host and never undo themselves (docker and podman leave
# them too): the firewall and portmap plugins' base chains (CNI-FORWARD, CNI-HOSTPORT-DNAT, ...)
# with their jumps from the built-in chains, and the bridge plugin's net.ipv4.ip_forward=1. A
# file that made them takes them back in teardown_file; what was there before stays.
host_network_snapshot() {
	sysctl -n net.ipv4.ip_forward >"$BATS_FILE_TMPDIR/ip_forward" 2>/dev/null || true
	if command -v iptables-save >/dev/null && iptables-save 2>/dev/null | grep -q -- ' CNI-'; then
		touch "$BATS_FILE_TMPDIR/cni-chains-existed"
	fi
}

host_network_restore() {
	local forward table rule chain
	forward=$(cat "$BATS_FILE_TMPDIR/ip_forward" 2>/dev/null) || forward=
	[ -z "$forward" ] || sysctl -qw "net.ipv4.ip_forward=$forward" 2>/dev/null || true
	[ -e "$BATS_FILE_TMPDIR/cni-chains-existed" ] && return 0
	command -v iptables >/dev/null || return 0
	for table in filter nat; do
		# the jumps into CNI- chains from the built-in ones, then the chains themselves
		iptables -t "$table" -S 2>/dev/null | grep -E '^-A (INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) .*-j CNI-' |
			while read -r rule; do
				eval "iptables -t $table -D ${rule#-A }" 2>/dev/null || true
			done
		for chain in $(iptables -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^CNI-/ { print $2 }'); do
			iptables -t "$table" -F "$chain" 2>/dev/null || true
		done
		for chain in $(iptables -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^CNI-/ { print $2 }'); do
			iptables -t "$table" -X "$chain" 2>/dev/null || true
		done
	done
}

setup() {
	[ -x "$BERTH" ] || { echo "berth not found: $BERTH" >&2; return 1; }
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/root" "$T/run"
	berth import --change 'CMD ["sh"]' --change 'ENV FROM_IMAGE=yes' "$ROOTFS_TAR" "$IMAGE" >/dev/null
}

# berth ARGS...: the berth under test with this test's store.
berth() {
	"$BERTH" --root "$T/root" --runroot "$T/run" "$@"
}

mounts_under() {
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo
}

# processes whose command line names this test's directory (monitors, containers' runtimes).
processes_under() {
	local f p
	for f in /proc/[0-9]*/cmdline; do
		p=${f#/proc/}
		p=${p%/cmdline}
		[ "$p" = "$BASHPID" ] && continue
		if { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -qF -- "$T/"; then
			echo "$p:$({ tr '\0' ' ' <"$f"; } 2>/dev/null)"
		fi
	done
}

# cgroups of this test's containers (named berth-<id>) still on the host, at any depth a
# hierarchy nests them (memory here: /sys/fs/cgroup/memory/process_api/X/berth-ID).
container_cgroups() {
	local id
	for id in $(ls "$T/root/containers" 2>/dev/null) $(cat "$T/ids" 2>/dev/null); do
		find /sys/fs/cgroup -maxdepth 6 -type d -name "*$id*" 2>/dev/null
	done
}

teardown() {
	[ -n "${T:-}" ] || return 0
	local id leftover=0 i
	berth ps -aq --no-trunc >"$T/ids" 2>/dev/null || true
	for id in $(cat "$T/ids"); do
		berth rm -f "$id" >/dev/null 2>&1 || true
	done
	for i in $(seq 50); do
		[ -z "$(processes_under "$T")" ] && break
		sleep 0.1
	done
	if [ -n "$(processes_under "$T")" ]; then
		echo "teardown: processes left behind:" >&2
		processes_under "$T" >&2
		for i in $(processes_under "$T" | cut -d: -f1); do kill -KILL "$i" 2>/dev/null || true; done
		leftover=1
	fi
	if [ -n "$(mounts_under "$T")" ]; then
		echo "teardown: mounts left behind:" >&2
		mounts_under "$T" >&2
		mounts_under "$T" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
		leftover=1
	fi
	if [ -n "$(container_cgroups)" ]; then
		echo "teardown: cgroups left behind:" >&2
		container_cgroups >&2
		leftover=1
	fi
	# (seccomp@cache is the runtime's cache of compiled filters, not a container's state.)
	if [ -n "$(ls "$T/run/runtime" 2>/dev/null | grep -vx 'seccomp@cache')" ]; then
		echo "teardown: runtime state left behind: $(ls "$T/run/runtime")" >&2
		leftover=1
	fi
	return "$leftover"
}

# wait_for CMD...: retries CMD for up to 5 s.
wait_for() {
	local i
	for i in $(seq 50); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}
