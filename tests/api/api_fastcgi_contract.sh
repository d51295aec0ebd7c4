#!/usr/bin/env bash
# The nginx <-> sluice-api contract spoken directly over the FastCGI
# socket (no nginx): the verifier (SLUICE_AUTH=1) answers 204 with
# X-Sluice-User for valid Basic credentials and 401 with WWW-Authenticate
# otherwise; API requests without REMOTE_USER, or with a user that has no
# row in users, are 401; a CONTENT_LENGTH over 1 MiB is 413 from
# sluice-api itself, before any body is read.
set -u
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
SLUICE_BIN_DIR=${SLUICE_BIN_DIR:-$SLUICE_ROOT/bin}
command -v cgi-fcgi >/dev/null || { echo "cgi-fcgi not installed (libfcgi-bin)"; exit 77; }
tmp=$(mktemp -d /tmp/sluice-api-test.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid"; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$tmp/api.log" ] && cat "$tmp/api.log" >&2; exit 1; }

export SLUICE_DATA=$tmp/data SLUICE_API_THREADS=2
mkdir -p "$SLUICE_DATA/run"
"$SLUICE_BIN_DIR/sluicectl" migrate >/dev/null || fail "migrate"
printf 'pw-one-1\n' | "$SLUICE_BIN_DIR/sluicectl" user add ann --role admin >/dev/null ||
    fail "user add"
"$SLUICE_BIN_DIR/sluice-api" >"$tmp/api.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
	[ -f "$SLUICE_DATA/run/sluice-api.pid" ] && break
	sleep 0.1
done

fcgi() { # VAR=VALUE...: prints the raw response; stdin is the body
	env -i "$@" SERVER_PROTOCOL=HTTP/1.1 REMOTE_ADDR=127.0.0.1 \
	    cgi-fcgi -bind -connect "$SLUICE_DATA/run/api.sock"
}
basic() { printf 'Basic %s' "$(printf '%s' "$1" | base64 -w0)"; }

cred_ok=$(basic ann:pw-one-1)
out=$(fcgi SLUICE_AUTH=1 REQUEST_METHOD=GET REQUEST_URI=/api/flows \
    HTTP_AUTHORIZATION="$cred_ok" </dev/null)
grep -q '^Status: 204' <<<"$out" || fail "valid credentials: $out"
grep -q '^X-Sluice-User: ann' <<<"$out" || fail "X-Sluice-User: $out"
# The scheme is case-insensitive (RFC 7235).
out=$(fcgi SLUICE_AUTH=1 REQUEST_METHOD=GET REQUEST_URI=/api/flows \
    HTTP_AUTHORIZATION="basic ${cred_ok#Basic }" </dev/null)
grep -q '^Status: 204' <<<"$out" || fail "lower-case scheme: $out"
for cred in "$(basic ann:wrong)" "$(basic nobody:pw-one-1)" "Basic %%%" \
    "$(basic ann)" ""; do
	out=$(fcgi SLUICE_AUTH=1 REQUEST_METHOD=GET REQUEST_URI=/api/flows \
	    HTTP_AUTHORIZATION="$cred" </dev/null)
	grep -q '^Status: 401' <<<"$out" || fail "credentials '$cred': $out"
	grep -q '^WWW-Authenticate: Basic realm="Sluice", charset="UTF-8"' <<<"$out" ||
	    fail "challenge for '$cred': $out"
	grep -q '^X-Sluice-User' <<<"$out" && fail "user named on 401: $out"
done

out=$(fcgi REQUEST_METHOD=GET REQUEST_URI=/api/flows </dev/null)
grep -q '^Status: 401' <<<"$out" || fail "no REMOTE_USER: $out"
out=$(fcgi REQUEST_METHOD=GET REQUEST_URI=/api/flows REMOTE_USER=ghost </dev/null)
grep -q '^Status: 401' <<<"$out" || fail "REMOTE_USER without a users row: $out"
out=$(fcgi REQUEST_METHOD=GET REQUEST_URI=/api/flows REMOTE_USER=ann </dev/null)
grep -q '^Status: 200' <<<"$out" || fail "REMOTE_USER ann: $out"

out=$(fcgi REQUEST_METHOD=PUT REQUEST_URI=/api/flows/big REMOTE_USER=ann \
    CONTENT_TYPE=application/json CONTENT_LENGTH=1048577 </dev/null)
grep -q '^Status: 413' <<<"$out" || fail "CONTENT_LENGTH over 1 MiB: $out"
grep -q '"code":"too_large"' <<<"$out" || fail "413 code: $out"
body='{"tasks":[{"name":"t","command":["true"]}]}'
out=$(printf '%s' "$body" | fcgi REQUEST_METHOD=PUT REQUEST_URI=/api/flows/small \
    REMOTE_USER=ann CONTENT_TYPE=application/json CONTENT_LENGTH=${#body})
grep -q '^Status: 201' <<<"$out" || fail "PUT over FastCGI: $out"
kill -0 "$pid" 2>/dev/null || fail "sluice-api exited during the test"
kill -TERM "$pid"
wait "$pid"; rc=$?
pid=""
[ $rc = 0 ] || fail "sluice-api exited $rc on SIGTERM"
source "$SLUICE_ROOT/tests/lib/sanitizer.sh"
sanitizer_check "$tmp/api.log" || fail "sanitizer report from sluice-api"
echo ok
