#!/usr/bin/env bash
# A task process forked but not yet given the go-ahead (its attempt not
# yet recorded, because the database is locked) dies with a scheduler
# that is SIGKILLed meanwhile, instead of waiting on its start pipe
# forever with the database and other logs open; the run is then
# completed by the next scheduler.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
STACK_NO_SCHEDULER=1 stack_start
sched_start w
first=$SCHED_PID
flow_put pd '{"name":"pd","tasks":[{"name":"t","retries":2,"retry_delay_s":3,
 "command":["sh","-c","[ $SLUICE_ATTEMPT -ge 2 ]"]}]}'
id=$(run_start pd)
wait_task_state "$id" t AWAITING_RETRY 30
# Hold the write lock across the retry's start: the scheduler forks the
# attempt, then waits for the lock to record it.
db_lock 20
# A child of the scheduler that is still the scheduler's program.
unstarted() {
	local p
	for p in $(pgrep -P "$first"); do
		[ "$(readlink "/proc/$p/exe")" = "$(readlink -f "$SLUICE_BIN_DIR/sluice-scheduler")" ] &&
		    { echo "$p"; return 0; }
	done
	return 1
}
wait_for 18 unstarted >/dev/null || fail "no forked, unstarted attempt seen"
child=$(unstarted)
sched_kill "$first" KILL
gone() { ! kill -0 "$child" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$child/stat" 2>/dev/null)" = Z ]; }
wait_for 10 gone || fail "unstarted child $child outlived its scheduler: $(cat /proc/$child/status 2>/dev/null | head -3)"
kill "$LOCK_PID" 2>/dev/null; wait "$LOCK_PID" 2>/dev/null
sched_start w
wait_run_state "$id" COMPLETED 60
echo ok
