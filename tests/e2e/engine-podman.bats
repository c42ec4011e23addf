#!/usr/bin/env bats
# berth against podman (Debian 12's 4.3, with runc) as the oracle: the same command on the same
# busybox image, imported from the same tar into both, and the observable results compared:
# output, exit codes, env, user, workdir, hosts and resolv.conf, ps columns, inspect fields,
# capabilities, cgroup limits, volumes, logs, cp, a published port.
#     RUNTIME=/tmp/build/berth-runtime bats tests/e2e/engine-podman.bats
# berth: engine_helpers (a store per test, teardown checks leftovers). podman: one state per file
# (tests/lib/podman-env.sh: storage driver vfs, so no mounts; its own network namespace, CNI
# config dir, cgroup parent), removed by teardown_file. podman's crun refuses this machine's
# hybrid cgroups, so podman runs runc. Where berth differs from podman on purpose (docker's rule,
# docs/engine.md), the test says so and asserts the difference.

load engine_helpers
source "$REPO_ROOT/tests/lib/podman-env.sh"

PODMAN_RUNTIME=${PODMAN_RUNTIME:-/usr/sbin/runc}
# The image with a config of its own (both stores): WORKDIR, USER, VOLUME, ENV.
CFG_IMAGE=localhost/cfg:test
CFG_CHANGES=(--change 'CMD ["sh"]' --change 'WORKDIR /var' --change 'USER nobody'
	--change 'VOLUME /var/www' --change 'ENV A=1')

# pm ARGS...: podman with this file's state (podman-env.sh's pm, but with runc and its own
# containers.conf: berth's CONTAINERS_CONF is engine_helpers').
pm() {
	local sub=${1:-}
	local -a extra=()
	case $sub in
	run | create) extra=(--cgroup-parent "/$PODMAN_CGROUP_PARENT") ;;
	esac
	[ $# -gt 0 ] && shift
	CONTAINERS_CONF=$PODMAN_DIR/containers.conf CONTAINERS_STORAGE_CONF=$PODMAN_DIR/storage.conf \
		nsenter --net="/run/netns/$PODMAN_NETNS" \
		podman --root "$PODMAN_DIR/root" --runroot "$PODMAN_DIR/runroot" --storage-driver vfs \
		--runtime "$PODMAN_RUNTIME" --cgroup-manager cgroupfs --events-backend file \
		${sub:+"$sub"} "${extra[@]}" "$@"
}

eval "engine_helpers_setup_file() $(declare -f setup_file | tail -n +2)"
eval "engine_helpers_setup() $(declare -f setup | tail -n +2)"
eval "engine_helpers_teardown() $(declare -f teardown | tail -n +2)"

setup_file() {
	command -v podman >/dev/null || skip "podman is not installed (tests/lib/install-deps.sh)"
	[ -x "$PODMAN_RUNTIME" ] || skip "podman's runtime $PODMAN_RUNTIME is not installed"
	engine_helpers_setup_file
	local berth_conf=$CONTAINERS_CONF
	podman_env_up "$BATS_FILE_TMPDIR/podman" || return 1
	export CONTAINERS_CONF=$berth_conf
	unset CONTAINERS_STORAGE_CONF
	pm import --change 'CMD ["sh"]' --change 'ENV FROM_IMAGE=yes' "$ROOTFS_TAR" "$IMAGE" >/dev/null
	pm import "${CFG_CHANGES[@]}" "$ROOTFS_TAR" "$CFG_IMAGE" >/dev/null
}

teardown_file() {
	host_network_restore
	[ -n "${PODMAN_DIR:-}" ] || return 0
	RUNTIME=$PODMAN_RUNTIME podman_env_down
}

setup() {
	engine_helpers_setup
	berth import "${CFG_CHANGES[@]}" "$ROOTFS_TAR" "$CFG_IMAGE" >/dev/null
}

