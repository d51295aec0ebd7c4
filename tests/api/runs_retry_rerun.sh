#!/usr/bin/env bash
# Retry and rerun rules: retry of an unfinished run is 409; retry of a
# cancelled run adds attempt 2 of each cancelled task and puts the run
# back to PENDING with retry_count 1; rerun of an unfinished run is 409;
# rerun of a finished run is a new run (trigger rerun, rerun_of, same
# version and parameters) even after the flow got a new version; both
# are 409 once the flow is archived.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

api PUT /api/flows/r '{"parameters":{"p":{"type":"string","default":"d"}},
 "tasks":[{"name":"a","command":["echo","{{params.p}}"]}]}'
expect_status 201 "flow"
api POST /api/flows/r/runs '{"parameters":{"p":"given"}}'
run=$(jqr .id)

api POST /api/runs/$run/retry
expect_status 409 "retry PENDING"
jqr .error.message | grep -q PENDING || fail "names the state: $BODY"
api POST /api/runs/$run/rerun
expect_status 409 "rerun PENDING"

api POST /api/runs/$run/cancel
expect_status 200 "cancel"
api PUT /api/flows/r '{"parameters":{"p":{"type":"string","default":"d"}},
 "tasks":[{"name":"a","command":["echo","v2","{{params.p}}"]}]}'
expect_status 200 "version 2"

api POST /api/runs/$run/rerun
expect_status 201 "rerun"
new=$(jqr .id)
[ "$new" != "$run" ] || fail "rerun is a new run"
[ "$(jqr .trigger)" = rerun ] || fail "trigger: $BODY"
[ "$(jqr .rerun_of)" = "$run" ] || fail "rerun_of: $BODY"
[ "$(jqr .flow_version)" = 1 ] || fail "same version: $BODY"
[ "$(jqr .parameters.p)" = given ] || fail "same parameters: $BODY"
[ "$(jqr .state)" = PENDING ] || fail "state: $BODY"

api POST /api/runs/$run/retry
expect_status 200 "retry CANCELLED"
[ "$(jqr .state)" = PENDING ] || fail "state after retry: $BODY"
[ "$(jqr .retry_count)" = 1 ] || fail "retry_count: $BODY"
[ "$(jqr .ended_at)" = null ] || fail "ended_at cleared: $BODY"
[ "$(jqr .cancel_requested)" = false ] || fail "cancel_requested cleared: $BODY"
[ "$(jqr '.tasks[0].attempt')" = 2 ] || fail "attempt 2: $BODY"
[ "$(jqr '.tasks[0].state')" = PENDING ] || fail "attempt 2 pending: $BODY"
[ "$(jqr '.tasks[0].attempts | map(.state) | join(",")')" = CANCELLED,PENDING ] ||
    fail "attempt history: $BODY"
api POST /api/runs/$run/retry
expect_status 409 "retry again while PENDING"

api GET "/api/events?object_id=$run"
[ "$(jqr '.items | map(.action) | join(",")')" = run.retry,run.cancel,run.create ] ||
    fail "audit trail: $BODY"
api GET "/api/events?action=run.rerun"
[ "$(jqr '.items[0].object_id')" = "$new" ] || fail "rerun audited: $BODY"
[ "$(jqr '.items[0].detail.rerun_of')" = "$run" ] || fail "rerun detail: $BODY"

api POST /api/runs/$new/cancel
api DELETE /api/flows/r
expect_status 204 "archive"
api POST /api/runs/$new/rerun
expect_status 409 "rerun of an archived flow"
api POST /api/runs/$new/retry
expect_status 409 "retry of an archived flow"
api POST /api/runs/01JAAAAAAAAAAAAAAAAAAAAAAA/retry
expect_status 404 "retry of an unknown run"
echo ok
