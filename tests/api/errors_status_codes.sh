#!/usr/bin/env bash
# Every error status with its code and a message naming the problem:
# 400 invalid (bad JSON, wrong types, unknown keys, bad query, malformed
# path), 404
# not_found, 405 method_not_allowed with Allow, 409 conflict, 413 (nginx or
# sluice-api may answer a body over 1 MiB), 415 unsupported_media_type.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

expect_error() { # STATUS CODE WHAT [message substring]
	expect_status "$1" "$3"
	[ "$(jqr .error.code)" = "$2" ] || fail "$3: code: $BODY"
	[ -n "$(jqr .error.message)" ] || fail "$3: no message: $BODY"
	if [ $# -ge 4 ]; then
		jqr .error.message | grep -qF -- "$4" ||
		    fail "$3: message lacks '$4': $BODY"
	fi
}

flow='{"parameters":{"city":{"type":"string","default":"Leiden"}},
 "tasks":[{"name":"t","command":["echo","{{params.city}}"]}]}'
api PUT /api/flows/e "$flow"
expect_status 201 "create"

# 400
api PUT /api/flows/e '{"tasks": ['
expect_error 400 invalid "truncated JSON" "invalid JSON"
api PUT /api/flows/e '[1,2]'
expect_error 400 invalid "array body" "expected object"
api PUT /api/flows/e '{"tasks":[]} trailing'
expect_error 400 invalid "trailing data" "invalid JSON"
api POST /api/flows/e/runs '{"parameters":{"city":5}}'
expect_error 400 invalid "wrong parameter type" "parameters.city"
api POST /api/flows/e/runs '{"parameters":{"town":"x"}}'
expect_error 400 invalid "unknown parameter" "town"
api POST /api/flows/e/runs '{"params":{}}'
expect_error 400 invalid "unknown body key" '"params"'
api POST /api/flows/e/runs '{"parameters":[]}'
expect_error 400 invalid "parameters not an object" "parameters"
api PATCH /api/flows/e '{"paused":"yes"}'
expect_error 400 invalid "paused not boolean" "paused: expected boolean, got string"
api PATCH /api/flows/e '{"paused":true,"color":"red"}'
expect_error 400 invalid "unknown PATCH key" '"color"'
api GET '/api/runs?limit=0'
expect_error 400 invalid "limit 0" "limit"
api GET '/api/runs?limit=501'
expect_error 400 invalid "limit 501" "limit"
api GET '/api/runs?limit=abc'
expect_error 400 invalid "limit abc" "limit"
api GET '/api/runs?colour=red'
expect_error 400 invalid "unknown query parameter" "colour"
api GET '/api/runs?state=DONE'
expect_error 400 invalid "unknown state" "state"
api GET '/api/runs?cursor=not-an-id'
expect_error 400 invalid "bad cursor" "cursor"
api GET '/api/flows/e?version=x'
expect_error 400 invalid "bad version" "version"
api PUT /api/flows/Bad_Name "$flow"
expect_error 400 invalid "invalid flow name in PUT" "name"
api PUT /api/flows/e '{"name":"other","tasks":[{"name":"t","command":["true"]}]}'
expect_error 400 invalid "body name differs from path" "name"

# 400 for a malformed path, naming what is wrong with it
api GET /api/runs/..%2Fhealth
expect_error 400 invalid "traversal-shaped id" "encoded"
api GET /api/runs/01JAAAAAAAAAAAAAAAAAAAAAAA/tasks/..%2F..%2Flog
expect_error 400 invalid "traversal-shaped task" "malformed path"

# 404
api GET /api/flows/missing
expect_error 404 not_found "unknown flow" '"missing"'
api GET /api/runs/01JAAAAAAAAAAAAAAAAAAAAAAA
expect_error 404 not_found "unknown run"
api GET /api/no/such/thing
expect_error 404 not_found "unknown path"
api POST /api/flows/missing/runs '{}'
expect_error 404 not_found "run of unknown flow"
api GET /api/flows/e?version=9
expect_error 404 not_found "unknown version" "version 9"

# 405 with Allow
api DELETE /api/runs
expect_error 405 method_not_allowed "DELETE /api/runs"
grep -qi '^Allow: GET' "$HDRS" || fail "Allow header: $(cat "$HDRS")"
api GET /api/flows/e/runs
expect_error 405 method_not_allowed "GET /api/flows/e/runs"
grep -qi '^Allow: POST' "$HDRS" || fail "Allow header: $(cat "$HDRS")"
api POST /api/flows/e '{}'
expect_error 405 method_not_allowed "POST /api/flows/e"
allow=$(header Allow)
for m in GET PUT PATCH DELETE; do
	case "$allow" in *$m*) ;; *) fail "Allow '$allow' lacks $m" ;; esac
done

# 409
api POST /api/flows/e/runs '{}'
expect_status 201 "run"
run=$(jqr .id)
api POST /api/runs/$run/retry
expect_error 409 conflict "retry of a pending run" "PENDING"
api POST /api/runs/$run/cancel
expect_status 200 "cancel"
api POST /api/runs/$run/cancel
expect_error 409 conflict "cancel of a cancelled run" "CANCELLED"
api DELETE /api/flows/e
expect_status 204 "archive"
api POST /api/flows/e/runs '{}'
expect_error 409 conflict "run of an archived flow" "archived"

# 413: more than 1 MiB (nginx's client_max_body_size or sluice-api).
big=$(mktemp)
head -c 1100000 /dev/zero | tr '\0' 'a' | sed 's/^/{"description":"/; s/$/"}/' >"$big"
STATUS=$(curl -sk -o /dev/null -w '%{http_code}' -u "$ADMIN_USER:$ADMIN_PASS" \
    -X PUT -H 'Content-Type: application/json' --data-binary "@$big" \
    "$SLUICE_URL/api/flows/e")
rm -f "$big"
[ "$STATUS" = 413 ] || fail "body over 1 MiB: expected 413, got $STATUS"

# 415
CT=text/plain api PUT /api/flows/e "$flow"
expect_error 415 unsupported_media_type "text/plain PUT" "application/json"
CT='application/json; charset=utf-8' api PUT /api/flows/e "$flow"
expect_status 200 "JSON with charset (un-archives)"
echo ok
