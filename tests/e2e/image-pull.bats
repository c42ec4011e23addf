#!/usr/bin/env bats
# berth pull and berth image mount/umount, against a local docker-registry seeded with the images
# of tests/lib/make-test-images.sh; umoci's unpacking of the same image is the reference tree.

load image_helpers

setup_file() {
	image_setup_file
	image_reference_tree
}

# multi_layer_dirs: how many unpacked layer directories of "multi" the store holds (one per chain
# id, layer_store.h); each must exist.
multi_layer_count() {
	local c n=0
	for c in $(chain_ids $(fact '."multi-gzip".diff_ids[]')); do
		[ -d "$T/root/layers/$(hex "$c")" ] && n=$((n + 1))
	done
	echo "$n"
}

@test "oracle: the registry serves the test images as they were built" {
	# What the other tests take for granted: skopeo reads back the digests make-test-images.sh wrote.
	local t
	for t in gzip zstd none; do
		run skopeo inspect --tls-verify=false "docker://$REGISTRY/berth-test/multi:$t"
		[ "$status" -eq 0 ]
		[ "$(jq -r .Digest <<<"$output")" = "$(fact ".\"multi-$t\".manifest")" ]
		[ "$(jq -r '.Layers | length' <<<"$output")" = 4 ]
	done
	run skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/berth-test/multiarch:latest"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.manifests | length' <<<"$output")" = 2 ]
	[ "$(fact '.schema2.mediaType')" = application/vnd.docker.distribution.manifest.v2+json ]
	# umoci applied the whiteouts of the reference image.
	run ! grep -q '^data/gone-dir' "$REF_MULTI"
	run ! grep -q '^data/opaque/old1' "$REF_MULTI"
	run ! grep -q '^bin/vi	' "$REF_MULTI"
	grep -q '^data/remove-me.txt	file	0644	0:0	41c69d91' "$REF_MULTI"
	grep -q '^data/opaque/new1	' "$REF_MULTI"
	grep -q '^data/cap-bin	.*security.capability=' "$REF_MULTI"
}

@test "pull by tag prints the image ID (the config's digest) last and unpacks every layer" {
	pull_ok "$REGISTRY/berth-test/multi:gzip"
	[ "$ID" = "$(hex "$(fact '."multi-gzip".config')")" ]
	[ "$(multi_layer_count)" = 4 ]
	[ -z "$(store_leftovers)" ]
	run --separate-stderr berth image inspect "$REGISTRY/berth-test/multi:gzip"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].Id' <<<"$output")" = "$ID" ]
	[ "$(jq -r '.[0].Digest' <<<"$output")" = "$(fact '."multi-gzip".manifest')" ]
	jq -e --arg r "$REGISTRY/berth-test/multi:gzip" '.[0].RepoTags | index($r) != null' <<<"$output"
}

@test "pull -q prints the image ID only" {
	run --separate-stderr berth pull -q --tls-verify=false "$REGISTRY/berth-test/plain:latest"
	[ "$status" -eq 0 ]
	[ "$output" = "$(hex "$(fact .plain.config)")" ]
}

@test "pull by digest" {
	local digest
	digest=$(fact '."multi-gzip".manifest')
	pull_ok "$REGISTRY/berth-test/multi@$digest"
	[ "$ID" = "$(hex "$(fact '."multi-gzip".config')")" ]
	run --separate-stderr berth image inspect "$ID"
	[ "$status" -eq 0 ]
	jq -e --arg r "$REGISTRY/berth-test/multi@$digest" '.[0].RepoDigests | index($r) != null' <<<"$output"
}

@test "pull by a digest the registry does not have fails with 125" {
	run --separate-stderr berth pull --tls-verify=false \
		"$REGISTRY/berth-test/multi@sha256:$(printf '%064d' 0)"
	expect_error 125 'not found|unknown|manifest'
	run --separate-stderr berth images -q
	[ -z "$output" ]
}

@test "docker.io short names go where registries.conf says (insecure there: no --tls-verify flag)" {
	write_registries_conf
	# The oracle reads the same file the same way (skopeo does not read CONTAINERS_REGISTRIES_CONF).
	run --separate-stderr pm pull -q busybox
	[ "$status" -eq 0 ]
	[ "$(last_line)" = "$(hex "$(fact .plain.config)")" ]

	run --separate-stderr berth pull busybox
	[ "$status" -eq 0 ]
	[ "$(last_line)" = "$(hex "$(fact .plain.config)")" ]
	run --separate-stderr berth pull library/busybox:latest
	[ "$status" -eq 0 ]
	[ "$(last_line)" = "$(hex "$(fact .plain.config)")" ]
	run --separate-stderr berth image inspect docker.io/library/busybox:latest
	[ "$status" -eq 0 ]
	jq -e '.[0].RepoTags | index("docker.io/library/busybox:latest") != null' <<<"$output"
	run --separate-stderr berth images --format json
	[ "$status" -eq 0 ]
	[ "$(jq 'length' <<<"$output")" = 1 ]
}

