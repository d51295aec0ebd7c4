#!/usr/bin/env bash
# Errors that nginx answers itself under /api/ carry the API's JSON error
# body (they used to be nginx's HTML pages): 401 from the credential
# verifier (still with WWW-Authenticate, and naming the reason), 413 for
# a body over 1 MiB (also when sent chunked), 414 for a URI over 8 KiB,
# 400 for a header too large, and 429 from the per-address rate limit.
# HEAD is answered like GET, without a body.
STACK_NO_SCHEDULER=1
export SLUICE_RATE_LIMIT=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

json_error() { # STATUS CODE WHAT
	expect_status "$1" "$3"
	grep -qi '^Content-Type: application/json' "$HDRS" ||
	    fail "$3: not JSON: $(cat "$HDRS")"
	[ "$(jqr .error.code)" = "$2" ] || fail "$3: code: $BODY"
	[ -n "$(jqr .error.message)" ] || fail "$3: no message: $BODY"
}

AS=none api GET /api/flows
json_error 401 unauthorized "no credentials"
grep -qi '^WWW-Authenticate: Basic realm="Sluice"' "$HDRS" ||
    fail "401 without challenge: $(cat "$HDRS")"
AS="$ADMIN_USER:wrong" api GET /api/me
json_error 401 unauthorized "wrong password"
[ "$(jqr .error.message)" = "invalid credentials" ] || fail "reason: $BODY"
grep -qi '^WWW-Authenticate: Basic' "$HDRS" || fail "no challenge"
grep -qi '^X-Sluice' "$HDRS" && fail "internal header leaked: $(cat "$HDRS")"

big=$STACK_TMP/big.json
{ printf '{"description":"'; head -c 1100000 /dev/zero | tr '\0' a
  printf '"}'; } >"$big"
for te in "" "Transfer-Encoding: chunked"; do
	STATUS=$(curl -sk -o "$STACK_TMP/body" -D "$HDRS" -w '%{http_code}' \
	    -u "$ADMIN_USER:$ADMIN_PASS" -X PUT -H "$te" \
	    -H 'Content-Type: application/json' --data-binary "@$big" \
	    "$SLUICE_URL/api/flows/big")
	BODY=$(cat "$STACK_TMP/body")
	json_error 413 too_large "body over 1 MiB ${te:-with Content-Length}"
done
api GET /api/flows/big
expect_status 404 "nothing stored"

long=$(printf 'a=1&%.0s' $(seq 3000))
api GET "/api/flows?$long"
json_error 414 too_large "URI over 8 KiB"
STATUS=$(curl -sk -o "$STACK_TMP/body" -D "$HDRS" -w '%{http_code}' \
    -u "$ADMIN_USER:$ADMIN_PASS" -H "X-Big: $(printf 'b%.0s' $(seq 10000))" \
    "$SLUICE_URL/api/me")
BODY=$(cat "$STACK_TMP/body")
json_error 400 invalid "header over 8 KiB"

STATUS=$(curl -sk -I -o /dev/null -w '%{http_code}' "$SLUICE_URL/api/health")
[ "$STATUS" = 200 ] || fail "HEAD /api/health: $STATUS"
STATUS=$(curl -sk -I -o /dev/null -w '%{http_code}' \
    -u "$ADMIN_USER:$ADMIN_PASS" "$SLUICE_URL/api/flows")
[ "$STATUS" = 200 ] || fail "HEAD /api/flows: $STATUS"

# Rate limit: 1 request/s with a burst of 500; 650 at once must hit it.
# Each reply's status and type follow its body in one file: the refused
# ones are judged as they come (a later probe may already be let through).
urls=()
for _ in $(seq 650); do urls+=("$SLUICE_URL/api/health"); done
curl -sk -w '\n=> %{http_code} %{content_type}\n' "${urls[@]}" \
    >"$STACK_TMP/burst"
grep -q '^=> 429 ' "$STACK_TMP/burst" ||
    fail "no 429: $(grep '^=>' "$STACK_TMP/burst" | sort | uniq -c)"
grep '^=> 429 ' "$STACK_TMP/burst" | grep -qv 'application/json' &&
    fail "a 429 that is not JSON: $(grep '^=> 429' "$STACK_TMP/burst" | sort -u)"
grep -q '^{"error":{"code":"too_many_requests","message":"[^"]' \
    "$STACK_TMP/burst" || fail "no JSON 429 body: $(tail -n 4 "$STACK_TMP/burst")"
echo ok
