#!/usr/bin/env bats
# berth images, image inspect, history, tag, rmi, image prune, save, load and import; podman is
# the other side of save and load.

load image_helpers

setup_file() {
	image_setup_file
	image_reference_tree
	export ROOTFS_TAR=$BATS_FILE_TMPDIR/rootfs.tar
	"$LIB/make-image.sh" tar "$ROOTFS_TAR"
}

MULTI_ID() { hex "$(fact '."multi-gzip".config')"; }
PLAIN_ID() { hex "$(fact .plain.config)"; }

# two_images: multi:gzip and plain pulled into the test's store.
two_images() {
	pull_ok "$REGISTRY/berth-test/multi:gzip"
	pull_ok "$REGISTRY/berth-test/plain:latest"
}

# layer_dirs: unpacked layer directories in the store.
layer_dirs() {
	find "$T/root/layers" -mindepth 1 -maxdepth 1 -type d ! -name '.*' 2>/dev/null
}

@test "images: podman's table columns, one row per name, truncated IDs" {
	two_images
	run --separate-stderr berth images
	[ "$status" -eq 0 ]
	local header
	header=$(head -n1 <<<"$output")
	[[ $header =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE ]]
	[ "$(grep -c . <<<"$output")" = 3 ]
	grep -Eq "^$REGISTRY/berth-test/multi +gzip +$(MULTI_ID | cut -c1-12) " <<<"$output"
	grep -Eq "^$REGISTRY/berth-test/plain +latest +$(PLAIN_ID | cut -c1-12) " <<<"$output"
	run --separate-stderr berth images --no-trunc
	grep -q "$(MULTI_ID)" <<<"$output"
}

@test "images -q: one truncated ID per image; --no-trunc gives the whole ID" {
	two_images
	run --separate-stderr berth tag "$(PLAIN_ID)" localhost/another:name
	[ "$status" -eq 0 ]
	run --separate-stderr berth images -q
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | sort)" = "$(printf '%s\n' "$(MULTI_ID | cut -c1-12)" "$(PLAIN_ID | cut -c1-12)" | sort)" ]
	run --separate-stderr berth images -q --no-trunc
	[ "$status" -eq 0 ]
	grep -Eq "^(sha256:)?$(MULTI_ID)$" <<<"$output"
	grep -Eq "^(sha256:)?$(PLAIN_ID)$" <<<"$output"
}

@test "images --format json: an array with the IDs, names and digests" {
	two_images
	run --separate-stderr berth images --format json
	[ "$status" -eq 0 ]
	[ "$(jq length <<<"$output")" = 2 ]
	jq -e --arg id "$(MULTI_ID)" --arg n "$REGISTRY/berth-test/multi:gzip" \
		--arg d "$(fact '."multi-gzip".manifest')" \
		'map(select(.Id == $id))[0] | (.Names | index($n) != null) and .Digest == $d and .Size > 0' <<<"$output"
}

@test "images on an empty store: the header only; --format json: []" {
	run --separate-stderr berth images
	[ "$status" -eq 0 ]
	[ "$(grep -c . <<<"$output")" = 1 ]
	run --separate-stderr berth images --format json
	[ "$status" -eq 0 ]
	[ "$(jq -c . <<<"$output")" = "[]" ]
}

@test "image inspect: the fields podman shows, equal to podman's for the same image" {
	pull_ok "$REGISTRY/berth-test/multi:gzip"
	run --separate-stderr berth image inspect "$REGISTRY/berth-test/multi:gzip"
	[ "$status" -eq 0 ]
	local mine=$output
	jq -e --arg id "$(MULTI_ID)" '.[0].Id == $id' <<<"$mine"
	jq -e '.[0].Architecture == "amd64" and .[0].Os == "linux" and .[0].Size > 0' <<<"$mine"
	jq -e '.[0].Created | startswith("2024-01-02T03:04:05")' <<<"$mine"
	jq -e '.[0].Config.WorkingDir == "/data" and .[0].Config.Labels["org.berth.test"] == "multi"' <<<"$mine"
	jq -e '.[0].RootFS.Type == "layers"' <<<"$mine"
	[ "$(jq -c '.[0].RootFS.Layers' <<<"$mine")" = "$(jq -c '."multi-gzip".diff_ids' "$FACTS")" ]
	[ "$(jq '.[0].History | length' <<<"$mine")" = 5 ]

	run --separate-stderr pm pull -q --tls-verify=false "$REGISTRY/berth-test/multi:gzip"
	[ "$status" -eq 0 ]
	run --separate-stderr pm image inspect "$REGISTRY/berth-test/multi:gzip"
	[ "$status" -eq 0 ]
	local theirs=$output
	local f
	for f in Id Digest RepoTags RepoDigests Architecture Os Config RootFS History; do
		if [ "$(jq -cS ".[0].$f" <<<"$mine")" != "$(jq -cS ".[0].$f" <<<"$theirs")" ]; then
			echo "$f: berth $(jq -cS ".[0].$f" <<<"$mine")" >&2
			echo "$f: podman $(jq -cS ".[0].$f" <<<"$theirs")" >&2
			false
		fi
	done
}

