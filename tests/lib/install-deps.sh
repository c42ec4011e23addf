#!/bin/bash
# install-deps.sh: install the Debian 12 packages berth's build and tests need, as root.
# Quiet and quick when everything is already there; `apt-get update` only when something is missing.
set -euo pipefail

packages=(
	meson ninja-build gcc pkg-config
	libjansson-dev libcap-dev libseccomp-dev
	# images and registries (src/image, src/registry)
	libssl-dev libcurl4-openssl-dev libarchive-dev libzstd-dev libisal-dev libsqlite3-dev
	# the registry server (berth registry serve): HTTP, its YAML config, bcrypt of htpasswd files
	libmicrohttpd-dev libyaml-dev libcrypt-dev
	# container networks: CNI plugins (bridge, host-local, portmap, firewall, loopback) and iptables
	iptables
	busybox-static bats jq sqlite3 runc crun file iproute2 python3 python3-jsonschema
	# real clients driving the runtime (tests/e2e/podman.bats, containerd.bats)
	podman containernetworking-plugins containerd curl
	# image tests: a registry, and the peers that push and pull with berth (tests/e2e/image-*.bats)
	docker-registry skopeo umoci zstd apache2-utils
	# docker, the other side of save and load (tests/e2e/image-docker.bats starts its own dockerd
	# on a temporary root, no bridge, no iptables; the package's docker.service is not used)
	docker.io
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) || status=
	[ "$status" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
