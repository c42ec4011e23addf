#!/usr/bin/env bats
# The store's promises under failure: a killed pull, a resumed download, a corrupt partial
# download, an image in use, and pulls through an authenticating registry.

load image_helpers

# The auth tests start a second registry (registry-env.sh): stop it whatever happens.
eval "$(declare -f teardown | sed '1s/^teardown/image_teardown/')"
teardown() {
	[ -z "${REGISTRY_PIDS:-}" ] || registry_stop
	image_teardown
}

# blob_hex DIGEST: the hex part.
blob_hex() { echo "${1#sha256:}"; }

# every_blob_verifies: each file in blobs/sha256 hashes to its name.
every_blob_verifies() {
	local f
	for f in "$T/root/blobs/sha256/"*; do
		[ -e "$f" ] || continue
		[ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || {
			echo "blob $f does not match its name" >&2
			return 1
		}
	done
}

# every_layer_has_record: no layer directory without its record.
every_layer_has_record() {
	local d
	for d in "$T/root/layers/"*; do
		[ -d "$d" ] || continue
		[ -s "$d.json" ] || { echo "layer $d has no record" >&2; return 1; }
	done
}

# first_layer: the digest of the first layer of multi-gzip (from the test images' facts).
first_layer() { jq -r '."multi-gzip".layers[0]' "$FACTS"; }

@test "a pull killed with SIGKILL leaves only verified blobs and complete layers; the next pull completes" {
	local i
	for i in 1 2 3; do
		"$BERTH" --root "$T/root" --runroot "$T/run" pull -q --tls-verify=false "$REGISTRY/berth-test/multi:gzip" \
			>/dev/null 2>&1 &
		local pid=$!
		sleep "0.0$((i * 3))"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		every_blob_verifies
		every_layer_has_record
		# No image is recorded unless everything it needs is there.
		run --separate-stderr berth images -q
		if [ -n "$output" ]; then
			berth image mount "$REGISTRY/berth-test/multi:gzip" >/dev/null
			berth image umount "$REGISTRY/berth-test/multi:gzip" >/dev/null
		fi
	done
	pull_ok "$REGISTRY/berth-test/multi:gzip"
	every_blob_verifies
	local mnt
	mnt=$(berth image mount "$REGISTRY/berth-test/multi:gzip")
	image_reference_tree
	same_tree "$mnt" "$REF_MULTI"
	berth image umount "$REGISTRY/berth-test/multi:gzip" >/dev/null
}

@test "an interrupted download resumes from its partial file (a partial with wrong bytes proves it is used, then is dropped)" {
	local layer hex src
	layer=$(first_layer)
	hex=$(blob_hex "$layer")
	src=$(registry_blob_path "$layer")
	[ -s "$src" ]
	mkdir -p "$T/root/ingest"
	# The first half of the blob, correct: the pull fetches only the rest.
	local size=$(stat -c %s "$src")
	head -c $((size / 2)) "$src" >"$T/root/ingest/sha256-$hex.partial"
	pull_ok "$REGISTRY/berth-test/multi:gzip"
	[ ! -e "$T/root/ingest/sha256-$hex.partial" ]
	cmp "$src" "$T/root/blobs/sha256/$hex"
	# Now a partial whose bytes are wrong: if it is resumed, the digest check must catch it.
	berth rmi -f "$REGISTRY/berth-test/multi:gzip" >/dev/null
	[ ! -e "$T/root/blobs/sha256/$hex" ]
	head -c $((size / 2)) /dev/zero >"$T/root/ingest/sha256-$hex.partial"
	run --separate-stderr berth pull -q --tls-verify=false "$REGISTRY/berth-test/multi:gzip"
	[ "$status" -eq 125 ]
	[[ $stderr == *"$layer"* ]]
	[[ $stderr == *mismatch* ]]
	[ ! -e "$T/root/blobs/sha256/$hex" ]
	[ ! -e "$T/root/ingest/sha256-$hex.partial" ]
	run --separate-stderr berth images -q
	[ -z "$output" ]
	# The next pull redoes it cleanly.
	pull_ok "$REGISTRY/berth-test/multi:gzip"
	cmp "$src" "$T/root/blobs/sha256/$hex"
	# A partial that holds the whole blob (killed before its commit) is committed as it is.
	berth rmi -f "$REGISTRY/berth-test/multi:gzip" >/dev/null
	cp "$src" "$T/root/ingest/sha256-$hex.partial"
	pull_ok "$REGISTRY/berth-test/multi:gzip"
	cmp "$src" "$T/root/blobs/sha256/$hex"
}

@test "rmi refuses an image a container uses unless -f; image prune -a keeps it" {
	pull_ok "$REGISTRY/berth-test/plain:latest"
	local id=$ID
	# The engine records its containers in the same database.
	python3 - "$T/root/berth.db" "sha256:$id" <<-'EOF'
		import sqlite3, sys
		db = sqlite3.connect(sys.argv[1])
		db.execute("INSERT INTO containers (id, name, image_id) VALUES ('c0ffee', 'web', ?)", (sys.argv[2],))
		db.commit()
	EOF
	run --separate-stderr berth rmi "$REGISTRY/berth-test/plain:latest"
	[ "$status" -eq 125 ]
	[[ $stderr == *"in use by container web"* ]]
	run --separate-stderr berth image prune -a -f
	[ "$status" -eq 0 ]
	run --separate-stderr berth images -q --no-trunc
	[[ $output == *"$id"* ]]
	run --separate-stderr berth rmi -f "$REGISTRY/berth-test/plain:latest"
	[ "$status" -eq 0 ]
	run --separate-stderr berth images -q
	[ -z "$output" ]
}

# auth_registry MODE: a second registry with MODE (--htpasswd or --token) auth holding one image
# that berth pushed after logging in; sets AUTH_REGISTRY and AUTH_IMAGE.
auth_registry() {
	local saved_registry=$REGISTRY saved_dir=$REGISTRY_DIR
	registry_start "$1" alice:wonderland
	AUTH_REGISTRY=$REGISTRY
	export REGISTRY=$saved_registry REGISTRY_DIR=$saved_dir
	AUTH_IMAGE=$AUTH_REGISTRY/private/plain:1
	pull_ok "$REGISTRY/berth-test/plain:latest"
	berth tag "$REGISTRY/berth-test/plain:latest" "$AUTH_IMAGE"
	echo wonderland | berth login --authfile "$T/auth.json" --tls-verify=false -u alice \
		--password-stdin "$AUTH_REGISTRY" >/dev/null
	berth push -q --authfile "$T/auth.json" --tls-verify=false "$AUTH_IMAGE"
	berth rmi -a >/dev/null
}

pull_with_auth() {
	auth_registry "$1"
	# Without credentials: refused, and nothing stored.
	run --separate-stderr berth pull -q --tls-verify=false --authfile "$T/none.json" "$AUTH_IMAGE"
	[ "$status" -eq 125 ]
	[[ $stderr == *"$AUTH_IMAGE"* ]]
	[[ $stderr =~ auth|denied|unauthorized ]]
	run --separate-stderr berth images -q
	[ -z "$output" ]
	# With the stored credentials, and with --creds.
	run --separate-stderr berth pull -q --tls-verify=false --authfile "$T/auth.json" "$AUTH_IMAGE"
	[ "$status" -eq 0 ]
	[ "$(last_line)" = "$(hex "$(fact .plain.config)")" ]
	berth rmi -a >/dev/null
	run --separate-stderr berth pull -q --tls-verify=false --authfile "$T/none.json" \
		--creds alice:wonderland "$AUTH_IMAGE"
	[ "$status" -eq 0 ]
	registry_stop
}

@test "pull and push through a registry with basic auth (htpasswd): credentials from login or --creds" {
	pull_with_auth --htpasswd
}

@test "pull and push through a registry with bearer tokens: the challenge flow" {
	pull_with_auth --token
}
