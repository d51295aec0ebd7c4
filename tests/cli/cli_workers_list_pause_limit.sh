#!/usr/bin/env bash
# `sluicectl workers` lists the workers under a header in aligned columns
# (--json: the API's list); `workers pause|resume NAME` and `workers limit
# NAME N` change the worker (PATCH /api/workers/{name}), print it, and
# with --json print the API's reply; a viewer is refused with the API's
# error (exit 1), a limit that is not a number is a usage error (exit 2)
# and one out of range the API's invalid (exit 1).
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
source "$SLUICE_ROOT/tests/lib/columns.sh" || exit 1
stack_start
ctl=$SLUICE_BIN_DIR/sluicectl
export SLUICE_USER=$ADMIN_USER SLUICE_PASSWORD=$ADMIN_PASS
tmp=$STACK_TMP
wait_for 20 sh -c "curl -sk -u '$ADMIN_USER:$ADMIN_PASS' '$SLUICE_URL/api/workers' |
    jq -e '.items | length == 1' >/dev/null" || fail "no worker registered"
api GET /api/workers
w=$(jqr '.items[0].name')

# same_soon METHOD PATH BODY -- ARGS...: sluicectl ARGS prints exactly what
# curl gets for the same request. The worker's heartbeat (every 2 s) may
# land between the two requests and change last_heartbeat, so a few
# tries are allowed; the bytes must be equal in one of them.
same_soon() {
	local method=$1 path=$2 body=$3 i; shift 4
	for i in 1 2 3 4 5; do
		"$ctl" "$@" >"$tmp/out" 2>"$tmp/err" ||
		    fail "sluicectl $*: $(cat "$tmp/err")"
		api "$method" "$path" $body
		cmp -s "$tmp/out" "$tmp/body" && return 0
		sleep 0.2
	done
	fail "sluicectl $* never printed what $method $path gives: $(cat "$tmp/out") vs $BODY"
}

"$ctl" workers >"$tmp/out" 2>"$tmp/err" || fail "workers: $(cat "$tmp/err")"
columns_aligned "$tmp/out"
grep -q "^NAME  *POOL  *HOST  *PID  *ONLINE  *RUNNING  *LIMIT  *PAUSED  *LAST_HEARTBEAT$" \
    "$tmp/out" || fail "header: $(head -n 1 "$tmp/out")"
grep -Eq "^$w +default +[^ ]+ +[0-9]+ +yes +0 +[0-9]+ +no +[0-9TZ:.-]+$" "$tmp/out" ||
    fail "worker row: $(cat "$tmp/out")"
"$ctl" workers list >"$tmp/out2" 2>&1 && head -n 1 "$tmp/out2" | grep -q "^NAME " ||
    fail "workers list: $(cat "$tmp/out2")"
same_soon GET /api/workers "" -- workers --json
echo "ok   workers lists the worker in aligned columns; --json is the API's list"

"$ctl" workers pause "$w" >"$tmp/out" 2>"$tmp/err" || fail "pause: $(cat "$tmp/err")"
grep -q "^worker $w: paused, limit [0-9]*, running 0$" "$tmp/out" || fail "pause: $(cat "$tmp/out")"
api GET /api/workers
[ "$(jqr '.items[0].paused')" = true ] || fail "not paused: $BODY"
same_soon PATCH "/api/workers/$w" '{"paused":true}' -- workers pause "$w" --json
"$ctl" workers limit "$w" 3 >"$tmp/out" 2>"$tmp/err" || fail "limit: $(cat "$tmp/err")"
grep -q "^worker $w: paused, limit 3, running 0$" "$tmp/out" || fail "limit: $(cat "$tmp/out")"
same_soon PATCH "/api/workers/$w" '{"concurrency_limit":3}' -- workers limit "$w" 3 --json
"$ctl" workers resume "$w" >"$tmp/out" 2>"$tmp/err" || fail "resume: $(cat "$tmp/err")"
grep -q "^worker $w: not paused, limit 3, running 0$" "$tmp/out" || fail "resume: $(cat "$tmp/out")"
same_soon PATCH "/api/workers/$w" '{"paused":false}' -- workers resume "$w" --json
api GET /api/workers
[ "$(jqr '.items[0].paused')" = false ] && [ "$(jqr '.items[0].concurrency_limit')" = 3 ] ||
    fail "after resume: $BODY"
echo "ok   workers pause, limit and resume change the worker; --json is the API's worker"

user_add viewer1 viewer viewer-pass-1
SLUICE_USER=viewer1 SLUICE_PASSWORD=viewer-pass-1 "$ctl" workers pause "$w" \
    >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] && grep -q "^sluicectl: forbidden: " "$tmp/err" || fail "viewer: $(cat "$tmp/err")"
"$ctl" workers limit "$w" many >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] && grep -q "not a whole number" "$tmp/err" || fail "limit many: $(cat "$tmp/err")"
"$ctl" workers limit "$w" 0 >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] && grep -q "^sluicectl: invalid" "$tmp/err" || fail "limit 0: $(cat "$tmp/err")"
"$ctl" workers pause no-such-worker >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] && grep -q "^sluicectl: not_found: " "$tmp/err" || fail "unknown: $(cat "$tmp/err")"
"$ctl" workers pause >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] || fail "pause without a name accepted"
echo "ok   workers changes: a viewer is forbidden, bad limits and unknown workers refused"
