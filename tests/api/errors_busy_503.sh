#!/usr/bin/env bash
# While another process holds the database's write lock longer than the
# busy timeout (5 s), a change is answered 503 "busy" with Retry-After
# (not 500, not a hang) and leaves nothing behind; reads still work meanwhile (WAL), and
# once the lock is gone the same change succeeds.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

api PUT /api/flows/b '{"tasks":[{"name":"t","command":["true"]}]}'
expect_status 201 "flow"

db_lock 9

api GET /api/runs
expect_status 200 "reads during the lock"
start=$SECONDS
api POST /api/flows/b/runs '{}'
expect_status 503 "write during the lock"
[ "$(jqr .error.code)" = busy ] || fail "code: $BODY"
[ "$(header Retry-After)" = 1 ] || fail "503 busy without Retry-After: $(cat "$HDRS")"
[ $((SECONDS - start)) -le 8 ] || fail "took $((SECONDS - start)) s"
wait "$LOCK_PID"

api GET /api/runs
[ "$(jqr '.items | length')" = 0 ] || fail "the refused write left a run: $BODY"
api POST /api/flows/b/runs '{}'
expect_status 201 "after the lock"
echo ok
