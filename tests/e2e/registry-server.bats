#!/usr/bin/env bats
# berth registry serve: every endpoint of the distribution spec driven with curl (status codes,
# headers, bodies), then real clients (skopeo, podman, berth) pushing and pulling through it.
#
# The spec-workflow tests run against Debian's docker-registry too:
#     REGISTRY_SERVER=docker-registry bats tests/e2e/registry-server.bats
# Where the spec decides against docker-registry 2.8, the case is skipped there with the reason
# (docs/registry.md lists the differences).

bats_require_minimum_version 1.5.0

E2E_DIR=$BATS_TEST_DIRNAME
REPO_ROOT=$(cd "$E2E_DIR/../.." && pwd)
LIB=$REPO_ROOT/tests/lib
RUNTIME=${RUNTIME:-$REPO_ROOT/build/berth-runtime}
BERTH=${BERTH:-$(dirname "$RUNTIME")/berth}
REGISTRY_SERVER=${REGISTRY_SERVER:-berth}
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

# shellcheck source=../lib/registry-env.sh
source "$LIB/registry-env.sh"

OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
OCI_INDEX=application/vnd.oci.image.index.v1+json
OCI_CONFIG=application/vnd.oci.image.config.v1+json
OCI_LAYER=application/vnd.oci.image.layer.v1.tar+gzip
DOCKER_MANIFEST=application/vnd.docker.distribution.manifest.v2+json

# server_start DIR [FLAGS...]: berth registry serve on a free port of 127.0.0.1 with its
# storage and access log under DIR; exports URL, SERVER_PID.
server_start() {
	local dir=$1 port i
	shift
	mkdir -p "$dir"
	port=$(registry_free_port)
	"$BERTH" registry serve --addr "127.0.0.1:$port" --storage "$dir/storage" \
		--access-log "$dir/access.log" "$@" </dev/null >"$dir/server.log" 2>&1 3>&- &
	echo $! >"$dir/pid"
	URL=http://127.0.0.1:$port
	registry_wait_http "$URL/v2/" || { cat "$dir/server.log" >&2; return 1; }
}

server_stop() {
	local dir=$1 pid i
	[ -f "$dir/pid" ] || return 0
	pid=$(cat "$dir/pid")
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$dir/pid"
}

setup_file() {
	if [ "$REGISTRY_SERVER" = docker-registry ]; then
		registry_start
		export URL=http://$REGISTRY
	else
		[ -x "$BERTH" ] || { echo "berth not found: $BERTH" >&2; return 1; }
		server_start "$BATS_FILE_TMPDIR/server" --delete-enabled
		export URL
	fi
	export HOSTPORT=${URL#http://}
}

teardown_file() {
	if [ "$REGISTRY_SERVER" = docker-registry ]; then
		registry_stop
	else
		server_stop "$BATS_FILE_TMPDIR/server"
	fi
}

setup() {
	T=$BATS_TEST_TMPDIR
	# A repository of its own per test.
	REPO=test/t$BATS_TEST_NUMBER
}

# berth_only REASON: skip against docker-registry, saying where it differs from the spec.
berth_only() {
	[ "$REGISTRY_SERVER" = docker-registry ] && skip "docker-registry: $1"
	return 0
}

# req METHOD PATH [CURL ARGS...]: sets CODE, BODY; headers in $T/headers.
req() {
	local method=$1 path=$2
	shift 2
	CODE=$(curl -s -X "$method" -o "$T/body" -D "$T/headers" -w '%{http_code}' "$@" "$URL$path" || true)
	BODY=$(cat "$T/body")
}
# HEAD without a body (curl -I).
req_head() {
	local path=$1
	shift
	CODE=$(curl -s -I -o /dev/null -D "$T/headers" -w '%{http_code}' "$@" "$URL$path" || true)
	BODY=
}

# header NAME: a header of the last response (the first one of that name), without CR.
header() {
	awk -v n="$(echo "$1" | tr 'A-Z' 'a-z')" 'BEGIN{IGNORECASE=1} { split($0, a, ":"); if (tolower(a[1]) == n) { sub(/^[^:]*:[ \t]*/, ""); sub(/\r$/, ""); print; exit } }' "$T/headers"
}

expect_code() {
	if [ "$CODE" != "$1" ]; then
		echo "expected HTTP $1, got $CODE; body: $BODY" >&2
		cat "$T/headers" >&2
		return 1
	fi
}

# expect_error CODE ERROR: the status, and the spec's error JSON with that code.
expect_error() {
	expect_code "$1"
	local got
	got=$(jq -r '.errors[0].code' <<<"$BODY") || { echo "no error json: $BODY" >&2; return 1; }
	[ "$got" = "$2" ] || { echo "expected error $2, got $got: $BODY" >&2; return 1; }
}

# expect_location PATH: the Location, made a path when it is absolute.
expect_location() {
	[ "$(location)" = "$1" ] || { echo "Location: expected '$1', got '$(header Location)'" >&2; return 1; }
}

expect_header() {
	local got
	got=$(header "$1")
	[ "$got" = "$2" ] || { echo "header $1: expected '$2', got '$got'" >&2; cat "$T/headers" >&2; return 1; }
}

digest_of() {
	echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"
}

size_of() {
	stat -c %s "$1"
}

# blob FILE TEXT: writes TEXT (printf) to FILE.
blob() {
	printf '%s' "$2" >"$1"
}

# location: the Location of the last response as a path (docker-registry sends absolute URLs).
location() {
	local l
	l=$(header Location)
	echo "${l#"$URL"}"
}

# query LOCATION PARAM=VALUE: LOCATION with one more query parameter (docker-registry's
# upload locations carry a _state parameter).
query() {
	case $1 in *\?*) echo "$1&$2" ;; *) echo "$1?$2" ;; esac
}

