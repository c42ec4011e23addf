#!/usr/bin/env bats
# berth registry serve, the operator's side: htpasswd basic auth, bearer tokens (the built-in
# issuer and an external one: tests/lib/token-server.py), scopes, TLS, garbage collection
# (`berth registry gc` and the server's own), /metrics, limits and slow clients. Real clients
# (skopeo, podman, berth) log in and push/pull. Every server binds 127.0.0.1 on a free port and
# is stopped in teardown.

bats_require_minimum_version 1.5.0

E2E_DIR=$BATS_TEST_DIRNAME
REPO_ROOT=$(cd "$E2E_DIR/../.." && pwd)
LIB=$REPO_ROOT/tests/lib
RUNTIME=${RUNTIME:-$REPO_ROOT/build/berth-runtime}
BERTH=${BERTH:-$(dirname "$RUNTIME")/berth}
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-180}

# shellcheck source=../lib/registry-env.sh
source "$LIB/registry-env.sh"

OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
OCI_CONFIG=application/vnd.oci.image.config.v1+json
OCI_LAYER=application/vnd.oci.image.layer.v1.tar+gzip

setup_file() {
	[ -x "$BERTH" ] || { echo "berth not found: $BERTH" >&2; return 1; }
	IMAGES=$BATS_FILE_TMPDIR/images
	"$LIB/make-test-images.sh" build "$IMAGES" >/dev/null
	export IMAGES
}

setup() {
	T=$BATS_TEST_TMPDIR
	SERVERS=""
	: >"$T/no-registries.conf"
	export CONTAINERS_REGISTRIES_CONF=$T/no-registries.conf REGISTRY_AUTH_FILE=$T/auth.json
}

teardown() {
	local dir
	for dir in $SERVERS; do server_stop "$dir"; done
	registry_stop
}

# server_start DIR [FLAGS...]: berth registry serve on a free port with its storage under DIR;
# sets URL (http or https after --tls-cert), HOSTPORT.
server_start() {
	local dir=$1 port scheme=http a
	shift
	mkdir -p "$dir"
	for a in "$@"; do [ "$a" = --tls-cert ] && scheme=https; done
	port=$(registry_free_port)
	"$BERTH" registry serve --addr "127.0.0.1:$port" --storage "$dir/storage" \
		--access-log "$dir/access.log" "$@" </dev/null >"$dir/server.log" 2>&1 3>&- &
	echo $! >"$dir/pid"
	SERVERS="$SERVERS $dir"
	URL=$scheme://127.0.0.1:$port
	HOSTPORT=127.0.0.1:$port
	local i
	for i in $(seq 100); do
		[ "$(curl -sk -o /dev/null -w '%{http_code}' "$URL/v2/")" != 000 ] && return 0
		kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
		sleep 0.1
	done
	cat "$dir/server.log" >&2
	return 1
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

# req METHOD PATH [CURL ARGS...]: sets CODE, BODY; headers in $T/headers.
req() {
	local method=$1 path=$2
	shift 2
	CODE=$(curl -sk -X "$method" -o "$T/body" -D "$T/headers" -w '%{http_code}' "$@" "$URL$path" || true)
	BODY=$(cat "$T/body")
}

header() {
	awk -v n="$(echo "$1" | tr 'A-Z' 'a-z')" '{ split($0, a, ":"); if (tolower(a[1]) == n) { sub(/^[^:]*:[ \t]*/, ""); sub(/\r$/, ""); print; exit } }' "$T/headers"
}

expect_code() {
	[ "$CODE" = "$1" ] || { echo "expected HTTP $1, got $CODE: $BODY" >&2; cat "$T/headers" >&2; return 1; }
}

expect_error() {
	expect_code "$1"
	[ "$(jq -r '.errors[0].code' <<<"$BODY")" = "$2" ] || { echo "expected $2: $BODY" >&2; return 1; }
}

digest_of() {
	echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"
}

# push_blob REPO FILE [CURL ARGS...]: a monolithic upload, 201 expected.
push_blob() {
	local repo=$1 file=$2
	shift 2
	req POST "/v2/$repo/blobs/uploads/?digest=$(digest_of "$file")" "$@" \
		-H 'Content-Type: application/octet-stream' --data-binary "@$file"
	expect_code 201
}

# push_image REPO TAG [CURL ARGS...]: a config, a layer and a manifest tagged TAG; sets
# MANIFEST, CONFIG, LAYER (files).
push_image() {
	local repo=$1 tag=$2
	shift 2
	CONFIG=$T/config-$tag LAYER=$T/layer-$tag MANIFEST=$T/manifest-$tag
	printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"t":"%s"}' "$tag" >"$CONFIG"
	printf 'layer %s %s' "$repo" "$tag" >"$LAYER"
	push_blob "$repo" "$CONFIG" "$@"
	push_blob "$repo" "$LAYER" "$@"
	printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"%s","digest":"%s","size":%s},"layers":[{"mediaType":"%s","digest":"%s","size":%s}]}' \
		"$OCI_MANIFEST" "$OCI_CONFIG" "$(digest_of "$CONFIG")" "$(stat -c %s "$CONFIG")" \
		"$OCI_LAYER" "$(digest_of "$LAYER")" "$(stat -c %s "$LAYER")" >"$MANIFEST"
	req PUT "/v2/$repo/manifests/$tag" "$@" -H "Content-Type: $OCI_MANIFEST" --data-binary "@$MANIFEST"
	expect_code 201
}

