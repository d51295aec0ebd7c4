#!/usr/bin/env bash
# cli_user_roles.sh: `sluicectl user add|passwd|role|del|list` and
# `sluicectl migrate` on a temp data directory (no stack needed): the
# password comes from standard input, htpasswd and the users table always
# agree, every change leaves an audit event, bad input is refused with
# exit 2 (usage) or 1 (failure) and nothing written, and when the table
# change fails the password file is put back as it was (no half state).
set -u
root=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${SLUICE_BIN_DIR:-$root/bin}
ctl=$bin/sluicectl
[ -x "$ctl" ] || { echo "$ctl is not built"; exit 77; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is not installed"; exit 77; }

tmp=$(mktemp -d /tmp/sluice-cliuser.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export SLUICE_DATA=$tmp/data
db=$SLUICE_DATA/sluice.db
pwfile=$SLUICE_DATA/htpasswd

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok   $*"; }
q() { sqlite3 -batch -noheader "$db" "$1"; }
hash_of() { grep "^$1:" "$pwfile" 2>/dev/null | cut -d: -f2; }
# verify NAME PASSWORD: the stored crypt hash accepts the password.
verify() {
	local h
	h=$(hash_of "$1")
	[ -n "$h" ] || return 1
	python3 -W ignore -c 'import crypt, sys
sys.exit(0 if crypt.crypt(sys.argv[1], sys.argv[2]) == sys.argv[2] else 1)' \
	    "$2" "$h"
}
# expect RC CMD...: runs CMD (stdin as given) and checks its exit code.
expect() {
	local want=$1 rc; shift
	"$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
	[ $rc = "$want" ] || fail "$*: exit $rc, wanted $want: $(cat "$tmp/err")"
}
# agree: htpasswd names == users table names.
agree() {
	local a b
	a=$(cut -d: -f1 "$pwfile" 2>/dev/null | sort)
	b=$(q "SELECT name FROM users ORDER BY name" | sort)
	[ "$a" = "$b" ] || fail "htpasswd ($a) and users ($b) disagree"
}

# --- migrate ---------------------------------------------------------------
expect 0 "$ctl" migrate
[ "$(q "SELECT count(*) FROM schema_migrations")" -ge 1 ] ||
    fail "no migrations recorded"
expect 0 "$ctl" migrate
expect 2 "$ctl" migrate extra
ok "migrate creates the database and is idempotent"

expect 0 "$ctl" user list
[ ! -s "$tmp/out" ] || fail "empty user list printed: $(cat "$tmp/out")"
ok "user list on a fresh database is empty"

# --- add ---------------------------------------------------------------------
printf 'alice-pass-1\n' | expect 0 "$ctl" user add alice --role operator
printf 'carol pass with spaces\r\n' |
    expect 0 "$ctl" user add carol@example.org --role=viewer
[ "$(q "SELECT role FROM users WHERE name='alice'")" = operator ] ||
    fail "alice's role"
verify alice alice-pass-1 || fail "alice's hash does not accept her password"
verify carol@example.org 'carol pass with spaces' ||
    fail "carol's password (CRLF stripped, spaces kept)"
verify alice wrong-pass && fail "a wrong password verified"
case $(hash_of alice) in '$y$'*) ;; *) fail "not yescrypt: $(hash_of alice)" ;; esac
[ "$(stat -c %a "$pwfile")" = 640 ] || fail "htpasswd mode $(stat -c %a "$pwfile")"
agree
expect 0 "$ctl" user list
head -n 1 "$tmp/out" | grep -qx 'NAME  *ROLE  *PASSWORD' ||
    fail "list header: $(cat "$tmp/out")"
grep -qx 'alice  *operator  *set' "$tmp/out" || fail "list: $(cat "$tmp/out")"
grep -qx 'carol@example.org  *viewer  *set' "$tmp/out" ||
    fail "list: $(cat "$tmp/out")"
# The columns line up: ROLE starts at one column on every line.
[ "$(awk '{ print index($0, $2) }' "$tmp/out" | sort -u | wc -l)" = 1 ] ||
    fail "list columns not aligned: $(cat "$tmp/out")"
ok "user add stores a yescrypt hash and the role; list shows both"

before=$(cat "$pwfile")
printf 'other\n' | expect 1 "$ctl" user add alice --role admin
grep -q "exists" "$tmp/err" || fail "duplicate message: $(cat "$tmp/err")"
[ "$(q "SELECT role FROM users WHERE name='alice'")" = operator ] ||
    fail "duplicate add changed the role"
[ "$(cat "$pwfile")" = "$before" ] || fail "duplicate add changed htpasswd"
ok "adding an existing user fails with exit 1 and changes nothing"

printf '\n' | expect 1 "$ctl" user add bob --role admin
grep -q "empty password" "$tmp/err" || fail "empty: $(cat "$tmp/err")"
expect 1 "$ctl" user add bob --role admin </dev/null
expect 2 "$ctl" user add bob --role boss </dev/null
expect 2 "$ctl" user add bob </dev/null
expect 2 "$ctl" user add 'bo:b' --role admin </dev/null
expect 2 "$ctl" user add 'bo b' --role admin </dev/null
expect 2 "$ctl" user add "$(printf 'x%.0s' $(seq 1 65))" --role admin </dev/null
expect 2 "$ctl" user frobnicate bob
expect 2 "$ctl" user
[ -z "$(hash_of bob)" ] || fail "bob got into htpasswd"
[ "$(q "SELECT count(*) FROM users WHERE name LIKE 'b%'")" = 0 ] ||
    fail "bob got into users"
