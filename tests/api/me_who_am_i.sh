#!/usr/bin/env bash
# GET /api/me names the caller and its role (the dashboard shows only the
# actions the role allows), for every role including worker.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

api GET /api/me
expect_status 200 "admin"
[ "$(jqr -c .)" = '{"name":"admin","role":"admin"}' ] || fail "admin: $BODY"
for role in viewer operator worker; do
	user_add "u-$role" $role "pass-$role-1"
	AS="u-$role:pass-$role-1" api GET /api/me
	expect_status 200 "$role"
	[ "$(jqr .name)/$(jqr .role)" = "u-$role/$role" ] || fail "$role: $BODY"
done
AS=none api GET /api/me
expect_status 401 "no credentials"
echo ok
