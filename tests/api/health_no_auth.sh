#!/usr/bin/env bash
# GET /api/health answers without credentials: status ok, the version and
# the scheduler's state (no scheduler here, so offline with 0 workers).
# Every other path needs credentials.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

AS=none api GET /api/health
expect_status 200 "health without credentials"
[ "$(jqr .status)" = ok ] || fail "status: $BODY"
[ "$(jqr .version)" = 0.1.0 ] || fail "version: $BODY"
[ "$(jqr .scheduler.online)" = false ] || fail "scheduler.online: $BODY"
[ "$(jqr .scheduler.workers)" = 0 ] || fail "scheduler.workers: $BODY"

AS=none api GET /api/flows
expect_status 401 "flows without credentials"
echo ok
