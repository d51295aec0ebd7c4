#!/usr/bin/env bash
# A clean stop loses no webhook: a delivery still waiting (the receiver
# is down) when the scheduler stops stays pending, and one in flight
# when the next scheduler stops is abandoned with its lease freed; a
# third scheduler posts it again at once (well before the lease would
# have run out), with the same key, and it ends delivered.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
STACK_NO_SCHEDULER=1 stack_start
port=$(free_port)
flow_put cs "{\"name\":\"cs\",
 \"notify\":{\"on\":[\"COMPLETED\"],\"webhook\":\"http://127.0.0.1:$port/hook\"},
 \"tasks\":[{\"name\":\"t\",\"command\":[\"true\"]}]}"
row() { db "SELECT state, claimed_by IS NOT NULL FROM webhook_deliveries WHERE run_id = '$id'"; }
tried() { db "SELECT attempts > 0 AND claimed_by IS NULL FROM webhook_deliveries WHERE run_id = '$id'"; }
nbodies() { cat "$out/bodies" 2>/dev/null | wc -l; }

sched_start w1
id=$(run_start cs)
wait_run_state "$id" COMPLETED 30
wait_eq 20 1 tried || fail "not tried: $(db 'SELECT * FROM webhook_deliveries')"
sched_stop_all || fail "w1 did not stop cleanly"
[ "$(row)" = "pending|0" ] || fail "outbox after w1 stopped: $(row)"

# The receiver takes the first POST and holds its answer for a minute.
WEBHOOK_PORT=$port WEBHOOK_HOLD_FIRST=60 webhook_start
sched_start w2
wait_eq 40 1 nbodies || fail "w2 did not post"
[ "$(row)" = "pending|1" ] || fail "outbox with the POST in flight: $(row)"
sched_stop_all || fail "w2 did not stop cleanly"
[ "$(row)" = "pending|0" ] || fail "lease not freed at the stop: $(row)"
grep -q "left for the next scheduler" "$STACK_TMP/sched-w2.log" ||
    fail "no log line for the abandoned try"

sched_start w3
wait_eq 15 2 nbodies || fail "w3 did not post at once"
wait_eq 10 "delivered|0" row || fail "outbox: $(row)"
sleep 2
[ "$(nbodies)" = 2 ] || fail "extra deliveries: $(cat "$out/bodies")"
[ "$(sort -u "$out/bodies.keys")" = "$id:1" ] || fail "keys: $(cat "$out/bodies.keys")"
jq -e --arg k "$id:1" '.idempotency_key == $k' <(sed -n 2p "$out/bodies") >/dev/null ||
    fail "body: $(sed -n 2p "$out/bodies")"
echo ok
