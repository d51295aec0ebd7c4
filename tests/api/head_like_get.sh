#!/usr/bin/env bash
# HEAD works wherever GET does: for every GET route (and the dashboard,
# and a 404 and a 401) HEAD answers GET's status and content type, a log
# keeps its X-Log-Size header, and no body byte follows the headers (read
# off the raw TLS connection, not through curl, which would not read one).
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

api PUT /api/flows/h '{"tasks":[{"name":"t","command":["echo","hello"]}]}'
expect_status 201 "flow"
api POST /api/flows/h/runs '{}'
expect_status 201 "run"
run=$(jqr .id)
wait_run_state "$run" COMPLETED 30

# raw_head PATH [CREDENTIALS]: prints the status line's code, then the
# number of bytes after the headers, then the headers, for a HEAD request.
raw_head() {
	python3 - "$SLUICE_PORT" "$1" "${2:-}" <<'PY'
import base64, socket, ssl, sys
port, path, cred = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), 10))
req = "HEAD %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" % path
if cred:
    req += "Authorization: Basic %s\r\n" % base64.b64encode(cred.encode()).decode()
s.sendall((req + "\r\n").encode())
data = b""
while True:
    try:
        chunk = s.recv(65536)
    except (ssl.SSLError, OSError):
        break
    if not chunk:
        break
    data += chunk
head, _, rest = data.partition(b"\r\n\r\n")
lines = head.decode("latin-1").split("\r\n")
print(lines[0].split()[1])
print(len(rest))
print("\n".join(lines[1:]))
PY
}
check_head() {	# PATH [CREDENTIALS]
	local path=$1 cred=${2-$ADMIN_USER:$ADMIN_PASS} out code n gtype htype
	if [ -n "$cred" ]; then AS=$cred api GET "$path"; else AS=none api GET "$path"; fi
	gtype=$(header Content-Type)
	out=$(raw_head "$path" "$cred") || fail "HEAD $path: no answer"
	code=$(sed -n 1p <<<"$out") n=$(sed -n 2p <<<"$out")
	htype=$(sed -n '3,$p' <<<"$out" | grep -i '^content-type:' | cut -d' ' -f2- | tr -d '\r')
	[ "$code" = "$STATUS" ] || fail "HEAD $path: $code, GET: $STATUS"
	[ "$htype" = "$gtype" ] || fail "HEAD $path: type '$htype', GET: '$gtype'"
	[ "$n" = 0 ] || fail "HEAD $path: $n body bytes"
	HEAD_HEADERS=$(sed -n '3,$p' <<<"$out")
	note "HEAD $path: $code $htype"
}
check_head /api/health ""
for p in /api/me /api/openapi.json /api/metrics /api/flows /api/flows/h \
    /api/runs "/api/runs/$run" /api/workers /api/events /index.html \
    /api/flows/missing; do
	check_head "$p"
done
check_head "/api/runs/$run/tasks/t/log"
grep -qi '^x-log-size: [0-9]' <<<"$HEAD_HEADERS" ||
    fail "HEAD of a log without X-Log-Size: $HEAD_HEADERS"
check_head /api/flows "$ADMIN_USER:wrong-password"
[ "$STATUS" = 401 ] || fail "wrong password: $STATUS"
echo ok