# push_blob REPO FILE: monolithic POST ?digest=, or POST then PUT where the registry answers the
# single POST with a session (spec.md "Single POST": registries MAY support it).
push_blob() {
	req POST "/v2/$1/blobs/uploads/?digest=$(digest_of "$2")" -H 'Content-Type: application/octet-stream' --data-binary "@$2"
	if [ "$CODE" = 202 ] && [ "$REGISTRY_SERVER" = docker-registry ]; then
		req PUT "$(query "$(location)" "digest=$(digest_of "$2")")" -H 'Content-Type: application/octet-stream' --data-binary "@$2"
	fi
	expect_code 201
}

# image_manifest FILE CONFIG LAYER...: an OCI image manifest naming those blobs.
image_manifest() {
	local out=$1 config=$2 layers="" f
	shift 2
	for f in "$@"; do
		layers="$layers${layers:+,}{\"mediaType\":\"$OCI_LAYER\",\"digest\":\"$(digest_of "$f")\",\"size\":$(size_of "$f")}"
	done
	printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"%s","digest":"%s","size":%s},"layers":[%s]}' \
		"$OCI_MANIFEST" "$OCI_CONFIG" "$(digest_of "$config")" "$(size_of "$config")" "$layers" >"$out"
}

# push_image REPO TAG: a config and a layer, and a manifest tagged TAG; sets MANIFEST (its
# file) and MDIGEST.
push_image() {
	blob "$T/config" "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"n\":\"$2\"}"
	blob "$T/layer" "layer of $1:$2"
	push_blob "$1" "$T/config"
	push_blob "$1" "$T/layer"
	MANIFEST=$T/manifest-$2
	image_manifest "$MANIFEST" "$T/config" "$T/layer"
	req PUT "/v2/$1/manifests/$2" -H "Content-Type: $OCI_MANIFEST" --data-binary "@$MANIFEST"
	expect_code 201
	MDIGEST=$(digest_of "$MANIFEST")
}

@test "GET /v2/ answers 200 with the API version header" {
	req GET /v2/
	expect_code 200
	expect_header Docker-Distribution-API-Version registry/2.0
}

@test "monolithic POST ?digest= stores a blob that HEAD and GET serve" {
	blob "$T/b" "hello, registry"
	push_blob "$REPO" "$T/b"
	d=$(digest_of "$T/b")
	expect_location "/v2/$REPO/blobs/$d"
	expect_header Docker-Content-Digest "$d"
	req_head "/v2/$REPO/blobs/$d"
	expect_code 200
	expect_header Content-Length 15
	expect_header Docker-Content-Digest "$d"
	expect_header Content-Type application/octet-stream
	req GET "/v2/$REPO/blobs/$d"
	expect_code 200
	[ "$BODY" = "hello, registry" ]
}

