#!/usr/bin/env bash
# A second scheduler registering under the same worker name takes the
# lease: the first one kills its own task processes and exits non-zero
# without writing; the second recovers the run (retry) and completes it.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
STACK_NO_SCHEDULER=1 stack_start
sched_trap
out=$STACK_TMP/out; mkdir -p "$out"
sched_start same
first=$SCHED_PID
flow_put lease "{\"name\":\"lease\",\"tasks\":[{\"name\":\"t\",\"retries\":1,
 \"command\":[\"sh\",\"-c\",\"echo \$\$ >> $out/leaders; [ \$SLUICE_ATTEMPT = 1 ] && exec sleep 300; true\"]}]}"
id=$(run_start lease)
wait_task_state "$id" t RUNNING 30
wait_for 10 test -s "$out/leaders" || fail "task did not start"
sched_start same
wait_for 15 sh -c "! kill -0 $first 2>/dev/null" || fail "first scheduler still running"
wait "$first"; rc=$?
[ $rc != 0 ] || fail "first scheduler exited 0 after losing its lease"
wait_run_state "$id" COMPLETED 60
p=$(head -n 1 "$out/leaders")
wait_for 10 sh -c "! kill -0 $p 2>/dev/null" || fail "first attempt's process $p alive"
grep -q "lease lost" "$STACK_TMP/sched-same.log" || fail "no lease-lost log line"
echo ok
