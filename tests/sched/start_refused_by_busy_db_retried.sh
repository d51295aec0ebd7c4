#!/usr/bin/env bash
# An attempt whose start is refused because the database stayed locked
# past the busy timeout (its child killed before exec, its scratch
# folder handed to the slot's cleaner) is started again once the lock is
# gone -- never failed as "cannot make <scratch>: File exists" because
# the next try came before the cleaner had removed that folder.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
STACK_NO_SCHEDULER=1 stack_start
sched_start w
flow_put bs '{"name":"bs","tasks":[{"name":"t","retries":1,"retry_delay_s":3,
 "command":["sh","-c","[ $SLUICE_ATTEMPT -ge 2 ]"]}]}'
id=$(run_start bs)
wait_task_state "$id" t AWAITING_RETRY 30
# Held across the retry's start, for several busy timeouts (5 s each).
db_lock 22
wait "$LOCK_PID"
wait_run_state "$id" COMPLETED 60
grep -q "attempt 2 not started" "$STACK_TMP/sched-w.log" ||
    fail "the retry's start was never refused: the lock proved nothing"
! grep "cannot start" "$STACK_TMP/sched-w.log" || fail "a refused start was failed"
[ "$(task_col "$id" t attempt):$(task_col "$id" t state)" = 2:COMPLETED ] ||
    fail "attempts: $(db "SELECT attempt, state, reason FROM task_runs WHERE run_id = '$id'")"
echo ok
