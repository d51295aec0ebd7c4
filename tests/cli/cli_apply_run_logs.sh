#!/usr/bin/env bash
# cli_apply_run_logs.sh: sluicectl against the real stack over verified
# HTTPS: apply a flow file (created, then updated), list flows, run it with
# typed parameters, follow a task's log to completion, run --wait, list
# runs, and print API errors as "sluicectl: <code>: <message>" with exit 1.
. "${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/stack.sh"
. "$SLUICE_ROOT/tests/lib/cli.sh"
stack_start
export SLUICE_USER=$ADMIN_USER SLUICE_PASSWORD=$ADMIN_PASS
unset SLUICE_PORT_FIXED

cat >"$tmp/flow.json" <<'JSON'
{
  "name": "cli-test",
  "description": "sluicectl test flow",
  "parameters": {
    "city": {"type": "string", "default": "Leiden"},
    "n": {"type": "integer", "default": 2}
  },
  "tasks": [
    {"name": "greet",
     "command": ["sh", "-c", "for i in 1 2 3; do echo \"line $i for $1\"; sleep 0.4; done; echo greet-done", "greet", "{{params.city}}"]},
    {"name": "count",
     "command": ["python3", "-c", "import sys\nfor i in range(int(sys.argv[1])): print('count', i)", "{{params.n}}"],
     "depends_on": ["greet"]}
  ]
}
JSON

# --- apply ----------------------------------------------------------------
expect 0 "$ctl" apply "$tmp/flow.json"
grep -q "flow cli-test created" "$tmp/out" || fail "apply: $(cat "$tmp/out")"
sed -i 's/sluicectl test flow/sluicectl test flow, v2/' "$tmp/flow.json"
expect 0 "$ctl" apply "$tmp/flow.json"
grep -q "flow cli-test updated" "$tmp/out" || fail "re-apply: $(cat "$tmp/out")"
api GET /api/flows/cli-test
expect_status 200 "GET the applied flow"
[ "$(jqr .version)" = 2 ] || fail "version after two applies: $BODY"
expect 0 "$ctl" flows
grep -q "^cli-test " "$tmp/out" || fail "flows: $(cat "$tmp/out")"
ok "apply creates then updates a flow; flows lists it"

# --- run with parameters and follow the log ---------------------------------
expect 0 "$ctl" run cli-test -p city=Utrecht -p n=3
id=$(head -n 1 "$tmp/out")
[ -n "$id" ] || fail "run printed no id"
api GET "/api/runs/$id"
expect_status 200 "GET the run"
[ "$(jqr .parameters.city)" = Utrecht ] || fail "city parameter: $BODY"
[ "$(jqr '.parameters.n | type')" = number ] || fail "n not a number: $BODY"
# Log lines are "<time> out|err <line>" (scheduler/logsink.c).
text() { sed -E 's/^[0-9TZ:.-]+ (out|err) //' "$1"; }
expect 0 "$ctl" logs "$id" greet --follow
cp "$tmp/out" "$tmp/greet.log"
text "$tmp/greet.log" >"$tmp/greet.txt"
for want in "line 1 for Utrecht" "line 2 for Utrecht" "line 3 for Utrecht" \
    greet-done; do
	grep -qx "$want" "$tmp/greet.txt" || fail "followed log lacks '$want': $(cat "$tmp/greet.log")"
done
[ "$(grep -c . "$tmp/greet.txt")" = 4 ] ||
    fail "followed log has repeated or extra lines: $(cat "$tmp/greet.log")"
ok "run -p sets typed parameters; logs --follow prints the log once, to its end"

expect 0 "$ctl" logs "$id" count --follow
[ "$(text "$tmp/out")" = "$(printf 'count 0\ncount 1\ncount 2')" ] ||
    fail "count log: $(cat "$tmp/out")"
wait_run_state "$id" COMPLETED 60
expect 0 "$ctl" logs "$id" greet
cmp -s "$tmp/out" "$tmp/greet.log" || fail "logs without --follow differ"
expect 0 "$ctl" logs "$id" greet --attempt 1
cmp -s "$tmp/out" "$tmp/greet.log" || fail "logs --attempt 1 differs"
ok "logs of a finished task, with and without --attempt"

# --- logs --follow goes on through a retry ---------------------------------
cat >"$tmp/retry.json" <<'JSON'
{"name": "cli-retry", "tasks": [{"name": "flaky", "retries": 1,
  "retry_delay_s": 1, "command": ["sh", "-c",
  "echo \"try $SLUICE_ATTEMPT\"; sleep 0.3; [ \"$SLUICE_ATTEMPT\" != 1 ] || exit 3; echo recovered"]}]}
