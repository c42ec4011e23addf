#!/usr/bin/env bats
# Mirrors and blocked registries of registries.conf (containers-registries.conf(5)): berth pulls
# through a mirror when the registry itself is dead, and refuses a blocked registry without
# asking it anything. The test registry is the mirror; "dead" registries are free ports of
# 127.0.0.1 that nothing listens on.

load image_helpers

MULTI_ID() { hex "$(fact '."multi-gzip".config')"; }
PLAIN_ID() { hex "$(fact .plain.config)"; }

# dead_registry: host:port of 127.0.0.1 where nothing listens (connections are refused at once).
dead_registry() {
	echo "127.0.0.1:$(registry_free_port)"
}

# use_registries_conf: the registries.conf written on stdin is the one berth reads.
use_registries_conf() {
	cat >"$T/registries.conf"
	export CONTAINERS_REGISTRIES_CONF=$T/registries.conf
}

# registry_requests REPO: how many requests for REPO (manifests or blobs) the registry has answered.
registry_requests() {
	grep -c "\"[A-Z]* /v2/$1/\(manifests\|blobs\)/" "$IMAGE_REGISTRY_LOG" || true
}

@test "a mirror serves the pull of a dead registry's image (by tag and by digest)" {
	local dead
	dead=$(dead_registry)
	use_registries_conf <<-EOF
		[[registry]]
		location = "$dead"

		[[registry.mirror]]
		location = "$REGISTRY"
		insecure = true
	EOF
	local before
	before=$(registry_requests berth-test/multi)
	# No --tls-verify: the mirror's own insecure = true lets berth speak plain HTTP to it.
	run --separate-stderr berth pull "$dead/berth-test/multi:gzip"
	[ "$status" -eq 0 ] || { echo "berth pull: $stderr" >&2; false; }
	[ "$(last_line)" = "$(MULTI_ID)" ]
	# The image is stored under the name that was pulled, not the mirror's.
	run --separate-stderr berth image inspect "$dead/berth-test/multi:gzip"
	[ "$status" -eq 0 ]
	jq -e --arg id "$(MULTI_ID)" '.[0].Id == $id' <<<"$output"
	jq -e --arg n "$dead/berth-test/multi:gzip" '.[0].RepoTags == [$n]' <<<"$output"
	# The mirror answered: the manifest and the config and layer blobs.
	[ "$(registry_requests berth-test/multi)" -ge $((before + 6)) ]
	run --separate-stderr berth image mount "$dead/berth-test/multi:gzip"
	[ "$status" -eq 0 ]
	[ -x "$(last_line)/bin/busybox" ]
	berth image umount "$dead/berth-test/multi:gzip"

	run --separate-stderr berth pull "$dead/berth-test/plain@$(fact .plain.manifest)"
	[ "$status" -eq 0 ] || { echo "berth pull by digest: $stderr" >&2; false; }
	[ "$(last_line)" = "$(PLAIN_ID)" ]
}

@test "mirrors: the prefix is replaced by the mirror's location; a dead mirror is passed over" {
	local dead dead_mirror
	dead=$(dead_registry)
	dead_mirror=$(dead_registry)
	use_registries_conf <<-EOF
		[[registry]]
		prefix = "$dead/mirrored"
		location = "$dead/elsewhere"

		[[registry.mirror]]
		location = "$dead_mirror/nothing"
		insecure = true

		[[registry.mirror]]
		location = "$REGISTRY/berth-test"
		insecure = true
	EOF
	run --separate-stderr berth pull "$dead/mirrored/plain:latest"
	[ "$status" -eq 0 ] || { echo "berth pull: $stderr" >&2; false; }
	[ "$(last_line)" = "$(PLAIN_ID)" ]
	run --separate-stderr berth image inspect "$dead/mirrored/plain:latest"
	[ "$status" -eq 0 ]
}

@test "a dead registry whose mirror lacks the image: the pull fails, naming the image" {
	local dead
	dead=$(dead_registry)
	use_registries_conf <<-EOF
		[[registry]]
		location = "$dead"

		[[registry.mirror]]
		location = "$REGISTRY"
		insecure = true
	EOF
	local before
	before=$(registry_requests berth-test/not-mirrored)
	run --separate-stderr berth pull "$dead/berth-test/not-mirrored:latest"
	expect_error 125 "$dead|not-mirrored"
	# The mirror was asked first.
	[ "$(registry_requests berth-test/not-mirrored)" -gt "$before" ]
	run --separate-stderr berth images -q
	[ -z "$output" ]
}

@test "a blocked registry is refused with a message naming it; nothing is asked of it" {
	use_registries_conf <<-EOF
		[[registry]]
		location = "$REGISTRY"
		insecure = true
		blocked = true
	EOF
	local before
	before=$(registry_requests berth-test/plain)
	run --separate-stderr berth pull "$REGISTRY/berth-test/plain:latest"
	expect_error 125 "$REGISTRY.*blocked|blocked.*$REGISTRY"
	[ "$(registry_requests berth-test/plain)" = "$before" ]
	run --separate-stderr berth images -q
	[ -z "$output" ]
	# --tls-verify does not lift the block.
	run --separate-stderr berth pull --tls-verify=false "$REGISTRY/berth-test/plain:latest"
	expect_error 125 blocked
}

@test "blocked applies to its prefix only: the registry's other repositories still pull" {
	use_registries_conf <<-EOF
		[[registry]]
		prefix = "$REGISTRY/berth-test/multi"
		location = "$REGISTRY/berth-test/multi"
		insecure = true
		blocked = true

		[[registry]]
		location = "$REGISTRY"
		insecure = true
	EOF
	run --separate-stderr berth pull "$REGISTRY/berth-test/multi:gzip"
	expect_error 125 "berth-test/multi.*blocked|blocked.*berth-test/multi"
	run --separate-stderr berth pull "$REGISTRY/berth-test/plain:latest"
	[ "$status" -eq 0 ] || { echo "berth pull: $stderr" >&2; false; }
	[ "$(last_line)" = "$(PLAIN_ID)" ]
}
