#!/usr/bin/env bash
# A flow's timeout_s (2 s): its running task is stopped and FAILED with
# "flow timed out after 2 s" (no retry, though it has retries), the task
# waiting on it is CANCELLED, and the run ends FAILED "timed out after 2 s".
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
stack_start
flow_put ft '{"name":"ft","timeout_s":2,"tasks":[
 {"name":"a","command":["sleep","100"],"retries":2},
 {"name":"b","command":["true"],"depends_on":["a"]}]}'
id=$(run_start ft)
wait_run_state "$id" FAILED 30
[ "$(jqr .reason)" = "timed out after 2 s" ] || fail "run reason: $(jqr .reason)"
[ "$(task_col "$id" a state)" = FAILED ] || fail "a: $(task_col "$id" a state)"
[ "$(task_col "$id" a attempt)" = 1 ] || fail "a was retried"
[ "$(task_col "$id" a reason)" = "flow timed out after 2 s" ] || fail "a reason: $(task_col "$id" a reason)"
[ "$(task_col "$id" b state)" = CANCELLED ] || fail "b: $(task_col "$id" b state)"
echo ok
