#!/bin/bash
# bench/registry.sh [SIZE_MIB] [REQUESTS] [ROUNDS]: berth's registry server against Debian's
# docker-registry (distribution 2.8), in one run on one machine, both with their storage on the
# same disk (under /var/tmp), both on 127.0.0.1 over plain HTTP, access logs off.
#
#   push, monolithic   POST a session, then one PUT ?digest= with the whole SIZE_MIB blob
#                      (default 1024 MiB; docker-registry has no single-POST upload, so both get
#                      the same two requests)
#   push, chunked      POST, PATCH chunks of 5 MiB with Content-Range on one keep-alive
#                      connection, PUT ?digest= (tests/lib's python, the same for both)
#   pull               GET of that blob (the page cache holds it: this is the server's cost, not
#                      the disk's) by two clients, pinned to the last CPU (taskset), 3 times
#                      each a round, the servers taking turns:
#                      - bench/lib/splice_get.py, which splices the body to /dev/null without
#                        copying it: what the server can serve (the target's row);
#                      - curl to /dev/null: what curl can copy. On loopback, curl's copy out of
#                        the socket is the slowest step, and it is slower from sendfile's pages
#                        (cold in the caches) than from a server's own fresh copy, so this row
#                        measures curl more than the server (docs/benchmarks.md).
#   manifest GETs      ab -k -c 200 -n REQUESTS (default 100000) of a manifest by tag
#   1 MiB blob GETs    ab -k -c 200 -n REQUESTS/10 of a 1 MiB blob
# Each of ROUNDS (default 3) rounds runs both servers in turn; medians are printed with the
# ratio berth/docker-registry, and each server's peak RSS (VmHWM of /proc/PID/status at the end).
# Wall time on a shared 2-CPU machine swings; the CPU time each server used per GiB pushed and
# pulled (utime + stime of /proc/PID/stat around each transfer, the median) is steadier, and is
# printed too. So is what the disk gives a plain durable write (dd bs=8M conv=fdatasync of the
# blob, the median of 3): berth fsyncs a push before its 201, docker-registry does not.
# Targets (issue 6): push >= 2x, pull >= 1.3x (the zero-copy client), manifest GETs >= 3x, peak RSS < 1/4.
#
# Builds nothing: expects build/berth (or $BERTH), a release build. Needs docker-registry, curl,
# ab (apache2-utils), python3.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")/.." && pwd)
size_mib=${1:-1024}
requests=${2:-100000}
rounds=${3:-3}
for v in "$size_mib" "$requests" "$rounds"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/registry.sh [SIZE_MIB] [REQUESTS] [ROUNDS]" >&2; exit 2; }
done
berth=${BERTH:-$here/build/berth}
[ -x "$berth" ] || { echo "bench: $berth is missing: build it first (or set BERTH)" >&2; exit 1; }
for tool in docker-registry curl ab python3; do
	command -v "$tool" >/dev/null || { echo "bench: $tool not installed" >&2; exit 1; }
done

tmp=$(mktemp -d /var/tmp/berth-bench-registry.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# shellcheck source=../tests/lib/registry-env.sh
source "$here/tests/lib/registry-env.sh"

OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json

echo "bench: making a $size_mib MiB blob and a 1 MiB layer" >&2
head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$tmp/big"
big_digest=sha256:$(sha256sum "$tmp/big" | cut -d' ' -f1)
head -c 1048576 /dev/urandom >"$tmp/layer"
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' >"$tmp/config"

start_berth() {
	local port
	port=$(registry_free_port)
	"$berth" registry serve --addr "127.0.0.1:$port" --storage "$tmp/berth-storage" \
		--access-log "" </dev/null >"$tmp/berth.log" 2>&1 &
	pids+=($!)
	BERTH_PID=$!
	BERTH_URL=http://127.0.0.1:$port
	registry_wait_http "$BERTH_URL/v2/"
}

start_distribution() {
	local port
	port=$(registry_free_port)
	cat >"$tmp/distribution.yml" <<-EOF
		version: 0.1
		log:
		  level: error
		  accesslog:
		    disabled: true
		storage:
		  filesystem:
		    rootdirectory: $tmp/distribution-storage
		  delete:
		    enabled: true
		http:
		  addr: 127.0.0.1:$port
		  secret: bench
	EOF
	env -u REGISTRY_AUTH_FILE docker-registry serve "$tmp/distribution.yml" </dev/null >"$tmp/distribution.log" 2>&1 &
	pids+=($!)
	DIST_PID=$!
	DIST_URL=http://127.0.0.1:$port
	registry_wait_http "$DIST_URL/v2/"
}

# absolute URL BASE LOCATION
absolute() {
	case $2 in http*) echo "$2" ;; *) echo "$1$2" ;; esac
}

