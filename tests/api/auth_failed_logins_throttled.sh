#!/usr/bin/env bash
# Password guessing is throttled: after SLUICE_AUTH_FAIL_MAX failed logins
# of one user from one address (5 here; 10 by default) within a minute,
# the verifier refuses even that user's correct password it has not
# already remembered, without checking it (auth_throttle_per_address_user
# covers the per-address limit and other users). A success remembered before the
# failures keeps working. Missing credentials (a browser's first request)
# do not count as failures.
export SLUICE_AUTH_FAIL_MAX=5
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

user_add fresh viewer 'fresh-pass-1'
api GET /api/runs
expect_status 200 "admin before the failures (now remembered)"
for i in $(seq 1 10); do
	AS=none api GET /api/runs
	expect_status 401 "no credentials $i"
done
AS=fresh:fresh-pass-1 api GET /api/runs
expect_status 200 "missing credentials are not failures"
# That success is remembered now; use another user for the refusal.
user_add late viewer 'late-pass-1'
for i in $(seq 1 5); do
	AS=late:wrong-$i api GET /api/runs
	expect_status 401 "wrong password $i"
done
AS=late:late-pass-1 api GET /api/runs
expect_status 401 "right password after 5 failures"
api GET /api/runs
expect_status 200 "remembered admin still works"
grep -q 'too many failed logins' "$STACK_TMP/stack.log" ||
    fail "refusal not logged"
echo ok
