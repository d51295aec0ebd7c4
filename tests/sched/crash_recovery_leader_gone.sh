#!/usr/bin/env bash
# The scheduler dies, then the task's leader exits while a child it left
# in the group keeps running. On restart the scheduler kills that child
# (same group, started after the leader, carrying the attempt's
# SLUICE_RUN_ID) and leaves alone a process with the same group id but
# another run's environment (run as root, where the attempt had a uid of
# its own, that one is killed too), then retries the task to completion.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
STACK_NO_SCHEDULER=1 stack_start
out=$STACK_TMP/out; mkdir -p "$out"
sched_start w
first=$SCHED_PID
flow_put lg "{\"name\":\"lg\",\"tasks\":[{\"name\":\"t\",\"retries\":1,
 \"command\":[\"sh\",\"-c\",\"[ \$SLUICE_ATTEMPT = 2 ] && exit 0; sleep 300 & echo \$! > $out/child; SLUICE_RUN_ID=other sleep 301 & echo \$! > $out/stranger; echo \$\$ > $out/leader; sleep 2\"]}]}"
id=$(run_start lg)
wait_task_state "$id" t RUNNING 30
wait_for 10 test -s "$out/leader" || fail "task did not start"
sched_kill "$first" KILL
wait_gone 20 "$(cat "$out/leader")" "leader did not exit:"
child=$(cat "$out/child") stranger=$(cat "$out/stranger")
[ -n "$stranger" ] || fail "no pid of the stranger"
kill -0 "$child" || fail "child already gone before recovery"
sched_start w
wait_run_state "$id" COMPLETED 30
wait_gone 10 "$child" "leftover child survived:"
if [ "$(id -u)" = 0 ]; then
	# Run as root, the attempt had a uid of its own: everything left
	# under it is the attempt's, whatever its environment says.
	wait_gone 10 "$stranger" "a leftover under the attempt's uid survived:"
else
	kill -0 "$stranger" 2>/dev/null || fail "a process of another run was killed"
	kill "$stranger"
fi
[ "$(db "SELECT group_concat(state, ' ') FROM (SELECT state FROM task_runs WHERE run_id = '$id' ORDER BY attempt)")" = "CRASHED COMPLETED" ] ||
    fail "attempts: $(db "SELECT attempt, state FROM task_runs WHERE run_id = '$id'")"
echo ok
