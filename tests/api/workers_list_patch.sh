#!/usr/bin/env bash
# Workers through the API with a real scheduler: it appears in GET
# /api/workers online with a recent heartbeat (and /api/health says the
# scheduler is online); an admin PATCH changes paused and
# concurrency_limit (audited as worker.patch); bad values and unknown keys
# are 400, unknown workers 404. A paused worker starts no new runs until
# resumed.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

workers_online() {
	api GET /api/workers
	[ "$(jqr '[.items[] | select(.online)] | length')" -ge 1 ]
}
wait_for 30 workers_online || fail "no worker online: $BODY"
w=$(jqr '.items[0].name')
[ "$(jqr '.items[0].last_heartbeat')" != null ] || fail "last_heartbeat: $BODY"
[ "$(jqr '.items[0].pid')" -gt 0 ] || fail "pid: $BODY"
[ "$(jqr '.items[0].pool')" = default ] || fail "pool: $BODY"
[ "$(jqr '.items[0].paused')" = false ] || fail "paused: $BODY"
[ "$(jqr '.items[0].concurrency_limit')" -ge 1 ] || fail "limit: $BODY"
api GET /api/health
[ "$(jqr .scheduler.online)" = true ] || fail "health: $BODY"
[ "$(jqr .scheduler.workers)" -ge 1 ] || fail "health workers: $BODY"

api PATCH "/api/workers/$w" '{"paused":true,"concurrency_limit":3}'
expect_status 200 "patch"
[ "$(jqr .paused)" = true ] || fail "paused: $BODY"
[ "$(jqr .concurrency_limit)" = 3 ] || fail "limit: $BODY"
api PATCH "/api/workers/$w" '{"concurrency_limit":0}'
expect_status 400 "limit 0"
api PATCH "/api/workers/$w" '{"concurrency_limit":1001}'
expect_status 400 "limit 1001"
api PATCH "/api/workers/$w" '{"concurrency_limit":"2"}'
expect_status 400 "limit as a string"
api PATCH "/api/workers/$w" '{"paused":1}'
expect_status 400 "paused as a number"
api PATCH "/api/workers/$w" '{}'
expect_status 400 "nothing to change"
api PATCH "/api/workers/$w" '{"pool":"gpu"}'
expect_status 400 "unknown key"
api PATCH /api/workers/no-such-worker '{"paused":false}'
expect_status 404 "unknown worker"
api GET "/api/events?action=worker.patch"
[ "$(jqr '.items | length')" = 1 ] || fail "one audit event: $BODY"
[ "$(jqr '.items[0].object_id')" = "$w" ] || fail "audit object: $BODY"
[ "$(jqr '.items[0].detail.concurrency_limit')" = 3 ] || fail "audit detail: $BODY"

# Paused: a new run stays PENDING; resumed, it completes.
api PUT /api/flows/wp '{"tasks":[{"name":"t","command":["true"]}]}'
api POST /api/flows/wp/runs '{}'
run=$(jqr .id)
sleep 2
api GET "/api/runs/$run"
[ "$(jqr .state)" = PENDING ] || fail "a paused worker started a run: $BODY"
api PATCH "/api/workers/$w" '{"paused":false}'
expect_status 200 "resume"
wait_run_state "$run" COMPLETED 30
echo ok