# push_mono BASE REPO FILE: POST, then PUT ?digest= with the body; prints the seconds.
push_mono() {
	local base=$1 repo=$2 file=$3 loc t0 t1 digest code
	digest=sha256:$(sha256sum "$file" | cut -d' ' -f1)
	t0=$EPOCHREALTIME
	loc=$(curl -sf -X POST -D - -o /dev/null "$base/v2/$repo/blobs/uploads/" | tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }')
	loc=$(absolute "$base" "$loc")
	case $loc in *\?*) loc="$loc&digest=$digest" ;; *) loc="$loc?digest=$digest" ;; esac
	code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/octet-stream' -T "$file" "$loc")
	t1=$EPOCHREALTIME
	[ "$code" = 201 ] || { echo "bench: push to $base answered $code" >&2; return 1; }
	echo "$t1 $t0" | awk '{ printf "%.3f\n", $1 - $2 }'
}

# push_chunked BASE REPO FILE CHUNK: prints the seconds.
push_chunked() {
	python3 - "$@" <<'EOF'
import hashlib, http.client, sys, time, urllib.parse
base, repo, path, chunk = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
h = hashlib.sha256()
with open(path, "rb") as f:
    while True:
        b = f.read(1 << 24)
        if not b:
            break
        h.update(b)
digest = "sha256:" + h.hexdigest()
u = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(u.hostname, u.port)
t0 = time.monotonic()
conn.request("POST", f"/v2/{repo}/blobs/uploads/", body=b"", headers={"Content-Length": "0"})
r = conn.getresponse(); r.read()
loc = r.getheader("Location")
def path_of(l):
    p = urllib.parse.urlparse(l)
    return p.path + ("?" + p.query if p.query else "")
offset = 0
with open(path, "rb") as f:
    while True:
        data = f.read(chunk)
        if not data:
            break
        conn.request("PATCH", path_of(loc), body=data, headers={
            "Content-Type": "application/octet-stream",
            "Content-Range": f"{offset}-{offset + len(data) - 1}",
            "Content-Length": str(len(data))})
        r = conn.getresponse(); r.read()
        if r.status != 202:
            sys.exit(f"PATCH answered {r.status}")
        loc = r.getheader("Location")
        offset += len(data)
p = path_of(loc)
p += ("&" if "?" in p else "?") + "digest=" + digest
conn.request("PUT", p, body=b"", headers={"Content-Length": "0"})
r = conn.getresponse(); r.read()
if r.status != 201:
    sys.exit(f"PUT answered {r.status}")
print("%.3f" % (time.monotonic() - t0))
EOF
}

# pull BASE REPO DIGEST: prints the seconds.
pin=()
if command -v taskset >/dev/null; then pin=(taskset -c "$(($(nproc) - 1))"); fi
pull() {
	"${pin[@]}" curl -sf -o /dev/null -w '%{time_total}\n' "$1/v2/$2/blobs/$3"
}
pull_splice() {
	"${pin[@]}" python3 "$here/bench/lib/splice_get.py" "$1/v2/$2/blobs/$3"
}

# cpu_ms PID: the CPU time PID has used so far (all its threads, the dead ones too), in ms.
ticks=$(getconf CLK_TCK)
cpu_ms() {
	awk -v t="$ticks" '{ print ($14 + $15) * 1000 / t }' "/proc/$1/stat"
}

# measured PID KEY CMD...: runs CMD, appends its output (seconds) to res[KEY] and PID's CPU ms
# per GiB moved to res[KEY.cpu].
measured() {
	local pid=$1 key=$2 c0 c1 out
	shift 2
	c0=$(cpu_ms "$pid")
	out=$("$@")
	c1=$(cpu_ms "$pid")
	res[$key]+="$out "
	res[$key.cpu]+="$(awk -v a="$c0" -v b="$c1" -v m="$size_mib" 'BEGIN { printf "%.0f", (b - a) * 1024 / m }') "
}

# seed_image BASE REPO: a 1 MiB layer, a config and a manifest tagged latest.
seed_image() {
	local base=$1 repo=$2 f d
	for f in "$tmp/config" "$tmp/layer"; do
		push_mono "$base" "$repo" "$f" >/dev/null
	done
	printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
		"$OCI_MANIFEST" "$(sha256sum "$tmp/config" | cut -d' ' -f1)" "$(stat -c %s "$tmp/config")" \
		"$(sha256sum "$tmp/layer" | cut -d' ' -f1)" "$(stat -c %s "$tmp/layer")" >"$tmp/manifest"
	curl -sf -X PUT -H "Content-Type: $OCI_MANIFEST" --data-binary "@$tmp/manifest" "$base/v2/$repo/manifests/latest" >/dev/null
}

# rps URL CONCURRENCY N [HEADER]: ab's requests per second.
rps() {
	local out
	out=$(ab -q -k -c "$2" -n "$3" ${4:+-H "$4"} "$1" 2>&1) || { echo "$out" >&2; return 1; }
	if grep -q '^Non-2xx responses' <<<"$out"; then
		echo "bench: ab got errors from $1" >&2
		grep -E 'Non-2xx|Failed' <<<"$out" >&2
		return 1
	fi
	awk '/^Requests per second/ { print $4 }' <<<"$out"
}

hwm_kib() {
	awk '/^VmHWM/ { print $2 }' "/proc/$1/status"
}

