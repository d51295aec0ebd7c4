#!/usr/bin/env bash
# The CSRF defence: a mutating request must say Content-Type:
# application/json (a browser form or a "simple" cross-site request can
# not). Form-urlencoded, text/plain, multipart and missing content types
# are 415 on every mutating route, and nothing changes.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

flow='{"tasks":[{"name":"t","command":["true"]}]}'
api PUT /api/flows/c "$flow"
expect_status 201 "create"

for ct in application/x-www-form-urlencoded text/plain \
    'multipart/form-data; boundary=xyz' application/jsonx \
    'application/json; charset=latin1'; do
	CT=$ct api POST /api/flows/c/runs '{}'
	expect_status 415 "POST run with '$ct'"
	[ "$(jqr .error.code)" = unsupported_media_type ] || fail "$BODY"
	CT=$ct api PUT /api/flows/c "$flow"
	expect_status 415 "PUT flow with '$ct'"
	CT=$ct api PATCH /api/flows/c '{"paused":true}'
	expect_status 415 "PATCH flow with '$ct'"
	CT=$ct api DELETE /api/flows/c
	expect_status 415 "DELETE flow with '$ct'"
done
# No Content-Type at all.
STATUS=$(curl -sk -o /dev/null -w '%{http_code}' -u "$ADMIN_USER:$ADMIN_PASS" \
    -X POST -H 'Content-Type:' --data-binary '{}' "$SLUICE_URL/api/flows/c/runs")
[ "$STATUS" = 415 ] || fail "no content type: $STATUS"
# A real browser form post, as curl -F and -d send it.
STATUS=$(curl -sk -o /dev/null -w '%{http_code}' -u "$ADMIN_USER:$ADMIN_PASS" \
    -F 'parameters=x' "$SLUICE_URL/api/flows/c/runs")
[ "$STATUS" = 415 ] || fail "multipart form: $STATUS"
STATUS=$(curl -sk -o /dev/null -w '%{http_code}' -u "$ADMIN_USER:$ADMIN_PASS" \
    -d 'parameters=x' "$SLUICE_URL/api/flows/c/runs")
[ "$STATUS" = 415 ] || fail "urlencoded form: $STATUS"

api GET /api/runs
[ "$(jqr '.items | length')" = 0 ] || fail "a refused POST made a run: $BODY"
api GET /api/flows/c
[ "$(jqr .paused)" = false ] || fail "a refused PATCH paused: $BODY"
[ "$(jqr .archived)" = false ] || fail "a refused DELETE archived: $BODY"
echo ok