@test "a missing image: exit 125 and a message naming it" {
	run --separate-stderr berth pull --tls-verify=false "$REGISTRY/berth-test/no-such-image:latest"
	expect_error 125 'no-such-image'
	run --separate-stderr berth pull --tls-verify=false "$REGISTRY/berth-test/multi:no-such-tag"
	expect_error 125 'no-such-tag'
	run --separate-stderr berth images -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$(store_leftovers)" ]
}

@test "an unreachable registry: exit 125" {
	local port
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	run --separate-stderr berth pull --tls-verify=false "127.0.0.1:$port/berth-test/multi:gzip"
	expect_error 125 "127.0.0.1:$port"
}

@test "pull from an index: the host's platform by default, --platform picks another" {
	local arch
	case $(uname -m) in
	x86_64) arch=amd64 ;;
	aarch64) arch=arm64 ;;
	*) skip "the test index has amd64 and arm64 only" ;;
	esac
	pull_ok "$REGISTRY/berth-test/multiarch:latest"
	[ "$ID" = "$(hex "$(fact ".multiarch.platforms.\"linux/$arch\".config")")" ]

	pull_ok "$REGISTRY/berth-test/multiarch:latest" --platform linux/arm64
	[ "$ID" = "$(hex "$(fact '.multiarch.platforms."linux/arm64".config')")" ]
	run --separate-stderr berth image inspect "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].Architecture' <<<"$output")" = arm64 ]
	[ "$(jq -r '.[0].Os' <<<"$output")" = linux ]

	pull_ok "$REGISTRY/berth-test/multiarch:latest" --platform linux/amd64
	[ "$ID" = "$(hex "$(fact '.multiarch.platforms."linux/amd64".config')")" ]

	run --separate-stderr berth pull --tls-verify=false --platform linux/s390x \
		"$REGISTRY/berth-test/multiarch:latest"
	expect_error 125 's390x'
}

@test "the arm64 image of the index mounts with its own content" {
	pull_ok "$REGISTRY/berth-test/multiarch:latest" --platform linux/arm64/v8
	[ "$ID" = "$(hex "$(fact '.multiarch.platforms."linux/arm64".config')")" ]
	run --separate-stderr berth image mount "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "$output/platform")" = arm64 ]
	[ ! -e "$output/bin/busybox" ]
	run --separate-stderr berth image umount "$ID"
	[ "$status" -eq 0 ]
}

# mount_matches_reference REF: pull REF into a fresh store, mount it, compare with umoci's tree,
# check the whiteouts by name, unmount.
mount_matches_reference() {
	pull_ok "$1"
	[ "$ID" = "$(hex "$(fact '."multi-gzip".config')")" ]
	run --separate-stderr berth image mount "$1"
	[ "$status" -eq 0 ]
	local mnt
	mnt=$(last_line)
	[ -d "$mnt" ]
	[ -n "$(mounts_under "$mnt")" ]
	same_tree "$mnt" "$REF_MULTI"
	# Named, so that a failure says what is wrong even if umoci changed.
	[ "$(cat "$mnt/data/remove-me.txt")" = "reborn in layer 4" ]
	[ ! -e "$mnt/data/gone-dir" ]
	[ ! -e "$mnt/data/opaque/old1" ]
	[ ! -e "$mnt/data/opaque/sub" ]
	[ -f "$mnt/data/opaque/new1" ]
	[ ! -e "$mnt/bin/vi" ]
	[ ! -L "$mnt/bin/vi" ]
	[ -f "$mnt/data/replaced-by-file" ]
	[ ! -L "$mnt/data/replaced-by-file" ]
	[ -f "$mnt/data/dir-to-file" ]
	[ "$(stat -c %a "$mnt/data/suid")" = 4755 ]
	[ "$(readlink "$mnt/data/link")" = keep/a.txt ]
	[ "$(stat -c %i "$mnt/data/hard")" = "$(stat -c %i "$mnt/data/keep/a.txt")" ]
	[ "$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.berth.test").decode())' "$mnt/data/xattr.txt")" = hello ]
	# No whiteout device and no overlay marker shows through.
	[ -z "$(find "$mnt" -xdev \( -type c -o -name '.wh.*' \) -print -quit)" ]

	run --separate-stderr berth image umount "$1"
	[ "$status" -eq 0 ]
	[ -z "$(mounts_under "$mnt")" ]
}

@test "gzip layers: the mounted rootfs is umoci's tree (whiteouts, opaque dirs, modes, owners, xattrs)" {
	mount_matches_reference "$REGISTRY/berth-test/multi:gzip"
}

@test "zstd layers: the mounted rootfs is umoci's tree" {
	mount_matches_reference "$REGISTRY/berth-test/multi:zstd"
}

