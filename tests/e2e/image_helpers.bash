# Shared setup of the image tests (image-*.bats). Every such file starts with `load image_helpers`.
#
# The binary under test is `berth` next to $RUNTIME (tests/run-all.sh sets RUNTIME to
# build/berth-runtime or build-san/berth-runtime), or $BERTH:
#     BERTH=/path/to/berth bats tests/e2e/image-pull.bats
#
# Per file (setup_file): one docker-registry on 127.0.0.1 ($REGISTRY; its storage in $REGISTRY_DIR,
# its access log in $IMAGE_REGISTRY_LOG), seeded once with the test
# images of tests/lib/make-test-images.sh (layouts under $IMAGES, their digests in $FACTS), and
# umoci's unpacking of "multi" as the reference tree ($REF_MULTI, a tree-listing.py listing).
# Per test (setup): `berth` runs with --root $T/root --runroot $T/run, T=$BATS_TEST_TMPDIR.
# teardown unmounts what is left under $T and kills what the test started, and fails the test if
# a mount or a berth process was left behind.

bats_require_minimum_version 1.5.0

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$E2E_DIR/../.." && pwd)
LIB=$REPO_ROOT/tests/lib
RUNTIME=${RUNTIME:-$REPO_ROOT/build/berth-runtime}
BERTH=${BERTH:-$(dirname "$RUNTIME")/berth}
case $BERTH in */*) ;; *) BERTH=$(command -v "$BERTH" || echo "$BERTH") ;; esac
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-180}

# shellcheck source=../lib/registry-env.sh
source "$LIB/registry-env.sh"

# image_registry_start: a registry like registry-env.sh's registry_start (plain http on a free
# port of 127.0.0.1, deletes enabled, storage in $REGISTRY_DIR) but with its access log on, one
# line per request in $IMAGE_REGISTRY_LOG: tests count the requests berth makes, which
# registry_start's registry does not log. image_registry_stop stops it.
image_registry_start() {
	local dir port v
	dir=$(mktemp -d /tmp/berth-image-registry.XXXXXX)
	port=$(registry_free_port)
	cat >"$dir/config.yml" <<-EOF
		version: 0.1
		log:
		  level: info
		  accesslog:
		    disabled: false
		storage:
		  filesystem:
		    rootdirectory: $dir/storage
		  delete:
		    enabled: true
		http:
		  addr: 127.0.0.1:$port
		  secret: berth-image-test
	EOF
	# docker-registry reads every REGISTRY_* variable as configuration: none of ours.
	local unset_vars=()
	for v in $(compgen -e); do
		case $v in REGISTRY | REGISTRY_*) unset_vars+=(-u "$v") ;; esac
	done
	env "${unset_vars[@]}" docker-registry serve "$dir/config.yml" </dev/null >"$dir/registry.log" 2>&1 3>&- &
	echo $! >"$dir/pid"
	export IMAGE_REGISTRY_TMP=$dir IMAGE_REGISTRY_LOG=$dir/registry.log
	export REGISTRY=127.0.0.1:$port REGISTRY_DIR=$dir/storage
	registry_wait_http "http://$REGISTRY/v2/" || { cat "$dir/registry.log" >&2; return 1; }
}

image_registry_stop() {
	[ -n "${IMAGE_REGISTRY_TMP:-}" ] && [ -d "$IMAGE_REGISTRY_TMP" ] || return 0
	local pid i
	pid=$(cat "$IMAGE_REGISTRY_TMP/pid")
	kill "$pid" 2>/dev/null || true
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -rf "$IMAGE_REGISTRY_TMP"
}

# image_setup_file: the per-file registry, seeded. Call from setup_file.
image_setup_file() {
	export IMAGES=$BATS_FILE_TMPDIR/images
	export FACTS=$IMAGES/facts.json
	"$LIB/make-test-images.sh" build "$IMAGES"
	image_registry_start
	"$LIB/make-test-images.sh" push "$IMAGES" "$REGISTRY"
}

# image_reference_tree: umoci's unpacking of multi-gzip, listed, at $REF_MULTI (once per file).
image_reference_tree() {
	export REF_MULTI=$BATS_FILE_TMPDIR/umoci-multi.txt
	[ -s "$REF_MULTI" ] && return 0
	umoci unpack --image "$IMAGES/multi-gzip:latest" "$BATS_FILE_TMPDIR/umoci-multi" >/dev/null
	python3 "$LIB/tree-listing.py" "$BATS_FILE_TMPDIR/umoci-multi/rootfs" >"$REF_MULTI.new"
	mv "$REF_MULTI.new" "$REF_MULTI"
}

image_teardown_file() {
	image_registry_stop
}

setup_file() {
	image_setup_file
}

teardown_file() {
	image_teardown_file
}

setup() {
	# Fail, not skip: a suite that skips everything would look green.
	[ -x "$BERTH" ] || { echo "berth not found: $BERTH (build it, or set BERTH)" >&2; return 1; }
	T=$BATS_TEST_TMPDIR
	BG_PIDS=()
	mkdir -p "$T/root" "$T/run"
	# No registries.conf of the host: tests that want one write $T/registries.conf.
	export CONTAINERS_REGISTRIES_CONF=$T/no-registries.conf
	: >"$CONTAINERS_REGISTRIES_CONF"
}

teardown() {
	[ -n "${T:-}" ] || return 0
	local pid leftover=0 i
	for pid in "${BG_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	for i in $(seq 50); do
		[ -z "$(berth_processes)" ] && break
		sleep 0.1
	done
	if [ -n "$(berth_processes)" ]; then
		echo "teardown: berth processes left behind:" $(berth_processes) >&2
		leftover=1
		for pid in $(berth_processes | cut -d: -f1); do kill -KILL "$pid" 2>/dev/null || true; done
	fi
	if [ -n "$(mounts_under "$T")" ]; then
		echo "teardown: mounts left behind:" >&2
		mounts_under "$T" >&2
		mounts_under "$T" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
		leftover=1
	fi
	return "$leftover"
}

# berth ARGS...: the berth under test with this test's store.
berth() {
	"$BERTH" --root "$T/root" --runroot "$T/run" "$@"
}

# berth_at ROOT ARGS...: berth with the store ROOT (ROOT/root and ROOT/run).
berth_at() {
	local d=$1
	shift
	"$BERTH" --root "$d/root" --runroot "$d/run" "$@"
}

# mounts_under DIR: mount points at or below DIR.
mounts_under() {
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo
}

# berth_processes: live processes whose command line names this test's directory.
berth_processes() {
	local f p
	for f in /proc/[0-9]*/cmdline; do
		p=${f#/proc/}
		p=${p%/cmdline}
		[ "$p" = "$BASHPID" ] && continue
		if { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -qF -- "$T/"; then
			echo "$p:$({ tr '\0' ' ' <"$f"; } 2>/dev/null)"
		fi
	done
}

# background CMD...: run CMD in the background, killed by teardown; sets BG_PID.
background() {
	"$@" &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# fact JQ: a value from $FACTS, e.g. `fact '."multi-gzip".config'`.
fact() {
	jq -er "$1" "$FACTS"
}

# hex DIGEST: the hex part of an "algorithm:hex" digest.
hex() {
	echo "${1#*:}"
}

# chain_ids DIFF_ID...: the chain ids (image-spec config.md#layer-chainid), one a line.
chain_ids() {
	python3 - "$@" <<-'EOF'
		import hashlib, sys
		chain = None
		for d in sys.argv[1:]:
		    chain = d if chain is None else "sha256:" + hashlib.sha256((chain + " " + d).encode()).hexdigest()
		    print(chain)
	EOF
}

# last_line: the last line of $output.
last_line() {
	printf '%s\n' "$output" | tail -n 1
}

# check_image_id ID: ID is a full image ID (64 lower-case hex digits).
check_image_id() {
	[[ $1 =~ ^[0-9a-f]{64}$ ]] || { echo "not an image ID: '$1'" >&2; return 1; }
}

# pull_ok REF [FLAGS...]: `berth pull --tls-verify=false FLAGS REF` must succeed; sets $ID to the
# image ID on its last line.
pull_ok() {
	local ref=$1
	shift
	run --separate-stderr berth pull --tls-verify=false "$@" "$ref"
	if [ "$status" -ne 0 ]; then
		echo "berth pull $* $ref: exit $status" >&2
		printf '%s\n' "$stderr" >&2
		return 1
	fi
	ID=$(last_line)
	check_image_id "$ID"
}

# expect_error STATUS PATTERN: the last `run --separate-stderr` exited STATUS with an error
# starting "berth: " that matches the extended regular expression PATTERN.
expect_error() {
	if [ "$status" -ne "$1" ]; then
		echo "expected exit $1, got $status; stdout: $output; stderr: $stderr" >&2
		return 1
	fi
	if ! grep -q '^berth: ' <<<"$stderr"; then
		echo "no 'berth: ' error on stderr: $stderr" >&2
		return 1
	fi
	if ! grep -Eqi -- "$2" <<<"$stderr"; then
		echo "stderr does not match /$2/: $stderr" >&2
		return 1
	fi
}

# write_registries_conf: $T/registries.conf that maps docker.io to $REGISTRY (plain HTTP), made
# the one berth, skopeo and podman read.
write_registries_conf() {
	cat >"$T/registries.conf" <<-EOF
		unqualified-search-registries = ["docker.io"]
		short-name-mode = "permissive"

		[[registry]]
		prefix = "docker.io"
		location = "$REGISTRY"
		insecure = true
	EOF
	export CONTAINERS_REGISTRIES_CONF=$T/registries.conf
}

# registry_blob_gets REPO: how many GETs of REPO's blobs the registry has answered so far.
registry_blob_gets() {
	[ -n "${IMAGE_REGISTRY_LOG:-}" ] && [ -f "$IMAGE_REGISTRY_LOG" ] || { echo "no registry log" >&2; return 1; }
	grep -c "\"GET /v2/$1/blobs/sha256:" "$IMAGE_REGISTRY_LOG" || true
}

# registry_blob_path DIGEST: the file of a blob in the registry's storage (filesystem driver).
registry_blob_path() {
	local h=${1#sha256:}
	echo "$REGISTRY_DIR/docker/registry/v2/blobs/sha256/${h:0:2}/$h/data"
}

# same_tree DIR REFERENCE-LISTING: DIR's listing is REFERENCE-LISTING's; shows the difference.
same_tree() {
	python3 "$LIB/tree-listing.py" "$1" >"$T/tree.txt"
	if ! diff -u "$2" "$T/tree.txt" >"$T/tree.diff"; then
		echo "tree $1 differs from the reference $2:" >&2
		head -n 60 "$T/tree.diff" >&2
		return 1
	fi
}

# store_leftovers: temporaries in the store that a finished command must not leave: partial
# ingests, unpacking directories (content_store.h, layer_store.h).
store_leftovers() {
	find "$T/root" \( -name '*.partial' -o -name '.tmp-*' \) -print 2>/dev/null
}

# podman with a store of its own under $T/podman (vfs driver, no mounts) and no host
# configuration: for save/load and pull/push as the other side.
pm() {
	local d=$T/podman
	if [ ! -f "$d/containers.conf" ]; then
		mkdir -p "$d"/{root,runroot,tmp}
		cat >"$d/containers.conf" <<-EOF
			[engine]
			cgroup_manager = "cgroupfs"
			events_logger = "file"
			tmp_dir = "$d/tmp"
		EOF
		cat >"$d/storage.conf" <<-EOF
			[storage]
			driver = "vfs"
			runroot = "$d/runroot"
			graphroot = "$d/root"
		EOF
	fi
	CONTAINERS_CONF=$d/containers.conf CONTAINERS_STORAGE_CONF=$d/storage.conf \
		podman --root "$d/root" --runroot "$d/runroot" --storage-driver vfs \
		--cgroup-manager cgroupfs --events-backend file "$@"
}