@test "POST then PUT ?digest= with the body" {
	blob "$T/b" "post then put"
	req POST "/v2/$REPO/blobs/uploads/"
	expect_code 202
	loc=$(location)
	[[ $loc == */v2/$REPO/blobs/uploads/* ]]
	[ -n "$(header Docker-Upload-UUID)" ]
	req PUT "$(query "$loc" "digest=$(digest_of "$T/b")")" -H 'Content-Type: application/octet-stream' --data-binary "@$T/b"
	expect_code 201
	expect_location "/v2/$REPO/blobs/$(digest_of "$T/b")"
}

@test "chunked upload: PATCH in order, 416 out of order with the current Range, GET status, final chunk in PUT" {
	printf '0123456789abcdefghijKLMNO' >"$T/b"
	req POST "/v2/$REPO/blobs/uploads/" -H 'Content-Length: 0'
	expect_code 202
	loc=$(location)
	req PATCH "$loc" -H 'Content-Type: application/octet-stream' -H 'Content-Range: 0-9' --data-binary 0123456789
	expect_code 202
	expect_header Range 0-9
	loc=$(location)
	# A chunk that overlaps, and one that leaves a gap: 416, nothing written.
	berth_only "takes chunks out of order"
	req PATCH "$loc" -H 'Content-Type: application/octet-stream' -H 'Content-Range: 5-14' --data-binary 56789abcde
	expect_code 416
	req PATCH "$loc" -H 'Content-Type: application/octet-stream' -H 'Content-Range: 12-21' --data-binary cdefghijKL
	expect_code 416
	req GET "$loc"
	expect_code 204
	expect_header Range 0-9
	[ "$(location)" = "$loc" ]
	req PATCH "$loc" -H 'Content-Type: application/octet-stream' -H 'Content-Range: 10-19' --data-binary abcdefghij
	expect_code 202
	expect_header Range 0-19
	req PUT "$(query "$loc" "digest=$(digest_of "$T/b")")" -H 'Content-Type: application/octet-stream' -H 'Content-Range: 20-24' --data-binary KLMNO
	expect_code 201
	req GET "/v2/$REPO/blobs/$(digest_of "$T/b")"
	[ "$BODY" = 0123456789abcdefghijKLMNO ]
}

@test "streamed PATCH without Content-Range, closed by an empty PUT" {
	head -c 300000 /dev/urandom >"$T/b"
	req POST "/v2/$REPO/blobs/uploads/"
	loc=$(location)
	req PATCH "$loc" -H 'Content-Type: application/octet-stream' --data-binary "@$T/b"
	expect_code 202
	expect_header Range 0-299999
	loc=$(location)
	req PUT "$(query "$loc" "digest=$(digest_of "$T/b")")"
	expect_code 201
	curl -sf "$URL/v2/$REPO/blobs/$(digest_of "$T/b")" | cmp - "$T/b"
}

@test "a digest that does not match the content is 400 DIGEST_INVALID and nothing is published" {
	blob "$T/b" "the real content"
	blob "$T/other" "something else"
	if [ "$REGISTRY_SERVER" = berth ]; then # docker-registry has no single-POST uploads
		req POST "/v2/$REPO/blobs/uploads/?digest=$(digest_of "$T/other")" --data-binary "@$T/b"
		expect_error 400 DIGEST_INVALID
	fi
	req_head "/v2/$REPO/blobs/$(digest_of "$T/other")"
	expect_code 404
	req_head "/v2/$REPO/blobs/$(digest_of "$T/b")"
	expect_code 404
	req POST "/v2/$REPO/blobs/uploads/"
	loc=$(location)
	req PUT "$(query "$loc" "digest=$(digest_of "$T/other")")" --data-binary "@$T/b"
	expect_error 400 DIGEST_INVALID
	req_head "/v2/$REPO/blobs/$(digest_of "$T/other")"
	expect_code 404
}

@test "malformed digests are 400 DIGEST_INVALID" {
	berth_only "answers 404 or 500 for several malformed digests"
	blob "$T/b" x
	for bad in sha256:abc sha256:ZZZ sha999:abcd nocolon "sha256:$(printf 'A%.0s' $(seq 64))"; do
		req POST "/v2/$REPO/blobs/uploads/?digest=$bad" --data-binary "@$T/b"
		expect_error 400 DIGEST_INVALID
		req GET "/v2/$REPO/blobs/$bad"
		expect_error 400 DIGEST_INVALID
	done
}

@test "sha512 blobs: monolithic, and a session with digest-algorithm=sha512" {
	berth_only "no sha512 digests"
	blob "$T/b" "sha512 content"
	d=sha512:$(sha512sum "$T/b" | cut -d' ' -f1)
	req POST "/v2/$REPO/blobs/uploads/?digest=$d" --data-binary "@$T/b"
	expect_code 201
	expect_header Docker-Content-Digest "$d"
	req GET "/v2/$REPO/blobs/$d"
	[ "$BODY" = "sha512 content" ]
	blob "$T/c" "another sha512 content"
	d=sha512:$(sha512sum "$T/c" | cut -d' ' -f1)
	req POST "/v2/$REPO/blobs/uploads/?digest-algorithm=sha512"
	expect_code 202
	loc=$(location)
	req PUT "$(query "$loc" "digest=$d")" --data-binary "@$T/c"
	expect_code 201
}

@test "DELETE of an upload session is 204, then the session is unknown" {
	req POST "/v2/$REPO/blobs/uploads/"
	loc=$(location)
	req DELETE "$loc"
	expect_code 204
	req GET "$loc"
	expect_error 404 BLOB_UPLOAD_UNKNOWN
	req PATCH "$loc" --data-binary x
	expect_error 404 BLOB_UPLOAD_UNKNOWN
}

@test "cross-repository mount: 201 from a repository that has the blob, else a 202 session" {
	blob "$T/b" "mount me"
	d=$(digest_of "$T/b")
	push_blob "$REPO/src" "$T/b"
	req POST "/v2/$REPO/dst/blobs/uploads/?mount=$d&from=$REPO/src"
	expect_code 201
	expect_location "/v2/$REPO/dst/blobs/$d"
	expect_header Docker-Content-Digest "$d"
	req GET "/v2/$REPO/dst/blobs/$d"
	[ "$BODY" = "mount me" ]
	req POST "/v2/$REPO/other/blobs/uploads/?mount=$d&from=$REPO/nothing-here"
	expect_code 202
	[[ $(header Location) == */v2/$REPO/other/blobs/uploads/* ]]
}

@test "a repository serves only the blobs pushed or mounted into it" {
	blob "$T/b" "private"
	push_blob "$REPO/a" "$T/b"
	req_head "/v2/$REPO/b/blobs/$(digest_of "$T/b")"
	expect_code 404
	req GET "/v2/$REPO/b/blobs/$(digest_of "$T/b")"
	expect_error 404 BLOB_UNKNOWN
}

@test "Range requests: 206 with Content-Range, open and suffix ranges, 416 when unsatisfiable" {
	blob "$T/b" 0123456789
	push_blob "$REPO" "$T/b"
	d=$(digest_of "$T/b")
	req GET "/v2/$REPO/blobs/$d" -H 'Range: bytes=2-5'
	expect_code 206
	[ "$BODY" = 2345 ]
	expect_header Content-Range "bytes 2-5/10"
	req GET "/v2/$REPO/blobs/$d" -H 'Range: bytes=7-'
	expect_code 206
	[ "$BODY" = 789 ]
	req GET "/v2/$REPO/blobs/$d" -H 'Range: bytes=-2'
	expect_code 206
	[ "$BODY" = 89 ]
	req GET "/v2/$REPO/blobs/$d" -H 'Range: bytes=10-'
	expect_code 416
	berth_only "no Content-Range on a 416"
	expect_header Content-Range "bytes */10"
}

@test "manifests: PUT by tag, GET and HEAD by tag and digest in the pushed type" {
	push_image "$REPO" v1
	expect_location "/v2/$REPO/manifests/$MDIGEST"
	expect_header Docker-Content-Digest "$MDIGEST"
	req GET "/v2/$REPO/manifests/v1" -H "Accept: $OCI_MANIFEST"
	expect_code 200
	expect_header Content-Type "$OCI_MANIFEST"
	expect_header Docker-Content-Digest "$MDIGEST"
	cmp "$T/body" "$MANIFEST"
	req GET "/v2/$REPO/manifests/$MDIGEST" -H "Accept: $OCI_MANIFEST"
	expect_code 200
	cmp "$T/body" "$MANIFEST"
	req_head "/v2/$REPO/manifests/v1" -H "Accept: $OCI_MANIFEST"
	expect_code 200
	expect_header Content-Length "$(size_of "$MANIFEST")"
	req GET "/v2/$REPO/manifests/nope" -H "Accept: $OCI_MANIFEST"
	expect_error 404 MANIFEST_UNKNOWN
}

@test "manifests: Docker schema 2 is served as Docker; an OCI manifest by tag needs an Accept that allows it" {
	push_image "$REPO" oci
	blob "$T/dm" "$(sed "s|$OCI_MANIFEST|$DOCKER_MANIFEST|; s|$OCI_CONFIG|application/vnd.docker.container.image.v1+json|; s|$OCI_LAYER|application/vnd.docker.image.rootfs.diff.tar.gzip|g" "$MANIFEST")"
	req PUT "/v2/$REPO/manifests/docker" -H "Content-Type: $DOCKER_MANIFEST" --data-binary "@$T/dm"
	expect_code 201
	req GET "/v2/$REPO/manifests/docker" -H "Accept: $DOCKER_MANIFEST, $OCI_MANIFEST"
	expect_code 200
	expect_header Content-Type "$DOCKER_MANIFEST"
	req GET "/v2/$REPO/manifests/oci" -H "Accept: $DOCKER_MANIFEST"
	expect_error 404 MANIFEST_UNKNOWN
	# By digest the bytes are named: always served.
	berth_only "refuses an OCI manifest by digest too when the Accept header has no OCI type"
	req GET "/v2/$REPO/manifests/$MDIGEST" -H "Accept: $DOCKER_MANIFEST"
	expect_code 200
	expect_header Content-Type "$OCI_MANIFEST"
}

@test "a manifest naming a blob the repository lacks is 400 MANIFEST_BLOB_UNKNOWN" {
	blob "$T/config" '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
	blob "$T/layer" "never pushed"
	push_blob "$REPO" "$T/config"
	image_manifest "$T/m" "$T/config" "$T/layer"
	req PUT "/v2/$REPO/manifests/v1" -H "Content-Type: $OCI_MANIFEST" --data-binary "@$T/m"
	expect_error 400 MANIFEST_BLOB_UNKNOWN
}

@test "a manifest whose mediaType is not its Content-Type, or that is not json, is 400 MANIFEST_INVALID" {
	push_image "$REPO" v1
	req PUT "/v2/$REPO/manifests/v2" -H "Content-Type: $DOCKER_MANIFEST" --data-binary "@$MANIFEST"
	expect_error 400 MANIFEST_INVALID
	req PUT "/v2/$REPO/manifests/v3" -H "Content-Type: $OCI_MANIFEST" --data-binary 'not json'
	expect_error 400 MANIFEST_INVALID
}

@test "PUT by a digest that is not the manifest's is 400 DIGEST_INVALID" {
	push_image "$REPO" v1
	req PUT "/v2/$REPO/manifests/sha256:$(printf '0%.0s' $(seq 64))" -H "Content-Type: $OCI_MANIFEST" --data-binary "@$MANIFEST"
	expect_error 400 DIGEST_INVALID
	req PUT "/v2/$REPO/manifests/$MDIGEST" -H "Content-Type: $OCI_MANIFEST" --data-binary "@$MANIFEST"
	expect_code 201
}

@test "a manifest with a non-distributable layer that is not in the registry is accepted" {
	berth_only "refuses manifests with non-distributable layers it does not have"
	blob "$T/config" '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
	push_blob "$REPO" "$T/config"
	printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"%s","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip","digest":"sha256:%s","size":1234,"urls":["https://example.com/layer"]}]}' \
		"$OCI_MANIFEST" "$OCI_CONFIG" "$(digest_of "$T/config")" "$(size_of "$T/config")" "$(printf 'a%.0s' $(seq 64))" >"$T/m"
	req PUT "/v2/$REPO/manifests/foreign" -H "Content-Type: $OCI_MANIFEST" --data-binary "@$T/m"
	expect_code 201
}