median() {
	sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

start_berth
start_distribution
seed_image "$BERTH_URL" bench/small
seed_image "$DIST_URL" bench/small
layer_digest=sha256:$(sha256sum "$tmp/layer" | cut -d' ' -f1)

declare -A res
echo "bench: the disk's durable write speed (dd conv=fdatasync)" >&2
for i in 1 2 3; do
	sync
	t0=$EPOCHREALTIME
	dd if="$tmp/big" of="$tmp/dd" bs=8M conv=fdatasync status=none
	t1=$EPOCHREALTIME
	rm -f "$tmp/dd"
	res[disk]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') "
done
for round in $(seq "$rounds"); do
	for server in berth distribution; do
		if [ $server = berth ]; then base=$BERTH_URL pid=$BERTH_PID; else base=$DIST_URL pid=$DIST_PID; fi
		echo "bench: round $round, $server" >&2
		sync
		measured "$pid" $server.mono push_mono "$base" "bench/mono$round" "$tmp/big"
		sync
		res[$server.chunked]+="$(push_chunked "$base" "bench/chunked$round" "$tmp/big" $((5 * 1024 * 1024))) "
		sync
		res[$server.manifest]+="$(rps "$base/v2/bench/small/manifests/latest" 200 "$requests" "Accept: $OCI_MANIFEST") "
		res[$server.blob]+="$(rps "$base/v2/bench/small/blobs/$layer_digest" 200 $((requests / 10))) "
	done
	# The pulls last: the servers take turns, one pull each, three times.
	for i in 1 2 3; do
		for server in berth distribution; do
			if [ $server = berth ]; then base=$BERTH_URL pid=$BERTH_PID; else base=$DIST_URL pid=$DIST_PID; fi
			measured "$pid" $server.pull pull "$base" "bench/mono$round" "$big_digest"
			measured "$pid" $server.splice pull_splice "$base" "bench/mono$round" "$big_digest"
		done
	done
done
mb=$(awk -v m="$size_mib" 'BEGIN { print m * 1.048576 }')
berth_hwm=$(hwm_kib "$BERTH_PID")
dist_hwm=$(hwm_kib "$DIST_PID")

printf '\n%s MiB blob, %s rounds (medians), %s requests at 200 connections (ab -k), %s CPUs\n' \
	"$size_mib" "$rounds" "$requests" "$(nproc)"
printf 'disk, dd bs=8M conv=fdatasync: %.0f MB/s\n' \
	"$(awk -v s="$(tr ' ' '\n' <<<"${res[disk]}" | grep . | median)" -v m="$mb" 'BEGIN { print m / s }')"
printf '%-30s %14s %16s %8s %8s\n' "" berth docker-registry ratio target
line() { # NAME KEY UNIT(MB/s|req/s) TARGET
	local b d
	b=$(tr ' ' '\n' <<<"${res[berth.$2]}" | grep . | median)
	d=$(tr ' ' '\n' <<<"${res[distribution.$2]}" | grep . | median)
	if [ "$3" = MB/s ]; then
		b=$(awk -v s="$b" -v m="$mb" 'BEGIN { printf "%.0f", m / s }')
		d=$(awk -v s="$d" -v m="$mb" 'BEGIN { printf "%.0f", m / s }')
	fi
	printf '%-30s %9.0f %-4s %11.0f %-4s %7.2fx %8s\n' "$1" "$b" "$3" "$d" "$3" \
		"$(awk -v b="$b" -v d="$d" 'BEGIN { print b / d }')" "$4"
}
line "push, monolithic" mono MB/s ">= 2x"
line "push, 5 MiB chunks" chunked MB/s ">= 2x"
line "pull, zero-copy client" splice MB/s ">= 1.3x"
line "pull, curl" pull MB/s ""
line "manifest GETs" manifest req/s ">= 3x"
line "1 MiB blob GETs" blob req/s ""
cpu_line() { # NAME KEY
	local b d
	b=$(tr ' ' '\n' <<<"${res[berth.$2.cpu]}" | grep . | median)
	d=$(tr ' ' '\n' <<<"${res[distribution.$2.cpu]}" | grep . | median)
	printf '%-30s %9.0f %-4s %11.0f %-4s %7.2fx\n' "$1" "$b" ms "$d" ms "$(awk -v b="$b" -v d="$d" 'BEGIN { print (d > 0) ? b / d : 0 }')"
}
cpu_line "server CPU/GiB, push" mono
cpu_line "server CPU/GiB, pull" splice
cpu_line "server CPU/GiB, pull (curl)" pull
printf '%-30s %9.1f %-4s %11.1f %-4s %7.2fx %8s\n' "peak RSS" "$(awk -v k="$berth_hwm" 'BEGIN { print k / 1024 }')" MiB \
	"$(awk -v k="$dist_hwm" 'BEGIN { print k / 1024 }')" MiB "$(awk -v b="$berth_hwm" -v d="$dist_hwm" 'BEGIN { print b / d }')" "< 0.25x"
