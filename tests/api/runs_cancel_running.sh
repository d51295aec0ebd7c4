#!/usr/bin/env bash
# Cancelling a running run: the API answers 202 with state CANCELLING and
# cancel_requested true (a second cancel is 202 too, not audited twice);
# the scheduler stops the process and the run ends CANCELLED well before
# the task would have finished. The task ignores SIGTERM, so the run stays
# CANCELLING through the kill grace period (3 s) and the second cancel
# surely finds it so.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

api PUT /api/flows/slow '{"tasks":[{"name":"sleep","command":["sh","-c","trap \"\" TERM; sleep 60"]}]}'
expect_status 201 "flow"
api POST /api/flows/slow/runs '{}'
run=$(jqr .id)
wait_run_state "$run" RUNNING 30

api POST "/api/runs/$run/cancel"
expect_status 202 "cancel running"
[ "$(jqr .cancel_requested)" = true ] || fail "cancel_requested: $BODY"
[ "$(jqr .state)" = CANCELLING ] || fail "state: $BODY"
api POST "/api/runs/$run/cancel"
expect_status 202 "second cancel"
[ "$(jqr .state)" = CANCELLING ] || fail "state after the second cancel: $BODY"
wait_run_state "$run" CANCELLED 30
[ "$(jqr '.tasks[0].state')" = CANCELLED ] || fail "task state: $BODY"
api GET "/api/events?action=run.cancel&object_id=$run"
[ "$(jqr '.items | length')" = 1 ] || fail "audited once: $BODY"
[ "$(jqr '.items[0].detail.from')" = RUNNING ] || fail "detail: $BODY"
echo ok
