#!/usr/bin/env bash
# Webhooks survive a receiver that is down and schedulers that are
# killed: N runs (10; 100 under SLUICE_SOAK=1) notify a receiver that is
# not listening; half of them complete, half fail and are retried
# through the API (then complete), so each run makes one or two
# notifications. While the deliveries wait in the outbox (each tried
# and refused at least once) the scheduler is SIGKILLed (once; 3 times
# under SLUICE_SOAK=1, each after another round of refused tries). Then
# the receiver comes up, holding its answer to the first POST, and the
# scheduler is SIGKILLed once more while that POST is in flight; the
# next scheduler delivers the rest and, once the dead one's lease has
# run out, that one again. Every (run, notification) is received at
# least once, with the state the run had then; every copy of one
# notification carries the same Idempotency-Key (header and body) and
# the same body, so dropping copies by key leaves exactly the expected
# set; the outbox ends with every row delivered.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
source "$SLUICE_ROOT/tests/fault/helpers/fault.sh"
N=$(scale 10 100)
DOWN_KILLS=$(scale 1 3)
STACK_NO_SCHEDULER=1 stack_start
port=$(free_port)
hook="\"notify\":{\"on\":[\"COMPLETED\",\"FAILED\"],\"webhook\":\"http://127.0.0.1:$port/hook\"}"
flow_put ok "{\"name\":\"ok\",\"max_concurrent_runs\":1000,$hook,
 \"tasks\":[{\"name\":\"t\",\"command\":[\"true\"]}]}"
# Fails on its first attempt, completes when retried.
flow_put bad "{\"name\":\"bad\",\"max_concurrent_runs\":1000,$hook,
 \"tasks\":[{\"name\":\"t\",\"command\":[\"sh\",\"-c\",\"[ \$SLUICE_ATTEMPT -gt 1 ]\"]}]}"
count() { db "SELECT count(*) FROM $1"; }
sched_start w
[ "$(runs_create ok $((N / 2)))" = $((N / 2)) ] || fail "ok runs not created"
[ "$(runs_create bad $((N - N / 2)))" = $((N - N / 2)) ] || fail "bad runs not created"
wait_eq 60 "$N" count "runs WHERE state IN ('COMPLETED', 'FAILED')" ||
    fail "runs did not end: $(db "SELECT state, count(*) FROM runs GROUP BY state")"
for id in $(db "SELECT id FROM runs WHERE flow = 'bad'"); do
	api POST "/api/runs/$id/retry" '{}'
	case $STATUS in 200|201|202) ;; *) fail "retry $id: $STATUS $BODY" ;; esac
done
wait_eq 60 "$N" count "runs WHERE state = 'COMPLETED'" ||
    fail "retried runs did not complete: $(db "SELECT state, count(*) FROM runs GROUP BY state")"
# What must arrive: "key state" for each notification.
db -separator ' ' "SELECT id || ':1', CASE flow WHEN 'ok' THEN 'COMPLETED' ELSE 'FAILED' END
    FROM runs UNION ALL SELECT id || ':2', 'COMPLETED' FROM runs WHERE flow = 'bad'" |
    sort >"$STACK_TMP/expected"
expected=$(wc -l <"$STACK_TMP/expected")
[ "$expected" = $((N + N - N / 2)) ] || fail "expected $expected notifications"
wait_eq 30 "$expected" count webhook_deliveries ||
    fail "$(count webhook_deliveries) of $expected notifications queued"

# The receiver is down: each SIGKILL comes once every delivery has been
# refused one more time and waits, unleased, for its next try.
kills=0
for k in $(seq 1 "$DOWN_KILLS"); do
	[ "$k" = 1 ] || sched_start w
	refused() {
		count "webhook_deliveries WHERE state = 'pending' AND attempts >= $k
		    AND claimed_by IS NULL AND last_error IS NOT NULL"
	}
	wait_eq 120 "$expected" refused ||
	    fail "deliveries not tried $k times: $(db "SELECT state, attempts, last_error FROM webhook_deliveries LIMIT 5")"
	sched_kill "$SCHED_PID" KILL
	kills=$((kills + 1))
done
[ "$(count "webhook_deliveries WHERE state = 'pending'")" = "$expected" ] ||
    fail "outbox after the kills: $(db "SELECT state, count(*) FROM webhook_deliveries GROUP BY state")"

# The receiver comes up and holds its answer to the first POST; the
# scheduler dies with that POST in flight, its row leased.
WEBHOOK_PORT=$port WEBHOOK_HOLD_FIRST=120 webhook_start
nbodies() { cat "$out/bodies" 2>/dev/null | wc -l; }
sched_start w
wait_for 120 sh -c "[ -s '$out/bodies' ]" || fail "nothing posted once the receiver was up"
sched_kill "$SCHED_PID" KILL
kills=$((kills + 1))
held=$(sed -n 1p "$out/bodies" | jq -r .idempotency_key)
[ "$(db "SELECT state, claimed_by IS NOT NULL FROM webhook_deliveries WHERE key = '$held'")" = "pending|1" ] ||
    fail "the held delivery $held is not leased and pending after the kill"
sched_start w
delivered() { count "webhook_deliveries WHERE state = 'delivered'"; }
# The held row waits for its lease (30 s) before it is posted again.
wait_eq 180 "$expected" delivered || fail "$(delivered) of $expected delivered: $(
    db "SELECT state, attempts, last_error FROM webhook_deliveries WHERE state <> 'delivered' LIMIT 5")"
sched_stop_all || fail "the last scheduler did not stop cleanly"

# Every copy: the header key equals the body's, and names its run.
paste -d ' ' "$out/bodies.keys" <(jq -r '[.idempotency_key, .run_id, .state] | join(" ")' "$out/bodies") |
    awk '$1 != $2 || index($1, $3 ":") != 1 { bad++ } END { exit bad > 0 }' ||
    fail "a header key differs from its body's or its run: $(paste -d ' ' "$out/bodies.keys" "$out/bodies" | head -3)"
# Dropping copies by key gives exactly the expected set ...
jq -r '.idempotency_key + " " + .state' "$out/bodies" | sort -u >"$STACK_TMP/received"
lost=$(comm -23 "$STACK_TMP/expected" "$STACK_TMP/received" | wc -l)
extra=$(comm -13 "$STACK_TMP/expected" "$STACK_TMP/received" | wc -l)
[ "$lost" = 0 ] || fail "$lost notifications never received: $(comm -23 "$STACK_TMP/expected" "$STACK_TMP/received" | head -3)"
[ "$extra" = 0 ] || fail "$extra unexpected notifications: $(comm -13 "$STACK_TMP/expected" "$STACK_TMP/received" | head -3)"
# ... and every copy of one notification is the same body.
distinct_keys=$(sort -u "$out/bodies.keys" | wc -l)
distinct_bodies=$(sort -u "$out/bodies" | wc -l)
[ "$distinct_keys" = "$expected" ] || fail "$distinct_keys keys for $expected notifications"
[ "$distinct_bodies" = "$expected" ] || fail "$distinct_bodies bodies for $expected notifications"
received=$(nbodies)
duplicates=$((received - distinct_keys))
# The held POST was posted again by the next scheduler, under its key.
[ "$(grep -cxF "$held" "$out/bodies.keys")" -ge 2 ] || fail "the held delivery $held was not posted again"
figures expected="$expected" received="$received" \
    distinct_keys="$distinct_keys" duplicates="$duplicates" lost="$lost" \
    kills="$kills"
echo ok
