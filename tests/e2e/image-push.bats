#!/usr/bin/env bats
# berth push, with skopeo, umoci and podman reading what berth pushed.

load image_helpers

setup_file() {
	image_setup_file
	image_reference_tree
}

# uploads_to REPO: how many blob uploads (POST .../blobs/uploads/) the registry answered for REPO.
uploads_to() {
	grep -c "\"POST /v2/$1/blobs/uploads/" "$IMAGE_REGISTRY_LOG" || true
}

# pushed_layers_decompress_to_diff_ids REPO:TAG DECOMPRESSOR: copy what is in the registry to an
# OCI layout with skopeo; every layer, decompressed, hashes to the config's diff_id.
pushed_layers_decompress_to_diff_ids() {
	local ref=$1 unpack=$2 out=$T/copied i layer want got n
	rm -rf "$out"
	skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/$ref" "oci:$out:latest"
	local manifest config
	manifest=$out/blobs/sha256/$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$out/index.json")
	config=$out/blobs/sha256/$(jq -r '.config.digest | sub("sha256:"; "")' "$manifest")
	n=$(jq '.layers | length' "$manifest")
	[ "$n" = "$(jq '.rootfs.diff_ids | length' "$config")" ]
	for ((i = 0; i < n; i++)); do
		layer=$out/blobs/sha256/$(jq -r ".layers[$i].digest | sub(\"sha256:\"; \"\")" "$manifest")
		want=$(jq -r ".rootfs.diff_ids[$i]" "$config")
		got=sha256:$($unpack <"$layer" | sha256sum | cut -d' ' -f1)
		[ "$got" = "$want" ] || { echo "layer $i: $got, diff_id $want" >&2; return 1; }
	done
}

@test "push to another repository: skopeo reads it back, same config, umoci unpacks the same tree" {
	pull_ok "$REGISTRY/berth-test/multi:gzip"
	run --separate-stderr berth push --tls-verify=false "$REGISTRY/berth-test/multi:gzip" \
		"$REGISTRY/pushed/multi:copy"
	[ "$status" -eq 0 ]
	run skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/pushed/multi:copy"
	[ "$status" -eq 0 ]
	[ "$(jq -r .config.digest <<<"$output")" = "$(fact '."multi-gzip".config')" ]
	[ "$(jq '.layers | length' <<<"$output")" = 4 ]
	pushed_layers_decompress_to_diff_ids pushed/multi:copy "gzip -dc"
	umoci unpack --image "$T/copied:latest" "$T/bundle" >/dev/null
	same_tree "$T/bundle/rootfs" "$REF_MULTI"
}

@test "push by image ID with a destination; podman pulls it and gets the same image" {
	pull_ok "$REGISTRY/berth-test/plain:latest"
	run --separate-stderr berth push --tls-verify=false "$ID" "$REGISTRY/pushed/plain:by-id"
	[ "$status" -eq 0 ]
	run --separate-stderr pm pull -q --tls-verify=false "$REGISTRY/pushed/plain:by-id"
	[ "$status" -eq 0 ]
	[ "$(last_line)" = "$ID" ]
}

@test "push without a destination goes to the image's own name" {
	pull_ok "$REGISTRY/berth-test/plain:latest"
	run --separate-stderr berth tag "$ID" "$REGISTRY/pushed/own-name:v1"
	[ "$status" -eq 0 ]
	run --separate-stderr berth push --tls-verify=false "$REGISTRY/pushed/own-name:v1"
	[ "$status" -eq 0 ]
	run skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/pushed/own-name:v1"
	[ "$status" -eq 0 ]
	[ "$(jq -r .config.digest <<<"$output")" = "$(fact .plain.config)" ]
}

@test "uncompressed layers are pushed compressed (gzip by default)" {
	pull_ok "$REGISTRY/berth-test/multi:none"
	run --separate-stderr berth push --tls-verify=false "$REGISTRY/berth-test/multi:none" \
		"$REGISTRY/pushed/from-none:gzip"
	[ "$status" -eq 0 ]
	run skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/pushed/from-none:gzip"
	jq -e '[.layers[].mediaType] | all(endswith("gzip"))' <<<"$output"
	pushed_layers_decompress_to_diff_ids pushed/from-none:gzip "gzip -dc"
}

@test "push --compression-format zstd: zstd layers that decompress to the diff_ids, pulled back by berth" {
	pull_ok "$REGISTRY/berth-test/multi:gzip"
	local id=$ID
	run --separate-stderr berth push --tls-verify=false --compression-format zstd \
		"$REGISTRY/berth-test/multi:gzip" "$REGISTRY/pushed/multi:zstd"
	[ "$status" -eq 0 ]
	run skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/pushed/multi:zstd"
	[ "$status" -eq 0 ]
	jq -e '[.layers[].mediaType] | all(. == "application/vnd.oci.image.layer.v1.tar+zstd")' <<<"$output"
	[ "$(jq -r .config.digest <<<"$output")" = "$(fact '."multi-gzip".config')" ]
	pushed_layers_decompress_to_diff_ids pushed/multi:zstd "zstd -dcq"
	# And berth reads its own output, into a fresh store.
	mkdir -p "$T/other"
	run --separate-stderr berth_at "$T/other" pull -q --tls-verify=false "$REGISTRY/pushed/multi:zstd"
	[ "$status" -eq 0 ]
	[ "$(last_line)" = "$id" ]
}