berth_cli() {
	"$BERTH" --root "$T/root" --runroot "$T/run" "$@"
}

# clients_push_pull: skopeo, podman and berth push to and pull from $HOSTPORT with the
# credentials in $REGISTRY_AUTH_FILE (TLS not verified).
clients_push_pull() {
	[ -f "$REGISTRY_AUTH_FILE" ] || echo '{}' >"$REGISTRY_AUTH_FILE"
	skopeo copy --dest-tls-verify=false "oci:$IMAGES/multi-gzip:latest" "docker://$HOSTPORT/clients/multi:skopeo"
	skopeo copy --src-tls-verify=false "docker://$HOSTPORT/clients/multi:skopeo" "oci:$T/back:latest"
	[ "$(jq -r '.manifests[0].digest' "$T/back/index.json")" = "$(jq -r '.manifests[0].digest' "$IMAGES/multi-gzip/index.json")" ]
	run berth_cli pull --tls-verify=false "$HOSTPORT/clients/multi:skopeo"
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	berth_cli push --tls-verify=false "$HOSTPORT/clients/multi:skopeo" "$HOSTPORT/clients/copy:berth"
	mkdir -p "$T/podman"/{root,runroot,tmp}
	printf '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\ntmp_dir = "%s/tmp"\n[containers]\ndefault_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]\n' "$T/podman" >"$T/podman/containers.conf"
	pm() {
		CONTAINERS_CONF=$T/podman/containers.conf podman --root "$T/podman/root" \
			--runroot "$T/podman/runroot" --storage-driver vfs --cgroup-manager cgroupfs \
			--events-backend file "$@"
	}
	pm pull -q --tls-verify=false "$HOSTPORT/clients/copy:berth" >/dev/null
	pm push --tls-verify=false "$HOSTPORT/clients/copy:berth" "$HOSTPORT/clients/copy:podman"
	pm rmi -a -f >/dev/null
	pm pull -q --tls-verify=false "$HOSTPORT/clients/copy:podman" >/dev/null
	pm rmi -a -f >/dev/null
}

htpasswd_file() {
	htpasswd -Bbn alice wonderland >"$T/htpasswd"
	htpasswd -Bbn bob builder >>"$T/htpasswd"
}

