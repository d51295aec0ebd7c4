#!/usr/bin/env bash
# A task that exits while a background child still holds its stdout: the
# attempt ends with the leader's status once the pipes close. A child in
# the task's process group is killed after a few seconds; one that left
# the group (setsid) is not the scheduler's to kill, and the scheduler
# stops waiting for its output shortly after. Output before that is kept.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
stack_start
out=$STACK_TMP/out; mkdir -p "$out"
flow_put bg "{\"name\":\"bg\",\"max_concurrent_runs\":2,\"tasks\":[{\"name\":\"t\",
 \"command\":[\"sh\",\"-c\",\"\$1 sh -c 'echo \$\$ > $out/\$0; exec sleep 100' \$1 & echo leader done\",\"sh\",\"{{params.how}}\"]}],
 \"parameters\":{\"how\":{\"type\":\"string\"}}}"
same=$(run_start bg '{"parameters":{"how":"exec"}}')
other=$(run_start bg '{"parameters":{"how":"setsid"}}')
wait_run_state "$same" COMPLETED 30
wait_run_state "$other" COMPLETED 30
wait_gone 10 "$(cat "$out/exec")" "child in the task's group survived:"
q=$(cat "$out/setsid")
kill -0 "$q" 2>/dev/null || fail "the setsid child was killed"
kill "$q"
grep -q "out leader done" "$SLUICE_DATA/logs/$same/t.1.log" || fail "output lost"
grep -q "out leader done" "$SLUICE_DATA/logs/$other/t.1.log" || fail "output lost"
[ "$(task_col "$same" t exit_code)" = 0 ] || fail "exit code"
echo ok
