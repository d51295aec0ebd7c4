#!/usr/bin/env bash
# Failed logins are counted per (address, user) and per address, so people
# behind one NAT do not lock each other out: after SLUICE_AUTH_FAIL_MAX
# (3 here; 10 by default) wrong passwords for ann, ann's right password is
# refused from that address, unchecked, but bob, from the same address,
# still logs in. The per-address limit still holds: once the address has
# SLUICE_AUTH_FAIL_ADDR_MAX (8 here; 100 by default) failures in the
# minute, whatever the user names (unknown ones too), a correct password
# of a user who never failed is refused as well. Logins remembered from
# before keep working throughout, and refusals say which limit it was.
export SLUICE_AUTH_FAIL_MAX=3 SLUICE_AUTH_FAIL_ADDR_MAX=8
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start
for u in ann bob cy dee; do user_add "$u" viewer "$u-pass-1"; done

api GET /api/me
expect_status 200 "admin (now remembered)"
for i in 1 2 3; do
	AS=ann:wrong-$i api GET /api/me
	expect_status 401 "ann wrong password $i"
	[ "$(jqr .error.message)" = "invalid credentials" ] ||
	    fail "ann wrong $i: $BODY"
done
AS=ann:ann-pass-1 api GET /api/me
expect_status 401 "ann's right password after 3 failures"
jqr .error.message | grep -q "too many failed attempts for this user" ||
    fail "pair refusal message: $BODY"
AS=bob:bob-pass-1 api GET /api/me
expect_status 200 "bob from the same address"
[ "$(jqr .name)" = bob ] || fail "bob: $BODY"

# 3 failures so far from this address; 5 more reach its limit of 8.
for i in 1 2; do
	AS=cy:wrong-$i api GET /api/me
	expect_status 401 "cy wrong password $i"
done
for i in 1 2 3; do
	AS=nobody-$i:guess api GET /api/me
	expect_status 401 "unknown user $i"
	[ "$(jqr .error.message)" = "invalid credentials" ] ||
	    fail "unknown user $i: $BODY"
done
AS=dee:dee-pass-1 api GET /api/me
expect_status 401 "dee (never failed) once the address is over its limit"
jqr .error.message | grep -q "too many failed attempts from this address" ||
    fail "address refusal message: $BODY"
AS=cy:cy-pass-1 api GET /api/me
expect_status 401 "cy's right password"
AS=bob:bob-pass-1 api GET /api/me
expect_status 200 "bob, remembered, still logs in"
api GET /api/me
expect_status 200 "admin, remembered, still logs in"
grep -q 'too many failed logins for this user' "$STACK_TMP/stack.log" ||
    fail "pair refusal not logged"
grep -q 'too many failed logins from this address' "$STACK_TMP/stack.log" ||
    fail "address refusal not logged"
echo ok
