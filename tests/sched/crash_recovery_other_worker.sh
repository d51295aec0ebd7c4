#!/usr/bin/env bash
# Worker w1 dies (SIGKILL) and never comes back; worker w2 adopts its run
# once w1's heartbeat is older than SLUICE_WORKER_STALE_S (3 s), kills the
# orphaned group, and since the task has no retries left marks it CRASHED,
# its dependent SKIPPED and the run CRASHED.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
STACK_NO_SCHEDULER=1 stack_start
out=$STACK_TMP/out; mkdir -p "$out"
sched_start w1
w1=$SCHED_PID
flow_put lost "{\"name\":\"lost\",\"tasks\":[
 {\"name\":\"t\",\"command\":[\"sh\",\"-c\",\"echo \$\$ > $out/leader; sleep 300\"]},
 {\"name\":\"after\",\"command\":[\"true\"],\"depends_on\":[\"t\"]}]}"
id=$(run_start lost)
wait_task_state "$id" t RUNNING 30
wait_for 10 test -s "$out/leader" || fail "task did not start"
sched_kill "$w1" KILL
sched_start w2 SLUICE_WORKER_STALE_S=3
wait_run_state "$id" CRASHED 60
[ "$(run_col "$id" worker)" = w2 ] || fail "run not adopted by w2"
[ "$(task_col "$id" t state)" = CRASHED ] || fail "t: $(task_col "$id" t state)"
[ "$(task_col "$id" t reason)" = "worker w1 lost (no heartbeat for 3 s)" ] ||
    fail "reason: $(task_col "$id" t reason)"
[ "$(task_col "$id" after state)" = SKIPPED ] || fail "after: $(task_col "$id" after state)"
wait_gone 10 "$(cat "$out/leader")" "orphan still alive:"
echo ok
