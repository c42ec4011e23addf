#!/usr/bin/env bats
# Hostile layers and corrupt blobs, pushed into the registry byte for byte and pulled by berth:
# every entry is contained in the layer or refused, nothing is written outside the store, no
# partial blob or layer is left visible, and a blob that does not match its digest is refused.

load image_helpers

setup_file() {
	image_setup_file
}

# hostile_tar NAME PYTHON: $T/NAME.tar written by PYTHON, which adds entries to the tarfile `t`
# with the helpers reg(name, data), sym(name, target), hard(name, target), dir(name).
# $OUT (an absolute directory outside the store that must stay empty) is in the environment.
hostile_tar() {
	local name=$1 body=$2
	OUT=$OUT python3 - "$T/$name.tar" "$body" <<-'EOF'
		import io, os, sys, tarfile
		path, body = sys.argv[1], sys.argv[2]
		OUT = os.environ["OUT"]
		t = tarfile.open(path, "w", format=tarfile.PAX_FORMAT)
		def info(name, type_, mode=0o644):
		    ti = tarfile.TarInfo(name)
		    ti.type, ti.mode, ti.mtime = type_, mode, 1700000000
		    return ti
		def reg(name, data=b"pwned\n"):
		    ti = info(name, tarfile.REGTYPE)
		    ti.size = len(data)
		    t.addfile(ti, io.BytesIO(data))
		def sym(name, target):
		    ti = info(name, tarfile.SYMTYPE, 0o777)
		    ti.linkname = target
		    t.addfile(ti)
		def hard(name, target):
		    ti = info(name, tarfile.LNKTYPE)
		    ti.linkname = target
		    t.addfile(ti)
		def dir(name):
		    t.addfile(info(name, tarfile.DIRTYPE, 0o755))
		exec(body)
		t.close()
	EOF
}

# push_layers REPO TAR...: an image of those layers (gzip) at $REGISTRY/REPO:latest.
push_layers() {
	local repo=$1
	shift
	rm -rf "$T/layout"
	"$LIB/make-test-images.sh" layout "$T/layout" "$@"
	"$LIB/make-test-images.sh" push-layout "$T/layout" "$REGISTRY" "$repo" latest
}

# nothing_outside: $OUT is empty, and $T holds only the store, the runroot and the test's files.
nothing_outside() {
	if [ -n "$(ls -A "$OUT" 2>/dev/null | grep -vx sentinel)" ] ||
		{ [ -e "$OUT/sentinel" ] && [ "$(cat "$OUT/sentinel")" != "$SENTINEL_TEXT" ]; }; then
		echo "written outside the store:" >&2
		find "$OUT" >&2
		return 1
	fi
	local extra
	extra=$(find "$T" -mindepth 1 -maxdepth 1 ! -name root ! -name run ! -name '*.tar' \
		! -name layout ! -name outside ! -name corpus ! -name no-registries.conf ! -name '*.out' \
		! -name '*.err' ! -name 'separate-stderr-*' ! -name host-file)
	if [ -n "$extra" ]; then
		echo "written next to the store: $extra" >&2
		return 1
	fi
}

# pull_contained_or_refused REF: berth pulls REF and succeeds, or fails with 125 and a "berth: "
# message; either way nothing is written outside, and a refused pull leaves no layer, no image
# and no temporary. Sets PULLED=1 when it succeeded, PULL_STDERR to what the pull printed there.
pull_contained_or_refused() {
	run --separate-stderr berth pull --tls-verify=false "$1"
	PULLED=
	PULL_STDERR=$stderr
	if [ "$status" -eq 0 ]; then
		PULLED=1
	else
		expect_error 125 '.'
		run --separate-stderr berth images -q
		[ -z "$output" ]
		[ -z "$(find "$T/root/layers" -mindepth 1 -maxdepth 1 -type d 2>/dev/null)" ] || {
			echo "a refused pull left layers:" >&2
			ls -la "$T/root/layers" >&2
			false
		}
	fi
	[ -z "$(store_leftovers)" ]
	nothing_outside
}

