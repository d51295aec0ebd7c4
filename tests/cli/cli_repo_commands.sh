#!/usr/bin/env bash
# sluicectl repo against the real stack: add (secrets read from files,
# never echoed; env and options passed on; a second add keeps the
# secrets), list (a header row and aligned columns), show, sync (asks;
# --wait waits for a sync that ended after the request and exits 1 when
# it failed, printing file, field and reason; gives up after --timeout),
# del; --json prints the API's body exactly; API errors exit 1; a wrong
# command line exits 2. The sync's end is written as a scheduler would
# (no scheduler runs here).
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
STACK_NO_SCHEDULER=1
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start
export SLUICE_USER=$ADMIN_USER SLUICE_PASSWORD=$ADMIN_PASS
ctl=$SLUICE_BIN_DIR/sluicectl
out=$STACK_TMP/out err=$STACK_TMP/err

# ctl_rc RC ARGS...: runs sluicectl ARGS, wanting exit status RC.
ctl_rc() {
	local want=$1 rc; shift
	timeout 60 "$ctl" "$@" >"$out" 2>"$err"; rc=$?
	[ "$rc" = "$want" ] ||
	    fail "sluicectl $*: exit $rc, wanted $want: $(cat "$out" "$err")"
}

printf 'hook-secret-CLI1\n' >"$STACK_TMP/secret"
printf 'token-CLI2\n' >"$STACK_TMP/token"
ctl_rc 0 repo add etl /srv/git/etl.git --ref dev --path jobs --interval 0 \
    --secret-file "$STACK_TMP/secret" --token-file "$STACK_TMP/token" \
    --env PIP_NO_INDEX=1 --env PIP_FIND_LINKS=/srv/wheels
grep -q '/api/repos/etl/webhook' "$out" || fail "add: $(cat "$out")"
grep -q 'CLI1\|CLI2' "$out" "$err" && fail "add printed a secret"
api GET /api/repos/etl
[ "$(jqr '[.ref, .path, .interval_s, .env.PIP_FIND_LINKS, .has_webhook_secret, .has_token] | @tsv')" = \
    "$(printf 'dev\tjobs/\t0\t/srv/wheels\ttrue\ttrue')" ] || fail "stored: $BODY"
[ "$(db_sql "SELECT webhook_secret || '|' || token FROM repos WHERE name = 'etl'")" = \
    'hook-secret-CLI1|token-CLI2' ] || fail "secrets stored with their newline"
ctl_rc 0 repo add etl /srv/git/etl.git
api GET /api/repos/etl
[ "$(jqr '[.ref, .has_webhook_secret, .has_token] | @tsv')" = \
    "$(printf 'main\ttrue\ttrue')" ] || fail "second add: $BODY"
ctl_rc 0 repo add a-much-longer-name git@git.example:team/x.git --json
api GET /api/repos/a-much-longer-name
[ "$(jq -S 'del(.updated_at, .created_at, .sync)' "$out")" = \
    "$(jq -S 'del(.updated_at, .created_at, .sync)' <<<"$BODY")" ] ||
    fail "add --json: $(cat "$out")"

ctl_rc 0 repo list
[ "$(wc -l <"$out")" = 3 ] || fail "list: $(cat "$out")"
head -n 1 "$out" | grep -q '^NAME  *STATE  *COMMIT  *REF  *URL  *SUBJECT$' ||
    fail "list header: $(cat "$out")"
# Aligned: each column starts at the same offset on every line.
[ "$(awk '{ print index($0, $2) "," index($0, $4) }' "$out" | sort -u | wc -l)" = 1 ] ||
    fail "list columns are not aligned: $(cat "$out")"
grep -q '^etl  *never  *-  *main  */srv/git/etl.git  *-$' "$out" ||
    fail "list row: $(cat "$out")"
ctl_rc 0 repo list --json
api GET '/api/repos?limit=500'
[ "$(cat "$out")" = "$BODY" ] || fail "list --json is not the API's body"

ctl_rc 0 repo show etl
grep -q '^url: *\/srv\/git\/etl.git$' "$out" && grep -q '^sync: *never' "$out" &&
    grep -q 'webhook_secret set, token set' "$out" || fail "show: $(cat "$out")"
ctl_rc 0 repo show etl --json
api GET /api/repos/etl
[ "$(cat "$out")" = "$BODY" ] || fail "show --json is not the API's body"

ctl_rc 0 repo sync etl
grep -q '^sync of etl asked for at 20' "$out" || fail "sync: $(cat "$out")"
ctl_rc 1 repo sync etl --wait --timeout 1
grep -q 'no sync ended within 1 s' "$err" || fail "sync timeout: $(cat "$err")"

# end_sync STATE ERROR: writes a sync's end (as the scheduler would) a
# second from now, in the background.
end_sync() {
	(sleep 1; db_sql "UPDATE repos SET sync_state = ?, synced_at = ?,
	    sync_commit = '89abcdef0123456789abcdef0123456789abcdef',
	    sync_subject = 'Add the sensors', sync_error = nullif(?, ''),
	    sync_requested_at = NULL WHERE name = 'etl'" "$1" \
	    "$(( $(date +%s%3N) ))" "$2" >/dev/null) &
	END_PID=$!
}
end_sync failed '{"file": "flows/x.json", "field": "tasks[0].command", "reason": "expected an array"}'
ctl_rc 1 repo sync etl --wait
wait "$END_PID"
grep -q '^etl: failed at commit 89abcdef0123 Add the sensors$' "$out" &&
    grep -q '^error: flows/x.json: tasks\[0\].command: expected an array$' "$out" ||
    fail "failed sync: $(cat "$out" "$err")"
end_sync ok ''
ctl_rc 0 repo sync etl --wait --json
wait "$END_PID"
[ "$(jq -r .sync.state "$out")" = ok ] || fail "sync --wait --json: $(cat "$out")"
ctl_rc 0 repo show etl
grep -q '^commit: *89abcdef0123456789abcdef0123456789abcdef Add the sensors$' "$out" ||
    fail "show after sync: $(cat "$out")"

ctl_rc 1 repo add bad -- -x.git
grep -q 'invalid: url:' "$err" || fail "bad url: $(cat "$err")"
ctl_rc 1 repo show ghost
grep -q 'not_found' "$err" || fail "unknown: $(cat "$err")"
ctl_rc 2 repo add etl
ctl_rc 2 repo list --ref x
ctl_rc 2 repo frob
ctl_rc 1 repo add etl /x.git --interval soon
ctl_rc 1 repo add etl /x.git --env NOEQUALS
ctl_rc 0 repo --help
grep -q 'sluicectl repo sync NAME' "$out" || fail "help: $(cat "$out")"

ctl_rc 0 repo del etl
grep -q 'etl deleted' "$out" || fail "del: $(cat "$out")"
api GET /api/repos/etl
expect_status 404 "deleted"
ctl_rc 1 repo del etl
echo ok