[ "$(cat "$pwfile")" = "$before" ] || fail "refused adds changed htpasswd"
ok "empty/missing passwords, bad roles and bad names are refused"

# --- passwd and role ------------------------------------------------------
old=$(hash_of alice)
printf 'alice-pass-2\n' | expect 0 "$ctl" user passwd alice
[ "$(hash_of alice)" != "$old" ] || fail "passwd kept the hash"
verify alice alice-pass-2 || fail "new password does not verify"
verify alice alice-pass-1 && fail "old password still verifies"
verify carol@example.org 'carol pass with spaces' || fail "passwd lost carol"
printf 'x\n' | expect 1 "$ctl" user passwd nobody
printf '\n' | expect 1 "$ctl" user passwd alice
verify alice alice-pass-2 || fail "refused passwd changed alice"
ok "user passwd replaces only that user's hash"

expect 0 "$ctl" user role alice admin
[ "$(q "SELECT role FROM users WHERE name='alice'")" = admin ] ||
    fail "role not changed"
expect 2 "$ctl" user role alice superuser
expect 1 "$ctl" user role nobody viewer
expect 2 "$ctl" user role alice
[ "$(q "SELECT role FROM users WHERE name='alice'")" = admin ] ||
    fail "a refused role change changed the role"
verify alice alice-pass-2 || fail "role change touched the password"
ok "user role changes the role only"

# --- half state: a failing table write puts htpasswd back ------------------
q "CREATE TRIGGER no_insert BEFORE INSERT ON users BEGIN
	SELECT RAISE(ABORT, 'test: insert refused'); END;
   CREATE TRIGGER no_update BEFORE UPDATE ON users BEGIN
	SELECT RAISE(ABORT, 'test: update refused'); END;
   CREATE TRIGGER no_delete BEFORE DELETE ON users BEGIN
	SELECT RAISE(ABORT, 'test: delete refused'); END;"
before=$(cat "$pwfile")
printf 'dave-pass\n' | expect 1 "$ctl" user add dave --role viewer
[ -z "$(hash_of dave)" ] || fail "failed add left dave in htpasswd"
printf 'alice-pass-3\n' | expect 1 "$ctl" user passwd alice
verify alice alice-pass-2 || fail "failed passwd did not restore the hash"
expect 1 "$ctl" user del carol@example.org
verify carol@example.org 'carol pass with spaces' ||
    fail "failed del did not restore carol"
[ "$(cat "$pwfile")" = "$before" ] || fail "htpasswd differs after failures"
agree
q "DROP TRIGGER no_insert; DROP TRIGGER no_update; DROP TRIGGER no_delete;"
[ "$(q "SELECT count(*) FROM events WHERE object_id='dave'")" = 0 ] ||
    fail "failed add left an audit event"
ok "a failed table change restores htpasswd and records no event"

# --- del -------------------------------------------------------------------
expect 0 "$ctl" user del alice
[ -z "$(hash_of alice)" ] || fail "alice still in htpasswd"
[ "$(q "SELECT count(*) FROM users WHERE name='alice'")" = 0 ] ||
    fail "alice still in users"
verify carol@example.org 'carol pass with spaces' || fail "del lost carol"
agree
expect 1 "$ctl" user del alice
grep -q "no such user" "$tmp/err" || fail "del twice: $(cat "$tmp/err")"
ok "user del removes one user from both stores"

# --- audit -----------------------------------------------------------------
got=$(q "SELECT actor || ' ' || action || ' ' || object_type FROM events
	WHERE object_id = 'alice' ORDER BY id")
want="sluicectl user.add user
sluicectl user.passwd user
sluicectl user.role user
sluicectl user.del user"
[ "$got" = "$want" ] || fail "alice's audit events: $got"
[ "$(q "SELECT detail FROM events WHERE object_id='alice' AND action='user.role'")" = \
    '{"role":"admin","previous":"operator"}' ] || fail "role event detail"
[ "$(q "SELECT count(*) FROM events WHERE action='user.add' AND object_id='carol@example.org'")" = 1 ] ||
    fail "carol's add event"
grep -q "pass" <<<"$(q "SELECT group_concat(coalesce(detail,'')) FROM events")" &&
    fail "a password leaked into the audit trail"
ok "every change is in the audit trail, without passwords"

# --- users added before the server ever ran: data dir is created -----------
export SLUICE_DATA=$tmp/fresh/data
mkdir -p "$tmp/fresh"
printf 'pw\n' | expect 0 "$ctl" user add first --role admin
[ -f "$tmp/fresh/data/sluice.db" ] && [ -f "$tmp/fresh/data/htpasswd" ] ||
    fail "fresh data directory not set up"
ok "user add on a missing data directory migrates first"

expect 0 "$ctl" --help
expect 0 "$ctl" user --help
expect 2 "$ctl"
expect 2 "$ctl" no-such-command
ok "help exits 0, usage errors exit 2"