setup_outside() {
	# Relative escapes from ROOT/layers/<dir>/ reach $T/outside with enough "../"; absolute
	# names and link targets point at it directly.
	OUT=$T/outside
	mkdir -p "$OUT"
	# make-hostile-layers.py aims at OUTSIDE/sentinel: it must stay as it is.
	SENTINEL_TEXT="sentinel of $T"
	echo "$SENTINEL_TEXT" >"$OUT/sentinel"
	export OUT SENTINEL_TEXT
}

@test "an entry with .. components is contained or refused" {
	setup_outside
	hostile_tar dotdot 'reg("../../../../../../../../../../../" + OUT.lstrip("/") + "/dotdot")
reg("a/../../../../../../../../../../../../" + OUT.lstrip("/") + "/dotdot2")'
	push_layers hostile/dotdot "$T/dotdot.tar"
	pull_contained_or_refused "$REGISTRY/hostile/dotdot:latest"
	if [ -n "$PULLED" ]; then
		# docker's containment: the name is resolved inside the layer.
		local mnt
		mnt=$(berth image mount "$REGISTRY/hostile/dotdot:latest")
		[ -f "$mnt/$OUT/dotdot" ]
		berth image umount "$REGISTRY/hostile/dotdot:latest"
	fi
}

@test "an absolute entry name is contained or refused" {
	setup_outside
	hostile_tar abs 'reg(OUT + "/absolute")'
	push_layers hostile/abs "$T/abs.tar"
	pull_contained_or_refused "$REGISTRY/hostile/abs:latest"
}

@test "a file written through a symlink that points outside is contained or refused" {
	setup_outside
	hostile_tar symabs 'sym("escape", OUT)
reg("escape/through-absolute-symlink")
sym("rel", "../../../../../../../../../../../.." + OUT)
reg("rel/through-relative-symlink")'
	push_layers hostile/symlink "$T/symabs.tar"
	pull_contained_or_refused "$REGISTRY/hostile/symlink:latest"
}

@test "a symlink in one layer, a file through it in the next: contained or refused" {
	setup_outside
	hostile_tar first 'sym("escape", OUT)
dir("d")
sym("d/up", "../../../../../../../../../../../../..")'
	hostile_tar second 'reg("escape/from-layer-2")
reg("d/up" + OUT + "/from-layer-2b")'
	push_layers hostile/two-layers "$T/first.tar" "$T/second.tar"
	pull_contained_or_refused "$REGISTRY/hostile/two-layers:latest"
}