@test "an index of manifests in the repository; one naming an unknown manifest is refused" {
	push_image "$REPO" amd64
	printf '{"schemaVersion":2,"mediaType":"%s","manifests":[{"mediaType":"%s","digest":"%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}}]}' \
		"$OCI_INDEX" "$OCI_MANIFEST" "$MDIGEST" "$(size_of "$MANIFEST")" >"$T/index"
	req PUT "/v2/$REPO/manifests/multi" -H "Content-Type: $OCI_INDEX" --data-binary "@$T/index"
	expect_code 201
	req GET "/v2/$REPO/manifests/multi" -H "Accept: $OCI_INDEX"
	expect_code 200
	expect_header Content-Type "$OCI_INDEX"
	printf '{"schemaVersion":2,"mediaType":"%s","manifests":[{"mediaType":"%s","digest":"sha256:%s","size":10}]}' \
		"$OCI_INDEX" "$OCI_MANIFEST" "$(printf 'b%.0s' $(seq 64))" >"$T/bad"
	req PUT "/v2/$REPO/manifests/bad" -H "Content-Type: $OCI_INDEX" --data-binary "@$T/bad"
	expect_error 400 MANIFEST_BLOB_UNKNOWN
}

@test "tags list: sorted, n and last, the Link header, n=0" {
	for t in v2 b a c v10; do push_image "$REPO" "$t"; done
	req GET "/v2/$REPO/tags/list"
	expect_code 200
	[ "$(jq -r .name <<<"$BODY")" = "$REPO" ]
	[ "$(jq -c '.tags | sort' <<<"$BODY")" = '["a","b","c","v10","v2"]' ]
	berth_only "tag listing order, n and last"
	[ "$(jq -c .tags <<<"$BODY")" = '["a","b","c","v10","v2"]' ]
	req GET "/v2/$REPO/tags/list?n=2"
	[ "$(jq -c .tags <<<"$BODY")" = '["a","b"]' ]
	expect_header Link "</v2/$REPO/tags/list?n=2&last=b>; rel=\"next\""
	req GET "/v2/$REPO/tags/list?n=2&last=b"
	[ "$(jq -c .tags <<<"$BODY")" = '["c","v10"]' ]
	req GET "/v2/$REPO/tags/list?n=2&last=v10"
	[ "$(jq -c .tags <<<"$BODY")" = '["v2"]' ]
	[ -z "$(header Link)" ]
	req GET "/v2/$REPO/tags/list?last=c"
	[ "$(jq -c .tags <<<"$BODY")" = '["v10","v2"]' ]
	req GET "/v2/$REPO/tags/list?n=0"
	expect_code 200
	[ "$(jq -c .tags <<<"$BODY")" = '[]' ]
	[ -z "$(header Link)" ]
}

