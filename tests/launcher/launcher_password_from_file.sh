#!/usr/bin/env bash
# SLUICE_ADMIN_PASSWORD_FILE: the first start's admin password is read from
# the file's first line (as a container secret would be given), becomes the
# admin's password, is not printed, and is in no Sluice process's
# environment. A file with no password is refused with a clear message.
source "$SLUICE_ROOT/tests/lib/stack.sh"
pwfile=$STACK_TMP/admin-password
printf '%s\n' "$ADMIN_PASS" >"$pwfile"
chmod 0600 "$pwfile"
STACK_WRAP="env -u SLUICE_ADMIN_PASSWORD SLUICE_ADMIN_PASSWORD_FILE=$pwfile"
stack_start
api GET /api/me
expect_status 200 "the password from the file logs in"
grep -q "log in as admin with the password in the file $pwfile" "$STACK_TMP/stack.log" ||
    fail "launcher did not say where the password is: $(cat "$STACK_TMP/stack.log")"
! grep -qF "$ADMIN_PASS" "$STACK_TMP/stack.log" || fail "the password was printed"
for prog in sluice-run sluice-api sluice-scheduler nginx; do
	p=$(cat "$SLUICE_DATA/run/$prog.pid") || fail "no run/$prog.pid"
	! tr '\0' '\n' <"/proc/$p/environ" | grep -v "^ADMIN_PASS=" |
	    grep -qF "$ADMIN_PASS" || fail "$prog holds the admin password"
done
: >"$STACK_TMP/empty"
SLUICE_DATA=$STACK_TMP/data2 SLUICE_ADMIN_PASSWORD= \
    SLUICE_ADMIN_PASSWORD_FILE=$STACK_TMP/empty \
    "$SLUICE_ROOT/scripts/sluice-run" >"$STACK_TMP/empty.log" 2>&1
[ $? = 1 ] || fail "an empty password file was not refused"
grep -q "no password in SLUICE_ADMIN_PASSWORD_FILE ($STACK_TMP/empty)" "$STACK_TMP/empty.log" ||
    fail "refusal: $(cat "$STACK_TMP/empty.log")"
echo ok
