#!/usr/bin/env bash
# The credential verifier: no credentials, a wrong password, an unknown
# user and malformed Basic data are 401 with WWW-Authenticate; the right
# password is 200, also for a user added later with another role.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

AS=none api GET /api/flows
expect_status 401 "no credentials"
grep -qi '^WWW-Authenticate: Basic realm="Sluice"' "$HDRS" ||
    fail "401 without WWW-Authenticate: $(cat "$HDRS")"

AS="$ADMIN_USER:wrong-password" api GET /api/flows
expect_status 401 "wrong password"

AS="nobody:$ADMIN_PASS" api GET /api/flows
expect_status 401 "unknown user"

STATUS=$(curl -sk -o /dev/null -w '%{http_code}' \
    -H 'Authorization: Basic !!!notbase64' "$SLUICE_URL/api/flows")
[ "$STATUS" = 401 ] || fail "malformed Basic: $STATUS"
STATUS=$(curl -sk -o /dev/null -w '%{http_code}' \
    -H "Authorization: Bearer $ADMIN_PASS" "$SLUICE_URL/api/flows")
[ "$STATUS" = 401 ] || fail "Bearer scheme: $STATUS"

api GET /api/flows
expect_status 200 "right password"

user_add vera viewer 'vera-pass-1'
AS=vera:vera-pass-1 api GET /api/runs
expect_status 200 "new viewer"
# A password with a colon: only the first colon separates user and password.
user_add colin viewer 'co:lon:pass'
AS='colin:co:lon:pass' api GET /api/runs
expect_status 200 "password with colons"
echo ok