@test "tags list of an unknown repository is 404 NAME_UNKNOWN; a bad name is 400 NAME_INVALID" {
	req GET "/v2/$REPO/never/tags/list"
	expect_error 404 NAME_UNKNOWN
	req GET "/v2/Bad..Name/tags/list"
	# docker-registry has no route for it: 404
	[ "$REGISTRY_SERVER" = docker-registry ] || expect_error 400 NAME_INVALID
}

@test "_catalog pages with n, last and Link" {
	for r in c a b; do push_image "$REPO/$r" v1; done
	req GET "/v2/_catalog"
	expect_code 200
	jq -e --arg p "$REPO/" '[.repositories[] | select(startswith($p))] == [$p+"a", $p+"b", $p+"c"]' <<<"$BODY"
	req GET "/v2/_catalog?n=1&last=$REPO/a"
	expect_code 200
	[ "$(jq -c .repositories <<<"$BODY")" = "[\"$REPO/b\"]" ]
	[[ $(header Link) == *"rel=\"next\""* ]]
}

@test "subject: OCI-Subject on push, the referrers API with artifactType filtering" {
	berth_only "no referrers API and no subject"
	push_image "$REPO" base
	subject=$MDIGEST
	blob "$T/empty" '{}'
	push_blob "$REPO" "$T/empty"
	for kind in sbom sig; do
		printf '{"schemaVersion":2,"mediaType":"%s","artifactType":"application/vnd.example.%s","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"%s","size":2},"layers":[],"subject":{"mediaType":"%s","digest":"%s","size":%s},"annotations":{"kind":"%s"}}' \
			"$OCI_MANIFEST" "$kind" "$(digest_of "$T/empty")" "$OCI_MANIFEST" "$subject" "$(size_of "$MANIFEST")" "$kind" >"$T/$kind"
		req PUT "/v2/$REPO/manifests/$(digest_of "$T/$kind")" -H "Content-Type: $OCI_MANIFEST" --data-binary "@$T/$kind"
		expect_code 201
		expect_header OCI-Subject "$subject"
	done
	req GET "/v2/$REPO/referrers/$subject"
	expect_code 200
	expect_header Content-Type "$OCI_INDEX"
	[ "$(jq '.manifests | length' <<<"$BODY")" = 2 ]
	jq -e --arg d "$(digest_of "$T/sbom")" '.manifests[] | select(.digest == $d) | .artifactType == "application/vnd.example.sbom" and .annotations.kind == "sbom"' <<<"$BODY"
	req GET "/v2/$REPO/referrers/$subject?artifactType=application/vnd.example.sig"
	expect_code 200
	expect_header OCI-Filters-Applied artifactType
	[ "$(jq -r '.manifests[0].digest' <<<"$BODY")" = "$(digest_of "$T/sig")" ]
	[ "$(jq '.manifests | length' <<<"$BODY")" = 1 ]
	req GET "/v2/$REPO/referrers/sha256:$(printf 'c%.0s' $(seq 64))"
	expect_code 200
	[ "$(jq '.manifests | length' <<<"$BODY")" = 0 ]
	req GET "/v2/$REPO/referrers/sha256:bad"
	expect_error 400 DIGEST_INVALID
}

