#!/usr/bin/env bash
# The flows list's last_run and recent_runs (the dashboard's "last 10 runs"
# marks) show runs that are due or done: the future SCHEDULED runs the
# scheduler materialises from a cron schedule are left out.
source "$SLUICE_ROOT/tests/lib/stack.sh"
stack_start

api PUT /api/flows/hourly '{"schedule":{"cron":"0 * * * *"},"tasks":[{"name":"t","command":["true"]}]}'
expect_status 201 "flow"
has_scheduled() {
	api GET '/api/runs?flow=hourly&state=SCHEDULED'
	[ "$(jqr '.items | length')" -ge 1 ]
}
wait_for 30 has_scheduled || fail "no SCHEDULED run materialised: $BODY"
api POST /api/flows/hourly/runs '{}'
expect_status 201 "manual run"
run=$(jqr .id)
wait_run_state "$run" COMPLETED

api GET /api/flows
expect_status 200 "list"
[ "$(jqr '.items[0].recent_runs | join(",")')" = COMPLETED ] ||
    fail "recent_runs: $BODY"
[ "$(jqr '.items[0].last_run.id')" = "$run" ] || fail "last_run: $BODY"
