#!/usr/bin/env bash
# sluicectl's run and flow commands against a stack with no scheduler (so
# runs stay where the commands put them): cancel, retry, rerun (with -p:
# the old run's parameters with the overrides), pause and resume each do
# what they say and print it; with --json each prints exactly the bytes
# of the API's reply (compared with curl of the same endpoint, or of the
# object it returned); runs, flows and events (with --actor, --object)
# print a header row and aligned columns, and with --json the API's list.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
STACK_NO_SCHEDULER=1
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
source "$SLUICE_ROOT/tests/lib/columns.sh" || exit 1
stack_start
ctl=$SLUICE_BIN_DIR/sluicectl
export SLUICE_USER=$ADMIN_USER SLUICE_PASSWORD=$ADMIN_PASS
tmp=$STACK_TMP
# run_ok ARGS...: sluicectl ARGS must exit 0; stdout in $tmp/out.
run_ok() { "$ctl" "$@" >"$tmp/out" 2>"$tmp/err" || fail "sluicectl $*: exit $?: $(cat "$tmp/err")"; }
# same_as_api METHOD PATH [BODY]: $tmp/out holds the bytes curl gets.
same_as_api() {
	api "$@"
	cmp -s "$tmp/out" "$tmp/body" ||
	    fail "--json differs from $1 $2: $(cat "$tmp/out") vs $BODY"
}

cat >"$tmp/f.json" <<'JSON'
{"name": "etl", "parameters": {"city": {"type": "string", "default": "Leiden"},
  "n": {"type": "integer", "default": 1}},
 "tasks": [{"name": "t", "command": ["echo", "{{params.city}}"]}]}
JSON
run_ok apply "$tmp/f.json"
run_ok run etl -p city=Utrecht -p n=2
id=$(cat "$tmp/out")

# --- cancel ------------------------------------------------------------
run_ok cancel "$id"
[ "$(cat "$tmp/out")" = "run $id: CANCELLED" ] || fail "cancel: $(cat "$tmp/out")"
"$ctl" cancel "$id" >"$tmp/out" 2>"$tmp/err" && fail "cancelling twice succeeded"
grep -q "^sluicectl: conflict: " "$tmp/err" || fail "second cancel: $(cat "$tmp/err")"
run_ok run etl
id2=$(cat "$tmp/out")
run_ok cancel "$id2" --json
[ "$(jq -r .state "$tmp/out")" = CANCELLED ] || fail "cancel --json: $(cat "$tmp/out")"
same_as_api GET "/api/runs/$id2"
echo "ok   cancel cancels and says so; --json is the API's run"

# --- retry -------------------------------------------------------------
run_ok retry "$id"
[ "$(cat "$tmp/out")" = "$id" ] || fail "retry: $(cat "$tmp/out")"
api GET "/api/runs/$id"
[ "$(jqr .state)" = PENDING ] && [ "$(jqr .retry_count)" = 1 ] ||
    fail "retried run: $BODY"
run_ok retry "$id2" --json
same_as_api GET "/api/runs/$id2"
[ "$(jqr .state)" = PENDING ] || fail "retry --json: $BODY"
echo "ok   retry puts a cancelled run back to PENDING; --json is the API's run"

# --- rerun -------------------------------------------------------------
run_ok cancel "$id"
run_ok rerun "$id"
new=$(cat "$tmp/out")
api GET "/api/runs/$new"
[ "$(jqr .rerun_of)" = "$id" ] && [ "$(jqr .trigger)" = rerun ] &&
    [ "$(jqr .parameters.city)" = Utrecht ] || fail "rerun: $BODY"
run_ok rerun "$id" -p n=7
new=$(cat "$tmp/out")
api GET "/api/runs/$new"
[ "$(jqr .parameters.city)" = Utrecht ] && [ "$(jqr .parameters.n)" = 7 ] &&
    [ "$(jqr '.parameters.n | type')" = number ] || fail "rerun -p: $BODY"
