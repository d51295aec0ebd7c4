#!/usr/bin/env bash
# Stopping the whole stack (SIGTERM to the launcher) while tasks run, one
# of them ignoring SIGTERM: the scheduler stops every process group
# (SIGKILL after SLUICE_KILL_GRACE_S) and exits 0, so no process of the
# stack outlives it (stack_stop checks), and the attempts are CRASHED
# "scheduler stopped".
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
export SLUICE_KILL_GRACE_S=2
stack_start
flow_put st '{"name":"st","tasks":[
 {"name":"polite","command":["sleep","300"]},
 {"name":"stubborn","command":["sh","-c","trap \"\" TERM; while :; do sleep 0.2; done"]}]}'
id=$(run_start st)
wait_task_state "$id" polite RUNNING 30
wait_task_state "$id" stubborn RUNNING 30
start=$(date +%s)
stack_stop || fail "stack did not stop cleanly"
echo "stopped in $(( $(date +%s) - start )) s"
[ "$(task_col "$id" polite state)" = CRASHED ] || fail "polite: $(task_col "$id" polite state)"
[ "$(task_col "$id" stubborn state)" = CRASHED ] || fail "stubborn: $(task_col "$id" stubborn state)"
[ "$(task_col "$id" stubborn reason)" = "scheduler stopped" ] || fail "reason: $(task_col "$id" stubborn reason)"
echo ok
