#!/usr/bin/env bats
# berth networks through the CNI plugins: --network bridge|NAME, -p/-P, port, /etc/hosts and
# resolv.conf, network create/ls/inspect/rm/connect/disconnect/prune. Every network here is
# --internal (no masquerade, no default route: nothing leaves the machine), with subnets of
# 10.77.240.0/20 that the tests name, so teardown can check that no veth, bridge, netns file,
# iptables rule or host-local lease of theirs remains.

load engine_helpers

net_setup() {
	[ -x /usr/lib/cni/bridge ] || skip "CNI plugins not installed (containernetworking-plugins)"
	command -v iptables >/dev/null || skip "iptables not installed"
	command -v curl >/dev/null || skip "curl not installed"
	# The default network, made internal before its first use.
	berth network create --internal --subnet 10.77.250.0/24 berth >/dev/null
}

# network_leftovers: what this test's networks left on the host.
network_leftovers() {
	local f
	for f in "$T"/run/netns/*; do [ -e "$f" ] && echo "netns file: $f"; done
	find "$T/run/cni/networks" -type f 2>/dev/null | grep -E '/[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' |
		sed 's/^/lease: /'
	iptables-save 2>/dev/null | grep -E '10\.77\.2(4[0-9]|5[0-5])\.' | sed 's/^/iptables: /'
	for f in $(cat "$T/bridges" 2>/dev/null); do
		ip -o link show master "$f" 2>/dev/null | sed 's/^/veth: /'
	done
}

# engine_helpers' teardown (it removes the containers and checks processes, mounts, cgroups).
eval "engine_helpers_teardown() $(declare -f teardown | tail -n +2)"

teardown() {
	local ret=0 n
	[ -n "${T:-}" ] || return 0
	for n in "$T"/root/networks/*.conflist; do
		[ -e "$n" ] && jq -r '.plugins[0].bridge' "$n"
	done >"$T/bridges"
	engine_helpers_teardown || ret=1
	if [ -n "$(network_leftovers)" ]; then
		echo "teardown: network state left behind:" >&2
		network_leftovers >&2
		ret=1
	fi
	for n in $(berth network ls --format '{{.Name}}' 2>/dev/null); do
		berth network rm "$n" >/dev/null 2>&1 || true
	done
	for n in $(cat "$T/bridges"); do
		if ip link show "$n" >/dev/null 2>&1; then
			echo "teardown: bridge $n left behind" >&2
			ip link delete "$n" 2>/dev/null || true
			ret=1
		fi
	done
	return "$ret"
}

# http_server NAME ARGS...: a detached busybox httpd on port 8080 that serves "hello from NAME".
http_server() {
	local name=$1
	shift
	berth run -d --name "$name" "$@" "$IMAGE" \
		sh -c "mkdir -p /www && echo hello from $name >/www/index.html && exec httpd -f -p 8080 -h /www"
}

@test "two containers on a user network reach each other by name; hosts and resolv.conf" {
	net_setup
	berth network create --internal --subnet 10.77.241.0/24 appnet
	berth run -d --name db --network appnet --network-alias database "$IMAGE" sleep 300
	berth run -d --name web --network appnet "$IMAGE" sleep 300
	run berth exec web ping -c1 -W2 db
	[ "$status" -eq 0 ]
	[[ "$output" == *"10.77.241."* ]]
	run berth exec db ping -c1 -W2 web
	[ "$status" -eq 0 ]
	run berth exec web ping -c1 -W2 database
	[ "$status" -eq 0 ]
	# web's hosts: localhost, its own address and hostname, then db with its alias
	run berth exec web cat /etc/hosts
	[ "$status" -eq 0 ]
	web_ip=$(berth inspect -f '{{.NetworkSettings.IPAddress}}' web)
	db_ip=$(berth inspect -f '{{.NetworkSettings.IPAddress}}' db)
	[[ "$output" == *"127.0.0.1	localhost"* ]]
	[[ "$output" == *"$web_ip	$(berth inspect -f '{{.Config.Hostname}}' web 2>/dev/null || true)"* ]] ||
		grep -q "^$web_ip	.* web" <<<"$output"
	grep -q "^$db_ip	.*db database" <<<"$output"
	[[ "$output" != *"127.0.1.1"* ]]
	# resolv.conf: the host's nameservers without the loopback ones
	run berth exec web cat /etc/resolv.conf
	[ "$status" -eq 0 ]
	[[ "$output" == *nameserver* ]]
	[[ "$output" != *"nameserver 127."* ]]
	# an internal network has no default route
	run berth exec web ip route
	[[ "$output" != *default* ]]
	# web leaves: db's hosts file forgets it (rewritten in place, seen inside the container)
	berth rm -f web
	run berth exec db cat /etc/hosts
	[[ "$output" != *"$web_ip"* ]]
}

@test "without --network a container is on the default bridge network, as with docker; containers.conf netns changes that" {
	net_setup
	printf '# nothing set\n' >"$T/empty.conf"
	CONTAINERS_CONF=$T/empty.conf berth run -d --name plain "$IMAGE" sleep 300
	run berth inspect -f '{{.HostConfig.NetworkMode}}' plain
	[ "$output" = bridge ]
	run berth exec plain ip -4 -o addr show eth0
	[[ "$output" == *"inet 10.77.250."* ]]
	# -p needs no --network then
	port=$((20000 + RANDOM % 20000))
	CONTAINERS_CONF=$T/empty.conf berth run -d --name plainweb -p "127.0.0.1:$port:8080" "$IMAGE" \
		sh -c 'mkdir -p /www && echo plain >/www/index.html && exec httpd -f -p 8080 -h /www'
	run wait_for curl -fs -m 2 "http://127.0.0.1:$port/"
	[ "$output" = plain ]
	# netns = "host" in the file makes host the default
	printf '[containers]\nnetns = "host"\n' >"$T/host.conf"
	CONTAINERS_CONF=$T/host.conf berth run -d --name onhost "$IMAGE" sleep 300
	run berth inspect -f '{{.HostConfig.NetworkMode}}' onhost
	[ "$output" = host ]
	berth rm -f plain plainweb onhost >/dev/null
}

@test "-p 127.0.0.1:PORT:8080 is reachable with curl; port, ps and inspect show it" {
	net_setup
	port=$((20000 + RANDOM % 20000))
	http_server web1 --network bridge -p "127.0.0.1:$port:8080"
	run wait_for curl -fs -m 2 "http://127.0.0.1:$port/"
	[ "$status" -eq 0 ]
	[ "$output" = "hello from web1" ]
	run berth port web1
	[ "$status" -eq 0 ]
	[ "$output" = "8080/tcp -> 127.0.0.1:$port" ]
	run berth port web1 8080
	[ "$output" = "127.0.0.1:$port" ]
	run berth port web1 9999/tcp
	[ "$status" -eq 125 ]
	[[ "$output" == *"no public port '9999/tcp' published for web1"* ]]
	run berth ps --format '{{.Names}} {{.Ports}}'
	[[ "$output" == *"web1 127.0.0.1:$port->8080/tcp"* ]]
	run berth inspect -f '{{json .NetworkSettings.Ports}}' web1
	[[ "$output" == *"\"8080/tcp\""*"\"HostPort\":\"$port\""* || "$output" == *"\"8080/tcp\""*"\"HostPort\": \"$port\""* ]]
	# the same host port again: a clear one-line error, exit 125
	run berth run -d --network bridge -p "127.0.0.1:$port:8080" "$IMAGE" sleep 1
	[ "$status" -eq 125 ]
	[[ "$output" == *"port is already allocated"* ]]
	[ "${#lines[@]}" -eq 1 ]
}

@test "-p CONTAINERPORT takes a random host port that berth port shows" {
	net_setup
	http_server web2 --network bridge -p 8080
	run berth port web2 8080/tcp
	[ "$status" -eq 0 ]
	hostport=${output##*:}
	[ "$hostport" -gt 0 ]
	[[ "$output" == "0.0.0.0:"* ]]
	run wait_for curl -fs -m 2 "http://127.0.0.1:$hostport/"
	[ "$status" -eq 0 ]
	[ "$output" = "hello from web2" ]
}

@test "stop and rm leave no veth, netns, lease or iptables rule; start sets it up again" {
	net_setup
	port=$((20000 + RANDOM % 20000))
	http_server web3 --network bridge -p "127.0.0.1:$port:8080"
	id=$(berth inspect -f '{{.Id}}' web3)
	[ -e "$T/run/netns/$id" ]
	[ -n "$(network_leftovers)" ]
	berth stop -t 1 web3
	# the monitor's exit command tears the network down
	run wait_for test ! -e "$T/run/netns/$id"
	[ "$status" -eq 0 ]
	[ -z "$(network_leftovers)" ]
	berth start web3
	run wait_for curl -fs -m 2 "http://127.0.0.1:$port/"
	[ "$output" = "hello from web3" ]
	berth rm -f web3
	[ -z "$(network_leftovers)" ]
}

@test "network create, ls, inspect, connect, disconnect, rm, prune" {
	net_setup
	run berth network create --internal --subnet 10.77.242.0/24 --gateway 10.77.242.254 --label team=a net1
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
	run berth network create --internal net1
	[ "$status" -eq 125 ]
	[[ "$output" == *"network with name net1 already exists"* ]]
	run berth network create --internal --subnet 10.77.242.128/25 clash
	[ "$status" -eq 125 ]
	[[ "$output" == *"overlaps"*net1* ]]
	berth network create --internal --subnet 10.77.243.0/24 net2 >/dev/null
	run berth network ls
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "NETWORK ID"*NAME*DRIVER*SCOPE ]]
	[[ "$output" == *"net1"*bridge*local* ]]
	run berth network ls --format '{{.Name}}'
	[ "${lines[0]}" = berth ]
	[[ "$output" == *net1*net2* ]]
	run berth network ls -q
	[ "${#lines[@]}" -eq 3 ]
	# --filter (-f, as docker's): one key's values are alternatives, different keys all apply
	run berth network ls -f name=net --format '{{.Name}}'
	[ "$output" = "$(printf 'net1\nnet2')" ]
	run berth network ls -f name=net1 -f name=net2 -f type=custom --format '{{.Name}}'
	[ "$output" = "$(printf 'net1\nnet2')" ]
	run berth network ls -f label=team=a -q
	[ "$output" = "$(berth network inspect -f '{{.Id}}' net1 | cut -c1-12)" ]
	run berth network ls --filter type=builtin --format '{{.Name}}'
	[ "$output" = berth ]
	run berth network ls -f name=net -f "id=$(berth network inspect -f '{{.Id}}' net2 | cut -c1-6)" -q
	[ "${#lines[@]}" -eq 1 ]
	run berth network ls -f driver=macvlan -q
	[ -z "$output" ]
	run --separate-stderr berth network ls -f colour=blue
	[ "$status" -eq 125 ]
	[[ $stderr == *'invalid filter "colour=blue"'* ]]
	run berth network inspect net1
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].Name' <<<"$output")" = net1 ]
	[ "$(jq -r '.[0].Driver' <<<"$output")" = bridge ]
	[ "$(jq -r '.[0].Internal' <<<"$output")" = true ]
	[ "$(jq -r '.[0].IPAM.Config[0].Subnet' <<<"$output")" = 10.77.242.0/24 ]
	[ "$(jq -r '.[0].IPAM.Config[0].Gateway' <<<"$output")" = 10.77.242.254 ]
	[ "$(jq -r '.[0].Labels.team' <<<"$output")" = a ]

	berth run -d --name c1 --network net1 "$IMAGE" sleep 300
	berth run -d --name c2 --network net2 "$IMAGE" sleep 300
	run berth network inspect -f '{{json .Containers}}' net1
	[[ "$output" == *'"Name":"c1"'* || "$output" == *'"Name": "c1"'* ]]
	# connect a running container: a second interface, and names on the new network
	berth network connect net2 c1
	run berth exec c1 ip -4 -o addr show eth1
	[[ "$output" == *"10.77.243."* ]]
	run berth exec c1 ping -c1 -W2 c2
	[ "$status" -eq 0 ]
	run berth exec c2 ping -c1 -W2 c1
	[ "$status" -eq 0 ]
	run berth network connect net2 c1
	[ "$status" -eq 125 ]
	[[ "$output" == *"already connected"* ]]
	berth network disconnect net2 c1
	run berth exec c1 ip -o link show eth1
	[ "$status" -ne 0 ]
	run berth exec c2 cat /etc/hosts
	[[ "$output" != *" c1"* && "$output" != *"	c1"* ]]
	# in use: refused
	run berth network rm net1
	[ "$status" -eq 125 ]
	[[ "$output" == *"network net1 is in use by container c1"* ]]
	berth rm -f c1 c2
	berth network create --internal --subnet 10.77.244.0/24 unused >/dev/null
	run berth network prune -f
	[ "$status" -eq 0 ]
	[[ "$output" == *net1*net2*unused* ]]
	run berth network ls --format '{{.Name}}'
	[ "$output" = berth ]
	run berth network rm nosuch
	[ "$status" -eq 125 ]
	[[ "$output" == *"network nosuch not found"* ]]
}

@test "errors: unknown network, bad -p, -p without a bridge network" {
	net_setup
	run berth run --rm --network nosuchnet "$IMAGE" true
	[ "$status" -eq 125 ]
	[ "$output" = "berth: --network: network nosuchnet not found" ]
	run berth run --rm --network bridge -p 80:abc "$IMAGE" true
	[ "$status" -eq 125 ]
	[ "$output" = "berth: --publish 80:abc: invalid containerPort: abc" ]
	run berth run --rm --network bridge -p 80/sctpx "$IMAGE" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid proto: sctpx" ]]
	run berth run --rm --network none -p 80 "$IMAGE" true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--publish: not with --network none"* ]]
	[ -z "$(berth ps -aq)" ]
}

@test "20 concurrent run -d --network bridge all succeed and are torn down" {
	net_setup
	local i pids=()
	for i in $(seq 20); do
		berth run -d --network bridge "$IMAGE" sleep 300 >"$T/run.$i" 2>&1 &
		pids+=($!)
	done
	local failed=0
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || { failed=1; cat "$T/run.$((i + 1))" >&2; }
	done
	[ "$failed" -eq 0 ]
	[ "$(berth network inspect berth | jq '.[0].Containers | length')" -eq 20 ]
	# 20 distinct addresses
	[ "$(berth network inspect berth | jq -r '.[0].Containers[].IPv4Address' | sort -u | wc -l)" -eq 20 ]
	berth ps -q | xargs -r -P 20 -n1 "$BERTH" --root "$T/root" --runroot "$T/run" rm -f >/dev/null
	[ -z "$(network_leftovers)" ]
}

@test "system prune removes the networks no container uses, as network prune does" {
	net_setup
	berth network create --internal --subnet 10.77.245.0/24 spare >/dev/null
	berth network create --internal --subnet 10.77.246.0/24 busy >/dev/null
	berth run -d --name user --network busy "$IMAGE" sleep 300 >/dev/null
	run berth system prune -f
	[ "$status" -eq 0 ]
	[[ $output == *"Deleted Networks:"*spare* ]]
	[[ $output != *busy* ]]
	run berth network ls --format '{{.Name}}'
	[[ $output == *busy* && $output != *spare* ]]
	berth rm -f user >/dev/null
}