@test "htpasswd: 401 with a Basic challenge and UNAUTHORIZED, bcrypt users get in" {
	htpasswd_file
	server_start "$T/s" --htpasswd "$T/htpasswd"
	req GET /v2/
	expect_error 401 UNAUTHORIZED
	[ "$(header WWW-Authenticate)" = 'Basic realm="berth-registry"' ]
	req GET /v2/ -u alice:looking-glass
	expect_error 401 UNAUTHORIZED
	req GET /v2/ -u nobody:wonderland
	expect_error 401 UNAUTHORIZED
	req GET /v2/ -u alice:wonderland
	expect_code 200
	req GET /v2/ -u bob:builder
	expect_code 200
	push_image auth/a v1 -u alice:wonderland
	req GET /v2/auth/a/manifests/v1 -H "Accept: $OCI_MANIFEST"
	expect_error 401 UNAUTHORIZED
	req GET /v2/auth/a/manifests/v1 -u bob:builder -H "Accept: $OCI_MANIFEST"
	expect_code 200
	cmp "$T/body" "$MANIFEST"
}

@test "htpasswd: berth, skopeo and podman log in, push and pull" {
	htpasswd_file
	server_start "$T/s" --htpasswd "$T/htpasswd"
	run -125 "$BERTH" login --tls-verify=false -u alice -p wrong "$HOSTPORT"
	"$BERTH" login --tls-verify=false -u alice -p wonderland "$HOSTPORT"
	clients_push_pull
}

# token_config FILE [EXTRA YAML]: the built-in issuer with $T/htpasswd's users.
token_config() {
	cat >"$1" <<-EOF
		auth:
		  htpasswd:
		    path: $T/htpasswd
		  token:
		    builtin: true
		    anonymous_pull: true
		    service: berth-test
		    issuer: berth-test-issuer
	EOF
}

# token USER:PASS|"" SCOPE...: a token from $URL/token (the built-in issuer).
token() {
	local creds=$1 scopes="" s
	shift
	for s in "$@"; do scopes="$scopes&scope=$s"; done
	curl -skf ${creds:+-u "$creds"} "$URL/token?service=berth-test$scopes" | jq -r .token
}

