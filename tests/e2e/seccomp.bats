#!/usr/bin/env bats
# linux.seccomp (config-linux.md "Seccomp"): the filter the container runs under, each action,
# argument conditions, arches and flags, profiles that must be refused, loading without
# no_new_privs, and the notify fd handed to a listener (listenerPath).

load helpers

# profile JSON: sets linux.seccomp to JSON (a jq expression).
profile() {
	cfg ".linux.seccomp = $1"
}

# deny SYSCALL ACTION [ERRNO]: everything allowed but SYSCALL, which gets ACTION.
deny() {
	local rule="{names: [\"$1\"], action: \"$2\"${3:+, errnoRet: $3}}"
	profile "{defaultAction: \"SCMP_ACT_ALLOW\", syscalls: [$rule]}"
}

@test "SCMP_ACT_ERRNO with errnoRet: mkdir fails with that errno" {
	make_bundle sh -c 'mkdir /tmp/d; echo "mkdir: $?"; grep ^Seccomp: /proc/self/status'
	deny mkdir SCMP_ACT_ERRNO 28
	run -0 ctr_run
	[[ $output == *"can't create directory '/tmp/d': No space left on device"* ]]
	[[ $output == *"mkdir: 1"* ]]
	[[ $output == *"Seccomp:"*2* ]]
}

@test "SCMP_ACT_ERRNO without errnoRet is EPERM; other syscalls are allowed" {
	make_bundle sh -c 'mkdir /dev/shm/d; touch /dev/shm/f && echo ok'
	deny mkdir SCMP_ACT_ERRNO
	run -0 ctr_run
	[[ $output == *"can't create directory '/dev/shm/d': Operation not permitted"* ]]
	[ "${lines[-1]}" = ok ]
}

# The syscalls busybox sh -c 'echo ok' needs, and what a runtime's init does after loading the
# filter (runc's Go runtime included): the rest fails with the default action.
ALLOW_LIST='["read", "write", "readv", "writev", "pread64", "pwrite64", "open", "openat",
	"close", "close_range", "fstat", "newfstatat", "stat", "lstat", "statx", "lseek", "mmap",
	"mprotect", "munmap", "brk", "madvise", "mincore", "rt_sigaction", "rt_sigprocmask",
	"rt_sigreturn", "sigaltstack", "ioctl", "access", "faccessat", "faccessat2", "pipe",
	"pipe2", "dup", "dup2", "dup3", "select", "pselect6", "poll", "ppoll", "sched_yield",
	"nanosleep", "clock_nanosleep", "clock_gettime", "gettimeofday", "getpid", "getppid",
	"gettid", "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
	"setuid", "setgid", "setresuid", "setresgid", "setgroups", "capget", "capset", "prctl",
	"arch_prctl", "set_tid_address", "set_robust_list", "rseq", "futex", "clone", "clone3",
	"fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4", "waitid", "kill",
	"tgkill", "tkill", "uname", "fcntl", "getcwd", "chdir", "fchdir", "getdents64", "umask",
	"getrlimit", "prlimit64", "setrlimit", "getrandom", "epoll_create1", "epoll_ctl",
	"epoll_wait", "epoll_pwait", "sendto", "sendmsg", "recvfrom", "recvmsg", "socket",
	"connect", "readlink", "readlinkat", "sysinfo", "membarrier", "statfs", "fstatfs"]'

@test "default SCMP_ACT_ERRNO with an allow list runs a shell; the rest fails" {
	make_bundle sh -c 'echo ok; mkdir /tmp/d || echo refused'
	profile "{defaultAction: \"SCMP_ACT_ERRNO\", syscalls: [{names: $ALLOW_LIST, action: \"SCMP_ACT_ALLOW\"}]}"
	run -0 ctr_run
	[ "${lines[0]}" = ok ]
	[[ $output == *"can't create directory '/tmp/d': Operation not permitted"* ]]
	[ "${lines[-1]}" = refused ]
}

