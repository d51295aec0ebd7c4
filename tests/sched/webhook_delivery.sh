#!/usr/bin/env bash
# A run that ends in a state listed in notify.on POSTs JSON (flow, run_id,
# state, duration_s, failed_tasks, url, idempotency_key) to
# notify.webhook, tried again after 1 s, 4 s, 16 s, ... (HTTP 500 is a
# failed try) until the next try would come later than
# SLUICE_WEBHOOK_MAX_AGE_S after the run ended -- 8 s here, so three
# tries: one run's notification fails three times and is failed with a
# log line, the next one's succeeds at the third try. Every try carries
# the same key, "<run_id>:1", in the Idempotency-Key header and the body.
# A run ending in an unlisted state sends nothing.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
export SLUICE_WEBHOOK_MAX_AGE_S=8
stack_start
webhook_start 5
flow_put nt "{\"name\":\"nt\",\"notify\":{\"on\":[\"FAILED\"],\"webhook\":\"http://127.0.0.1:$port/hook\"},
 \"parameters\":{\"fail\":{\"type\":\"boolean\",\"default\":true}},
 \"tasks\":[{\"name\":\"ok\",\"command\":[\"true\"]},
 {\"name\":\"bad\",\"command\":[\"sh\",\"-c\",\"[ \$1 = false ]\",\"sh\",\"{{params.fail}}\"]}]}"
good=$(run_start nt '{"parameters":{"fail":false}}')
wait_run_state "$good" COMPLETED 30
nbodies() { cat "$out/bodies" 2>/dev/null | wc -l; }
# gaps FIRST: the two pauses between tries FIRST..FIRST+2 must be at
# least the 1 s and 4 s backoff (a little slack for the clock), growing.
gaps() {
	local t
	t=($(sed -n "$1,$(($1 + 2))p" "$out/bodies.times"))
	[ ${#t[@]} = 3 ] || fail "times of tries $1..$(($1 + 2)): ${t[*]}"
	awk -v a="${t[0]}" -v b="${t[1]}" -v c="${t[2]}" \
	    'BEGIN { exit !(b - a >= 0.9 && c - b >= 3.5 && c - b > b - a) }' ||
	    fail "no backoff between tries: ${t[*]}"
}
# The receiver fails the first five POSTs: the first run's three tries
# all fail and it is given up; the second run's first two fail and its
# third try is delivered.
dropped=$(run_start nt)
wait_run_state "$dropped" FAILED 30
wait_eq 20 3 nbodies || fail "expected 3 tries, got $(cat "$out/bodies" 2>/dev/null)"
gaps 1
sleep 6
[ "$(nbodies)" = 3 ] || fail "tried again after three tries: $(cat "$out/bodies")"
id=$(run_start nt)
wait_run_state "$id" FAILED 30
wait_eq 20 6 nbodies || fail "expected 3 more tries, got $(cat "$out/bodies")"
gaps 4
sleep 2
[ "$(wc -l <"$out/bodies")" = 6 ] || fail "extra deliveries: $(cat "$out/bodies")"
[ "$(grep -c "$dropped" "$out/bodies")" = 3 ] || fail "tries of $dropped: $(cat "$out/bodies")"
[ "$(grep -c "$id" "$out/bodies")" = 3 ] || fail "tries of $id: $(cat "$out/bodies")"
body=$(tail -n 1 "$out/bodies")
[ "$(jq -r .flow <<<"$body")" = nt ] || fail "flow: $body"
[ "$(jq -r .run_id <<<"$body")" = "$id" ] || fail "run_id: $body"
[ "$(jq -r .state <<<"$body")" = FAILED ] || fail "state: $body"
[ "$(jq -c .failed_tasks <<<"$body")" = '["bad"]' ] || fail "failed_tasks: $body"
[ "$(jq -r '.duration_s | type' <<<"$body")" = number ] || fail "duration_s: $body"
jq -e 'has("url")' <<<"$body" >/dev/null || fail "no url: $body"
grep -q "$good" "$out/bodies" && fail "a COMPLETED run was notified"
[ "$(jq -r .idempotency_key <<<"$body")" = "$id:1" ] || fail "key: $body"
grep -q "failed after 3 tries" "$STACK_TMP/stack.log" ||
    fail "no log line for the dropped notification"
# The header matches the body on every try.
paste -d ' ' "$out/bodies.keys" "$out/bodies" | while read -r key body; do
	[ "$key" = "$(jq -r .idempotency_key <<<"$body")" ] ||
	    fail "header $key, body $body"
done
[ "$(sort -u "$out/bodies.keys")" = "$(printf '%s\n' "$dropped:1" "$id:1" | sort)" ] ||
    fail "keys: $(cat "$out/bodies.keys")"
outbox() { db "SELECT state, attempts, last_error IS NOT NULL FROM webhook_deliveries WHERE run_id = '$1'"; }
[ "$(outbox "$dropped")" = "failed|3|1" ] || fail "outbox of $dropped: $(outbox "$dropped")"
[ "$(outbox "$id")" = "delivered|3|1" ] || fail "outbox of $id: $(outbox "$id")"
api GET /api/metrics
expect_status 200 metrics
for m in 'pending"} 0' 'delivered"} 1' 'failed"} 1'; do
	grep -qF "sluice_webhook_deliveries{state=\"$m" <<<"$BODY" ||
	    fail "metric $m: $(grep webhook <<<"$BODY")"
done
echo ok
