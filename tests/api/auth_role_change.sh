#!/usr/bin/env bash
# Roles are read from the users table on every request: a viewer promoted
# with `sluicectl user role` may change flows on the next request, without
# logging in again.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

user_add pat viewer 'pat-pass-1'
flow='{"tasks":[{"name":"t","command":["true"]}]}'
AS=pat:pat-pass-1 api PUT /api/flows/f1 "$flow"
expect_status 403 "viewer PUT"
"$SLUICE_BIN_DIR/sluicectl" user role pat admin >/dev/null || fail "user role"
AS=pat:pat-pass-1 api PUT /api/flows/f1 "$flow"
expect_status 201 "promoted to admin"
echo ok