@test "defaultErrnoRet sets the errno of the default action" {
	make_bundle sh -c 'mkdir /tmp/d; echo done'
	profile "{defaultAction: \"SCMP_ACT_ERRNO\", defaultErrnoRet: 28,
		syscalls: [{names: $ALLOW_LIST, action: \"SCMP_ACT_ALLOW\"}]}"
	run -0 ctr_run
	[[ $output == *"No space left on device"* ]]
	[[ $output == *done* ]]
}

@test "SCMP_ACT_KILL kills the process with SIGSYS" {
	make_bundle mkdir /tmp/d
	deny mkdir SCMP_ACT_KILL
	run -$((128 + 31)) ctr_run
	[ ! -e "$BUNDLE/rootfs/tmp/d" ]
}

@test "SCMP_ACT_KILL_PROCESS and SCMP_ACT_TRAP end the process with SIGSYS too" {
	make_bundle mkdir /tmp/d
	deny mkdir SCMP_ACT_KILL_PROCESS
	run -$((128 + 31)) ctr_run
	deny mkdir SCMP_ACT_TRAP
	run -$((128 + 31)) ctr_run "$(new_id)"
	[ ! -e "$BUNDLE/rootfs/tmp/d" ]
}

@test "SCMP_ACT_LOG lets the syscall through" {
	make_bundle sh -c 'mkdir /dev/shm/logged && echo made'
	deny mkdir SCMP_ACT_LOG
	run -0 ctr_run
	[ "$output" = made ]
}

@test "args: personality is denied only for PER_LINUX32" {
	make_bundle sh -c 'linux64 true && echo linux64 ok; linux32 true || echo linux32 refused'
	# PER_LINUX32 is 8.
	profile '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["personality"],
		action: "SCMP_ACT_ERRNO", args: [{index: 0, value: 8, op: "SCMP_CMP_EQ"}]}]}'
	run -0 ctr_run
	[[ $output == *"linux64 ok"* ]]
	[[ $output == *"linux32 refused"* ]]
}

@test "args: two conditions on different arguments must both hold" {
	# kill(pid, sig) denied only for signal 0 to pid 1 (the shell itself): SIGCONT to it is not.
	make_bundle sh -c 'kill -0 1 || echo probe refused; kill -CONT 1 && echo cont allowed'
	profile '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["kill"],
		action: "SCMP_ACT_ERRNO", args: [{index: 0, value: 1, op: "SCMP_CMP_EQ"},
		{index: 1, value: 0, op: "SCMP_CMP_EQ"}]}]}'
	run -0 ctr_run
	[[ $output == *"probe refused"* ]]
	[[ $output == *"cont allowed"* ]]
}

@test "args: SCMP_CMP_MASKED_EQ compares the masked value" {
	# personality(persona): denied when persona & 0xf == 8 (PER_LINUX32 is 8, PER_LINUX 0).
	make_bundle sh -c 'linux64 true && echo linux64 ok; linux32 true || echo linux32 refused'
	profile '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["personality"],
		action: "SCMP_ACT_ERRNO", args: [{index: 0, value: 15, valueTwo: 8, op: "SCMP_CMP_MASKED_EQ"}]}]}'
	run -0 ctr_run
	[[ $output == *"linux64 ok"* ]]
	[[ $output == *"linux32 refused"* ]]
}

@test "architectures: x86 and x32 besides the native arch" {
	[ "$(uname -m)" = x86_64 ] || skip "an x86_64 host"
	make_bundle sh -c 'mkdir /tmp/d; echo done'
	profile '{defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
		syscalls: [{names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 28}]}'
	run -0 ctr_run
	[[ $output == *"No space left on device"* ]]
	[[ $output == *done* ]]
}

@test "flags: SECCOMP_FILTER_FLAG_LOG and TSYNC load and the filter holds" {
	skip_if_runc "1.1 supports no seccomp flags"
	make_bundle sh -c 'mkdir /tmp/d; echo done'
	profile '{defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_TSYNC"],
		syscalls: [{names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 28}]}'
	run -0 ctr_run
	[[ $output == *"No space left on device"* ]]
	[[ $output == *done* ]]
}

