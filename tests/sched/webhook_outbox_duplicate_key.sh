#!/usr/bin/env bash
# A scheduler SIGKILLed after the receiver took a POST but before it
# answered leaves the delivery leased and pending: another scheduler
# does not post it while the lease holds, then posts it again with the
# same Idempotency-Key and the same body, so the receiver can tell the
# duplicate; the row ends delivered.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
STACK_NO_SCHEDULER=1 stack_start
# The first POST is recorded at once and answered a minute later.
WEBHOOK_HOLD_FIRST=60 webhook_start
flow_put dk "{\"name\":\"dk\",
 \"notify\":{\"on\":[\"COMPLETED\"],\"webhook\":\"http://127.0.0.1:$port/hook\"},
 \"tasks\":[{\"name\":\"t\",\"command\":[\"true\"]}]}"
sched_start w1
id=$(run_start dk)
wait_run_state "$id" COMPLETED 30
nbodies() { cat "$out/bodies" 2>/dev/null | wc -l; }
wait_eq 20 1 nbodies || fail "no first POST"
sched_kill "$SCHED_PID" KILL
row() { db "SELECT state, attempts, claimed_by IS NOT NULL FROM webhook_deliveries WHERE run_id = '$id'"; }
[ "$(row)" = "pending|1|1" ] || fail "outbox after the kill: $(row)"
sched_start w2
sleep 5
[ "$(nbodies)" = 1 ] || fail "posted again while the lease held: $(cat "$out/bodies")"
wait_eq 45 2 nbodies || fail "not posted again after the lease ran out"
wait_eq 10 "delivered|2|0" row || fail "outbox: $(row)"
[ "$(sed -n 1p "$out/bodies.keys")" = "$id:1" ] || fail "first key: $(cat "$out/bodies.keys")"
[ "$(sed -n 2p "$out/bodies.keys")" = "$id:1" ] || fail "second key: $(cat "$out/bodies.keys")"
[ "$(sed -n 1p "$out/bodies")" = "$(sed -n 2p "$out/bodies")" ] ||
    fail "the two bodies differ: $(cat "$out/bodies")"
[ "$(sed -n 1p "$out/bodies" | jq -r .idempotency_key)" = "$id:1" ] ||
    fail "body key: $(sed -n 1p "$out/bodies")"
echo ok