@test "a hardlink to a file outside the layer is contained or refused; the host file is untouched" {
	setup_outside
	echo "host secret" >"$T/host-file"
	local before
	before=$(stat -c '%h %i' "$T/host-file")
	hostile_tar hard "hard(\"stolen\", \"$T/host-file\")
hard(\"stolen2\", \"../../../../../../../../../../../..$T/host-file\")
hard(\"stolen3\", \"/etc/passwd\")"
	push_layers hostile/hardlink "$T/hard.tar"
	run --separate-stderr berth pull --tls-verify=false "$REGISTRY/hostile/hardlink:latest"
	[ "$(stat -c '%h %i' "$T/host-file")" = "$before" ]
	[ "$(cat "$T/host-file")" = "host secret" ]
	if [ "$status" -eq 0 ]; then
		local f
		for f in $(find "$T/root" -type f); do
			[ "$(stat -c %i "$f")" != "$(stat -c %i "$T/host-file")" ] || [ "$(stat -c %d "$f")" != "$(stat -c %d "$T/host-file")" ]
			[ "$(stat -c %i "$f")" != "$(stat -c %i /etc/passwd)" ] || [ "$(stat -c %d "$f")" != "$(stat -c %d /etc/passwd)" ]
		done
	else
		expect_error 125 'stolen'
	fi
	rm -f "$T/host-file"
	nothing_outside
}

@test "a device node in a layer never becomes a host device outside the layer" {
	setup_outside
	python3 - "$T/dev.tar" "$OUT" <<-'EOF'
		import io, sys, tarfile
		t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT)
		for name in ["dev/sda-copy", sys.argv[2] + "/sda-copy"]:
		    ti = tarfile.TarInfo(name)
		    ti.type, ti.mode, ti.devmajor, ti.devminor = tarfile.BLKTYPE, 0o600, 8, 0
		    t.addfile(ti)
		t.close()
	EOF
	push_layers hostile/device "$T/dev.tar"
	pull_contained_or_refused "$REGISTRY/hostile/device:latest"
}

# corpus_case EXPECT TAR: pull the image of TAR; a case whose EXPECT says "refuse ENTRY" must
# fail naming ENTRY, the others must succeed with the files, symlinks and absences EXPECT lists.
corpus_case() {
	local expect=$1 tar=$2 name refuse mnt kind path arg
	name=$(basename "$tar" | sed 's/\.tar.*//' | tr -c 'a-z0-9\n' '-')
	push_layers "hostile/corpus-$name" "$tar"
	refuse=$(awk -F'\t' '$1 == "refuse" { print $2; exit }' "$expect")
	pull_contained_or_refused "$REGISTRY/hostile/corpus-$name:latest"
	if [ -n "$refuse" ]; then
		[ -z "$PULLED" ] || { echo "$name: pulled, but $refuse must be refused" >&2; return 1; }
		grep -qF -- "$refuse" <<<"$PULL_STDERR" ||
			{ echo "$name: the error does not name $refuse: $PULL_STDERR" >&2; return 1; }
		return 0
	fi
	[ -n "$PULLED" ] || { echo "$name: refused: $PULL_STDERR" >&2; return 1; }
	mnt=$(berth image mount "$REGISTRY/hostile/corpus-$name:latest")
	while IFS=$'\t' read -r kind path arg _; do
		case $kind in
		file) [ -f "$mnt/$path" ] && [ "$(cat "$mnt/$path")" = "$(printf '%b' "$arg")" ] ||
			{ echo "$name: file $path is not '$arg'" >&2; berth image umount "$REGISTRY/hostile/corpus-$name:latest"; return 1; } ;;
		absent) [ ! -e "$mnt/$path" ] && [ ! -L "$mnt/$path" ] ||
			{ echo "$name: $path exists" >&2; berth image umount "$REGISTRY/hostile/corpus-$name:latest"; return 1; } ;;
		symlink) [ "$(readlink "$mnt/$path")" = "$arg" ] ||
			{ echo "$name: symlink $path is not -> $arg" >&2; berth image umount "$REGISTRY/hostile/corpus-$name:latest"; return 1; } ;;
		esac
	done <"$expect"
	berth image umount "$REGISTRY/hostile/corpus-$name:latest" >/dev/null
}