@test "an unknown syscall name is skipped; the others still apply" {
	make_bundle sh -c 'mkdir /tmp/d; echo done'
	profile '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [
		{names: ["no_such_syscall_at_all", "mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 28}]}'
	run -0 ctr_run
	[[ $output == *"No space left on device"* ]]
	[[ $output == *done* ]]
}

# refused_create: create must fail; its stderr goes to $stderr. Its output goes to files, not to a
# bats pipe that a container created by mistake would hold open.
refused_create() {
	local rc=0
	rt create --bundle "$BUNDLE" "$CID" </dev/null >"$BATS_TEST_TMPDIR/create.out" \
		2>"$BATS_TEST_TMPDIR/create.err" || rc=$?
	stderr=$(cat "$BATS_TEST_TMPDIR/create.err")
	echo "create exited $rc: $stderr" >&2
	[ "$rc" -ne 0 ]
}

# expect_refused WORD: create fails with one line on stderr mentioning WORD, and leaves nothing.
expect_refused() {
	refused_create
	one_line_error
	[[ $stderr == *"$1"* ]]
	run ! rt state "$CID"
	[ -z "$(rt list -q)" ]
}

@test "an unknown action is refused at create with one line, nothing left behind" {
	make_bundle true
	deny mkdir SCMP_ACT_BOGUS
	# runc names the value only.
	expect_refused SCMP_ACT_BOGUS
}

@test "an unknown default action and an unknown operator are refused" {
	make_bundle true
	profile '{defaultAction: "SCMP_ACT_NOPE"}'
	expect_refused SCMP_ACT_NOPE
	profile '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["kill"], action: "SCMP_ACT_ERRNO",
		args: [{index: 0, value: 1, op: "SCMP_CMP_ALMOST"}]}]}'
	expect_refused SCMP_CMP_ALMOST
}

@test "an unknown architecture is refused" {
	make_bundle true
	profile '{defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_Z80"]}'
	expect_refused SCMP_ARCH_Z80
}

@test "errnoRet on an action that takes none is refused (config-linux.md)" {
	skip_if_runc "ignores errnoRet on actions without an errno"
	make_bundle true
	deny mkdir SCMP_ACT_KILL 1
	expect_refused errnoRet
}

@test "SCMP_ACT_NOTIFY without listenerPath is refused" {
	make_bundle true
	deny mkdir SCMP_ACT_NOTIFY
	expect_refused listenerPath
}

@test "noNewPrivileges false, non-root user: the filter is loaded while still privileged" {
	make_bundle sh -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status; id -u; mkdir /d'
	cfg '.process.noNewPrivileges = false | .process.user = {uid: 1000, gid: 1000}'
	deny mkdir SCMP_ACT_ERRNO 28
	run ctr_run
	[[ $output == *"NoNewPrivs:"*0* ]]
	[[ $output == *"Seccomp:"*2* ]]
	[[ $output == *1000* ]]
	# Not EACCES (a user may not write /): the filter answered first.
	[[ $output == *"No space left on device"* ]]
}

@test "noNewPrivileges true: the filter is loaded after no_new_privs" {
	make_bundle sh -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status; mkdir /tmp/d'
	cfg '.process.noNewPrivileges = true | .process.user = {uid: 1000, gid: 1000}'
	deny mkdir SCMP_ACT_ERRNO 28
	run ctr_run
	[[ $output == *"NoNewPrivs:"*1* ]]
	[[ $output == *"Seccomp:"*2* ]]
	[[ $output == *"No space left on device"* ]]
}

@test "exec'd processes run under the container's filter" {
	make_bundle sleep 100
	deny mkdir SCMP_ACT_ERRNO 28
	ctr_create "$CID"
	rt start "$CID"
	run rt exec "$CID" mkdir /tmp/d
	[ "$status" -ne 0 ]
	[[ $output == *"No space left on device"* ]]
	rt kill "$CID" KILL
}

