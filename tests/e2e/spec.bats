#!/usr/bin/env bats
# `spec`: the default config.json.

load helpers

@test "spec writes a valid config.json in the current directory" {
	mkdir "$BUNDLE"
	cd "$BUNDLE"
	run -0 rt spec
	[ -s config.json ]
	jq -e 'type == "object"' config.json >/dev/null
	[ "$(jq -r .ociVersion config.json)" != null ]
	[ "$(jq -r '.root.path' config.json)" = rootfs ]
	[ "$(jq -r '.process.args | length' config.json)" -ge 1 ]
	[ "$(jq -r '.process.cwd' config.json)" = / ]
	jq -e '.linux.namespaces | map(.type) | index("mount") != null' config.json >/dev/null
	jq -e '.mounts | map(.destination) | index("/proc") != null' config.json >/dev/null
	# What the runtime-spec schema requires.
	jq -e 'has("ociVersion") and (.root | has("path")) and (.process | has("user") and has("cwd"))' config.json >/dev/null
}

@test "spec refuses to overwrite an existing config.json" {
	mkdir "$BUNDLE"
	cd "$BUNDLE"
	echo '{"mine": true}' >config.json
	run ! --separate-stderr rt spec
	[[ $stderr == *config.json* ]]
	[ "$(cat config.json)" = '{"mine": true}' ]
}

@test "spec --bundle DIR writes DIR/config.json" {
	mkdir -p "$BATS_TEST_TMPDIR/elsewhere" "$BUNDLE"
	cd "$BATS_TEST_TMPDIR/elsewhere"
	run -0 rt spec --bundle "$BUNDLE"
	[ -s "$BUNDLE/config.json" ]
	[ ! -e config.json ]
	jq -e 'type == "object"' "$BUNDLE/config.json" >/dev/null
}

@test "spec --bundle with a directory that does not exist fails" {
	run ! rt spec --bundle "$BATS_TEST_TMPDIR/no-such-dir"
	[ ! -e "$BATS_TEST_TMPDIR/no-such-dir/config.json" ]
}

@test "spec --rootless has a user namespace and id mappings" {
	mkdir "$BUNDLE"
	run -0 rt spec --rootless --bundle "$BUNDLE"
	c=$BUNDLE/config.json
	jq -e '.linux.namespaces | map(.type) | index("user") != null' "$c" >/dev/null
	jq -e '.linux.namespaces | map(.type) | index("network") == null' "$c" >/dev/null
	[ "$(jq '.linux.uidMappings | length' "$c")" -ge 1 ]
	[ "$(jq '.linux.gidMappings | length' "$c")" -ge 1 ]
	[ "$(jq '.linux.uidMappings[0].containerID' "$c")" = 0 ]
	[ "$(jq '.linux.uidMappings[0].hostID' "$c")" = "$(id -u)" ]
	[ "$(jq '.linux.gidMappings[0].hostID' "$c")" = "$(id -g)" ]
	[ "$(jq '.linux.uidMappings[0].size' "$c")" -ge 1 ]
}

@test "the default spec runs: a bundle made from it works" {
	make_bundle sh -c 'echo works'
	run -0 ctr_run
	[ "$output" = works ]
}

@test "the default spec keeps the container confined" {
	make_bundle sh -c 'touch /x 2>/dev/null && echo rootfs-writable; grep -E "^(CapEff|NoNewPrivs):" /proc/self/status | tr -d "\t"'
	run -0 ctr_run
	! printf '%s\n' "${lines[@]}" | grep -q rootfs-writable
	printf '%s\n' "${lines[@]}" | grep -qx NoNewPrivs:1
	eff=$(printf '%s\n' "${lines[@]}" | sed -n 's/^CapEff://p')
	# No CAP_SYS_ADMIN (bit 21) by default.
	[ $((0x$eff & (1 << 21))) -eq 0 ]
}