@test "the corpus of tests/lib/make-hostile-layers.py: each layer contained or refused as it expects" {
	local gen=$LIB/make-hostile-layers.py
	[ -f "$gen" ] || { echo "missing $gen (engineer B's corpus)" >&2; false; }
	setup_outside
	mkdir -p "$T/corpus"
	python3 "$gen" "$T/corpus" "$OUT" >/dev/null
	local expect tar n=0
	for expect in "$T/corpus"/*.expect; do
		tar=$(ls "${expect%.expect}".tar* 2>/dev/null | head -n1)
		[ -f "$tar" ] || continue
		n=$((n + 1))
		# Not under || : the checks inside rely on errexit. The first bad case fails the test.
		corpus_case "$expect" "$tar"
		berth image prune -a -f >/dev/null 2>&1 || true
	done
	[ "$n" -gt 0 ]
}

# corrupt_blob DIGEST HOW: change the registry's copy of a blob in place. HOW=gzip-header rewrites
# the gzip MTIME field (the stream still decompresses to the same bytes: only the digest of the
# blob can catch it); HOW=byte flips one byte in the middle.
corrupt_blob() {
	local file
	file=$(registry_blob_path "$1")
	[ -f "$file" ]
	python3 - "$file" "$2" <<-'EOF'
		import sys
		path, how = sys.argv[1], sys.argv[2]
		data = bytearray(open(path, "rb").read())
		if how == "gzip-header":
		    assert data[:2] == b"\x1f\x8b"
		    data[4:8] = b"\x01\x02\x03\x04"
		else:
		    data[len(data) // 2] ^= 0xFF
		open(path, "wb").write(data)
	EOF
}

# pull_fails_on_digest REF DIGEST: berth refuses REF with an error naming a digest problem, and
# keeps no blob DIGEST, no layer, no image, no partial.
pull_fails_on_digest() {
	run --separate-stderr berth pull --tls-verify=false "$1"
	expect_error 125 'digest|sha256|verif'
	[ ! -e "$T/root/blobs/sha256/$(hex "$2")" ]
	run --separate-stderr berth images -q
	[ -z "$output" ]
	[ -z "$(find "$T/root/layers" -mindepth 1 -maxdepth 1 -type d 2>/dev/null)" ]
	[ -z "$(store_leftovers)" ]
	[ -z "$(find "$T/root" -name "*$(hex "$2")*" ! -name '*.lock' 2>/dev/null)" ]
}

@test "a gzip layer whose bytes do not match its digest (same content inside): refused, no blob kept" {
	hostile_tar good 'reg("hello.txt", b"hello\n")'
	push_layers hostile/corrupt-gzip "$T/good.tar"
	local layer
	layer=$(jq -r '.layers[0].digest' "$T/layout/blobs/sha256/$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$T/layout/index.json")")
	corrupt_blob "$layer" gzip-header
	# The oracle notices too.
	run skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/hostile/corrupt-gzip:latest" "oci:$T/skopeo-copy:latest"
	[ "$status" -ne 0 ]
	rm -rf "$T/skopeo-copy"
	pull_fails_on_digest "$REGISTRY/hostile/corrupt-gzip:latest" "$layer"
	# Twice: a second attempt must not trust anything the first one kept.
	pull_fails_on_digest "$REGISTRY/hostile/corrupt-gzip:latest" "$layer"
}

@test "an uncompressed layer with a flipped byte: refused, no blob kept" {
	hostile_tar plainlayer 'reg("data.bin", bytes(range(256)) * 64)'
	rm -rf "$T/layout"
	"$LIB/make-test-images.sh" layout "$T/layout" "$T/plainlayer.tar"
	# Rewrite the layout with the layer uncompressed, as it is in the tar.
	python3 - "$T/layout" "$T/plainlayer.tar" <<-'EOF'
		import hashlib, json, os, sys
		layout, tar = sys.argv[1], sys.argv[2]
		blobs = os.path.join(layout, "blobs", "sha256")
		def put(data):
		    h = hashlib.sha256(data).hexdigest()
		    open(os.path.join(blobs, h), "wb").write(data)
		    return "sha256:" + h
		idx = json.load(open(os.path.join(layout, "index.json")))
		m = json.load(open(os.path.join(blobs, idx["manifests"][0]["digest"][7:])))
		data = open(tar, "rb").read()
		m["layers"] = [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": put(data), "size": len(data)}]
		raw = json.dumps(m, separators=(",", ":")).encode()
		idx["manifests"][0].update(digest=put(raw), size=len(raw))
		json.dump(idx, open(os.path.join(layout, "index.json"), "w"))
	EOF
	"$LIB/make-test-images.sh" push-layout "$T/layout" "$REGISTRY" hostile/corrupt-plain latest
	local layer
	layer=sha256:$(sha256sum <"$T/plainlayer.tar" | cut -d' ' -f1)
	corrupt_blob "$layer" byte
	pull_fails_on_digest "$REGISTRY/hostile/corrupt-plain:latest" "$layer"
}

@test "a config blob that does not match its digest: refused" {
	hostile_tar good 'reg("hello.txt", b"config test\n")'
	push_layers hostile/corrupt-config "$T/good.tar"
	local config
	config=$(jq -r '.config.digest' "$T/layout/blobs/sha256/$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$T/layout/index.json")")
	corrupt_blob "$config" byte
	pull_fails_on_digest "$REGISTRY/hostile/corrupt-config:latest" "$config"
}
