#!/usr/bin/env bash
# A second launcher on a data directory in use is refused at once with a
# message naming the running launcher's pid; it changes nothing: the pid
# file, the programs and the API of the first stay as they were.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/fault/helpers/fault.sh"
stack_start
# The API answers before the scheduler has written its pid file.
scheduler_up() {
	kill -0 "$(cat "$SLUICE_DATA/run/sluice-scheduler.pid" 2>/dev/null)" 2>/dev/null
}
wait_for 60 scheduler_up || fail "the first stack's scheduler never came up"
first=$(cat "$SLUICE_DATA/run/sluice-run.pid")
api_before=$(cat "$SLUICE_DATA/run/sluice-api.pid")
sched_before=$(cat "$SLUICE_DATA/run/sluice-scheduler.pid")
SLUICE_PORT=$(free_port) timeout 30 "$SLUICE_ROOT/scripts/sluice-run" \
    >"$STACK_TMP/second.log" 2>&1
rc=$?
[ $rc = 1 ] || fail "second launcher exited $rc, not 1: $(cat "$STACK_TMP/second.log")"
grep -q "is in use by another Sluice (launcher pid $first " "$STACK_TMP/second.log" ||
    fail "refusal does not name pid $first: $(cat "$STACK_TMP/second.log")"
[ "$(cat "$SLUICE_DATA/run/sluice-run.pid")" = "$first" ] || fail "pid file rewritten"
[ "$(cat "$SLUICE_DATA/run/sluice-api.pid")" = "$api_before" ] || fail "sluice-api replaced"
[ "$(cat "$SLUICE_DATA/run/sluice-scheduler.pid")" = "$sched_before" ] ||
    fail "scheduler replaced"
! grep -q "sluice-api\|sluice-scheduler\|Sluice is running" "$STACK_TMP/second.log" ||
    fail "the second launcher started something: $(cat "$STACK_TMP/second.log")"
api GET /api/flows
expect_status 200 "first stack still answers"
# After a clean stop the data directory is free again.
stack_stop
stack_start
figures "second_starts=1 refused=1 programs_replaced=0"
echo ok