teardown() {
	local ret=0 n
	[ -n "${T:-}" ] || return 0
	for n in "$T"/root/networks/*.conflist; do
		[ -e "$n" ] && jq -r '.plugins[0].bridge' "$n"
	done >"$T/bridges"
	engine_helpers_teardown || ret=1
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
	pm_remove_all >/dev/null
	pm network rm --force "$PODMAN_NETWORK" >/dev/null 2>&1 || true
	return "$ret"
}

# both ARGS...: `berth ARGS` then `pm ARGS`; their status and output (stdout and stderr) in
# bs/bo and ps_/po.
both() {
	bo=$(berth "$@" 2>&1) && bs=0 || bs=$?
	po=$(pm "$@" 2>&1) && ps_=0 || ps_=$?
	printf 'berth (%s):\n%s\npodman (%s):\n%s\n' "$bs" "$bo" "$ps_" "$po"
}

# same ARGS...: both, and the two must agree in status and output.
same() {
	both "$@"
	[ "$bs" = "$ps_" ] && [ "$bo" = "$po" ]
}

@test "run: output and the container's own exit code" {
	same run --rm "$IMAGE" echo hello
	[ "$bo" = hello ]
	same run --rm "$IMAGE" sh -c 'echo out; echo err >&2; exit 3'
	[ "$bs" = 3 ]
	same run --rm "$IMAGE" true
	[ "$bs" = 0 ]
	# A short command's output, run after run (the monitor once broadcast it before it had
	# accepted berth's attach connection, and an attached run printed nothing).
	for i in $(seq 25); do
		run -0 berth run --rm "$IMAGE" pwd
		[ "$output" = / ]
	done
}

@test "run: 126 and 127 when the command cannot be invoked or is not found" {
	both run --rm "$IMAGE" no-such-command
	[ "$bs" = 127 ] && [ "$ps_" = 127 ]
	both run --rm "$IMAGE" /no/such/path
	[ "$bs" = 127 ] && [ "$ps_" = 127 ]
	both run --rm "$IMAGE" /etc/passwd
	[ "$bs" = 126 ] && [ "$ps_" = 126 ]
	both run --rm "$IMAGE" /etc
	[ "$bs" = 126 ] && [ "$ps_" = 126 ]
	# An unknown user: podman reports its runtime's failure as 126; berth resolves the user
	# itself and fails as docker does, 125, with the same words.
	both run --rm -u no-such-user "$IMAGE" true
	[ "$bs" = 125 ] && [ "$ps_" = 126 ]
	[[ $bo == *"unable to find user no-such-user: no matching entries in passwd file"* ]]
	[[ $po == *"unable to find user no-such-user: no matching entries in passwd file"* ]]
}

@test "run: the environment from the image, -e, --env-file and the host" {
	# podman adds TERM=xterm without -t and container=podman; berth follows docker (TERM only
	# with -t, docs/engine.md "Environment"). The rest is the same, in the same order.
	filter() { grep -vE '^(HOSTNAME|TERM|container)=' | sort; }
	both run --rm "$IMAGE" env
	[ "$(filter <<<"$bo")" = "$(filter <<<"$po")" ]
	grep -qx FROM_IMAGE=yes <<<"$bo"
	grep -qx TERM=xterm <<<"$po"
	! grep -q '^TERM=' <<<"$bo"
	both run --rm -t "$IMAGE" sh -c 'echo $TERM'
	[ "$bo" = "$po" ]
	# HOSTNAME is the hostname, the id's first 12 characters.
	run -0 berth run --name envh "$IMAGE" sh -c 'echo $HOSTNAME'
	[ "$output" = "$(berth inspect --format '{{.Id}}' envh | cut -c1-12)" ]

	printf 'FROM_FILE=1\n# a comment\n\nFROM_IMAGE=file\n' >"$T/env"
	export FROM_HOST=host
	same run --rm -e FROM_IMAGE=flag -e PATH=/bin -e FROM_HOST --env-file "$T/env" "$IMAGE" \
		sh -c 'echo $FROM_IMAGE $PATH $FROM_FILE $FROM_HOST'
	[ "$bo" = "flag /bin 1 host" ]
	same run --rm --env-file "$T/env" "$IMAGE" sh -c 'echo $FROM_IMAGE'
	[ "$bo" = file ]
}

@test "run -u: names, numeric ids, groups; the image's USER" {
	for u in nobody 65534 65534:65534 nobody:root 0:65534 1234 1234:1234 root; do
		both run --rm -u "$u" "$IMAGE" sh -c 'id -u; id -g; id -G'
		[ "$bs" = 0 ] && [ "$bo" = "$po" ]
	done
	same run --rm "$CFG_IMAGE" id
	[ "$bo" = "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)" ]
	same run --rm -u 0 "$CFG_IMAGE" id -u
}

@test "run -w, --entrypoint and the image's WORKDIR" {
	same run --rm -w /tmp "$IMAGE" pwd
	same run --rm "$CFG_IMAGE" pwd
	[ "$bo" = /var ]
	same run --rm -w /etc "$CFG_IMAGE" pwd
	same run --rm --entrypoint echo "$IMAGE" hi there
	[ "$bo" = "hi there" ]
	same run --rm --entrypoint /bin/sh "$IMAGE" -c 'echo $0'
	# A -w that does not exist: docker creates it (berth does); podman 4.3 refuses.
	both run --rm -w /new/dir "$IMAGE" pwd
	[ "$bs" = 0 ] && [ "$bo" = /new/dir ]
	[ "$ps_" = 126 ] && [[ $po == *'workdir "/new/dir" does not exist'* ]]
}

@test "run --hostname, --add-host, --dns: hostname, /etc/hosts and /etc/resolv.conf" {
	same run --rm --hostname box "$IMAGE" hostname
	[ "$bo" = box ]
	same run --rm --hostname box "$IMAGE" cat /etc/hostname
	# /etc/hosts: both map localhost, the hostname and the --add-host names. podman copies the
	# host's own /etc/hosts entries in and names the container too; berth writes docker's
	# lines (::1 too), so the shape, not the text, is compared.
	both run --rm --name hn --hostname box --add-host db.example:10.1.2.3 "$IMAGE" cat /etc/hosts
	[ "$bs" = 0 ] && [ "$ps_" = 0 ]
	for out in "$bo" "$po"; do
		grep -qE '^127\.0\.0\.1[[:space:]]+localhost([[:space:]]|$)' <<<"$out"
		grep -qE '^127\.0\.[01]\.1[[:space:]]+box([[:space:]]|$)' <<<"$out"
		grep -qE '^10\.1\.2\.3[[:space:]]+db\.example$' <<<"$out"
	done
	grep -qE '^::1[[:space:]]+localhost ip6-localhost ip6-loopback$' <<<"$bo"
	# resolv.conf: without a network (these tests' default, containers.conf's netns = "none")
	# podman makes none and refuses --dns; berth, as docker, always does: --dns or the host's.
	both run --rm "$IMAGE" cat /etc/resolv.conf
	[ "$bs" = 0 ] && grep -q '^nameserver ' <<<"$bo"
	[ "$ps_" = 1 ] && [[ $po == *"can't open '/etc/resolv.conf'"* ]]
	run -0 berth run --rm --dns 9.9.9.9 "$IMAGE" cat /etc/resolv.conf
	[ "$output" = "nameserver 9.9.9.9" ]
}

@test "network: hosts and resolv.conf on a bridge, -p reachable with curl on 127.0.0.1" {
	[ -x /usr/lib/cni/bridge ] || skip "CNI plugins not installed (containernetworking-plugins)"
	command -v curl >/dev/null || skip "curl not installed"
	command -v iptables >/dev/null || skip "iptables not installed"
	berth network create --internal --subnet 10.77.236.0/24 berth >/dev/null
	pm network create --subnet 10.99.78.0/24 "$PODMAN_NETWORK" >/dev/null
	local srv='mkdir -p /www && echo hello from $(hostname) >/www/index.html && exec httpd -f -p 8080 -h /www'
	run -0 berth run -d --name web --hostname web --network bridge --dns 9.9.9.9 \
		-p 127.0.0.1:18089:8080 "$IMAGE" sh -c "$srv"
	run -0 pm run -d --name web --hostname web --network "$PODMAN_NETWORK" --dns 9.9.9.9 \
		-p 127.0.0.1:18089:8080 "$IMAGE" sh -c "$srv"
	wait_for curl -sf -m 2 -o /dev/null http://127.0.0.1:18089/
	for i in $(seq 50); do pm_netns curl -sf -m 2 -o /dev/null http://127.0.0.1:18089/ && break; sleep 0.1; done
	run -0 curl -sS -m 5 http://127.0.0.1:18089/
	[ "$output" = "hello from web" ]
	run -0 pm_netns curl -sS -m 5 http://127.0.0.1:18089/
	[ "$output" = "hello from web" ]
	same port web
	[ "$bo" = "8080/tcp -> 127.0.0.1:18089" ]

	# hosts: the container's address with its hostname; resolv.conf: the --dns server.
	b_ip=$(berth inspect web | jq -r '.[0].NetworkSettings.Networks[].IPAddress')
	p_ip=$(pm inspect web | jq -r '.[0].NetworkSettings.Networks[].IPAddress')
	[[ $b_ip == 10.77.236.* ]] && [[ $p_ip == 10.99.78.* ]]
	both exec web cat /etc/hosts
	grep -qE "^${b_ip//./\\.}[[:space:]].*\bweb\b" <<<"$bo"
	grep -qE "^${p_ip//./\\.}[[:space:]].*\bweb\b" <<<"$po"
	same exec web grep -c nameserver /etc/resolv.conf
	same exec web grep nameserver /etc/resolv.conf
	[ "$bo" = "nameserver 9.9.9.9" ]

	run -0 berth rm -f web
	run -0 pm rm -f -t 0 web
	run ! curl -sf -m 2 http://127.0.0.1:18089/
	run -0 pm network rm "$PODMAN_NETWORK"
	run -0 berth network rm berth
}

@test "run --read-only and --tmpfs: the write fails the same way; the tmpfs's options" {
	same run --rm --read-only "$IMAGE" touch /x
	[ "$bs" = 1 ] && [[ $bo == *"Read-only file system"* ]]
	same run --rm --read-only "$IMAGE" sh -c 'echo ok >/dev/shm/x && cat /dev/shm/x'
	# podman's read-only containers get tmpfs on /tmp, /var/tmp and /run (its
	# read_only_tmpfs); docker's and berth's /tmp stays read-only.
	both run --rm --read-only "$IMAGE" touch /tmp/x
	[ "$bs" = 1 ] && [[ $bo == *"Read-only file system"* ]] && [ "$ps_" = 0 ]
	same run --rm --read-only --tmpfs /data "$IMAGE" sh -c 'echo ok >/data/f && cat /data/f'
	[ "$bo" = ok ]
	# The mount's options: the same but noexec, docker's default that berth keeps
	# (docs/engine.md, "Mounts") and podman does not.
	both run --rm --tmpfs /data:size=1m,mode=1777 "$IMAGE" sh -c 'grep " /data " /proc/mounts'
	[ "$bs" = 0 ] && [ "$ps_" = 0 ]
	[ "${bo/,noexec/}" = "$po" ]
	[[ $bo == *,noexec,* ]]
	same run --rm --tmpfs /data:exec "$IMAGE" sh -c 'grep " /data " /proc/mounts'
}

@test "run --cap-drop, --cap-add, --privileged: the capability sets in /proc/self/status" {
	caps='grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb)" /proc/self/status'
	same run --rm "$IMAGE" sh -c "$caps"
	same run --rm --cap-drop ALL "$IMAGE" sh -c "$caps"
	grep -q 'CapEff:	0000000000000000' <<<"$bo"
	same run --rm --cap-drop ALL --cap-add CHOWN --cap-add net_bind_service "$IMAGE" sh -c "$caps"
	same run --rm --cap-add NET_ADMIN --cap-drop KILL "$IMAGE" sh -c "$caps"
	same run --rm -u nobody --cap-add NET_ADMIN "$IMAGE" sh -c "$caps"
	same run --rm --privileged "$IMAGE" grep -E '^Cap(Prm|Eff|Bnd)' /proc/self/status
	# What the sets mean: chown needs CAP_CHOWN.
	same run --rm --cap-drop CHOWN "$IMAGE" chown 65534 /tmp
	[ "$bs" = 1 ]
}

@test "run --pids-limit, --memory: the limits in the container's cgroup files" {
	file() { echo "if [ -e /sys/fs/cgroup/$3 ]; then cat /sys/fs/cgroup/$3; else cat /sys/fs/cgroup/$1/$2; fi"; }
	same run --rm --pids-limit 42 "$IMAGE" sh -c "$(file pids pids.max pids.max)"
	[ "$bo" = 42 ]
	same run --rm --memory 64m "$IMAGE" sh -c "$(file memory memory.limit_in_bytes memory.max)"
	[ "$bo" = 67108864 ]
	# Without --memory-swap, swap is twice the memory (docker's and podman's rule).
	same run --rm --memory 64m "$IMAGE" sh -c \
		"$(file memory memory.memsw.limit_in_bytes memory.swap.max) 2>/dev/null || echo no swap accounting"
}

@test "exec: -u, -w, -e, exit codes, 126 and 127" {
	run -0 berth run -d --name ex "$IMAGE" sleep 300
	run -0 pm run -d --name ex "$IMAGE" sleep 300
	same exec -u nobody -w /tmp -e X=y ex sh -c 'echo "$(id -u):$(id -g) $(pwd) $X"'
	[ "$bo" = "65534:65534 /tmp y" ]
	same exec -e FROM_IMAGE=exec ex sh -c 'echo $FROM_IMAGE'
	for u in 1234 nobody:root 0:65534; do
		same exec -u "$u" ex sh -c 'id -u; id -g'
	done
	# The user's groups, not the container process's group 0 (berth's exec kept it).
	same exec -u nobody ex id -G
	[ "$bo" = 65534 ]
	same exec -u 1234:1234 ex sh -c 'id -G | grep -w 0 || echo no root group'
	same exec ex sh -c 'exit 5'
	[ "$bs" = 5 ]
	both exec ex no-such-command
	[ "$bs" = 127 ] && [ "$ps_" = 127 ]
	both exec ex /etc/passwd
	[ "$bs" = 126 ] && [ "$ps_" = 126 ]
}

@test "stop, wait and kill: 137 after SIGKILL, the trap's code after SIGTERM" {
	# pid 1 ignores SIGTERM without a handler: stop ends in SIGKILL after the timeout.
	run -0 berth run -d --name s1 "$IMAGE" sleep 300
	run -0 pm run -d --name s1 "$IMAGE" sleep 300
	run -0 berth run -d --name s2 "$IMAGE" sh -c 'trap "exit 7" TERM; sleep 300 & wait'
	run -0 pm run -d --name s2 "$IMAGE" sh -c 'trap "exit 7" TERM; sleep 300 & wait'
	run -0 berth run -d --name s3 "$IMAGE" sleep 300
	run -0 pm run -d --name s3 "$IMAGE" sleep 300
	run -0 berth run -d --name s4 "$IMAGE" sh -c 'exit 9'
	run -0 pm run -d --name s4 "$IMAGE" sh -c 'exit 9'
	sleep 0.3 # the traps are set
	both stop -t 1 s1
	[ "$bs" = 0 ] && [ "$bo" = s1 ]
	same wait s1
	[ "$bo" = 137 ]
	same inspect --format '{{.State.Status}} {{.State.ExitCode}}' s1
	[ "$bo" = "exited 137" ]
	same stop s2
	same wait s2
	[ "$bo" = 7 ]
	same kill -s KILL s3
	same wait s3
	[ "$bo" = 137 ]
	same wait s4
	[ "$bo" = 9 ]
	same inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}' s4
}

@test "logs: output, stderr, --tail" {
	run -0 berth run -d --name lg "$IMAGE" sh -c 'for i in 1 2 3 4 5; do echo line$i; done; echo err >&2'
	run -0 pm run -d --name lg "$IMAGE" sh -c 'for i in 1 2 3 4 5; do echo line$i; done; echo err >&2'
	same wait lg
	run -0 berth logs lg
	b_all=$output
	run -0 pm logs lg
	[ "$output" = "$b_all" ]
	same logs --tail 2 lg
	[ "$bo" = $'line5\nerr' ]
	same logs --tail 0 lg
	b_out=$(berth logs lg 2>/dev/null)
	[ "$b_out" = "$(pm logs lg 2>/dev/null)" ]
	[ "$b_out" = $'line1\nline2\nline3\nline4\nline5' ]
}

@test "ps: columns, -q, -a, --format" {
	run -0 berth run -d --name p1 "$IMAGE" sleep 300
	run -0 pm run -d --name p1 "$IMAGE" sleep 300
	run -0 berth create --name p2 "$IMAGE" true
	run -0 pm create --name p2 "$IMAGE" true
	both ps
	# The header: the same columns, in the same order.
	[ "$(head -1 <<<"$bo" | tr -s ' ')" = "$(head -1 <<<"$po" | tr -s ' ')" ]
	[ "$(head -1 <<<"$bo" | tr -s ' ')" = "CONTAINER ID IMAGE COMMAND CREATED STATUS PORTS NAMES" ]
	same ps --format '{{.Names}} {{.Image}} {{.Command}}'
	[ "$bo" = "p1 $IMAGE sleep 300" ]
	# (berth lists the newest first, as docker; podman the oldest.)
	both ps -a --format '{{.Names}}'
	[ "$(sort <<<"$bo")" = $'p1\np2' ] && [ "$(sort <<<"$po")" = $'p1\np2' ]
	both ps -q
	[ ${#bo} = 12 ] && [ ${#po} = 12 ]
	both ps -a --format '{{.Names}} {{.Status}}' --filter name=p2
	[ "$bo" = "p2 Created" ] && [ "$po" = "p2 Created" ]
}

@test "inspect: the fields both have" {
	run -0 berth run -d --name in -e FOO=bar -w /tmp -u nobody --restart on-failure:2 \
		-v "$T:/host:ro" "$IMAGE" sleep 300
	run -0 pm run -d --name in -e FOO=bar -w /tmp -u nobody --restart on-failure:2 \
		-v "$T:/host:ro" "$IMAGE" sleep 300
	f='{{.Name}}|{{.State.Status}}|{{.State.Running}}|{{.State.ExitCode}}|{{.Config.Cmd}}|{{.Config.WorkingDir}}|{{.Config.User}}|{{.HostConfig.RestartPolicy.Name}}|{{.HostConfig.RestartPolicy.MaximumRetryCount}}|{{.Path}}|{{.Args}}|{{.Config.Image}}'
	both inspect --format "$f" in
	[ "$po" = "in|running|true|0|[sleep 300]|/tmp|nobody|on-failure|2|sleep|[300]|$IMAGE" ]
	# Name: docker's leading slash (podman has none); Config.User is -u as given, as both.
	[ "$bo" = "/in|running|true|0|[sleep 300]|/tmp|nobody|on-failure|2|sleep|[300]|$IMAGE" ]
	# Mounts[]: (berth's templates have no range: jq)
	m='.[0].Mounts[] | [.Type, .Source, .Destination, .RW] | @tsv'
	[ "$(berth inspect in | jq -r "$m")" = "$(pm inspect in | jq -r "$m")" ]
	[ "$(berth inspect in | jq -r "$m")" = "bind	$T	/host	false" ]
	# The id is 64 hex digits; the env has the flag's and the image's entries.
	both inspect --format '{{.Id}}' in
	[[ $bo =~ ^[0-9a-f]{64}$ ]] && [[ $po =~ ^[0-9a-f]{64}$ ]]
	for out in "$(berth inspect --format '{{json .Config.Env}}' in)" \
		"$(pm inspect --format '{{json .Config.Env}}' in)"; do
		jq -e 'index("FOO=bar") != null and index("FROM_IMAGE=yes") != null' <<<"$out"
	done
	# The JSON's top-level keys and State's: berth's are a superset of what both need.
	for key in Id Created Path Args State Image Name RestartCount Mounts Config HostConfig NetworkSettings; do
		berth inspect in | jq -e --arg k "$key" '.[0] | has($k)'
		pm inspect in | jq -e --arg k "$key" '.[0] | has($k)'
	done
	for key in Status Running Paused Restarting OOMKilled Dead Pid ExitCode Error StartedAt FinishedAt; do
		berth inspect in | jq -e --arg k "$key" '.[0].State | has($k)'
		pm inspect in | jq -e --arg k "$key" '.[0].State | has($k)'
	done
	# The pid is the container's init on the host.
	pid=$(berth inspect --format '{{.State.Pid}}' in)
	grep -q 'sleep' "/proc/$pid/cmdline"
}

@test "inspect HostConfig: limits, capabilities, read-only rootfs, hosts as podman shows them; docker's text for the rest" {
	flags=(--network none -m 64m --cpus 1.5 --pids-limit 50 --cap-add NET_ADMIN --read-only
		-v "$T:/host:ro" --add-host a:1.2.3.4 --ulimit nofile=100:200)
	run -0 berth create --name hc "${flags[@]}" "$IMAGE" true
	run -0 pm create --name hc "${flags[@]}" "$IMAGE" true
	f='{{.HostConfig.Memory}}|{{.HostConfig.MemorySwap}}|{{.HostConfig.NanoCpus}}|{{.HostConfig.CpuShares}}|{{.HostConfig.PidsLimit}}|{{.HostConfig.Privileged}}|{{.HostConfig.ReadonlyRootfs}}|{{.HostConfig.ExtraHosts}}|{{json .HostConfig.PortBindings}}'
	same inspect --format "$f" hc
	[ "$bo" = '67108864|134217728|1500000000|0|50|false|true|[a:1.2.3.4]|{}' ]
	# Where podman writes its own forms, berth writes docker's: -v as given, capabilities as
	# typed, ulimits by their short names.
	[ "$(berth inspect hc | jq -c '.[0].HostConfig | [.Binds, .CapAdd, .Ulimits]')" = \
		"[[\"$T:/host:ro\"],[\"NET_ADMIN\"],[{\"Name\":\"nofile\",\"Hard\":200,\"Soft\":100}]]" ]
	[ "$(pm inspect hc | jq -c '.[0].HostConfig.Binds')" = "[\"$T:/host:ro,rprivate,rbind\"]" ]
	# the files mounted on /etc/resolv.conf and /etc/hosts
	for key in ResolvConfPath HostsPath; do
		[ -f "$(berth inspect --format "{{.$key}}" hc)" ]
	done
}

@test "volumes: a named volume written by one container and read by another; copy-up" {
	same volume create vol1
	same run --rm -v vol1:/data "$IMAGE" sh -c 'echo from one >/data/f; chmod 640 /data/f'
	same run --rm -v vol1:/v:ro "$IMAGE" sh -c 'cat /v/f; stat -c "%a %u" /v/f; touch /v/g'
	[ "$bs" = 1 ] && [[ $bo == $'from one\n640 0\n'*"Read-only file system"* ]]
	# A new volume gets the image's content at the mount point, owner and mode kept.
	same run --rm -v vol2:/var/www "$IMAGE" sh -c 'cat /var/www/index.html; stat -c "%a %u %g" /var/www'
	[[ $bo == "hello from berth-busybox"* ]]
	same volume inspect --format '{{.Name}} {{.Driver}}' vol2
	# nocopy: empty.
	same run --rm -v vol3:/var/www:nocopy "$IMAGE" ls -A /var/www
	[ "$bo" = "" ]
	# The image's VOLUME: an anonymous volume, with the image's content.
	same run --rm "$CFG_IMAGE" sh -c 'cat /var/www/index.html; grep -c " /var/www " /proc/mounts'
	same volume ls --format '{{.Name}}' --filter name=vol
	same volume rm vol1 vol2 vol3
}

@test "cp out of a container: the same content and mode" {
	for eng in berth pm; do
		run -0 "$eng" run -d --name cpc "$IMAGE" sh -c \
			'mkdir -p /d/sub && echo data >/d/f && chmod 750 /d/f && echo deep >/d/sub/g && ln -s f /d/l && sleep 300'
		wait_for "$eng" exec cpc test -e /d/l
		mkdir -p "$T/$eng"
		run -0 "$eng" cp cpc:/d/f "$T/$eng/f"
		run -0 "$eng" cp cpc:/d "$T/$eng/tree"
		"$eng" cp cpc:/var/www/index.html - | tar -tvf - >"$T/$eng/tar"
	done
	# A tar on stdout: the same entry, mode and size (berth's tar has numeric owners only, 0/0,
	# podman's names too, root/root).
	[ "$(awk '{ print $1, $3, $6 }' "$T/berth/tar")" = "$(awk '{ print $1, $3, $6 }' "$T/pm/tar")" ]
	[ "$(cat "$T/berth/f")" = data ] && [ "$(cat "$T/pm/f")" = data ]
	[ "$(stat -c %a "$T/berth/f")" = "$(stat -c %a "$T/pm/f")" ]
	[ "$(stat -c %a "$T/berth/f")" = 750 ]
	listing() { (cd "$1" && find . -printf '%p %y %m %l\n' | sort); }
	[ "$(listing "$T/berth/tree")" = "$(listing "$T/pm/tree")" ]
	both cp cpc:/no/such "$T/x"
	[ "$bs" != 0 ] && [ "$ps_" != 0 ]
	[ ! -e "$T/x" ]
}

@test "rm -f of a running container; rm of a running one refused" {
	# (A TERM handler: podman's rm -f waits 10 s for a pid 1 that ignores SIGTERM.)
	run -0 berth run -d --name rmc "$IMAGE" sh -c 'trap "exit 0" TERM; sleep 300 & wait'
	run -0 pm run -d --name rmc "$IMAGE" sh -c 'trap "exit 0" TERM; sleep 300 & wait'
	both rm rmc
	[ "$bs" != 0 ] && [ "$ps_" != 0 ]
	same rm -f rmc
	[ "$bo" = rmc ]
	same ps -a -q --filter name=rmc
	[ "$bo" = "" ]
	both rm rmc
	[ "$bs" != 0 ] && [ "$ps_" != 0 ]
}