run_ok rerun "$id" --json
new=$(jq -r .id "$tmp/out")
same_as_api GET "/api/runs/$new"
[ "$(jqr .rerun_of)" = "$id" ] || fail "rerun --json: $BODY"
"$ctl" rerun "$id" -p n=x >"$tmp/out" 2>"$tmp/err" && fail "rerun -p n=x accepted"
grep -q "not a valid integer" "$tmp/err" || fail "rerun -p n=x: $(cat "$tmp/err")"
echo "ok   rerun starts a new run like the old one; -p overrides its parameters; --json"

# --- pause, resume -----------------------------------------------------
run_ok pause etl
[ "$(cat "$tmp/out")" = "flow etl: schedule paused" ] || fail "pause: $(cat "$tmp/out")"
api GET /api/flows/etl
[ "$(jqr .paused)" = true ] || fail "not paused: $BODY"
run_ok pause etl --json
same_as_api PATCH /api/flows/etl '{"paused":true}'
run_ok resume etl
[ "$(cat "$tmp/out")" = "flow etl: schedule active" ] || fail "resume: $(cat "$tmp/out")"
run_ok resume etl --json
same_as_api PATCH /api/flows/etl '{"paused":false}'
[ "$(jqr .paused)" = false ] || fail "not resumed: $BODY"
echo "ok   pause and resume change the flow's schedule; --json is the API's flow"

# --- lists -------------------------------------------------------------
user_add viewer1 viewer viewer-pass-1
SLUICE_USER=viewer1 SLUICE_PASSWORD=viewer-pass-1 run_ok runs
run_ok runs
columns_aligned "$tmp/out"
grep -q "^ID  *FLOW  *VERSION  *STATE  *TRIGGER  *CREATED  *DURATION_S  *COMMIT$" "$tmp/out" ||
    fail "runs header: $(head -n 1 "$tmp/out")"
[ "$(grep -c "^01" "$tmp/out")" = 5 ] || fail "runs rows: $(cat "$tmp/out")"
run_ok runs --json
same_as_api GET /api/runs
run_ok runs --flow etl --state CANCELLED --limit 1 --json
same_as_api GET "/api/runs?flow=etl&state=CANCELLED&limit=1"
run_ok runs --limit 2
grep -q "more runs: add --cursor " "$tmp/err" || fail "no next page named: $(cat "$tmp/err")"
run_ok runs --flow nothing-here
[ ! -s "$tmp/out" ] && grep -qx "no runs" "$tmp/err" || fail "empty list: $(cat "$tmp/out" "$tmp/err")"
run_ok flows
columns_aligned "$tmp/out"
grep -q "^etl  *1  *no  *-  *-  *PENDING  *-$" "$tmp/out" || fail "flows: $(cat "$tmp/out")"
run_ok flows --json
same_as_api GET /api/flows
run_ok events --actor admin
columns_aligned "$tmp/out"
grep -q "^ID  *AT  *ACTOR  *ACTION  *TYPE  *OBJECT  *ADDRESS  *DETAIL$" "$tmp/out" ||
    fail "events header: $(head -n 1 "$tmp/out")"
grep -Eq "^[0-9]+  +[0-9TZ:.-]+  +admin  +run.cancel  +run  +$id  " "$tmp/out" ||
    fail "events: no cancel of $id: $(cat "$tmp/out")"
grep -q "sluicectl  *user.add" "$tmp/out" && fail "--actor admin listed sluicectl's events"
run_ok events --object "$id" --json
same_as_api GET "/api/events?object_id=$id"
[ "$(jqr '[.items[] | select(.object_id != "'"$id"'")] | length')" = 0 ] &&
    [ "$(jqr '.items | length')" -ge 4 ] || fail "events --object: $BODY"
run_ok events --type flow --action flow.patch --json
same_as_api GET "/api/events?object_type=flow&action=flow.patch"
# A PATCH that changes nothing records no event: one pause, one resume.
[ "$(jqr '[.items[].detail.paused] | join(",")')" = false,true ] ||
    fail "flow.patch events: $BODY"
echo "ok   runs, flows and events print aligned columns under a header; --json is the API's list"