@test "deletes: a tag, a manifest by digest (its tags go too), a blob" {
	push_image "$REPO" v1
	req PUT "/v2/$REPO/manifests/v2" -H "Content-Type: $OCI_MANIFEST" --data-binary "@$MANIFEST"
	if [ "$REGISTRY_SERVER" = berth ]; then
		req DELETE "/v2/$REPO/manifests/v2"
		expect_code 202
		req GET "/v2/$REPO/manifests/v2"
		expect_error 404 MANIFEST_UNKNOWN
	fi
	req DELETE "/v2/$REPO/manifests/$MDIGEST"
	expect_code 202
	req GET "/v2/$REPO/manifests/$MDIGEST"
	expect_error 404 MANIFEST_UNKNOWN
	req GET "/v2/$REPO/manifests/v1"
	expect_error 404 MANIFEST_UNKNOWN
	req DELETE "/v2/$REPO/blobs/$(digest_of "$T/layer")"
	expect_code 202
	req_head "/v2/$REPO/blobs/$(digest_of "$T/layer")"
	expect_code 404
	req DELETE "/v2/$REPO/blobs/$(digest_of "$T/layer")"
	expect_error 404 BLOB_UNKNOWN
}

@test "berth: deletes disabled and read-only mode answer 405 UNSUPPORTED" {
	berth_only "started with its own flags here"
	server_start "$T/ro" --read-only
	req POST "/v2/$REPO/blobs/uploads/"
	expect_error 405 UNSUPPORTED
	req GET /v2/
	expect_code 200
	server_stop "$T/ro"
	server_start "$T/nodelete"
	blob "$T/b" x
	push_blob "$REPO" "$T/b"
	req DELETE "/v2/$REPO/blobs/$(digest_of "$T/b")"
	expect_error 405 UNSUPPORTED
	server_stop "$T/nodelete"
}

