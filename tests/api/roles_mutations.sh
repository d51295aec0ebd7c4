#!/usr/bin/env bash
# Every mutating route against every role: viewer and worker are 403 on
# all of them (worker may read), operator may start/cancel/retry/rerun runs
# but is 403 on flow and worker changes, admin may do everything. The 403
# body names the role needed.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

user_add vic viewer 'vic-pass-1'
user_add otto operator 'otto-pass-1'
user_add wendy worker 'wendy-pass-1'
flow='{"tasks":[{"name":"t","command":["true"]}]}'
api PUT /api/flows/f "$flow"
expect_status 201 "admin PUT"
api POST /api/flows/f/runs '{}'
expect_status 201 "admin run"
run=$(jqr .id)

# Each line: METHOD PATH BODY
mutations() {
	cat <<EOM
PUT /api/flows/f $flow
PATCH /api/flows/f {"paused":true}
DELETE /api/flows/f
POST /api/flows/f/runs {}
POST /api/runs/$run/cancel {}
POST /api/runs/$run/retry {}
POST /api/runs/$run/rerun {}
PATCH /api/workers/w1 {"paused":true}
EOM
}

for who in vic:vic-pass-1 wendy:wendy-pass-1; do
	while read -r method path body; do
		AS=$who api "$method" "$path" ${body:+"$body"}
		expect_status 403 "$who $method $path"
		[ "$(jqr .error.code)" = forbidden ] || fail "code: $BODY"
		jqr .error.message | grep -q "needs role" ||
		    fail "message does not name the role: $BODY"
	done < <(mutations)
	AS=$who api GET /api/runs/$run
	expect_status 200 "$who reads"
done

# Operator: flow and worker changes are 403, run operations allowed.
for line in "PUT /api/flows/f" "PATCH /api/flows/f" "DELETE /api/flows/f" \
    "PATCH /api/workers/w1"; do
	set -- $line
	AS=otto:otto-pass-1 api "$1" "$2" '{}'
	expect_status 403 "operator $line"
	jqr .error.message | grep -q admin || fail "403 must name admin: $BODY"
done
AS=otto:otto-pass-1 api POST /api/flows/f/runs '{}'
expect_status 201 "operator starts a run"
orun=$(jqr .id)
[ "$(jqr .created_by)" = otto ] || fail "created_by: $BODY"
AS=otto:otto-pass-1 api POST /api/runs/$orun/cancel '{}'
expect_status 200 "operator cancels"
AS=otto:otto-pass-1 api POST /api/runs/$orun/rerun '{}'
expect_status 201 "operator reruns"
AS=otto:otto-pass-1 api POST /api/runs/$orun/retry '{}'
expect_status 200 "operator retries"

# Admin: everything (the worker does not exist here: 404, not 403).
api PATCH /api/flows/f '{"paused":true}'
expect_status 200 "admin PATCH flow"
api PATCH /api/workers/w1 '{"paused":true}'
expect_status 404 "admin PATCH unknown worker"
api POST /api/runs/$run/cancel '{}'
expect_status 200 "admin cancel"
api DELETE /api/flows/f
expect_status 204 "admin DELETE flow"
echo ok