# start_agent: a seccomp agent on $AGENT_SOCK. It takes one connection, records what came over
# it (the payload in $AGENT_DIR/state.json, the fd's /proc link in $AGENT_DIR/fd), then answers
# every notification with ENOSPC until the container is gone.
start_agent() {
	AGENT_DIR=$BATS_TEST_TMPDIR/agent
	AGENT_SOCK=$AGENT_DIR/agent.sock
	mkdir -p "$AGENT_DIR"
	cat >"$AGENT_DIR/agent.py" <<'EOF'
import errno, fcntl, json, os, select, socket, struct, sys
out = sys.argv[1]
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(os.path.join(out, "agent.sock"))
server.listen(1)
open(os.path.join(out, "ready"), "w").close()
conn, _ = server.accept()
payload, fds, _, _ = socket.recv_fds(conn, 65536, 4)
# The spec allows the state in several messages (the fds come with the first); read until it
# parses. Not until EOF: runc 1.1 keeps the connection open while it runs.
while True:
    try:
        json.loads(payload)
        break
    except ValueError:
        more = conn.recv(65536)
        if not more:
            break
        payload += more
with open(os.path.join(out, "state.json"), "wb") as f:
    f.write(payload)
with open(os.path.join(out, "fd"), "w") as f:
    f.write("%d %s\n" % (len(fds), os.readlink("/proc/self/fd/%d" % fds[0]) if fds else "none"))
if not fds:
    sys.exit(1)
# struct seccomp_notif: id, pid, flags, then seccomp_data (nr, arch, ip, args[6]): 80 bytes.
# struct seccomp_notif_resp: id, val, error, flags: 24 bytes.
NOTIF_RECV, NOTIF_SEND = 0xC0502100, 0xC0182101
notify = fds[0]
while True:
    ready, _, _ = select.select([notify], [], [], 60)
    if not ready:
        break
    buf = bytearray(80)
    try:
        fcntl.ioctl(notify, NOTIF_RECV, buf)
    except OSError:
        break  # the filter's processes are gone
    notif_id = struct.unpack_from("Q", buf, 0)[0]
    nr = struct.unpack_from("i", buf, 16)[0]
    with open(os.path.join(out, "calls"), "a") as f:
        f.write("%d\n" % nr)
    resp = bytearray(struct.pack("QqiI", notif_id, 0, -errno.ENOSPC, 0))
    try:
        fcntl.ioctl(notify, NOTIF_SEND, resp)
    except OSError:
        pass
EOF
	background python3 "$AGENT_DIR/agent.py" "$AGENT_DIR"
	for _ in $(seq 200); do
		[ -e "$AGENT_DIR/ready" ] && return 0
		sleep 0.05
	done
	echo "agent did not start" >&2
	return 1
}

