# registry-env.sh: a throwaway Debian docker-registry (distribution 2.8) on 127.0.0.1 for e2e
# tests. Source it, then:
#
# registry_start [--htpasswd USER:PASS] [--token USER:PASS]
#         starts a registry on a free port with its storage in a temporary directory (deletes
#         enabled); with --htpasswd it asks for basic auth, with --token it sends clients to a
#         token server (tests/lib/token-server.py) that grants USER:PASS everything and anonymous
#         clients nothing. Waits until /v2/ answers and exports REGISTRY=127.0.0.1:PORT,
#         REGISTRY_DIR (the storage root) and REGISTRY_TMP (config, keys, logs).
# registry_stop
#         stops what registry_start started and removes its temporary directory.
#
# Plain http: clients need --tls-verify=false (berth, podman, skopeo --dest-tls-verify=false).
# Needs docker-registry, curl, python3, openssl, and htpasswd (Debian's apache2-utils).

REGISTRY_ENV_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# A TCP port nobody listens on now (the kernel's choice for port 0).
registry_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits up to 10 s for URL to answer with any HTTP status.
registry_wait_http() {
	local url=$1 i
	for i in $(seq 100); do
		if [ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" != 000 ]; then
			return 0
		fi
		sleep 0.1
	done
	echo "registry-env: $url did not answer" >&2
	return 1
}

registry_start() {
	local htpasswd="" token=""
	while [ $# -gt 0 ]; do
		case $1 in
		--htpasswd) htpasswd=$2; shift 2 ;;
		--token) token=$2; shift 2 ;;
		*) echo "registry_start: unknown option $1" >&2; return 1 ;;
		esac
	done
	REGISTRY_TMP=$(mktemp -d /tmp/berth-registry.XXXXXX)
	REGISTRY_DIR=$REGISTRY_TMP/storage
	REGISTRY_PIDS=""
	mkdir -p "$REGISTRY_DIR"
	local auth=""
	if [ -n "$htpasswd" ]; then
		htpasswd -Bbn "${htpasswd%%:*}" "${htpasswd#*:}" >"$REGISTRY_TMP/htpasswd" || return 1
		auth="auth:
  htpasswd:
    realm: berth-test
    path: $REGISTRY_TMP/htpasswd"
	elif [ -n "$token" ]; then
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=berth-test-token \
			-keyout "$REGISTRY_TMP/token.key" -out "$REGISTRY_TMP/token.crt" 2>/dev/null || return 1
		python3 "$REGISTRY_ENV_LIB/token-server.py" --key "$REGISTRY_TMP/token.key" \
			--cert "$REGISTRY_TMP/token.crt" --issuer berth-test-issuer --user "$token" \
			--port-file "$REGISTRY_TMP/token.port" --log "$REGISTRY_TMP/token.log" \
			</dev/null >>"$REGISTRY_TMP/token.log" 2>&1 3>&- &
		REGISTRY_PIDS="$REGISTRY_PIDS $!"
		local i
		for i in $(seq 100); do
			[ -s "$REGISTRY_TMP/token.port" ] && break
			sleep 0.1
		done
		if [ ! -s "$REGISTRY_TMP/token.port" ]; then
			echo "registry-env: the token server did not start:" >&2
			cat "$REGISTRY_TMP/token.log" >&2
			registry_stop
			return 1
		fi
		REGISTRY_TOKEN_REALM=http://127.0.0.1:$(cat "$REGISTRY_TMP/token.port")/token
		auth="auth:
  token:
    realm: $REGISTRY_TOKEN_REALM
    service: berth-test-registry
    issuer: berth-test-issuer
    rootcertbundle: $REGISTRY_TMP/token.crt"
	fi
	local port
	port=$(registry_free_port)
	cat >"$REGISTRY_TMP/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: berth-test-secret
$auth
EOF
	# The registry reads every REGISTRY_* variable as configuration (REGISTRY_AUTH_FILE, which
	# podman and berth read, would become auth.file): start it without them.
	local unset_vars=() v
	for v in $(compgen -e); do
		case $v in REGISTRY | REGISTRY_*) unset_vars+=(-u "$v") ;; esac
	done
	env "${unset_vars[@]}" docker-registry serve "$REGISTRY_TMP/config.yml" </dev/null >>"$REGISTRY_TMP/registry.log" 2>&1 3>&- &
	REGISTRY_PIDS="$REGISTRY_PIDS $!"
	REGISTRY=127.0.0.1:$port
	export REGISTRY REGISTRY_DIR REGISTRY_TMP REGISTRY_PIDS
	[ -z "$token" ] || export REGISTRY_TOKEN_REALM
	if ! registry_wait_http "http://$REGISTRY/v2/"; then
		cat "$REGISTRY_TMP/registry.log" >&2
		registry_stop
		return 1
	fi
}

registry_stop() {
	local pid
	for pid in $REGISTRY_PIDS; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $REGISTRY_PIDS; do
		# Not a child of this shell when called from another bats hook: poll instead of wait.
		local i
		for i in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
	done
	REGISTRY_PIDS=""
	if [ -n "${REGISTRY_TMP:-}" ] && [ -d "$REGISTRY_TMP" ]; then
		rm -rf "$REGISTRY_TMP"
	fi
	unset REGISTRY REGISTRY_DIR REGISTRY_TMP REGISTRY_TOKEN_REALM
}