@test "image inspect of a missing image: 125, nothing on stdout but an empty array at most" {
	run --separate-stderr berth image inspect localhost/not-here:latest
	expect_error 125 'not-here'
	[ -z "$output" ] || [ "$(jq -c . <<<"$output")" = "[]" ]
}

@test "history: one row per history entry, newest first, with created_by and comment" {
	pull_ok "$REGISTRY/berth-test/multi:gzip"
	run --separate-stderr berth history "$REGISTRY/berth-test/multi:gzip"
	[ "$status" -eq 0 ]
	[ "$(grep -c . <<<"$output")" = 6 ]
	[[ $(head -n1 <<<"$output") =~ ^ID\ +CREATED\ +CREATED\ BY\ +SIZE\ +COMMENT ]]
	sed -n 2p <<<"$output" | grep -q 'replace files'
	sed -n 2p <<<"$output" | grep -q 'layer 4'
	sed -n 4p <<<"$output" | grep -q 'ENV BERTH=test'
	sed -n 6p <<<"$output" | grep -q 'ADD busybox'
	run --separate-stderr berth image history "$(MULTI_ID)"
	[ "$status" -eq 0 ]
	[ "$(grep -c . <<<"$output")" = 6 ]
}

@test "tag: another name for the same image; tagging a missing image fails" {
	pull_ok "$REGISTRY/berth-test/plain:latest"
	run --separate-stderr berth tag "$REGISTRY/berth-test/plain:latest" localhost/mine:v1
	[ "$status" -eq 0 ]
	run --separate-stderr berth image inspect localhost/mine:v1
	[ "$status" -eq 0 ]
	jq -e --arg id "$ID" '.[0].Id == $id' <<<"$output"
	jq -e '.[0].RepoTags | length == 2' <<<"$output"
	run --separate-stderr berth tag "$ID" localhost/mine:v2
	[ "$status" -eq 0 ]
	[ "$(berth images --format json | jq --arg id "$ID" '[.[] | select(.Id == $id)][0].Names | length')" = 3 ]
	run --separate-stderr berth tag localhost/absent:v1 localhost/mine:v3
	expect_error 125 'absent'
	run --separate-stderr berth tag "$ID" 'Not A Valid Name'
	[ "$status" -eq 125 ]
}

@test "tag moves a name: the image that had it keeps its other names or becomes dangling" {
	two_images
	run --separate-stderr berth tag "$(PLAIN_ID)" "$REGISTRY/berth-test/multi:gzip"
	[ "$status" -eq 0 ]
	run --separate-stderr berth image inspect "$REGISTRY/berth-test/multi:gzip"
	jq -e --arg id "$(PLAIN_ID)" '.[0].Id == $id' <<<"$output"
	run --separate-stderr berth images --filter dangling=true -q --no-trunc
	[ "$status" -eq 0 ]
	grep -Eq "^(sha256:)?$(MULTI_ID)$" <<<"$output"
	run ! grep -q "$(PLAIN_ID)" <<<"$output"
	run --separate-stderr berth images
	grep -Eq '^<none> +<none> +'"$(MULTI_ID | cut -c1-12)" <<<"$output"
}

