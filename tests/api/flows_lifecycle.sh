#!/usr/bin/env bash
# A flow's life through the API: PUT creates it (201, version 1), the same
# definition again makes no new version (200), a changed one makes
# version 2 (200) while ?version=1 still returns the old definition; the
# list shows schedule, next_run and last_run; PATCH pauses (no next run
# times); DELETE archives (hidden from the list unless archived=true, GET
# still works, runs kept); PUT again un-archives.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

v1='{"description":"first","schedule":{"cron":"0 6 * * 1-5","timezone":"Europe/Amsterdam"},
 "tasks":[{"name":"extract","command":["echo","one"]},
          {"name":"load","command":["true"],"depends_on":["extract"]}]}'
v2='{"name":"etl","description":"second","tasks":[{"name":"only","command":["echo","two"]}]}'

api PUT /api/flows/etl "$v1"
expect_status 201 "create"
[ "$(jqr .name)" = etl ] || fail "name: $BODY"
[ "$(jqr .version)" = 1 ] || fail "version 1: $BODY"
[ "$(jqr .definition.name)" = etl ] || fail "name taken from the path: $BODY"
[ "$(jqr '.next_runs | length')" = 5 ] || fail "next_runs: $BODY"
jqr '.next_runs[0]' | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T0[45]:00:00(\.000)?Z$' ||
    fail "next run is 06:00 Amsterdam in UTC: $BODY"
[ "$(jqr .schedule_description)" != null ] || fail "schedule_description: $BODY"

api PUT /api/flows/etl "$v1"
expect_status 200 "same definition"
[ "$(jqr .version)" = 1 ] || fail "identical PUT made a version: $BODY"

api PUT /api/flows/etl "$v2"
expect_status 200 "new version"
[ "$(jqr .version)" = 2 ] || fail "version 2: $BODY"
[ "$(jqr .description)" = second ] || fail "description: $BODY"
[ "$(jqr '.versions | length')" = 2 ] || fail "versions: $BODY"
[ "$(jqr '.versions[0].created_by')" = admin ] || fail "created_by: $BODY"
[ "$(jqr '.next_runs | length')" = 0 ] || fail "unscheduled next_runs: $BODY"
[ "$(jqr .schedule_description)" = null ] || fail "no schedule: $BODY"

api GET '/api/flows/etl?version=1'
expect_status 200 "old version"
[ "$(jqr .version)" = 1 ] || fail "?version=1: $BODY"
[ "$(jqr .current_version)" = 2 ] || fail "current_version: $BODY"
[ "$(jqr .definition.description)" = first ] || fail "old definition: $BODY"
[ "$(jqr '.definition.tasks | length')" = 2 ] || fail "old tasks: $BODY"

api PUT /api/flows/sched "$(sed 's/"first"/"s"/' <<<"$v1")"
expect_status 201 "second flow"
api POST /api/flows/etl/runs '{}'
expect_status 201 "a run"
run=$(jqr .id)

api GET /api/flows
expect_status 200 "list"
[ "$(jqr '.items | map(.name) | join(",")')" = etl,sched ] || fail "list: $BODY"
[ "$(jqr '.items[0].last_run.id')" = "$run" ] || fail "last_run: $BODY"
[ "$(jqr '.items[0].last_run.state')" = PENDING ] || fail "last_run state: $BODY"
[ "$(jqr '.items[0].recent_runs | join(",")')" = PENDING ] || fail "recent: $BODY"
[ "$(jqr '.items[0].next_run')" = null ] || fail "etl has no schedule: $BODY"
[ "$(jqr '.items[1].next_run')" != null ] || fail "sched next_run: $BODY"
[ "$(jqr '.items[1].schedule.cron')" = "0 6 * * 1-5" ] || fail "schedule: $BODY"
[ "$(jqr '.items[1].paused')" = false ] || fail "paused: $BODY"

api GET '/api/flows?limit=1'
[ "$(jqr '.items[0].name')" = etl ] || fail "page 1: $BODY"
cursor=$(jqr .next_cursor)
api GET "/api/flows?limit=1&cursor=$cursor"
[ "$(jqr '.items[0].name')" = sched ] || fail "page 2: $BODY"
[ "$(jqr .next_cursor)" = null ] || fail "end of list: $BODY"

api PATCH /api/flows/sched '{"paused":true}'
expect_status 200 "pause"
[ "$(jqr .paused)" = true ] || fail "paused: $BODY"
[ "$(jqr '.next_runs | length')" = 0 ] || fail "paused flow has next_runs: $BODY"
api GET /api/flows
[ "$(jqr '.items[1].next_run')" = null ] || fail "paused next_run: $BODY"
api PATCH /api/flows/sched '{"paused":false}'
[ "$(jqr .paused)" = false ] || fail "resume: $BODY"

api DELETE /api/flows/etl
expect_status 204 "archive"
api DELETE /api/flows/etl
expect_status 204 "archive again"
api GET /api/flows
[ "$(jqr '.items | map(.name) | join(",")')" = sched ] || fail "archived listed: $BODY"
api GET '/api/flows?archived=true'
[ "$(jqr '.items | map(.name) | join(",")')" = etl,sched ] || fail "archived=true: $BODY"
api GET /api/flows/etl
expect_status 200 "GET archived"
[ "$(jqr .archived)" = true ] || fail "archived flag: $BODY"
api GET /api/runs/$run
expect_status 200 "runs are kept"
api PATCH /api/flows/etl '{"paused":true}'
expect_status 409 "PATCH archived"

api PUT /api/flows/etl "$v2"
expect_status 200 "PUT un-archives"
[ "$(jqr .archived)" = false ] || fail "still archived: $BODY"
[ "$(jqr .version)" = 2 ] || fail "same definition, same version: $BODY"
api DELETE /api/flows/nope
expect_status 404 "DELETE unknown"
echo ok
