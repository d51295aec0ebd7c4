#!/usr/bin/env bash
# Retry end to end with the real scheduler: a task that fails on its
# first run makes the run FAILED (its dependent task SKIPPED); POST retry
# runs both again in the same run, which then COMPLETES with attempts
# [FAILED, COMPLETED] and [SKIPPED, COMPLETED], retry_count 1 and its
# first start time kept; each
# attempt's log stays readable with ?attempt=. A rerun of the completed
# run completes too.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

marker=$STACK_TMP/marker
flow=$(jq -cn --arg m "$marker" '{tasks: [
  {name: "flaky", command: ["sh", "-c",
    ("if [ -e " + $m + " ]; then echo second try; else touch " + $m +
     "; echo first try; exit 3; fi")]},
  {name: "after", command: ["echo", "after ran"], depends_on: ["flaky"]}]}')
api PUT /api/flows/flaky "$flow"
expect_status 201 "flow"
api POST /api/flows/flaky/runs '{}'
run=$(jqr .id)
wait_run_state "$run" FAILED 60
[ "$(jqr '.tasks[0].exit_code')" = 3 ] || fail "exit code: $BODY"
[ "$(jqr '.tasks[1].state')" = SKIPPED ] || fail "dependent skipped: $BODY"
first_start=$(jqr .started_at)

api POST "/api/runs/$run/retry"
expect_status 200 "retry"
[ "$(jqr .retry_count)" = 1 ] || fail "retry_count: $BODY"
wait_run_state "$run" COMPLETED 60
[ "$(jqr '.tasks[0].attempts | map(.state) | join(",")')" = FAILED,COMPLETED ] ||
    fail "flaky attempts: $BODY"
[ "$(jqr '.tasks[1].attempts | map(.state) | join(",")')" = SKIPPED,COMPLETED ] ||
    fail "after attempts: $BODY"
[ "$(jqr .ended_at)" != null ] || fail "ended_at: $BODY"
# The run's duration spans both tries: a retry keeps the first start.
[ "$(jqr .started_at)" = "$first_start" ] || fail "started_at moved: $BODY"

log=/api/runs/$run/tasks/flaky/log
api GET "$log?attempt=1"
expect_status 200 "attempt 1 log"
grep -q 'out first try$' <<<"$BODY" || fail "attempt 1 log: $BODY"
[ "$(header X-Log-Complete)" = true ] || fail "attempt 1 complete"
api GET "$log"
grep -q 'out second try$' <<<"$BODY" || fail "latest log: $BODY"
[ "$(header X-Log-Attempt)" = 2 ] || fail "latest attempt is 2"

api POST "/api/runs/$run/rerun"
expect_status 201 "rerun"
new=$(jqr .id)
wait_run_state "$new" COMPLETED 60
echo ok
