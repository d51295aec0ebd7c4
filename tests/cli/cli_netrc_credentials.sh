#!/usr/bin/env bash
# With SLUICE_USER and SLUICE_PASSWORD unset, sluicectl logs in with the
# ~/.netrc entry for the URL's host (a machine entry before the default
# one, a quoted password with spaces, comments and macdefs skipped); with
# only SLUICE_USER set, the entry with that login gives the password; the
# environment wins over the file; a .netrc others may read is refused,
# and no entry for the host says how to give credentials.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
STACK_NO_SCHEDULER=1
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start
ctl=$SLUICE_BIN_DIR/sluicectl
tmp=$STACK_TMP
export HOME=$tmp/home
mkdir -p "$HOME"
unset SLUICE_USER SLUICE_PASSWORD
user_add ops admin 'ops pass with "spaces"'
netrc() { cat >"$HOME/.netrc"; chmod 600 "$HOME/.netrc"; }
# as_seen: sluicectl pauses flow f, and the audit trail names the actor.
as_seen() {
	"$ctl" pause f >"$tmp/out" 2>"$tmp/err" || return 1
	api GET "/api/events?action=flow.patch&limit=1"
	jqr '.items[0].actor'
	"$ctl" resume f >/dev/null 2>&1
}
printf '{"name": "f", "tasks": [{"name": "t", "command": ["true"]}]}' >"$tmp/f.json"
SLUICE_USER=$ADMIN_USER SLUICE_PASSWORD=$ADMIN_PASS "$ctl" apply "$tmp/f.json" >/dev/null ||
    fail "apply"

netrc <<EOF2
# my machines
machine example.org login someone password elsewhere
macdef init
  machine 127.0.0.1 login macro password inside-a-macro

machine 127.0.0.1
  login $ADMIN_USER
  password $ADMIN_PASS
default login nobody password nothing
EOF2
[ "$(as_seen)" = "$ADMIN_USER" ] || fail "machine entry not used: $(cat "$tmp/err")"
echo "ok   the .netrc machine entry for the URL's host logs in"

netrc <<'EOF2'
machine localhost login nobody password wrong
default login ops password "ops pass with \"spaces\""
EOF2
[ "$(as_seen)" = ops ] || fail "default entry, quoted password: $(cat "$tmp/err")"
echo "ok   the default entry and a quoted password with spaces and quotes"

netrc <<EOF2
machine 127.0.0.1 login ops password wrong-one
machine 127.0.0.1 login $ADMIN_USER password $ADMIN_PASS
EOF2
[ "$(SLUICE_USER=$ADMIN_USER as_seen)" = "$ADMIN_USER" ] ||
    fail "the entry with SLUICE_USER's login: $(cat "$tmp/err")"
[ "$(SLUICE_USER=ops SLUICE_PASSWORD='ops pass with "spaces"' as_seen)" = ops ] ||
    fail "the environment did not win: $(cat "$tmp/err")"
echo "ok   SLUICE_USER picks the entry with its login; the environment wins"

chmod 644 "$HOME/.netrc"
"$ctl" flows >"$tmp/out" 2>"$tmp/err" && fail "a .netrc readable by others was used"
grep -q "may be read by others (mode 0644); chmod 600" "$tmp/err" ||
    fail "refusal: $(cat "$tmp/err")"
netrc <<'EOF2'
machine example.org login someone password elsewhere
EOF2
"$ctl" flows >"$tmp/out" 2>"$tmp/err" && fail "no entry, yet it worked"
grep -q "set SLUICE_USER and SLUICE_PASSWORD .*machine 127.0.0.1 login USER password PASSWORD.* in $HOME/.netrc" \
    "$tmp/err" || fail "no entry: $(cat "$tmp/err")"
printf 'machine 127.0.0.1 login a password "unterminated' | netrc
"$ctl" flows >"$tmp/out" 2>"$tmp/err" && fail "a broken .netrc was used"
grep -q "no closing quote" "$tmp/err" || fail "broken: $(cat "$tmp/err")"
echo "ok   a .netrc others may read, one without the host and a broken one are refused, saying why"
