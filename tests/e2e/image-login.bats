#!/usr/bin/env bats
# berth login / logout against Debian's docker-registry with basic (htpasswd) and bearer-token
# auth: the credentials are checked before they are stored, stored like podman's auth.json
# (mode 0600), and removed again.

bats_require_minimum_version 1.5.0

REPO_ROOT=$(cd "$(dirname "$BATS_TEST_FILENAME")/../.." && pwd)
BERTH=${BERTH:-$REPO_ROOT/build/berth}
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}
source "$REPO_ROOT/tests/lib/registry-env.sh"

setup() {
	[ -x "$BERTH" ] || { echo "berth not found: $BERTH (build it or set BERTH)" >&2; return 1; }
	AUTH=$BATS_TEST_TMPDIR/auth.json
	export REGISTRY_AUTH_FILE=$BATS_TEST_TMPDIR/default-auth.json
}

teardown() {
	registry_stop
}

# The "auth" value stored for KEY in FILE, decoded.
stored_credentials() {
	jq -r --arg k "$2" '.auths[$k].auth' "$1" | base64 -d
}

@test "login to a basic-auth registry stores the credentials in a 0600 auth.json" {
	registry_start --htpasswd alice:wonderland
	run "$BERTH" login --tls-verify=false --authfile "$AUTH" -u alice -p wonderland "$REGISTRY"
	[ "$status" -eq 0 ]
	[ "$output" = "Login Succeeded!" ]
	[ "$(stat -c %a "$AUTH")" = 600 ]
	[ "$(stored_credentials "$AUTH" "$REGISTRY")" = alice:wonderland ]
}

@test "login with --password-stdin" {
	registry_start --htpasswd alice:wonderland
	run "$BERTH" login --tls-verify=false --authfile "$AUTH" -u alice --password-stdin \
		"$REGISTRY" <<<"wonderland"
	[ "$status" -eq 0 ]
	[ "$(stored_credentials "$AUTH" "$REGISTRY")" = alice:wonderland ]
}

@test "login with a wrong password fails and stores nothing" {
	registry_start --htpasswd alice:wonderland
	run -125 "$BERTH" login --tls-verify=false --authfile "$AUTH" -u alice -p looking-glass \
		"$REGISTRY"
	[[ $output == *"logging into \"$REGISTRY\""*"invalid username/password"* ]]
	[ ! -e "$AUTH" ]
}

@test "login to a token-auth registry" {
	registry_start --token alice:wonderland
	run "$BERTH" login --tls-verify=false --authfile "$AUTH" -u alice -p wonderland "$REGISTRY"
	[ "$status" -eq 0 ]
	[ "$output" = "Login Succeeded!" ]
	[ "$(stored_credentials "$AUTH" "$REGISTRY")" = alice:wonderland ]
}

@test "login to a token-auth registry with a wrong password fails" {
	registry_start --token alice:wonderland
	run -125 "$BERTH" login --tls-verify=false --authfile "$AUTH" -u alice -p nope "$REGISTRY"
	[[ $output == *"logging into \"$REGISTRY\""*"invalid username/password"* ]]
	[ ! -e "$AUTH" ]
}

@test "login needs --tls-verify=false for a plain-http registry" {
	registry_start --htpasswd alice:wonderland
	run -125 "$BERTH" login --authfile "$AUTH" -u alice -p wonderland "$REGISTRY"
	[[ $output == *"logging into \"$REGISTRY\""* ]]
	[ ! -e "$AUTH" ]
}

@test "login without a password and without a terminal asks for --password-stdin" {
	registry_start --htpasswd alice:wonderland
	run -125 "$BERTH" login --tls-verify=false --authfile "$AUTH" -u alice "$REGISTRY" </dev/null
	[[ $output == *"--password-stdin"* ]]
	[ ! -e "$AUTH" ]
}

@test "login uses REGISTRY_AUTH_FILE by default and keeps other entries" {
	registry_start --htpasswd alice:wonderland
	printf '{"auths": {"other.example:5000": {"auth": "%s"}}}\n' "$(printf bob:pw | base64)" \
		>"$REGISTRY_AUTH_FILE"
	run "$BERTH" login --tls-verify=false -u alice -p wonderland "http://$REGISTRY/"
	[ "$status" -eq 0 ]
	[ "$(stored_credentials "$REGISTRY_AUTH_FILE" "$REGISTRY")" = alice:wonderland ]
	[ "$(stored_credentials "$REGISTRY_AUTH_FILE" other.example:5000)" = bob:pw ]
}

@test "login to a registry without auth succeeds" {
	registry_start
	run "$BERTH" login --tls-verify=false --authfile "$AUTH" -u alice -p wonderland "$REGISTRY"
	[ "$status" -eq 0 ]
	[ "$output" = "Login Succeeded!" ]
}

@test "logout removes the credentials; a second logout fails" {
	registry_start --htpasswd alice:wonderland
	"$BERTH" login --tls-verify=false --authfile "$AUTH" -u alice -p wonderland "$REGISTRY"
	run "$BERTH" logout --authfile "$AUTH" "$REGISTRY"
	[ "$status" -eq 0 ]
	[ "$output" = "Removed login credentials for $REGISTRY" ]
	[ "$(jq -r --arg k "$REGISTRY" '.auths[$k]' "$AUTH")" = null ]
	run -125 "$BERTH" logout --authfile "$AUTH" "$REGISTRY"
	[[ $output == *"not logged into $REGISTRY"* ]]
}

@test "logout --all removes every registry's credentials" {
	printf '{"auths": {"a.example": {"auth": "YTpi"}, "b.example": {"auth": "YzpkCg=="}}}\n' \
		>"$AUTH"
	run "$BERTH" logout --authfile "$AUTH" --all
	[ "$status" -eq 0 ]
	[ "$(jq -c .auths "$AUTH")" = "{}" ]
	run -125 "$BERTH" logout --authfile "$AUTH" a.example
}

@test "login and logout usage errors" {
	run -125 "$BERTH" login
	[[ $output == *"missing registry name"* ]]
	run -125 "$BERTH" login -p x --password-stdin -u a example.com
	[[ $output == *"exclusive"* ]]
	run -125 "$BERTH" logout
	[[ $output == *"missing registry name"* ]]
}