@test "SCMP_ACT_NOTIFY: the listener gets the notify fd and the container state, and answers" {
	start_agent
	make_bundle sh -c 'mkdir /tmp/d; echo done'
	profile "{defaultAction: \"SCMP_ACT_ALLOW\", listenerPath: \"$AGENT_SOCK\", listenerMetadata: \"meta-1\",
		syscalls: [{names: [\"mkdir\", \"mkdirat\"], action: \"SCMP_ACT_NOTIFY\"}]}"
	run -0 ctr_run
	echo "$output"
	# The agent's answer, not the kernel's.
	[[ $output == *"No space left on device"* ]]
	[[ $output == *done* ]]
	[ "$(cat "$AGENT_DIR/fd")" = "1 anon_inode:seccomp notify" ]
	state=$AGENT_DIR/state.json
	cat "$state" >&2
	jq -e '.fds == ["seccompFd"]' "$state" >/dev/null
	jq -e '.pid > 0 and .metadata == "meta-1"' "$state" >/dev/null
	jq -e --arg id "$CID" --arg bundle "$BUNDLE" \
		'.state.id == $id and .state.bundle == $bundle and .state.status == "creating" and .state.pid == .pid' \
		"$state" >/dev/null
	jq -e '.ociVersion | type == "string"' "$state" >/dev/null
	[ -s "$AGENT_DIR/calls" ]
}

@test "SCMP_ACT_NOTIFY: create fails with one line when nobody listens" {
	make_bundle true
	profile "{defaultAction: \"SCMP_ACT_ALLOW\", listenerPath: \"$BATS_TEST_TMPDIR/nobody.sock\",
		syscalls: [{names: [\"mkdir\"], action: \"SCMP_ACT_NOTIFY\"}]}"
	refused_create
	[ -n "$stderr" ]
	is_runc || one_line_error
	[[ $stderr == *nobody.sock* ]]
	run ! rt state "$CID"
	[ -z "$(rt list -q)" ]
}

# The compiled-filter cache of berth-runtime (src/runtime/seccomp_cache.h), under --root.
cache_entries() {
	find "$ROOT/seccomp@cache" -type f 2>/dev/null | sort
}

@test "cache: a profile is compiled once, then loaded from its entry; the filter holds both times" {
	skip_if_runc "berth-runtime's own cache"
	make_bundle sh -c 'mkdir /tmp/d; echo "mkdir: $?"'
	deny mkdir SCMP_ACT_ERRNO 28
	run -0 ctr_run
	[[ $output == *"No space left on device"* ]]
	[ "$(cache_entries | wc -l)" -eq 1 ]
	local entry before
	entry=$(cache_entries)
	before=$(stat -c %Y.%i "$entry")
	run -0 ctr_run "$(new_id)"
	[[ $output == *"No space left on device"* ]]
	[ "$(stat -c %Y.%i "$entry")" = "$before" ] # read, not written again
	# Another profile is another entry.
	deny mkdir SCMP_ACT_ERRNO 13
	run -0 ctr_run "$(new_id)"
	[[ $output == *"Permission denied"* ]]
	[ "$(cache_entries | wc -l)" -eq 2 ]
}

@test "cache: a damaged entry is compiled again, never loaded" {
	skip_if_runc "berth-runtime's own cache"
	make_bundle sh -c 'mkdir /tmp/d; echo "mkdir: $?"'
	deny mkdir SCMP_ACT_ERRNO 28
	run -0 ctr_run
	local entry
	entry=$(cache_entries)
	# Flip a byte near the end (inside the BPF program), then cut the file short.
	local size
	size=$(stat -c %s "$entry")
	printf '\377' | dd of="$entry" bs=1 seek=$((size - 20)) conv=notrunc status=none
	run -0 ctr_run "$(new_id)"
	[[ $output == *"No space left on device"* ]]
	truncate -s 100 "$(cache_entries)"
	run -0 ctr_run "$(new_id)"
	[[ $output == *"No space left on device"* ]]
	[ "$(stat -c %s "$(cache_entries)")" -eq "$size" ] # rewritten whole
}

@test "cache: another profile's entry under this profile's name is not loaded" {
	skip_if_runc "berth-runtime's own cache"
	make_bundle sh -c 'mkdir /tmp/d; echo "mkdir: $?"'
	# A permissive profile's entry...
	profile '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["reboot"], action: "SCMP_ACT_ERRNO"}]}'
	run -0 ctr_run
	local permissive
	permissive=$(cache_entries)
	# ...copied over the entry of a strict one (as a hash collision would place it).
	deny mkdir SCMP_ACT_ERRNO 28
	run -0 ctr_run "$(new_id)"
	local strict
	strict=$(cache_entries | grep -vx "$permissive")
	cp "$permissive" "$strict"
	run -0 ctr_run "$(new_id)"
	[[ $output == *"No space left on device"* ]]
	[[ $output == *"mkdir: 1"* ]]
}
