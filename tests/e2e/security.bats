#!/usr/bin/env bats
# Regression tests for the container breakouts runc users know by their CVE numbers. Each
# fails without the defence it names.

load helpers

@test "CVE-2019-5736: the runtime's processes cannot be opened through /proc by a container" {
	# Two containers in the host's pid namespace: the first one is created, so its pid 1 is
	# still the runtime's own code; the second, as any default container (no
	# CAP_SYS_PTRACE), must not reach that process's exe.
	skip_if_runc "runc's init is its own sealed copy, readable but harmless"
	make_bundle sleep 1000
	cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
	ctr_create "$CID"
	pid=$(state_of "$CID" pid)
	id2=$(new_id)
	make_bundle_at "$BATS_TEST_TMPDIR/b2" sh -c "readlink /proc/$pid/exe || echo denied"
	jq 'del(.linux.namespaces[] | select(.type == "pid")) | .process.terminal = false' \
		"$BATS_TEST_TMPDIR/b2/config.json" >"$BATS_TEST_TMPDIR/b2/c" &&
		mv "$BATS_TEST_TMPDIR/b2/c" "$BATS_TEST_TMPDIR/b2/config.json"
	run rt run --bundle "$BATS_TEST_TMPDIR/b2" "$id2" </dev/null
	[[ "$output" == *denied* ]]
	[[ "$output" != *berth-runtime* ]]
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
