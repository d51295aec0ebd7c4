#!/usr/bin/env bash
# Every change through the API leaves one audit event with the actor
# (REMOTE_USER), the client address, the action and the object:
# flow.put, flow.patch, flow.delete, run.create, run.cancel, run.retry,
# run.rerun. Refused changes leave none. GET /api/events filters by
# actor, object_type, object_id and action and pages by cursor.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

user_add otto operator 'otto-pass-1'
api GET /api/events
base=$(jqr '.items | length')

api PUT /api/flows/au '{"tasks":[{"name":"t","command":["true"]}]}'
api PATCH /api/flows/au '{"paused":true}'
AS=otto:otto-pass-1 api POST /api/flows/au/runs '{}'
run=$(jqr .id)
AS=otto:otto-pass-1 api POST /api/runs/$run/cancel '{}'
AS=otto:otto-pass-1 api POST /api/runs/$run/rerun '{}'
new=$(jqr .id)
AS=otto:otto-pass-1 api POST /api/runs/$run/retry '{}'
api DELETE /api/flows/au
# Refused: no event.
AS=otto:otto-pass-1 api PUT /api/flows/au '{"tasks":[{"name":"t","command":["true"]}]}'
expect_status 403 "operator PUT"
api PUT /api/flows/au '{"tasks":"nope"}'
expect_status 400 "invalid PUT"

api GET '/api/events?limit=500'
expect_status 200 "events"
got=$(jqr '[.items[] | select(.actor != "sluicectl")] | reverse |
    map("\(.actor) \(.action) \(.object_type) \(.object_id)") | .[]')
want="admin flow.put flow au
admin flow.patch flow au
otto run.create run $run
otto run.cancel run $run
otto run.rerun run $new
otto run.retry run $run
admin flow.delete flow au"
[ "$got" = "$want" ] || fail "audit trail:
$got
--- want:
$want"
[ "$(jqr '[.items[] | select(.actor != "sluicectl") | .address] | unique | join(",")')" = 127.0.0.1 ] ||
    fail "address: $BODY"
jqr '.items[0].at' | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T.*Z$' || fail "at: $BODY"
[ "$(jqr '[.items[] | select(.action == "flow.patch")][0].detail.paused')" = true ] ||
    fail "flow.patch detail: $BODY"

api GET '/api/events?actor=otto'
[ "$(jqr '.items | length')" = 4 ] || fail "actor filter: $BODY"
api GET "/api/events?object_type=run&object_id=$run&action=run.cancel"
[ "$(jqr '.items | length')" = 1 ] || fail "combined filter: $BODY"
api GET '/api/events?object_type=flow&limit=2'
[ "$(jqr '.items | map(.action) | join(",")')" = flow.delete,flow.patch ] ||
    fail "page 1: $BODY"
cursor=$(jqr .next_cursor)
api GET "/api/events?object_type=flow&limit=2&cursor=$cursor"
[ "$(jqr '.items | map(.action) | join(",")')" = flow.put ] || fail "page 2: $BODY"
[ "$(jqr .next_cursor)" = null ] || fail "end: $BODY"
api GET '/api/events?cursor=abc'
expect_status 400 "bad cursor"
echo ok