@test "rmi of one of two names untags; rmi of the last name or the ID removes image and layers" {
	pull_ok "$REGISTRY/berth-test/multi:gzip"
	berth tag "$ID" localhost/second:name
	run --separate-stderr berth rmi localhost/second:name
	[ "$status" -eq 0 ]
	run --separate-stderr berth image inspect "$ID"
	[ "$status" -eq 0 ]
	jq -e '.[0].RepoTags | length == 1' <<<"$output"
	[ "$(layer_dirs | wc -l)" = 4 ]
	run --separate-stderr berth rmi "$REGISTRY/berth-test/multi:gzip"
	[ "$status" -eq 0 ]
	run --separate-stderr berth images -q
	[ -z "$output" ]
	# Garbage collection: no unpacked layer and no layer blob is left.
	[ -z "$(layer_dirs)" ]
	local d
	for d in $(fact '."multi-gzip".layers[]'); do
		[ ! -e "$T/root/blobs/sha256/$(hex "$d")" ]
	done
	run --separate-stderr berth rmi "$ID"
	expect_error 125 "$(echo "$ID" | cut -c1-12)|not known|no such|not found"
}

@test "rmi -f removes an image with several names; rmi of several images at once" {
	two_images
	berth tag "$(MULTI_ID)" localhost/multi:other
	run --separate-stderr berth rmi -f "$(MULTI_ID)"
	[ "$status" -eq 0 ]
	run --separate-stderr berth images -q --no-trunc
	run ! grep -q "$(MULTI_ID)" <<<"$output"
	pull_ok "$REGISTRY/berth-test/multi:gzip"
	run --separate-stderr berth rmi "$(MULTI_ID)" "$(PLAIN_ID)"
	[ "$status" -eq 0 ]
	run --separate-stderr berth images -q
	[ -z "$output" ]
	[ -z "$(layer_dirs)" ]
}

@test "image prune removes dangling images only; prune -a removes every unused image" {
	two_images
	# multi loses its only name to plain: dangling.
	berth tag "$(PLAIN_ID)" "$REGISTRY/berth-test/multi:gzip"
	pull_ok "$REGISTRY/berth-test/multiarch:latest"
	local arch_id=$ID
	run --separate-stderr berth image prune -f
	[ "$status" -eq 0 ]
	grep -q "$(MULTI_ID)" <<<"$output"
	run --separate-stderr berth images -q --no-trunc
	local left=$output
	run ! grep -q "$(MULTI_ID)" <<<"$left"
	grep -q "$(PLAIN_ID)" <<<"$left"
	grep -q "$arch_id" <<<"$left"
	run --separate-stderr berth image prune -a -f
	[ "$status" -eq 0 ]
	run --separate-stderr berth images -q
	[ -z "$output" ]
	[ -z "$(layer_dirs)" ]
}

@test "save --format oci-archive: podman loads it as the same image" {
	pull_ok "$REGISTRY/berth-test/multi:gzip"
	run --separate-stderr berth save --format oci-archive -o "$T/multi-oci.tar" "$REGISTRY/berth-test/multi:gzip"
	[ "$status" -eq 0 ]
	tar -tf "$T/multi-oci.tar" | grep -qx 'index.json\|./index.json'
	tar -tf "$T/multi-oci.tar" | grep -qx 'oci-layout\|./oci-layout'
	run --separate-stderr pm load -i "$T/multi-oci.tar"
	[ "$status" -eq 0 ]
	run --separate-stderr pm image inspect "$(MULTI_ID)"
	[ "$status" -eq 0 ]
	jq -e --arg id "$(MULTI_ID)" '.[0].Id == $id' <<<"$output"
}

@test "save --format docker-archive: podman loads it, with the name" {
	pull_ok "$REGISTRY/berth-test/multi:gzip"
	run --separate-stderr berth save --format docker-archive -o "$T/multi-docker.tar" "$REGISTRY/berth-test/multi:gzip"
	[ "$status" -eq 0 ]
	tar -xOf "$T/multi-docker.tar" manifest.json | jq -e --arg n "$REGISTRY/berth-test/multi:gzip" '.[0].RepoTags | index($n) != null'
	run --separate-stderr pm load -i "$T/multi-docker.tar"
	[ "$status" -eq 0 ]
	run --separate-stderr pm image inspect "$REGISTRY/berth-test/multi:gzip"
	[ "$status" -eq 0 ]
	jq -e --arg id "$(MULTI_ID)" '.[0].Id == $id' <<<"$output"
}

@test "save to stdout; several images in one docker-archive" {
	two_images
	berth save --format docker-archive "$REGISTRY/berth-test/multi:gzip" "$REGISTRY/berth-test/plain:latest" >"$T/two.tar"
	[ "$(tar -xOf "$T/two.tar" manifest.json | jq length)" = 2 ]
	run --separate-stderr pm load -i "$T/two.tar"
	[ "$status" -eq 0 ]
	run pm images -q --no-trunc
	grep -q "$(MULTI_ID)" <<<"$output"
	grep -q "$(PLAIN_ID)" <<<"$output"
}

