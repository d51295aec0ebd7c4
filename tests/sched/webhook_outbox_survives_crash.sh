#!/usr/bin/env bash
# Webhooks are delivered at least once from a durable outbox (issue 9
# point 6): the receiver is down (nothing listens on its port) while
# three runs end, so their deliveries wait in webhook_deliveries after a
# failed try; the scheduler is then SIGKILLed. Once the receiver is up, a
# new scheduler delivers each of them, exactly once here, keyed
# "<run_id>:1" in the Idempotency-Key header and the body.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
STACK_NO_SCHEDULER=1 stack_start
port=$(free_port)
flow_put cr "{\"name\":\"cr\",
 \"notify\":{\"on\":[\"FAILED\"],\"webhook\":\"http://127.0.0.1:$port/hook\"},
 \"tasks\":[{\"name\":\"bad\",\"command\":[\"false\"]}]}"
sched_start w1
ids=()
for i in 1 2 3; do ids+=("$(run_start cr)"); done
for id in "${ids[@]}"; do wait_run_state "$id" FAILED 30; done
# Each delivery has been tried (and failed) and is waiting for its next try.
waiting() {
	db "SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'
	    AND attempts > 0 AND last_error IS NOT NULL"
}
wait_eq 30 3 waiting || fail "deliveries not tried: $(db 'SELECT * FROM webhook_deliveries')"
sched_kill "$SCHED_PID" KILL
[ "$(db "SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'")" = 3 ] ||
    fail "outbox after the kill: $(db 'SELECT * FROM webhook_deliveries')"

WEBHOOK_PORT=$port webhook_start
sched_start w2
nbodies() { cat "$out/bodies" 2>/dev/null | wc -l; }
# At most 16 s to a row's next try, or 30 s if the kill caught a lease.
wait_eq 60 3 nbodies || fail "expected 3 deliveries, got $(cat "$out/bodies" 2>/dev/null)"
delivered() { db "SELECT count(*) FROM webhook_deliveries WHERE state = 'delivered'"; }
wait_eq 10 3 delivered || fail "outbox: $(db 'SELECT * FROM webhook_deliveries')"
sleep 2
[ "$(nbodies)" = 3 ] || fail "duplicate deliveries: $(cat "$out/bodies")"
for id in "${ids[@]}"; do
	body=$(grep "\"run_id\": *\"$id\"" "$out/bodies") || fail "no delivery for $id"
	[ "$(jq -r .idempotency_key <<<"$body")" = "$id:1" ] || fail "body key: $body"
	[ "$(jq -r .state <<<"$body")" = FAILED ] || fail "state: $body"
	grep -qx "$id:1" "$out/bodies.keys" || fail "no header key $id:1: $(cat "$out/bodies.keys")"
done
echo ok
