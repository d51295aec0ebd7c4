#!/usr/bin/env bash
# Cancelling a run while its task waits for a retry (AWAITING_RETRY, 60 s
# delay) ends the waiting attempt CANCELLED and the run CANCELLED at once;
# the retry never starts.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
stack_start
out=$STACK_TMP/out; mkdir -p "$out"
flow_put wait "{\"name\":\"wait\",\"tasks\":[{\"name\":\"t\",\"retries\":3,\"retry_delay_s\":60,
 \"command\":[\"sh\",\"-c\",\"echo \$SLUICE_ATTEMPT >> $out/attempts; exit 1\"]}]}"
id=$(run_start wait)
wait_task_state "$id" t AWAITING_RETRY 30
api POST "/api/runs/$id/cancel" '{}'
case $STATUS in 200|202) ;; *) fail "cancel: $STATUS $BODY" ;; esac
wait_run_state "$id" CANCELLED 15
[ "$(db "SELECT group_concat(attempt || ':' || state, ' ') FROM
    (SELECT * FROM task_runs WHERE run_id = '$id' ORDER BY attempt)")" = \
    "1:FAILED 2:CANCELLED" ] || fail "attempts: $(db "SELECT attempt, state FROM task_runs WHERE run_id='$id'")"
sleep 2
[ "$(cat "$out/attempts")" = 1 ] || fail "attempts that ran: $(cat "$out/attempts")"
echo ok