JSON
expect 0 "$ctl" apply "$tmp/retry.json"
expect 0 "$ctl" run cli-retry
rid=$(head -n 1 "$tmp/out")
expect 0 "$ctl" logs "$rid" flaky --follow
[ "$(text "$tmp/out" | grep -v '^sluice: ')" = "$(printf 'try 1\ntry 2\nrecovered')" ] ||
    fail "follow through a retry: $(cat "$tmp/out")"
grep -q "attempt 2" "$tmp/err" || fail "no attempt notice: $(cat "$tmp/err")"
expect 0 "$ctl" logs "$rid" flaky --attempt 1
[ "$(text "$tmp/out" | grep -v '^sluice: ')" = "try 1" ] ||
    fail "--attempt 1: $(cat "$tmp/out")"
wait_run_state "$rid" COMPLETED 60
ok "logs --follow follows a retried task's new attempt; --attempt pins one"

# --- run --wait, runs --------------------------------------------------------
expect 0 "$ctl" run cli-test --wait
id2=$(head -n 1 "$tmp/out")
[ "$(sed -n 2p "$tmp/out")" = COMPLETED ] || fail "run --wait: $(cat "$tmp/out")"
api GET "/api/runs/$id2"
[ "$(jqr .parameters.city)" = Leiden ] || fail "default city: $BODY"
expect 0 "$ctl" runs --flow cli-test
grep -q "^$id " "$tmp/out" && grep -q "^$id2 " "$tmp/out" ||
    fail "runs: $(cat "$tmp/out")"
expect 0 "$ctl" runs --flow cli-test --json
[ "$(jq '.items | length' "$tmp/out")" = 2 ] || fail "runs --json: $(cat "$tmp/out")"
ok "run --wait ends COMPLETED with exit 0; runs lists both"

# --- errors ----------------------------------------------------------------
expect 1 "$ctl" run no-such-flow
grep -q "^sluicectl: not_found: " "$tmp/err" || fail "unknown flow: $(cat "$tmp/err")"
expect 1 "$ctl" run cli-test -p n=abc
grep -q "not a valid integer" "$tmp/err" || fail "bad integer: $(cat "$tmp/err")"
printf '{"name": "bad-flow", "tasks": [{"name": "t", "command": "echo hi"}]}' \
    >"$tmp/bad.json"
expect 1 "$ctl" apply "$tmp/bad.json"
grep -q "^sluicectl: $tmp/bad.json: tasks\[0\].command: must be an array" \
    "$tmp/err" || fail "invalid flow: $(cat "$tmp/err")"
printf '{"name": ' >"$tmp/broken.json"
expect 1 "$ctl" apply "$tmp/broken.json"
grep -q "broken.json: invalid JSON" "$tmp/err" || fail "broken: $(cat "$tmp/err")"
expect 1 "$ctl" logs "$id" no-such-task
grep -q "^sluicectl: not_found: " "$tmp/err" || fail "unknown task: $(cat "$tmp/err")"
SLUICE_PASSWORD=wrong-password expect 1 "$ctl" flows
grep -q "unauthorized" "$tmp/err" || fail "bad password: $(cat "$tmp/err")"
env -u SLUICE_USER "$ctl" flows >/dev/null 2>"$tmp/err" &&
    fail "flows without SLUICE_USER succeeded"
grep -q "SLUICE_USER" "$tmp/err" || fail "no-user: $(cat "$tmp/err")"
user_add viewer1 viewer viewer-pass-1
SLUICE_USER=viewer1 SLUICE_PASSWORD=viewer-pass-1 expect 1 "$ctl" apply "$tmp/flow.json"
grep -q "^sluicectl: forbidden: " "$tmp/err" || fail "viewer apply: $(cat "$tmp/err")"
SLUICE_USER=viewer1 SLUICE_PASSWORD=viewer-pass-1 expect 0 "$ctl" flows
expect 2 "$ctl" run
expect 2 "$ctl" logs "$id"
expect 2 "$ctl" logs "$id" greet --attempt zero
ok "API errors print code and message with exit 1; usage errors exit 2"

# --- TLS: the generated certificate is verified; --insecure skips that -----
SLUICE_URL=https://localhost:$SLUICE_PORT expect 0 "$ctl" flows
SLUICE_DATA=$tmp/elsewhere expect 1 "$ctl" flows
grep -q "certificate" "$tmp/err" || fail "untrusted cert: $(cat "$tmp/err")"
SLUICE_DATA=$tmp/elsewhere expect 0 "$ctl" --insecure flows
ok "TLS verified against data/tls/cert.pem; --insecure works"
