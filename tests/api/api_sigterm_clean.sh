#!/usr/bin/env bash
# sluice-api on its own: it applies migrations, listens on
# <data>/run/api.sock (mode 0660; run/ is made if missing) and writes
# run/sluice-api.pid; a stale
# socket file is replaced; SIGTERM lets a request in flight finish and the
# program exits 0, removing the socket and pid file.
set -u
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
SLUICE_BIN_DIR=${SLUICE_BIN_DIR:-$SLUICE_ROOT/bin}
command -v cgi-fcgi >/dev/null || { echo "cgi-fcgi not installed (libfcgi-bin)"; exit 77; }
tmp=$(mktemp -d /tmp/sluice-api-test.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$tmp/api.log" ] && cat "$tmp/api.log" >&2; exit 1; }

export SLUICE_DATA=$tmp/data SLUICE_API_THREADS=2
mkdir -p "$SLUICE_DATA/run"
# A stale socket left by a killed process.
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' \
    "$SLUICE_DATA/run/api.sock"
"$SLUICE_BIN_DIR/sluice-api" >"$tmp/api.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
	[ -f "$SLUICE_DATA/run/sluice-api.pid" ] && break
	sleep 0.1
done
[ "$(cat "$SLUICE_DATA/run/sluice-api.pid" 2>/dev/null)" = "$pid" ] || fail "pid file"
[ "$(stat -c %a "$SLUICE_DATA/run/api.sock")" = 660 ] || fail "socket mode"
[ "$(sqlite3 "$SLUICE_DATA/sluice.db" 'SELECT count(*) FROM schema_migrations')" -ge 1 ] ||
    fail "migrations not applied"

fcgi() { # METHOD URI: prints the raw FastCGI response
	env -i REQUEST_METHOD="$1" REQUEST_URI="$2" SERVER_PROTOCOL=HTTP/1.1 \
	    cgi-fcgi -bind -connect "$SLUICE_DATA/run/api.sock"
}
fcgi GET /api/health | grep -q '"status":"ok"' || fail "health over FastCGI"
fcgi GET /api/flows | grep -q '^Status: 401' || fail "no REMOTE_USER must be 401"

# A request in flight when SIGTERM arrives still gets its answer: keep
# the connection open without sending the end of params, signal, finish.
python3 - "$SLUICE_DATA/run/api.sock" "$pid" >"$tmp/inflight" <<'PY' &
import os, signal, socket, struct, sys, time
def rec(t, content, rid=1):
    pad = (8 - len(content) % 8) % 8
    return struct.pack(">BBHHBB", 1, t, rid, len(content), pad, 0) + content + b"\0" * pad
def nv(k, v):
    return bytes([len(k), len(v)]) + k + v
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(rec(1, struct.pack(">HB5x", 1, 0)))
s.sendall(rec(4, nv(b"REQUEST_METHOD", b"GET") + nv(b"REQUEST_URI", b"/api/health")))
time.sleep(0.5)
os.kill(int(sys.argv[2]), signal.SIGTERM)
time.sleep(0.5)
s.sendall(rec(4, b"") + rec(5, b""))
out = b""
while True:
    d = s.recv(65536)
    if not d: break
    out += d
sys.stdout.write("answered" if b'"status":"ok"' in out else "no answer")
PY
client=$!
wait $client
[ "$(cat "$tmp/inflight")" = answered ] || fail "request in flight: $(cat "$tmp/inflight")"
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "still running 10 s after SIGTERM"
wait "$pid"; rc=$?
pid=""
[ $rc = 0 ] || fail "exit status $rc"
[ -e "$SLUICE_DATA/run/api.sock" ] && fail "socket left behind"
[ -e "$SLUICE_DATA/run/sluice-api.pid" ] && fail "pid file left behind"
source "$SLUICE_ROOT/tests/lib/sanitizer.sh"
sanitizer_check "$tmp/api.log" || fail "sanitizer report from sluice-api"
echo ok