@test "berth: a manifest over the size limit is 413, from a config file" {
	berth_only "berth's config file"
	cat >"$T/config.yml" <<-EOF
		delete:
		  enabled: true
		limits:
		  max_manifest_size: 100
		log:
		  format: logfmt
	EOF
	server_start "$T/limits" --config "$T/config.yml"
	head -c 200 /dev/zero | tr '\0' ' ' >"$T/big"
	req PUT "/v2/$REPO/manifests/v1" -H "Content-Type: $OCI_MANIFEST" --data-binary "@$T/big"
	expect_code 413
	grep -q 'method=PUT .*status=413' "$T/limits/access.log"
	server_stop "$T/limits"
	printf 'limits:\n  max_manifest_sise: 1\n' >"$T/typo.yml"
	run "$BERTH" registry serve --config "$T/typo.yml" --storage "$T/typo"
	[ "$status" -eq 125 ]
	[[ $output == *'unknown setting "limits.max_manifest_sise"'* ]]
}

@test "berth: one JSON access log line per request; SIGTERM stops the server with status 0" {
	berth_only "berth's access log"
	server_start "$T/log"
	req GET "/v2/$REPO/tags/list"
	pid=$(cat "$T/log/pid")
	kill -TERM "$pid"
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$pid" 2>/dev/null
	wait "$pid" || { echo "exit status $?" >&2; false; }
	jq -e --arg p "/v2/$REPO/tags/list" 'select(.path == $p) | .method == "GET" and .status == 404 and .route == "tags" and (.duration_ms | type) == "number"' "$T/log/access.log"
	grep -q 'stopping' "$T/log/server.log"
}

# The images of tests/lib/make-test-images.sh, built once per file.
test_images() {
	IMAGES=$BATS_FILE_TMPDIR/images
	[ -f "$IMAGES/facts.json" ] || "$LIB/make-test-images.sh" build "$IMAGES" >/dev/null
}

