#!/usr/bin/env bash
# Starting runs and reading them back: POST makes a PENDING manual run with
# bound parameters (defaults applied) and a PENDING first attempt of every
# task in definition order; GET /api/runs/{run} returns it with its tasks;
# GET /api/runs lists newest first and filters by flow and state.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

api PUT /api/flows/alpha '{"parameters":{"city":{"type":"string","default":"Leiden"},
 "n":{"type":"integer","default":3}},
 "tasks":[{"name":"z-first","command":["echo","{{params.city}}"]},
          {"name":"a-second","command":["true"],"depends_on":["z-first"]}]}'
expect_status 201 "flow alpha"
api PUT /api/flows/beta '{"tasks":[{"name":"t","command":["true"]}]}'
expect_status 201 "flow beta"

api POST /api/flows/alpha/runs '{"parameters":{"city":"Delft"}}'
expect_status 201 "run with a parameter"
r1=$(jqr .id)
[[ $r1 =~ ^[0-9A-HJKMNP-TV-Z]{26}$ ]] || fail "id is not a ULID: $r1"
[ "$(jqr .flow)" = alpha ] || fail "flow: $BODY"
[ "$(jqr .flow_version)" = 1 ] || fail "flow_version: $BODY"
[ "$(jqr .state)" = PENDING ] || fail "state: $BODY"
[ "$(jqr .trigger)" = manual ] || fail "trigger: $BODY"
[ "$(jqr .created_by)" = admin ] || fail "created_by: $BODY"
[ "$(jqr -c .parameters)" = '{"city":"Delft","n":3}' ] || fail "parameters: $BODY"
[ "$(jqr .duration_s)" = null ] || fail "duration before start: $BODY"
[ "$(jqr .scheduled_for)" != null ] || fail "scheduled_for: $BODY"
[ "$(jqr .cancel_requested)" = false ] || fail "cancel_requested: $BODY"
[ "$(jqr .retry_count)" = 0 ] || fail "retry_count: $BODY"
[ "$(jqr '.tasks | map(.name) | join(",")')" = z-first,a-second ] ||
    fail "tasks in definition order: $BODY"
[ "$(jqr '.tasks[1].depends_on | join(",")')" = z-first ] || fail "depends_on: $BODY"
[ "$(jqr '.tasks[0].state')" = PENDING ] || fail "task state: $BODY"
[ "$(jqr '.tasks[0].attempt')" = 1 ] || fail "attempt: $BODY"
[ "$(jqr '.tasks[0].attempts | length')" = 1 ] || fail "attempts: $BODY"

api POST /api/flows/alpha/runs
expect_status 201 "run without a body"
r2=$(jqr .id)
[ "$(jqr -c .parameters)" = '{"city":"Leiden","n":3}' ] || fail "defaults: $BODY"
api POST /api/flows/beta/runs '{}'
expect_status 201 "beta run"
r3=$(jqr .id)
api POST /api/runs/$r2/cancel
expect_status 200 "cancel r2"

api GET /api/runs/$r1
expect_status 200 "get"
[ "$(jqr .id)" = "$r1" ] || fail "get id: $BODY"
[ "$(jqr '.tasks | length')" = 2 ] || fail "get tasks: $BODY"

api GET /api/runs
[ "$(jqr '.items | map(.id) | join(",")')" = "$r3,$r2,$r1" ] || fail "newest first: $BODY"
[ "$(jqr .next_cursor)" = null ] || fail "next_cursor: $BODY"
[ "$(jqr '.items[0].tasks')" = null ] || fail "list items carry no tasks: $BODY"
api GET '/api/runs?flow=alpha'
[ "$(jqr '.items | map(.id) | join(",")')" = "$r2,$r1" ] || fail "flow filter: $BODY"
api GET '/api/runs?state=CANCELLED'
[ "$(jqr '.items | map(.id) | join(",")')" = "$r2" ] || fail "state filter: $BODY"
api GET '/api/runs?flow=alpha&state=PENDING'
[ "$(jqr '.items | map(.id) | join(",")')" = "$r1" ] || fail "both filters: $BODY"
api GET '/api/runs?flow=nosuch'
expect_status 200 "unknown flow filter"
[ "$(jqr '.items | length')" = 0 ] || fail "unknown flow: $BODY"
echo ok