@test "push --compression-format rejects an unknown format" {
	pull_ok "$REGISTRY/berth-test/plain:latest"
	run --separate-stderr berth push --tls-verify=false --compression-format lz4 "$ID" \
		"$REGISTRY/pushed/never:lz4"
	expect_error 125 'lz4'
	run skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/pushed/never:lz4"
	[ "$status" -ne 0 ]
}

@test "chunked upload (--chunk-size): several PATCH requests, the registry has the right blobs" {
	# An imported image: no repository in the registry has its layer, so berth cannot mount it.
	"$LIB/make-image.sh" tar "$T/rootfs.tar"
	run --separate-stderr berth import "$T/rootfs.tar" localhost/chunked:v1
	[ "$status" -eq 0 ]
	run --separate-stderr berth push --tls-verify=false --chunk-size 65536 localhost/chunked:v1 \
		"$REGISTRY/pushed/chunked:v1"
	[ "$status" -eq 0 ]
	local patches
	patches=$(grep -c '"PATCH /v2/pushed/chunked/blobs/uploads/' "$IMAGE_REGISTRY_LOG" || true)
	# The busybox layer is about 1 MB compressed: at least 10 chunks of 64 KiB.
	[ "$patches" -ge 10 ] || { echo "only $patches PATCH requests" >&2; false; }
	pushed_layers_decompress_to_diff_ids pushed/chunked:v1 "gzip -dc"
	umoci unpack --image "$T/copied:latest" "$T/bundle" >/dev/null
	[ "$(cat "$T/bundle/rootfs/var/www/index.html")" = "hello from berth-busybox" ]
}

@test "a blob the source repository has is mounted across repositories, not uploaded" {
	pull_ok "$REGISTRY/berth-test/multi:gzip"
	run --separate-stderr berth push --tls-verify=false "$REGISTRY/berth-test/multi:gzip" \
		"$REGISTRY/pushed/mounted:v1"
	[ "$status" -eq 0 ]
	# The registry answers a mount with 201 Created (distribution-spec, "Mounting a blob").
	local d mounted=0
	for d in $(fact '."multi-gzip".layers[]'); do
		grep -Eq "\"POST /v2/pushed/mounted/blobs/uploads/\\?[^\"]*mount=sha256(:|%3[Aa])$(hex "$d")[^\"]*\" 201 " \
			"$IMAGE_REGISTRY_LOG" &&
			mounted=$((mounted + 1))
	done
	[ "$mounted" = 4 ] || { grep '/v2/pushed/mounted/' "$IMAGE_REGISTRY_LOG" >&2; false; }
	[ "$(grep -c '"PUT /v2/pushed/mounted/blobs/uploads/' "$IMAGE_REGISTRY_LOG" || true)" -le 1 ] # the config at most
	pushed_layers_decompress_to_diff_ids pushed/mounted:v1 "gzip -dc"
}

@test "pushing again uploads nothing: existing blobs are skipped" {
	pull_ok "$REGISTRY/berth-test/plain:latest"
	run --separate-stderr berth push --tls-verify=false "$ID" "$REGISTRY/pushed/twice:v1"
	[ "$status" -eq 0 ]
	local before
	before=$(uploads_to pushed/twice)
	run --separate-stderr berth push --tls-verify=false "$ID" "$REGISTRY/pushed/twice:v1"
	[ "$status" -eq 0 ]
	[ "$(uploads_to pushed/twice)" = "$before" ]
	run skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/pushed/twice:v1"
	[ "$(jq -r .config.digest <<<"$output")" = "$(fact .plain.config)" ]
}

@test "push of an image that is not in the store: 125, nothing pushed" {
	run --separate-stderr berth push --tls-verify=false "$REGISTRY/berth-test/multi:gzip" \
		"$REGISTRY/pushed/missing:v1"
	expect_error 125 'multi'
	run skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/pushed/missing:v1"
	[ "$status" -ne 0 ]
}

@test "skopeo pushes, berth pulls; berth pushes, skopeo copies back the same manifest" {
	skopeo copy -q --dest-tls-verify=false "oci:$IMAGES/multiarch:latest" \
		"docker://$REGISTRY/pushed/via-skopeo:amd64"
	pull_ok "$REGISTRY/pushed/via-skopeo:amd64"
	[ "$ID" = "$(hex "$(fact '.multiarch.platforms."linux/amd64".config')")" ]
	run --separate-stderr berth push --tls-verify=false "$ID" "$REGISTRY/pushed/via-berth:amd64"
	[ "$status" -eq 0 ]
	run skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/pushed/via-berth:amd64"
	[ "$(jq -r .config.digest <<<"$output")" = "$(fact '.multiarch.platforms."linux/amd64".config')" ]
	[ "$(jq -r '.layers[0].digest' <<<"$output")" = "$(fact '.multiarch.platforms."linux/amd64".layers[0]')" ]
}
