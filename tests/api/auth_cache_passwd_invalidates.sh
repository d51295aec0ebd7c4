#!/usr/bin/env bash
# A remembered success stops counting the moment the password changes or
# the user is deleted: after `sluicectl user passwd` the old password is
# 401 on the very next request and the new one works; after `user del`
# the user is 401 at once.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

user_add olga operator 'old-pass-1'
for i in 1 2 3; do
	AS=olga:old-pass-1 api GET /api/runs
	expect_status 200 "old password before change ($i)"
done
printf 'new-pass-2\n' | "$SLUICE_BIN_DIR/sluicectl" user passwd olga >/dev/null ||
    fail "sluicectl user passwd"
AS=olga:old-pass-1 api GET /api/runs
expect_status 401 "old password right after passwd"
AS=olga:new-pass-2 api GET /api/runs
expect_status 200 "new password"
AS=olga:new-pass-2 api GET /api/runs
expect_status 200 "new password again (cached)"

"$SLUICE_BIN_DIR/sluicectl" user del olga >/dev/null || fail "user del"
AS=olga:new-pass-2 api GET /api/runs
expect_status 401 "deleted user"
echo ok