# load_from_podman FORMAT: podman saves multi in FORMAT, berth loads it; same image, same tree.
load_from_podman() {
	run --separate-stderr pm pull -q --tls-verify=false "$REGISTRY/berth-test/multi:gzip"
	[ "$status" -eq 0 ]
	run --separate-stderr pm save --format "$1" -o "$T/from-podman.tar" "$REGISTRY/berth-test/multi:gzip"
	[ "$status" -eq 0 ]
	run --separate-stderr berth load -i "$T/from-podman.tar"
	[ "$status" -eq 0 ]
	run --separate-stderr berth image inspect "$(MULTI_ID)"
	[ "$status" -eq 0 ]
	run --separate-stderr berth image mount "$(MULTI_ID)"
	[ "$status" -eq 0 ]
	same_tree "$(last_line)" "$REF_MULTI"
	run --separate-stderr berth image umount "$(MULTI_ID)"
	[ "$status" -eq 0 ]
}

@test "load an oci-archive that podman saved" {
	load_from_podman oci-archive
}

@test "load a docker-archive that podman saved, with its name" {
	load_from_podman docker-archive
	run --separate-stderr berth image inspect "$REGISTRY/berth-test/multi:gzip"
	[ "$status" -eq 0 ]
	jq -e --arg id "$(MULTI_ID)" '.[0].Id == $id' <<<"$output"
}

@test "save and load round trip through berth, from stdin" {
	pull_ok "$REGISTRY/berth-test/plain:latest"
	berth save -o "$T/plain.tar" "$ID"
	mkdir -p "$T/other"
	run --separate-stderr berth_at "$T/other" load <"$T/plain.tar"
	[ "$status" -eq 0 ]
	run --separate-stderr berth_at "$T/other" image inspect "$ID"
	[ "$status" -eq 0 ]
}

@test "load of a file that is not an image archive: 125, nothing stored" {
	head -c 4096 /dev/urandom >"$T/junk.tar"
	run --separate-stderr berth load -i "$T/junk.tar"
	expect_error 125 'junk.tar|archive|tar'
	tar -cf "$T/empty.tar" -T /dev/null
	run --separate-stderr berth load -i "$T/empty.tar"
	[ "$status" -eq 125 ]
	run --separate-stderr berth images -q
	[ -z "$output" ]
	[ -z "$(store_leftovers)" ]
}

@test "import a rootfs tar: an image with one layer, named, mountable" {
	run --separate-stderr berth import "$ROOTFS_TAR" localhost/imported:v1
	[ "$status" -eq 0 ]
	local id
	id=$(last_line)
	id=${id#sha256:}
	check_image_id "$id"
	run --separate-stderr berth image inspect localhost/imported:v1
	[ "$status" -eq 0 ]
	jq -e --arg id "$id" '.[0].Id == $id and (.[0].RootFS.Layers | length) == 1' <<<"$output"
	jq -e '.[0].Os == "linux" and .[0].Architecture == "amd64"' <<<"$output"
	# The layer is the tar's content: its diff_id is the tar's digest, as podman import makes it.
	[ "$(jq -r '.[0].RootFS.Layers[0]' <<<"$output")" = "sha256:$(sha256sum <"$ROOTFS_TAR" | cut -d' ' -f1)" ]
	run --separate-stderr berth image mount localhost/imported:v1
	[ "$status" -eq 0 ]
	[ "$(cat "$(last_line)/var/www/index.html")" = "hello from berth-busybox" ]
	[ -x "$(last_line)/bin/busybox" ]
	berth image umount localhost/imported:v1
}

@test "import of a gzip-compressed tar and without a name (dangling)" {
	gzip -c "$ROOTFS_TAR" >"$T/rootfs.tar.gz"
	run --separate-stderr berth import "$T/rootfs.tar.gz"
	[ "$status" -eq 0 ]
	local id
	id=$(last_line)
	id=${id#sha256:}
	check_image_id "$id"
	run --separate-stderr berth images --filter dangling=true -q --no-trunc
	grep -Eq "^(sha256:)?$id$" <<<"$output"
	run --separate-stderr berth import "$T/does-not-exist.tar" localhost/x:1
	expect_error 125 'does-not-exist'
}