@test "built-in token issuer: Bearer challenge with realm, service and scope; scopes enforced with 403 DENIED" {
	htpasswd_file
	token_config "$T/config.yml"
	server_start "$T/s" --config "$T/config.yml"
	req GET /v2/
	expect_error 401 UNAUTHORIZED
	[ "$(header WWW-Authenticate)" = "Bearer realm=\"$URL/token\",service=\"berth-test\"" ]
	req POST /v2/tok/a/blobs/uploads/
	expect_error 401 UNAUTHORIZED
	[ "$(header WWW-Authenticate)" = "Bearer realm=\"$URL/token\",service=\"berth-test\",scope=\"repository:tok/a:pull,push\"" ]
	# wrong password at the issuer
	run curl -sk -o /dev/null -w '%{http_code}' -u alice:nope "$URL/token?service=berth-test&scope=repository:tok/a:pull"
	[ "$output" = 401 ]
	# alice may push with a push token
	tok=$(token alice:wonderland repository:tok/a:pull,push)
	[ -n "$tok" ]
	push_image tok/a v1 -H "Authorization: Bearer $tok"
	# a pull-only token pulls but may not push or delete
	pull=$(token alice:wonderland repository:tok/a:pull)
	req GET /v2/tok/a/manifests/v1 -H "Authorization: Bearer $pull" -H "Accept: $OCI_MANIFEST"
	expect_code 200
	req POST /v2/tok/a/blobs/uploads/ -H "Authorization: Bearer $pull"
	expect_error 403 DENIED
	req DELETE "/v2/tok/a/manifests/$(digest_of "$MANIFEST")" -H "Authorization: Bearer $pull"
	expect_error 403 DENIED
	# the scope names one repository
	req GET /v2/tok/other/tags/list -H "Authorization: Bearer $pull"
	expect_error 403 DENIED
	# anonymous clients get pull only (anonymous_pull), the catalog needs registry:catalog:*
	anon=$(token "" repository:tok/a:pull,push registry:catalog:*)
	req GET /v2/tok/a/tags/list -H "Authorization: Bearer $anon"
	expect_code 200
	req POST /v2/tok/a/blobs/uploads/ -H "Authorization: Bearer $anon"
	expect_error 403 DENIED
	req GET /v2/_catalog -H "Authorization: Bearer $anon"
	expect_error 403 DENIED
	cat=$(token alice:wonderland 'registry:catalog:*')
	req GET /v2/_catalog -H "Authorization: Bearer $cat"
	expect_code 200
	# tampered and foreign tokens are refused with invalid_token
	# (a character in the middle of the signature: the last one may carry unused bits)
	local sig=${pull##*.} mid replaced
	mid=$((${#sig} / 2))
	replaced=A
	[ "${sig:mid:1}" != A ] || replaced=B
	req GET /v2/tok/a/tags/list -H "Authorization: Bearer ${pull%.*}.${sig:0:mid}${replaced}${sig:mid+1}"
	expect_error 401 UNAUTHORIZED
	[[ $(header WWW-Authenticate) == *'error="invalid_token"'* ]]
	req GET /v2/tok/a/tags/list -H "Authorization: Bearer abc.def.ghi"
	expect_error 401 UNAUTHORIZED
	# the claims: ES256, issuer, audience, subject, access
	jwt_part() { python3 -c 'import sys, base64; p = sys.argv[1].split(".")[int(sys.argv[2])]; print(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)).decode())' "$1" "$2"; }
	[ "$(jwt_part "$tok" 0 | jq -r .alg)" = ES256 ]
	jwt_part "$tok" 1 | jq -e '.iss == "berth-test-issuer" and .aud == "berth-test" and .sub == "alice" and .access == [{"type":"repository","name":"tok/a","actions":["pull","push"]}] and .exp > .iat'
}

@test "built-in token issuer: berth, skopeo and podman log in, push and pull" {
	htpasswd_file
	token_config "$T/config.yml"
	server_start "$T/s" --config "$T/config.yml"
	"$BERTH" login --tls-verify=false -u alice -p wonderland "$HOSTPORT"
	clients_push_pull
}

@test "external issuer (token-server.py, RS256 with x5c): its tokens are verified against rootcertbundle" {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=t -keyout "$T/token.key" -out "$T/token.crt" 2>/dev/null
	python3 "$LIB/token-server.py" --key "$T/token.key" --cert "$T/token.crt" --issuer ext-issuer \
		--user alice:wonderland --port-file "$T/token.port" </dev/null >"$T/token.log" 2>&1 3>&- &
	echo $! >"$T/token.pid"
	REGISTRY_PIDS=$(cat "$T/token.pid") # registry_stop stops it in teardown
	for i in $(seq 100); do [ -s "$T/token.port" ] && break; sleep 0.1; done
	realm=http://127.0.0.1:$(cat "$T/token.port")/token
	cat >"$T/config.yml" <<-EOF
		auth:
		  token:
		    realm: $realm
		    service: ext-registry
		    issuer: ext-issuer
		    rootcertbundle: $T/token.crt
	EOF
	server_start "$T/s" --config "$T/config.yml"
	req GET /v2/
	[ "$(header WWW-Authenticate)" = "Bearer realm=\"$realm\",service=\"ext-registry\"" ]
	req GET /token
	expect_code 404
	tok=$(curl -sf -u alice:wonderland "$realm?service=ext-registry&scope=repository:ext/a:pull,push" | jq -r .token)
	push_image ext/a v1 -H "Authorization: Bearer $tok"
	anon=$(curl -sf "$realm?service=ext-registry&scope=repository:ext/a:pull" | jq -r .token)
	req GET /v2/ext/a/tags/list -H "Authorization: Bearer $anon"
	expect_error 403 DENIED
	# a token for another service (audience) is refused
	other=$(curl -sf -u alice:wonderland "$realm?service=elsewhere&scope=repository:ext/a:pull" | jq -r .token)
	req GET /v2/ext/a/tags/list -H "Authorization: Bearer $other"
	expect_error 401 UNAUTHORIZED
	# a token signed by a key the bundle does not trust is refused
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=t -keyout "$T/evil.key" -out "$T/evil.crt" 2>/dev/null
	python3 "$LIB/token-server.py" --key "$T/evil.key" --cert "$T/evil.crt" --issuer ext-issuer \
		--user alice:wonderland --port-file "$T/evil.port" </dev/null >"$T/evil.log" 2>&1 3>&- &
	REGISTRY_PIDS="$REGISTRY_PIDS $!"
	for i in $(seq 100); do [ -s "$T/evil.port" ] && break; sleep 0.1; done
	evil=$(curl -sf -u alice:wonderland "http://127.0.0.1:$(cat "$T/evil.port")/token?service=ext-registry&scope=repository:ext/a:pull" | jq -r .token)
	req GET /v2/ext/a/tags/list -H "Authorization: Bearer $evil"
	expect_error 401 UNAUTHORIZED
	"$BERTH" login --tls-verify=false -u alice -p wonderland "$HOSTPORT"
	clients_push_pull
}

@test "read-only mode with auth: pulls work, pushes are 405 UNSUPPORTED" {
	htpasswd_file
	server_start "$T/rw" --htpasswd "$T/htpasswd"
	push_image ro/a v1 -u alice:wonderland
	server_stop "$T/rw"
	server_start "$T/rw" --htpasswd "$T/htpasswd" --read-only
	req GET /v2/ro/a/manifests/v1 -u alice:wonderland -H "Accept: $OCI_MANIFEST"
	expect_code 200
	req POST /v2/ro/a/blobs/uploads/ -u alice:wonderland
	expect_error 405 UNSUPPORTED
	req POST /v2/ro/a/blobs/uploads/
	expect_error 401 UNAUTHORIZED
}

@test "TLS: https with a self-signed certificate; curl with the CA, clients without verification" {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$T/tls.key" -out "$T/tls.crt" 2>/dev/null
	server_start "$T/s" --tls-cert "$T/tls.crt" --tls-key "$T/tls.key"
	[[ $URL == https://* ]]
	run curl -s -o /dev/null -w '%{http_code}' --cacert "$T/tls.crt" "$URL/v2/"
	[ "$output" = 200 ]
	run curl -s -o /dev/null "$URL/v2/"
	[ "$status" -ne 0 ] # not trusted without the CA
	run curl -s -o /dev/null -w '%{http_code}' "http://$HOSTPORT/v2/"
	[ "$output" != 200 ]
	push_image tls/a v1 --cacert "$T/tls.crt"
	clients_push_pull
	# skopeo with the CA instead of no verification
	mkdir -p "$T/certs" && cp "$T/tls.crt" "$T/certs/ca.crt"
	skopeo inspect --cert-dir "$T/certs" "docker://$HOSTPORT/clients/multi:skopeo" >/dev/null
	grep -q https "$T/s/server.log"
}

@test "gc: unreferenced blobs go, referenced and young ones stay; dry run removes nothing" {
	server_start "$T/s" --delete-enabled
	push_image gc/a v1
	kept_layer=$LAYER
	push_image gc/a v2
	v2_manifest=$MANIFEST v2_layer=$LAYER
	printf 'orphan' >"$T/orphan"
	push_blob gc/a "$T/orphan"
	# v2's manifest is deleted: its layer becomes collectable
	req DELETE "/v2/gc/a/manifests/$(digest_of "$v2_manifest")"
	expect_code 202
	blob_file() { echo "$T/s/storage/blobs/sha256/$(digest_of "$1" | cut -d: -f2)"; }
	# with the default grace period (1h) everything is young: nothing goes
	run "$BERTH" registry gc --storage "$T/s/storage"
	[ "$status" -eq 0 ]
	[[ $output == *"0 blobs (0 bytes) and 0 repository links removed"* ]]
	[ -f "$(blob_file "$T/orphan")" ]
	sleep 1.1
	run "$BERTH" registry gc --storage "$T/s/storage" --grace-period 0 --dry-run
	[ "$status" -eq 0 ]
	# the orphan, v2's layer, config and manifest
	[[ $output == "dry run: would be 4 blobs"* ]] || { echo "$output" >&2; false; }
	[ -f "$(blob_file "$T/orphan")" ]
	# while the registry serves
	run "$BERTH" registry gc --storage "$T/s/storage" --grace-period 0
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	[[ $output == "4 blobs"* ]]
	[ ! -e "$(blob_file "$T/orphan")" ]
	[ ! -e "$(blob_file "$v2_layer")" ]
	[ ! -e "$(blob_file "$v2_manifest")" ]
	[ -f "$(blob_file "$kept_layer")" ]
	req GET "/v2/gc/a/blobs/$(digest_of "$T/orphan")"
	expect_error 404 BLOB_UNKNOWN
	req GET "/v2/gc/a/blobs/$(digest_of "$kept_layer")"
	expect_code 200
	req GET /v2/gc/a/manifests/v1 -H "Accept: $OCI_MANIFEST"
	expect_code 200
	# the blob can be pushed again
	push_blob gc/a "$T/orphan"
}

@test "gc: a push in progress loses nothing (blobs before their manifest, an open upload session)" {
	server_start "$T/s"
	printf 'first layer' >"$T/l1"
	push_blob gc/p "$T/l1"
	req POST /v2/gc/p/blobs/uploads/
	expect_code 202
	loc=$(header Location)
	printf 'chunk one,' >"$T/c1"
	req PATCH "$loc" -H 'Content-Type: application/octet-stream' -H 'Content-Range: 0-9' --data-binary "@$T/c1"
	expect_code 202
	run "$BERTH" registry gc --storage "$T/s/storage"
	[ "$status" -eq 0 ]
	[[ $output == "0 blobs"* ]]
	printf 'chunk one,chunk two' >"$T/l2"
	printf 'chunk two' >"$T/c2"
	req PUT "$loc?digest=$(digest_of "$T/l2")" -H 'Content-Type: application/octet-stream' -H 'Content-Range: 10-18' --data-binary "@$T/c2"
	expect_code 201
	printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' >"$T/cfg"
	push_blob gc/p "$T/cfg"
	printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"%s","digest":"%s","size":%s},"layers":[{"mediaType":"%s","digest":"%s","size":%s},{"mediaType":"%s","digest":"%s","size":%s}]}' \
		"$OCI_MANIFEST" "$OCI_CONFIG" "$(digest_of "$T/cfg")" "$(stat -c %s "$T/cfg")" \
		"$OCI_LAYER" "$(digest_of "$T/l1")" "$(stat -c %s "$T/l1")" \
		"$OCI_LAYER" "$(digest_of "$T/l2")" "$(stat -c %s "$T/l2")" >"$T/m"
	req PUT /v2/gc/p/manifests/v1 -H "Content-Type: $OCI_MANIFEST" --data-binary "@$T/m"
	expect_code 201
	sleep 1.1
	run "$BERTH" registry gc --storage "$T/s/storage" --grace-period 0
	[[ $output == "0 blobs"* ]]
	req GET "/v2/gc/p/blobs/$(digest_of "$T/l2")"
	expect_code 200
}

@test "gc: the server collects every gc.interval; /metrics counts it" {
	cat >"$T/config.yml" <<-EOF
		delete:
		  enabled: true
		gc:
		  interval: 1s
		  grace_period: 0
	EOF
	server_start "$T/s" --config "$T/config.yml"
	push_image gci/a v1
	req DELETE "/v2/gci/a/manifests/$(digest_of "$MANIFEST")"
	expect_code 202
	f=$T/s/storage/blobs/sha256/$(digest_of "$LAYER" | cut -d: -f2)
	for i in $(seq 50); do [ -e "$f" ] || break; sleep 0.1; done
	[ ! -e "$f" ]
	req GET /metrics
	grep -Eq '^berth_registry_gc_runs_total [1-9]' "$T/body"
	grep -Eq '^berth_registry_gc_blobs_removed_total [1-9]' "$T/body"
}

@test "/metrics: requests by route, method and code, bytes in and out, in flight, upload sessions" {
	server_start "$T/s"
	push_image met/a v1
	req GET /v2/met/a/manifests/v1 -H "Accept: $OCI_MANIFEST"
	req GET /v2/met/a/manifests/nope -H "Accept: $OCI_MANIFEST"
	req POST /v2/met/a/blobs/uploads/
	req GET /metrics
	expect_code 200
	[[ $(header Content-Type) == text/plain\;\ version=0.0.4* ]]
	grep -qx 'berth_registry_http_requests_total{route="manifest",method="GET",code="200"} 1' "$T/body"
	grep -qx 'berth_registry_http_requests_total{route="manifest",method="GET",code="404"} 1' "$T/body"
	grep -qx 'berth_registry_http_requests_total{route="manifest",method="PUT",code="201"} 1' "$T/body"
	grep -qx 'berth_registry_http_requests_total{route="upload_start",method="POST",code="201"} 2' "$T/body"
	grep -qx "berth_registry_http_received_bytes_total{route=\"manifest\"} $(stat -c %s "$MANIFEST")" "$T/body"
	grep -Eq '^berth_registry_http_sent_bytes_total\{route="manifest"\} [1-9]' "$T/body"
	grep -qx 'berth_registry_http_requests_in_flight 1' "$T/body"
	grep -qx 'berth_registry_upload_sessions 1' "$T/body"
	grep -q '^# TYPE berth_registry_http_requests_total counter' "$T/body"
}

@test "limits: blob size 413 SIZE_INVALID (declared and streamed), manifest size 413 SIZE_INVALID" {
	cat >"$T/config.yml" <<-EOF
		limits:
		  max_blob_size: 1k
		  max_manifest_size: 200
	EOF
	server_start "$T/s" --config "$T/config.yml"
	head -c 2048 /dev/urandom >"$T/big"
	req POST "/v2/lim/a/blobs/uploads/?digest=$(digest_of "$T/big")" -H 'Content-Type: application/octet-stream' --data-binary "@$T/big"
	expect_error 413 SIZE_INVALID
	req POST /v2/lim/a/blobs/uploads/
	loc=$(header Location)
	req PATCH "$loc" -H 'Content-Type: application/octet-stream' -H 'Transfer-Encoding: chunked' --data-binary "@$T/big"
	expect_error 413 SIZE_INVALID
	head -c 300 /dev/zero | tr '\0' ' ' >"$T/m"
	req PUT /v2/lim/a/manifests/v1 -H "Content-Type: $OCI_MANIFEST" --data-binary "@$T/m"
	expect_error 413 SIZE_INVALID
	head -c 1000 /dev/urandom >"$T/ok"
	push_blob lim/a "$T/ok"
}

@test "slow clients: a connection that stops sending its headers is closed after connection_timeout" {
	cat >"$T/config.yml" <<-EOF
		limits:
		  connection_timeout: 2s
	EOF
	server_start "$T/s" --config "$T/config.yml"
	# half a request, then silence: the server must hang up by itself
	start=$(date +%s)
	run timeout 10 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Slow: ")
print(len(s.recv(100)))
' "${HOSTPORT#*:}"
	[ "$status" -eq 0 ]
	[ "$output" = 0 ] # EOF, no reply
	[ $(($(date +%s) - start)) -lt 8 ]
	req GET /v2/
	expect_code 200
}

@test "slow clients: headers trickled byte by byte are cut at header_timeout, a trickled request line at connection_timeout" {
	cat >"$T/config.yml" <<-EOF
		limits:
		  connection_timeout: 3s
		  header_timeout: 2s
	EOF
	server_start "$T/s" --config "$T/config.yml"
	# Each piece comes well within the idle timeout, so only a deadline on the whole head can
	# stop them: prints the seconds until the server hung up and what it answered.
	cat >"$T/trickle.py" <<-'EOF'
		import socket, sys, time
		port, mode = int(sys.argv[1]), sys.argv[2]
		s = socket.create_connection(("127.0.0.1", port))
		t0 = time.time()
		if mode == "headers":
		    first, pieces = b"GET /v2/ HTTP/1.1\r\nHost: x\r\n", [b"X-Slow-%d: y\r\n" % i for i in range(40)]
		else:
		    first, pieces = b"", [bytes([c]) for c in b"GET /v2/" + b"a" * 40]
		try:
		    s.sendall(first)
		    for p in pieces:
		        s.sendall(p)
		        time.sleep(0.5)
		    print("never cut", len(s.recv(100)))
		except (BrokenPipeError, ConnectionResetError):
		    cut = time.time() - t0
		    try:
		        answer = len(s.recv(100))
		    except ConnectionResetError:
		        answer = 0
		    print("cut after %d s, answer %d bytes" % (cut, answer))
	EOF
	run timeout 30 python3 "$T/trickle.py" "${HOSTPORT#*:}" headers
	[ "$status" -eq 0 ]
	[[ $output =~ ^cut\ after\ [234]\ s,\ answer\ 0\ bytes$ ]]
	run timeout 30 python3 "$T/trickle.py" "${HOSTPORT#*:}" line
	[ "$status" -eq 0 ]
	[[ $output =~ ^cut\ after\ [345]\ s,\ answer\ 0\ bytes$ ]]
	# a keep-alive client that sends its requests whole is served across both deadlines
	run timeout 30 python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for i in range(4):
    s.sendall(b"GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n")
    print(s.recv(4096).split(b"\r\n")[0].decode())
    time.sleep(1.5)
' "${HOSTPORT#*:}"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^HTTP/1.1 200 OK$' <<<"$output")" = 4 ]
	req GET /metrics
	expect_code 200
	[[ $BODY == *'berth_registry_slow_connections_closed_total 2'* ]]
}

@test "config: unknown keys and bad values are refused; auth needs its pieces" {
	printf 'auth:\n  token:\n    relm: x\n' >"$T/typo.yml"
	run -125 "$BERTH" registry serve --config "$T/typo.yml" --storage "$T/x"
	[[ $output == *'unknown setting "auth.token.relm"'* ]]
	printf 'gc:\n  interval: soon\n' >"$T/bad.yml"
	run -125 "$BERTH" registry serve --config "$T/bad.yml" --storage "$T/x"
	[[ $output == *'gc.interval: "soon" is not a duration'* ]]
	printf 'auth:\n  token:\n    rootcertbundle: /nonexistent\n' >"$T/norealm.yml"
	run -125 "$BERTH" registry serve --config "$T/norealm.yml" --storage "$T/x"
	[[ $output == *'auth.token.realm: required'* ]]
	printf 'tls:\n  certificate: /nonexistent\n' >"$T/tls.yml"
	run -125 "$BERTH" registry serve --config "$T/tls.yml" --storage "$T/x"
	[[ $output == *'tls: both a certificate and a key are needed'* ]]
	run -125 "$BERTH" registry serve --htpasswd /nonexistent --storage "$T/x" --addr 127.0.0.1:0
	[[ $output == *htpasswd* ]]
}