@test "uncompressed layers: the mounted rootfs is umoci's tree" {
	run skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/berth-test/multi:none"
	jq -e '[.layers[].mediaType] | all(. == "application/vnd.oci.image.layer.v1.tar")' <<<"$output"
	mount_matches_reference "$REGISTRY/berth-test/multi:none"
}

@test "a Docker schema 2 manifest: pulled, same image, umoci's tree" {
	run skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/berth-test/schema2:latest"
	jq -e '.mediaType == "application/vnd.docker.distribution.manifest.v2+json"' <<<"$output"
	mount_matches_reference "$REGISTRY/berth-test/schema2:latest"
	run --separate-stderr berth image inspect "$REGISTRY/berth-test/schema2:latest"
	[ "$(jq -r '.[0].Digest' <<<"$output")" = "$(fact .schema2.manifest)" ]
}

@test "image mount twice gives the same path; umount of an image not mounted is not an error" {
	pull_ok "$REGISTRY/berth-test/plain:latest"
	run --separate-stderr berth image mount "$ID"
	[ "$status" -eq 0 ]
	local first=$output
	case $first in "$T/run"/*) ;; *) echo "mounted outside --runroot: $first" >&2; false ;; esac
	run --separate-stderr berth image mount "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "$first" ]
	[ "$(mounts_under "$first" | wc -l)" = 1 ]
	[ -x "$first/bin/busybox" ]
	run --separate-stderr berth image umount "$ID"
	[ "$status" -eq 0 ]
	[ -z "$(mounts_under "$T")" ]
	run --separate-stderr berth image umount "$ID"
	[ "$status" -eq 0 ]
	run --separate-stderr berth image mount "$REGISTRY/berth-test/not-pulled:latest"
	expect_error 125 'not-pulled'
}

@test "pulling an image again transfers no layer" {
	pull_ok "$REGISTRY/berth-test/multi:gzip"
	local first=$ID before after d
	before=0
	for d in $(fact '."multi-gzip".layers[]'); do
		before=$((before + $(grep -c "\"GET /v2/berth-test/multi/blobs/$d " "$IMAGE_REGISTRY_LOG" || true)))
	done
	[ "$before" -ge 4 ] # the oracle: the log does show the first pull's layer downloads
	pull_ok "$REGISTRY/berth-test/multi:gzip"
	[ "$ID" = "$first" ]
	after=0
	for d in $(fact '."multi-gzip".layers[]'); do
		after=$((after + $(grep -c "\"GET /v2/berth-test/multi/blobs/$d " "$IMAGE_REGISTRY_LOG" || true)))
	done
	[ "$after" = "$before" ]
}

@test "layers shared by two images are stored and unpacked once (gzip then zstd: same diff_ids)" {
	pull_ok "$REGISTRY/berth-test/multi:gzip"
	local first=$ID
	pull_ok "$REGISTRY/berth-test/multi:zstd"
	[ "$ID" = "$first" ]
	[ "$(multi_layer_count)" = 4 ]
	# Only the four layer directories and their records: nothing unpacked twice.
	[ "$(find "$T/root/layers" -mindepth 1 -maxdepth 1 -type d | wc -l)" = 4 ]
	run --separate-stderr berth image inspect "$ID"
	jq -e --arg a "$REGISTRY/berth-test/multi:gzip" --arg b "$REGISTRY/berth-test/multi:zstd" \
		'.[0].RepoTags | index($a) != null and index($b) != null' <<<"$output"
}

@test "two concurrent pulls of one image both succeed and store it once" {
	local ref=$REGISTRY/berth-test/multi:gzip
	berth pull -q --tls-verify=false "$ref" >"$T/a.out" 2>"$T/a.err" &
	local a=$!
	berth pull -q --tls-verify=false "$ref" >"$T/b.out" 2>"$T/b.err" &
	local b=$!
	local sa=0 sb=0
	wait "$a" || sa=$?
	wait "$b" || sb=$?
	cat "$T/a.err" "$T/b.err" >&2
	[ "$sa" -eq 0 ]
	[ "$sb" -eq 0 ]
	[ "$(tail -n1 "$T/a.out")" = "$(hex "$(fact '."multi-gzip".config')")" ]
	[ "$(tail -n1 "$T/b.out")" = "$(hex "$(fact '."multi-gzip".config')")" ]
	[ "$(multi_layer_count)" = 4 ]
	[ "$(find "$T/root/layers" -mindepth 1 -maxdepth 1 -type d | wc -l)" = 4 ]
	local d
	for d in $(fact '."multi-gzip".layers[]') $(fact '."multi-gzip".config'); do
		[ -f "$T/root/blobs/sha256/$(hex "$d")" ]
	done
	[ -z "$(store_leftovers)" ]
	run --separate-stderr berth images -q --no-trunc
	[ "$(grep -c . <<<"$output")" = 1 ]
}
