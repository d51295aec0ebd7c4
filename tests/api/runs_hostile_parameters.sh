#!/usr/bin/env bash
# Hostile strings in run parameters: quotes, backslashes, <script>, emoji
# and control characters are stored and returned byte for byte (as JSON
# data, served as application/json with nosniff); a NUL escape (\u0000)
# and invalid UTF-8 bytes are refused with 400 and a clear message, and
# store nothing.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

api PUT /api/flows/h '{"parameters":{"s":{"type":"string","default":""}},
 "tasks":[{"name":"t","command":["echo","{{params.s}}"]}]}'
expect_status 201 "flow"

hostile='"'"'"'; DROP TABLE runs; -- <script>alert(1)</script> \\ \" \t \u2028 é 😀 ../../etc/passwd {{params.s}}'
body=$(jq -cn --arg s "$hostile" '{parameters:{s:$s}}')
api POST /api/flows/h/runs "$body"
expect_status 201 "hostile string"
run=$(jqr .id)
[ "$(jqr .parameters.s)" = "$hostile" ] || fail "changed on the way in: $BODY"
grep -qi '^Content-Type: application/json' "$HDRS" || fail "content type"
grep -qi '^X-Content-Type-Options: nosniff' "$HDRS" || fail "nosniff"
api GET /api/runs/$run
[ "$(jqr .parameters.s)" = "$hostile" ] || fail "changed in storage: $BODY"
api GET '/api/runs?flow=h'
[ "$(jqr '.items[0].parameters.s')" = "$hostile" ] || fail "changed in list"

api POST /api/flows/h/runs '{"parameters":{"s":"a\u0000b"}}'
expect_status 400 "NUL escape"
jqr .error.message | grep -qi 'nul' || fail "message names NUL: $BODY"

printf '{"parameters":{"s":"\xff\xfe bad"}}' >"$STACK_TMP/bad.json"
STATUS=$(curl -sk -o "$STACK_TMP/out" -w '%{http_code}' -u "$ADMIN_USER:$ADMIN_PASS" \
    -H 'Content-Type: application/json' --data-binary "@$STACK_TMP/bad.json" \
    "$SLUICE_URL/api/flows/h/runs")
BODY=$(cat "$STACK_TMP/out")
[ "$STATUS" = 400 ] || fail "invalid UTF-8: $STATUS $BODY"
jqr .error.message | grep -qi 'utf-8\|invalid' || fail "message: $BODY"

printf '{"parameters":{"s":"a\x00b"}}' >"$STACK_TMP/nul.json"
STATUS=$(curl -sk -o "$STACK_TMP/out" -w '%{http_code}' -u "$ADMIN_USER:$ADMIN_PASS" \
    -H 'Content-Type: application/json' --data-binary "@$STACK_TMP/nul.json" \
    "$SLUICE_URL/api/flows/h/runs")
[ "$STATUS" = 400 ] || fail "raw NUL byte: $STATUS"

api GET '/api/runs?flow=h'
[ "$(jqr '.items | length')" = 1 ] || fail "a refused request stored a run: $BODY"
echo ok
