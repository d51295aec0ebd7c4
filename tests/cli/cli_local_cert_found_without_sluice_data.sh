#!/usr/bin/env bash
# For a URL on this machine sluicectl verifies the server's self-signed
# certificate without SLUICE_DATA in its environment: run from the folder
# holding data/ (./data/tls/cert.pem, as `make run` made it) or from
# anywhere else (the data directory of the Sluice listening on the URL's
# port, found through /proc). The ./data rule is shown alone against a
# plain TLS server (openssl s_server) whose certificate only a ./data
# copy holds; a found certificate others may write is not trusted. When
# no certificate fits, the error names SLUICE_DATA and --insecure.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
STACK_NO_SCHEDULER=1
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start
ctl=$SLUICE_BIN_DIR/sluicectl
export SLUICE_USER=$ADMIN_USER SLUICE_PASSWORD=$ADMIN_PASS
tmp=$STACK_TMP
# flows_from DIR [VAR=VALUE...]: sluicectl flows run in DIR with
# SLUICE_DATA unset; output in $tmp/out and $tmp/err.
flows_from() {
	local dir=$1; shift
	(cd "$dir" && env -u SLUICE_DATA "$@" "$ctl" flows >"$tmp/out" 2>"$tmp/err")
}

flows_from "$tmp" || fail "from the folder holding data/: $(cat "$tmp/err")"
mkdir -p "$tmp/elsewhere"
flows_from "$tmp/elsewhere" ||
    fail "from another folder, the server's own data directory: $(cat "$tmp/err")"
flows_from / SLUICE_URL="https://localhost:$SLUICE_PORT" ||
    fail "https://localhost from /: $(cat "$tmp/err")"
echo "ok   the certificate of a local Sluice is found without SLUICE_DATA"

SLUICE_DATA=$tmp/no-such-data "$ctl" flows >"$tmp/out" 2>"$tmp/err" &&
    fail "a SLUICE_DATA without the certificate was trusted"
grep -q "certificate.*$tmp/no-such-data/tls/cert.pem.*set SLUICE_DATA.*--insecure" "$tmp/err" ||
    fail "error: $(cat "$tmp/err")"
SLUICE_DATA=$tmp/no-such-data "$ctl" --insecure flows >/dev/null 2>&1 ||
    fail "--insecure"
echo "ok   a wrong SLUICE_DATA fails naming SLUICE_DATA and --insecure"

# A TLS server that is no Sluice: only ./data can hold its certificate.
mkdir -p "$tmp/plain/data/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$tmp/plain/key.pem" -out "$tmp/plain/data/tls/cert.pem" \
    >/dev/null 2>&1 || fail "openssl req"
port=$(free_port)
openssl s_server -quiet -www -accept "127.0.0.1:$port" \
    -cert "$tmp/plain/data/tls/cert.pem" -key "$tmp/plain/key.pem" \
    >"$tmp/s_server.log" 2>&1 &
s_server=$!
stop_s_server() { kill "$s_server" 2>/dev/null; wait "$s_server" 2>/dev/null; return 0; }
stack_on_stop stop_s_server
wait_for 10 curl -sk -o /dev/null "https://127.0.0.1:$port/" || fail "s_server did not start"
# (stack.sh's umask is 000: a certificate others may write is not used.)
chmod 666 "$tmp/plain/data/tls/cert.pem"
flows_from "$tmp/plain" SLUICE_URL="https://127.0.0.1:$port"
grep -q "not root's or yours, or others may write it" "$tmp/err" ||
    fail "a certificate others may write: $(cat "$tmp/err")"
chmod 644 "$tmp/plain/data/tls/cert.pem"
flows_from "$tmp/plain" SLUICE_URL="https://127.0.0.1:$port" &&
    fail "s_server's page passed for a Sluice reply"
grep -q "not JSON" "$tmp/err" && ! grep -q certificate "$tmp/err" ||
    fail "./data/tls/cert.pem not trusted: $(cat "$tmp/err")"
flows_from "$tmp/elsewhere" SLUICE_URL="https://127.0.0.1:$port" &&
    fail "an unknown certificate was trusted"
grep -q "no certificate of the Sluice at https://127.0.0.1:$port was found (tried ./data/tls/cert.pem (the default data directory)): set SLUICE_DATA to its data directory, or use --insecure" \
    "$tmp/err" || fail "no certificate: $(cat "$tmp/err")"
echo "ok   ./data/tls/cert.pem is trusted for a local URL; none found names what to do"
