#!/usr/bin/env bats
# Regression tests for the container breakouts runc users know by their CVE numbers. Each
# fails without the defence it names.

load helpers

@test "CVE-2019-5736: runtime processes a container can see run a sealed copy, not the host binary" {
	skip_if_runc "runc 1.1 re-execs from its own memfd copy too, named differently"
	make_bundle sleep 1000
	ctr_create "$CID"
	pid=$(state_of "$CID" pid)
	# Until start, the container's pid 1 is the runtime's own code.
	exe=$(readlink "/proc/$pid/exe")
	[[ "$exe" == /memfd:berth-runtime* ]]
	before=$(sha256sum <"$RUNTIME")
	# Writing through the link reaches only the sealed copy, which refuses.
	run ! sh -c "printf x >>/proc/$pid/exe"
	[ "$(sha256sum <"$RUNTIME")" = "$before" ]
	rt start "$CID"
}

@test "CVE-2019-5736: a #!/proc/self/exe script run by exec does not reach the runtime's binary" {
	skip_if_runc "runc runs its memfd copy there"
	make_bundle sleep 1000
	printf '#!/proc/self/exe --version\n' >"$BUNDLE/rootfs/bin/evil"
	chmod 755 "$BUNDLE/rootfs/bin/evil"
	ctr_create "$CID"
	rt start "$CID"
	before=$(sha256sum <"$RUNTIME")
	# Without the defence the interpreter would be the host's berth-runtime, which would
	# print its version; the sealed copy cannot be exec'd as an interpreter at all.
	run rt exec "$CID" /bin/evil
	[[ "$output" != *"berth-runtime version"* ]]
	[ "$(sha256sum <"$RUNTIME")" = "$before" ]
}

@test "CVE-2024-21626: a cwd through a leaked fd is refused" {
	make_bundle pwd
	for fd in 3 4 5 6 7 8 9; do
		cfg --arg cwd "/proc/self/fd/$fd" '.process.cwd = $cwd'
		run ctr_run
		# Either the path does not exist in the container or it is refused; never a host dir.
		[ "$status" -ne 0 ] || [[ "$output" == /* && "$output" != *"(unreachable)"* ]]
	done
}

@test "CVE-2021-30465: a symlink in the rootfs cannot send a mount to the host" {
	target=$BATS_TEST_TMPDIR/host-target
	mkdir -p "$target"
	make_bundle sh -c 'grep -c " /evil-dir\| /escape " /proc/self/mountinfo || true'
	# An absolute symlink to a host path, and a relative one climbing out.
	ln -s "$target" "$BUNDLE/rootfs/evil-dir"
	ln -s ../../../../../../../.. "$BUNDLE/rootfs/escape"
	cfg --arg d /evil-dir '.mounts += [{"destination": $d, "type": "tmpfs", "source": "tmpfs"}]'
	cfg '.mounts += [{"destination": "/escape/tmp/berth-escape-check", "type": "tmpfs", "source": "tmpfs"}]'
	run ctr_run
	# Whatever the runtime did, nothing was mounted on the host side.
	! grep -q " $target " /proc/self/mountinfo
	! grep -q " /tmp/berth-escape-check " /proc/self/mountinfo
	[ ! -e /tmp/berth-escape-check ]
	# The symlink's target was created inside the rootfs instead.
	[ -d "$BUNDLE/rootfs$target" ] || [ "$status" -ne 0 ]
}

@test "masked /proc paths cannot be unmasked from inside the container" {
	make_bundle sh -c 'umount /proc/timer_list 2>/dev/null && echo unmounted; mount -o remount,rw /proc/sys 2>/dev/null && echo remounted; wc -c </proc/timer_list; { echo 1 >/proc/sys/kernel/domainname; } 2>/dev/null && echo wrote; true'
	run -0 ctr_run
	echo "container said: $output" >&2
	[ "$output" = 0 ]
}
