#!/usr/bin/env bash
# A second scheduler registering under the same worker name takes the
# lease: the first one kills its own task processes and exits 3 (as the
# README says) without writing; the second recovers the run (retry) and completes it.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
STACK_NO_SCHEDULER=1 stack_start
out=$STACK_TMP/out; mkdir -p "$out"
sched_start same
first=$SCHED_PID
flow_put lease "{\"name\":\"lease\",\"tasks\":[{\"name\":\"t\",\"retries\":1,
 \"command\":[\"sh\",\"-c\",\"echo \$\$ >> $out/leaders; [ \$SLUICE_ATTEMPT = 1 ] && exec sleep 300; true\"]}]}"
id=$(run_start lease)
wait_task_state "$id" t RUNNING 30
wait_for 10 test -s "$out/leaders" || fail "task did not start"
sched_start same
wait_gone 15 "$first" "first scheduler still running:"
sched_wait "$first"
[ "$SCHED_RC" = 3 ] || fail "first scheduler exited $SCHED_RC after losing its lease, not 3"
wait_run_state "$id" COMPLETED 60
wait_gone 10 "$(head -n 1 "$out/leaders")" "first attempt's process"
grep -q "lease lost" "$STACK_TMP/sched-same.log" || fail "no lease-lost log line"
echo ok
