#!/usr/bin/env bash
# Cancelling a running run: the API answers 202 with state CANCELLING and
# cancel_requested true (a second cancel is 202 too, not audited twice);
# the scheduler stops the process and the run ends CANCELLED well before
# the task would have finished.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

api PUT /api/flows/slow '{"tasks":[{"name":"sleep","command":["sleep","60"]}]}'
expect_status 201 "flow"
api POST /api/flows/slow/runs '{}'
run=$(jqr .id)
wait_run_state "$run" RUNNING 30

api POST "/api/runs/$run/cancel"
expect_status 202 "cancel running"
[ "$(jqr .cancel_requested)" = true ] || fail "cancel_requested: $BODY"
case $(jqr .state) in CANCELLING|CANCELLED) ;; *) fail "state: $BODY" ;; esac
api POST "/api/runs/$run/cancel"
case $STATUS in 202|409) ;; *) fail "second cancel: $STATUS $BODY" ;; esac
wait_run_state "$run" CANCELLED 30
[ "$(jqr '.tasks[0].state')" = CANCELLED ] || fail "task state: $BODY"
api GET "/api/events?action=run.cancel&object_id=$run"
[ "$(jqr '.items | length')" = 1 ] || fail "audited once: $BODY"
[ "$(jqr '.items[0].detail.from')" = RUNNING ] || fail "detail: $BODY"
echo ok
