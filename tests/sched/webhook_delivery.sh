#!/usr/bin/env bash
# A run that ends in a state listed in notify.on POSTs JSON (flow, run_id,
# state, duration_s, failed_tasks, url) to notify.webhook; a failed
# delivery (HTTP 500) is retried. A run ending in an unlisted state sends
# nothing.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
stack_start
out=$STACK_TMP/out; mkdir -p "$out"
python3 "$SLUICE_ROOT/tests/sched/helpers/webhook.py" "$out/port" "$out/bodies" 1 &
hook=$!
hook_stop() { kill "$hook" 2>/dev/null; wait "$hook" 2>/dev/null; return 0; }
stack_on_stop hook_stop
wait_for 10 test -s "$out/port" || fail "webhook receiver did not start"
port=$(cat "$out/port")
flow_put nt "{\"name\":\"nt\",\"notify\":{\"on\":[\"FAILED\"],\"webhook\":\"http://127.0.0.1:$port/hook\"},
 \"parameters\":{\"fail\":{\"type\":\"boolean\",\"default\":true}},
 \"tasks\":[{\"name\":\"ok\",\"command\":[\"true\"]},
 {\"name\":\"bad\",\"command\":[\"sh\",\"-c\",\"[ \$1 = false ]\",\"sh\",\"{{params.fail}}\"]}]}"
good=$(run_start nt '{"parameters":{"fail":false}}')
wait_run_state "$good" COMPLETED 30
id=$(run_start nt)
wait_run_state "$id" FAILED 30
nbodies() { cat "$out/bodies" 2>/dev/null | wc -l; }
wait_eq 20 2 nbodies ||
    fail "expected 2 deliveries (one failed, one retried), got $(cat "$out/bodies" 2>/dev/null)"
sleep 2
[ "$(wc -l <"$out/bodies")" = 2 ] || fail "extra deliveries: $(cat "$out/bodies")"
body=$(tail -n 1 "$out/bodies")
[ "$(jq -r .flow <<<"$body")" = nt ] || fail "flow: $body"
[ "$(jq -r .run_id <<<"$body")" = "$id" ] || fail "run_id: $body"
[ "$(jq -r .state <<<"$body")" = FAILED ] || fail "state: $body"
[ "$(jq -c .failed_tasks <<<"$body")" = '["bad"]' ] || fail "failed_tasks: $body"
[ "$(jq -r '.duration_s | type' <<<"$body")" = number ] || fail "duration_s: $body"
jq -e 'has("url")' <<<"$body" >/dev/null || fail "no url: $body"
grep -q "$good" "$out/bodies" && fail "a COMPLETED run was notified"
echo ok
