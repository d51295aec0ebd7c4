#!/usr/bin/env bash
# SIGTERM: the scheduler stops claiming, stops its tasks' process groups,
# marks the interrupted attempt CRASHED "scheduler stopped", exits 0 and
# leaves the run RUNNING; the next start recovers it by the retry policy
# (attempt 2) and completes it.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
export SLUICE_KILL_GRACE_S=2
STACK_NO_SCHEDULER=1 stack_start
out=$STACK_TMP/out; mkdir -p "$out"
sched_start w
pid=$SCHED_PID
flow_put sd "{\"name\":\"sd\",\"tasks\":[{\"name\":\"t\",\"retries\":1,
 \"command\":[\"sh\",\"-c\",\"echo \$\$ > $out/leader; [ \$SLUICE_ATTEMPT = 2 ] || sleep 300\"]}]}"
id=$(run_start sd)
wait_task_state "$id" t RUNNING 30
wait_for 10 test -s "$out/leader" || fail "task did not start"
kill -TERM "$pid"
sched_wait "$pid"
[ "$SCHED_RC" = 0 ] || fail "scheduler exited $SCHED_RC on SIGTERM"
kill -0 "$(cat "$out/leader")" 2>/dev/null && fail "task survived the shutdown"
[ "$(task_col "$id" t state)" = CRASHED ] || fail "t: $(task_col "$id" t state)"
[ "$(task_col "$id" t reason)" = "scheduler stopped" ] || fail "reason: $(task_col "$id" t reason)"
[ "$(run_col "$id" state)" = RUNNING ] || fail "run: $(run_col "$id" state)"
[ ! -e "$SLUICE_DATA/run/scheduler-w.sock" ] || fail "wake socket left behind"
sched_start w
wait_run_state "$id" COMPLETED 30
[ "$(task_col "$id" t attempt)" = 2 ] || fail "not completed by attempt 2"
echo ok