@test "skopeo copies images to the registry and back, byte for byte" {
	test_images
	skopeo copy --dest-tls-verify=false "oci:$IMAGES/multi-gzip:latest" "docker://$HOSTPORT/$REPO/multi:gzip"
	skopeo copy --all --dest-tls-verify=false "oci:$IMAGES/multiarch:latest" "docker://$HOSTPORT/$REPO/multiarch:latest"
	skopeo copy --src-tls-verify=false "docker://$HOSTPORT/$REPO/multi:gzip" "oci:$T/back:latest"
	want=$(jq -r '.manifests[0].digest' "$IMAGES/multi-gzip/index.json")
	[ "$(jq -r '.manifests[0].digest' "$T/back/index.json")" = "$want" ]
	skopeo copy --all --src-tls-verify=false "docker://$HOSTPORT/$REPO/multiarch:latest" "oci:$T/multiarch:latest"
	[ "$(jq -r '.manifests[0].digest' "$T/multiarch/index.json")" = "$(jq -r '.manifests[0].digest' "$IMAGES/multiarch/index.json")" ]
}

# podman with a store of its own under $T/podman (vfs, no host configuration).
pm() {
	local d=$T/podman
	if [ ! -f "$d/containers.conf" ]; then
		mkdir -p "$d"/{root,runroot,tmp}
		printf '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\ntmp_dir = "%s/tmp"\n[containers]\ndefault_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]\n' "$d" >"$d/containers.conf"
		printf '[storage]\ndriver = "vfs"\nrunroot = "%s/runroot"\ngraphroot = "%s/root"\n' "$d" "$d" >"$d/storage.conf"
	fi
	CONTAINERS_CONF=$d/containers.conf CONTAINERS_STORAGE_CONF=$d/storage.conf \
		CONTAINERS_REGISTRIES_CONF=$T/no-registries.conf \
		podman --root "$d/root" --runroot "$d/runroot" --storage-driver vfs \
		--cgroup-manager cgroupfs --events-backend file "$@"
}

@test "podman pushes (OCI and Docker formats) and pulls through the registry" {
	test_images
	: >"$T/no-registries.conf"
	# (podman names an oci: image after its path, which may not be a valid name here)
	skopeo copy --dest-tls-verify=false "oci:$IMAGES/plain:latest" "docker://$HOSTPORT/$REPO/plain:src"
	pm pull -q --tls-verify=false "$HOSTPORT/$REPO/plain:src" >/dev/null
	id=$(pm images -q | head -1)
	pm push --tls-verify=false "$id" "$HOSTPORT/$REPO/plain:oci"
	pm push --tls-verify=false --format v2s2 "$id" "$HOSTPORT/$REPO/plain:docker"
	req_head "/v2/$REPO/plain/manifests/docker" -H "Accept: $DOCKER_MANIFEST"
	expect_header Content-Type "$DOCKER_MANIFEST"
	pm rmi -a -f >/dev/null
	pm pull --tls-verify=false "$HOSTPORT/$REPO/plain:oci"
	pm pull --tls-verify=false "$HOSTPORT/$REPO/plain:docker"
	pm rmi -a -f >/dev/null
}

berth_cli() {
	CONTAINERS_REGISTRIES_CONF=$T/no-registries.conf "$BERTH" --root "$T/root" --runroot "$T/run" "$@"
}

@test "berth pushes (whole and in chunks, with mounts) and pulls through the registry" {
	test_images
	: >"$T/no-registries.conf"
	skopeo copy --dest-tls-verify=false "oci:$IMAGES/multi-gzip:latest" "docker://$HOSTPORT/$REPO/multi:gzip"
	run berth_cli pull --tls-verify=false "$HOSTPORT/$REPO/multi:gzip"
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	id=$(printf '%s\n' "$output" | tail -n 1)
	berth_cli push --tls-verify=false "$HOSTPORT/$REPO/multi:gzip" "$HOSTPORT/$REPO/copy:v1"
	berth_cli push --tls-verify=false --chunk-size 4096 "$HOSTPORT/$REPO/multi:gzip" "$HOSTPORT/$REPO/chunked:v1"
	rm -rf "$T/root" "$T/run"
	run berth_cli pull --tls-verify=false "$HOSTPORT/$REPO/chunked:v1"
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	[ "$(printf '%s\n' "$output" | tail -n 1)" = "$id" ]
}
