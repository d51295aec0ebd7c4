#!/usr/bin/env bash
# Only successes are remembered, and only while nothing changed: a wrong
# password stays 401 however often it follows a remembered success; a
# password that failed works the moment `sluicectl user passwd` sets it;
# a demoted admin (`user role`) is 403 on mutating routes at once, even
# with a remembered login; a deleted and re-added user needs the new
# password.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start
ctl() { "$SLUICE_BIN_DIR/sluicectl" "$@" >/dev/null || fail "sluicectl $*"; }

user_add dora admin 'dora-pass-1'
AS=dora:dora-pass-1 api GET /api/me
expect_status 200 "first login"
for i in 1 2 3; do
	AS=dora:dora-pass-1x api GET /api/me
	expect_status 401 "wrong password after a success ($i)"
	AS=dora:dora-pass-1 api GET /api/me
	expect_status 200 "right password again ($i)"
done

AS=dora:future-pass-2 api GET /api/me
expect_status 401 "not yet her password"
printf 'future-pass-2\n' | ctl user passwd dora
AS=dora:future-pass-2 api GET /api/me
expect_status 200 "the password that failed, now set"
AS=dora:dora-pass-1 api GET /api/me
expect_status 401 "old password after passwd"

flow='{"tasks":[{"name":"t","command":["true"]}]}'
AS=dora:future-pass-2 api PUT /api/flows/d "$flow"
expect_status 201 "admin PUT"
ctl user role dora viewer
AS=dora:future-pass-2 api PUT /api/flows/d "$flow"
expect_status 403 "demoted to viewer, next request"
AS=dora:future-pass-2 api DELETE /api/flows/d
expect_status 403 "demoted DELETE"
AS=dora:future-pass-2 api GET /api/me
[ "$(jqr .role)" = viewer ] || fail "role: $BODY"

ctl user del dora
AS=dora:future-pass-2 api GET /api/me
expect_status 401 "deleted"
user_add dora operator 'dora-pass-3'
AS=dora:future-pass-2 api GET /api/me
expect_status 401 "re-added: old password"
AS=dora:dora-pass-3 api GET /api/me
expect_status 200 "re-added: new password"
[ "$(jqr .role)" = operator ] || fail "re-added role: $BODY"
api GET /api/flows/d
[ "$(jqr .archived)" = false ] || fail "a refused DELETE archived: $BODY"
echo ok
