#!/bin/bash
# cgroup2-ns.sh CMD [ARGS...]: run CMD where /sys/fs/cgroup is a plain cgroup2, on a cgroup-v1 (hybrid) host.
#
# What this kernel (6.18, cgroups v1 hybrid) allows, found by experiment:
# - /sys/fs/cgroup is a tmpfs holding the v1 hierarchies (cpu, cpuacct, cpuset, memory, devices, freezer,
#   blkio, pids, name=systemd) and, at /sys/fs/cgroup/unified, the cgroup2 hierarchy.
# - There is one cgroup2 hierarchy per kernel: `mount -t cgroup2` anywhere gives that same hierarchy again
#   (same superblock, same directories), not a fresh one. Anything created in it is visible on the host.
# - Its root's cgroup.controllers is just "hugetlb" (/proc/cgroups: net_cls, net_prio, perf_event and
#   hugetlb have hierarchy 0, and of those only hugetlb is a v2 controller). Writing "+memory" or "+pids"
#   to cgroup.subtree_control fails with ENOENT: a controller bound to a v1 hierarchy cannot appear in
#   cgroup2 until that v1 hierarchy is unmounted, and unmounting the host's hierarchies is not an option.
#   So cgroup2 here is good for placement (create, join, populated/kill, remove), not for resource limits.
# - The VM's root lacks CAP_SYS_RESOURCE (CapEff 0x1fffeffffff) and RLIMIT_MEMLOCK is 8 MiB hard, so
#   `crun` with its default cgroupfs manager creates the cgroup, then fails ("setrlimit (RLIM_MEMLOCK):
#   Operation not permitted") and leaks it; `crun --cgroup-manager=disabled` works.
# - crun refuses the hybrid layout outright; it only needs statfs(/sys/fs/cgroup) to say cgroup2.
#
# What this script does, so that it leaves no trace:
# 1. makes a scratch cgroup SCRATCH=<cgroup2 mount><own v2 path>/cgroup2-ns.<pid>,
# 2. moves a subshell into it, which then unshares a private mount namespace and a cgroup namespace
#    (rooted at SCRATCH) and mounts cgroup2 over /sys/fs/cgroup. Inside, /sys/fs/cgroup is SCRATCH,
#    /proc/self/cgroup says "0::/" and every cgroup the command creates lives under SCRATCH on the host.
#    Over-mounting hides the v1 hierarchies (the cgroup namespace also shows their paths as "/").
#    SCRATCH has no controllers (the host's root subtree_control is left alone), so the command may
#    create child cgroups beside its own processes (no-internal-process rule needs enabled controllers).
# 3. when the command exits (or this script is signalled): the mount namespace dies with it; any process
#    still in SCRATCH (a leaked container) is killed with cgroup.kill, then SCRATCH and anything under it
#    is removed. Leftovers are reported on stderr as "cgroup2-ns: leaked ..." — the command is expected
#    to have cleaned up itself (tests check that), this is only the safety net.
# Exit status: the command's; 125 if the namespace cannot be set up (the reason goes to stderr).
# `cgroup2-ns.sh --check` sets up the namespace and runs nothing: use it to skip tests with a reason.
set -uo pipefail

die() { echo "cgroup2-ns: $*" >&2; exit 125; }

[ $# -gt 0 ] || die "usage: cgroup2-ns.sh CMD [ARGS...] | --check"
[ "$(id -u)" = 0 ] || die "needs root"
command -v unshare >/dev/null || die "no unshare (util-linux)"

# The cgroup2 mount point and our own place in the v2 hierarchy.
mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
[ -n "$mnt" ] || die "no cgroup2 mounted (looked in /proc/self/mounts)"
own=$(sed -n 's/^0:://p' /proc/self/cgroup)
[ -n "$own" ] || die "no v2 entry (0::) in /proc/self/cgroup"
[ -d "$mnt$own" ] || die "own cgroup $mnt$own not visible (are we in a cgroup namespace already?)"
[ -w "$mnt$own/cgroup.procs" ] || die "cannot write $mnt$own/cgroup.procs"

scratch=$mnt${own%/}/cgroup2-ns.$$
mkdir "$scratch" || die "cannot create $scratch"

cleanup() {
	[ -d "$scratch" ] || return 0
	local pids leaked
	pids=$(find "$scratch" -name cgroup.procs -exec cat {} + 2>/dev/null | tr '\n' ' ')
	if [ -n "${pids// /}" ]; then
		[ -n "${quiet_procs:-}" ] || echo "cgroup2-ns: leaked processes, killing: $pids" >&2
		if [ -e "$scratch/cgroup.kill" ]; then
			echo 1 >"$scratch/cgroup.kill"
		else
			# Pre-5.14 kernels: kill what we see, repeat until the tree is empty.
			kill -9 $pids 2>/dev/null
		fi
		for _ in $(seq 100); do
			grep -q '^populated 0' "$scratch/cgroup.events" && break
			# shellcheck disable=SC2046 # one pid per word
			[ -e "$scratch/cgroup.kill" ] || kill -9 $(find "$scratch" -name cgroup.procs -exec cat {} + 2>/dev/null) 2>/dev/null
			sleep 0.02
		done
	fi
	leaked=$(cd "$scratch" && find . -mindepth 1 -type d | sed 's|^\.||' | tr '\n' ' ')
	[ -z "$leaked" ] || echo "cgroup2-ns: leaked cgroups, removing: $leaked" >&2
	find "$scratch" -depth -type d -exec rmdir {} + 2>/dev/null
	[ ! -d "$scratch" ] || echo "cgroup2-ns: could not remove $scratch" >&2
}
trap 'quiet_procs=1; cleanup; exit 130' INT
trap 'quiet_procs=1; cleanup; exit 143' TERM
trap cleanup EXIT

check=
[ "$1" = --check ] && { check=1; set -- true; }

# The subshell joins the scratch cgroup *before* unsharing, so that it becomes the namespace's root.
# The inner shell checks the mount itself so that "could not set up" (125) differs from CMD failing.
(
	echo "$BASHPID" >"$scratch/cgroup.procs" || exit 125
	exec unshare --mount --propagation private --cgroup -- bash -c '
		mount -t cgroup2 cgroup2 /sys/fs/cgroup || { echo "cgroup2-ns: mount cgroup2 failed" >&2; exit 125; }
		[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || { echo "cgroup2-ns: /sys/fs/cgroup is not cgroup2" >&2; exit 125; }
		exec "$@"' cgroup2-ns "$@"
) <&0 &
child=$!
# `wait` returns early when a trapped signal arrives; the trap then cleans up (killing the command).
wait "$child"
status=$?
[ -z "$check" ] || [ "$status" = 0 ] || die "could not set up the cgroup2 namespace (status $status)"
exit "$status"
