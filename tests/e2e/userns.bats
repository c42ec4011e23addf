#!/usr/bin/env bats
# User namespaces: id maps written by the runtime, and rootless operation from an
# unprivileged user (config-linux.md "User namespace mappings").

load helpers

# The mapped root (and nobody) must be able to reach the bundle: open the way through bats's
# private temp directories (they are this test run's own).
open_test_dirs() {
	local d=$BATS_TEST_TMPDIR
	while [ "$d" != / ] && [ "$d" != /tmp ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
}

# A bundle whose rootfs belongs to the mapped range, as an image unpacked for it would.
userns_bundle() {
	open_test_dirs
	make_bundle "$@"
	chown -R 100000:100000 "$BUNDLE/rootfs"
	cfg '.linux.namespaces += [{"type": "user"}]
	     | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
	     | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
	     | .root.readonly = false'
}

@test "a user namespace: root inside is the mapped uid outside" {
	userns_bundle sh -c 'id -u; id -g; cat /proc/self/uid_map; touch /root/file && stat -c %u /root/file; sleep 1000'
	ctr_create "$CID"
	rt start "$CID"
	pid=$(state_of "$CID" pid)
	wait_file "$BATS_TEST_TMPDIR/$CID.out"
	sleep 0.2
	run cat "$BATS_TEST_TMPDIR/$CID.out"
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
	[ "$(echo ${lines[2]})" = "0 100000 65536" ]
	[ "${lines[3]}" = 0 ]
	# From the host the process and the file belong to 100000.
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = 100000 ]
	[ "$(stat -c %u "$BUNDLE/rootfs/root/file")" = 100000 ]
	[ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ]
}

@test "in a user namespace the default devices work (bound from the host)" {
	userns_bundle sh -c 'echo x >/dev/null && head -c 4 /dev/zero | wc -c'
	run -0 ctr_run
	[ "$output" = 4 ]
}

@test "exec joins the user namespace too" {
	userns_bundle sleep 1000
	ctr_create "$CID"
	rt start "$CID"
	pid=$(state_of "$CID" pid)
	run -0 rt exec "$CID" sh -c 'readlink /proc/self/ns/user; id -u'
	[ "${lines[0]}" = "$(readlink "/proc/$pid/ns/user")" ]
	[ "${lines[1]}" = 0 ]
}

@test "a new user namespace without id maps is refused with one line" {
	make_bundle true
	cfg '.linux.namespaces += [{"type": "user"}] | del(.linux.uidMappings, .linux.gidMappings)'
	run --separate-stderr ! ctr_run
	one_line_error
	[ -z "$(rt list -q)" ]
}

@test "rootless: an unprivileged user runs the spec --rootless config" {
	command -v setpriv >/dev/null || skip "no setpriv (util-linux)"
	[ "$(cat /proc/sys/user/max_user_namespaces)" -gt 0 ] || skip "user namespaces are disabled"
	make_bundle true
	dir=$BATS_TEST_TMPDIR/rootless
	mkdir -p "$dir"
	mv "$BUNDLE/rootfs" "$dir/rootfs"
	chown -R 65534:65534 "$dir"
	open_test_dirs
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env -u XDG_RUNTIME_DIR "$@"; }
	(cd "$dir" && as_nobody "$RUNTIME" spec --rootless)
	jq '.process.terminal = false | .process.args = ["sh", "-c", "id -u; cat /proc/self/uid_map"]' \
		"$dir/config.json" >"$dir/c" && mv "$dir/c" "$dir/config.json" && chown 65534 "$dir/config.json"
	run -0 as_nobody "$RUNTIME" --root "$dir/state" run --bundle "$dir" "$CID" </dev/null
	[ "${lines[0]}" = 0 ]
	[ "$(echo ${lines[1]})" = "0 65534 1" ]
	# Nothing left: no state, no cgroup (a rootless runtime cannot make one here).
	[ -z "$(as_nobody "$RUNTIME" --root "$dir/state" list -q)" ]
}

@test "idmapped bind mount: files show through the mount's mapping" {
	skip_if_runc "runc 1.1 has no idmapped mounts"
	open_test_dirs
	make_bundle sh -c 'stat -c "%u %g" /data/file /plain/file'
	mkdir -p "$BATS_TEST_TMPDIR/src"
	echo hi >"$BATS_TEST_TMPDIR/src/file"
	chown 0:0 "$BATS_TEST_TMPDIR/src/file"
	cfg --arg src "$BATS_TEST_TMPDIR/src" '.mounts += [
	  {destination: "/data", type: "bind", source: $src, options: ["bind", "idmap"],
	   uidMappings: [{containerID: 0, hostID: 1000, size: 1}],
	   gidMappings: [{containerID: 0, hostID: 2000, size: 1}]},
	  {destination: "/plain", type: "bind", source: $src, options: ["bind"]}]'
	run -0 ctr_run
	[ "${lines[0]}" = "1000 2000" ]
	[ "${lines[1]}" = "0 0" ]
	# The host's view of the file is unchanged.
	[ "$(stat -c '%u %g' "$BATS_TEST_TMPDIR/src/file")" = "0 0" ]
}

@test "an idmapped mount that is not a bind mount is refused with one line" {
	skip_if_runc "runc 1.1 has no idmapped mounts"
	make_bundle true
	cfg '.mounts += [{destination: "/data", type: "tmpfs", source: "tmpfs", options: ["idmap"],
	   uidMappings: [{containerID: 0, hostID: 1000, size: 1}],
	   gidMappings: [{containerID: 0, hostID: 1000, size: 1}]}]'
	run --separate-stderr ! ctr_run
	one_line_error
	[[ "$stderr" == *"/data"* ]]
	[ -z "$(rt list -q)" ]
}
