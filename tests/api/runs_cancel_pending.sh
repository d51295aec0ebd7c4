#!/usr/bin/env bash
# Cancelling a run no scheduler has claimed yet: PENDING becomes
# CANCELLED at once (200) with ended_at, a reason naming the user, and
# every task attempt CANCELLED; a second cancel is 409 naming the state.
# The change is audited as run.cancel.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

user_add otto operator 'otto-pass-1'
api PUT /api/flows/c '{"tasks":[{"name":"a","command":["true"]},
 {"name":"b","command":["true"],"depends_on":["a"]}]}'
expect_status 201 "flow"
api POST /api/flows/c/runs '{}'
run=$(jqr .id)

AS=otto:otto-pass-1 api POST /api/runs/$run/cancel '{}'
expect_status 200 "cancel"
[ "$(jqr .state)" = CANCELLED ] || fail "state: $BODY"
[ "$(jqr .ended_at)" != null ] || fail "ended_at: $BODY"
[ "$(jqr .cancel_requested)" = true ] || fail "cancel_requested: $BODY"
jqr .reason | grep -q otto || fail "reason names the user: $BODY"
[ "$(jqr '[.tasks[].state] | unique | join(",")')" = CANCELLED ] ||
    fail "tasks cancelled: $BODY"

api POST /api/runs/$run/cancel
expect_status 409 "second cancel"
jqr .error.message | grep -q CANCELLED || fail "409 names the state: $BODY"

api GET "/api/events?action=run.cancel&object_id=$run"
[ "$(jqr '.items | length')" = 1 ] || fail "one audit event: $BODY"
[ "$(jqr '.items[0].actor')" = otto ] || fail "actor: $BODY"
[ "$(jqr '.items[0].detail.from')" = PENDING ] || fail "detail: $BODY"
echo ok
