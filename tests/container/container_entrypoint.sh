#!/usr/bin/env bash
# container_entrypoint.sh: the container's entrypoint (docker/entrypoint.sh)
# run directly, without a container engine (tests/image/container_journey.sh
# runs the real image, by `make test-image`): with SLUICE_SHARE and
# SLUICE_BIN_DIR pointed at this tree and a temp data directory it must
# start the whole stack through scripts/sluice-run, serve /api/health over
# HTTPS with its own certificate (verified, not -k), create the admin user
# and apply the demo flow on first start, store the worker's name in the
# data directory, run a command given as arguments in the same
# environment, and stop on SIGTERM with exit 0 and no process left behind.
set -u
root=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${SLUICE_BIN_DIR:-$root/bin}
for p in sluice-api sluice-scheduler sluicectl; do
	[ -x "$bin/$p" ] || { echo "$bin/$p is not built"; exit 77; }
done
command -v nginx >/dev/null || { echo "nginx is not installed"; exit 77; }

tmp=$(mktemp -d /tmp/sluice-entry.XXXXXX)
chmod 0755 "$tmp"
data=$tmp/data
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
pw=entry-pass-5678
pid=""

fail() { echo "FAIL: $*" >&2; [ -f "$tmp/out.log" ] && tail -n 40 "$tmp/out.log" >&2; exit 1; }

# Pids of processes that belong to this test's stack.
leftovers() {
	local p
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" = $$ ] && continue
		if { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null |
		    grep -qx "SLUICE_DATA=$data" ||
		    { tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null |
		    grep -q "$data/"; then
			echo "$p"
		fi
	done
}

cleanup() {
	local rc=$?
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		sleep 2
	fi
	local left
	left=$(leftovers)
	[ -n "$left" ] && kill -KILL $left 2>/dev/null
	if [ $rc = 0 ]; then rm -rf "$tmp"; else echo "# kept $tmp" >&2; fi
	exit $rc
}
trap cleanup EXIT

# Only SLUICE_DATA and the paths are overridden; the bind address is too,
# because tests use 127.0.0.1 only (the container default is 0.0.0.0).
env -u SLUICE_URL -u SLUICE_MIGRATIONS -u SLUICE_TEMPLATE \
    SLUICE_DATA="$data" SLUICE_BIND=127.0.0.1 SLUICE_PORT="$port" \
    SLUICE_SHARE="$root" SLUICE_BIN_DIR="$bin" \
    SLUICE_ADMIN_USER=admin SLUICE_ADMIN_PASSWORD="$pw" \
    SLUICE_KILL_GRACE_S=3 \
    "$root/docker/entrypoint.sh" >"$tmp/out.log" 2>&1 &
pid=$!

url=https://127.0.0.1:$port
ok=0
for _ in $(seq 1 300); do
	if [ -s "$data/tls/cert.pem" ] &&
	    curl -sf --cacert "$data/tls/cert.pem" "$url/api/health" \
	    -o "$tmp/health.json" 2>/dev/null; then
		ok=1
		break
	fi
	kill -0 "$pid" 2>/dev/null || fail "the entrypoint exited early"
	sleep 0.1
done
[ $ok = 1 ] || fail "no /api/health over https on $url"
[ "$(jq -r .status "$tmp/health.json")" = ok ] ||
    fail "health: $(cat "$tmp/health.json")"
echo "ok   health over https with the generated certificate"

# The process the entrypoint became is the launcher itself (exec).
tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "scripts/sluice-run" ||
    fail "pid $pid is not scripts/sluice-run: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
echo "ok   entrypoint execs scripts/sluice-run"

# First start: the admin exists and the demo flow was applied (the
# launcher applies it after the health check; give it time).
for _ in $(seq 1 100); do
	code=$(curl -s --cacert "$data/tls/cert.pem" -u "admin:$pw" \
	    -o "$tmp/demo.json" -w '%{http_code}' "$url/api/flows/demo")
	[ "$code" = 200 ] && break
	sleep 0.1
done
[ "$code" = 200 ] || fail "GET /api/flows/demo as admin: HTTP $code"
echo "ok   admin user works and the demo flow is applied"

# The first start stored the worker's name (this host's) in the data
# directory, so a later start, in a new container, keeps it.
[ "$(cat "$data/worker-name" 2>/dev/null)" = "$(uname -n)" ] ||
    fail "worker-name: '$(cat "$data/worker-name" 2>/dev/null)', not $(uname -n)"
echo "ok   the worker name is stored in the data directory"

# With arguments the entrypoint runs them in the same environment.
out=$(env SLUICE_DATA="$data" SLUICE_SHARE="$root" SLUICE_BIN_DIR="$bin" \
    "$root/docker/entrypoint.sh" sluicectl user list) ||
    fail "entrypoint sluicectl user list"
grep -q "^admin[[:space:]]*admin" <<<"$out" || fail "user list: $out"
echo "ok   entrypoint runs a given command (sluicectl user list)"

kill -TERM "$pid"
for _ in $(seq 1 300); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "still running 30 s after SIGTERM"
wait "$pid"
rc=$?
pid=""
[ $rc = 0 ] || fail "exit status $rc after SIGTERM"
for _ in $(seq 1 50); do
	left=$(leftovers)
	[ -z "$left" ] && break
	sleep 0.1
done
[ -z "$left" ] || fail "left running: $(ps -o pid,args -p $left | tail -n +2)"
echo "ok   SIGTERM stops everything, exit 0"
# No program died or failed while the entrypoint ran (the launcher says
# so in its log), and none printed a sanitizer report.
grep -E 'sluice-run: ([^ ]+ exited (on signal|with status) [0-9]+|killed pid )' \
    "$tmp/out.log" && fail "a program exited unexpectedly"
source "$root/tests/lib/sanitizer.sh"
sanitizer_check "$tmp/out.log" || fail "sanitizer report"
echo "ok   no program exited unexpectedly"
