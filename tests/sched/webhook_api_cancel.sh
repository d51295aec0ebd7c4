#!/usr/bin/env bash
# Runs that sluice-api ends by itself notify too: a PENDING run that no
# scheduler can claim (its pool has no worker), cancelled through the
# API, sends exactly one POST with state CANCELLED, although two
# schedulers are watching. A run retried after FAILED notifies again
# when it ends again (here COMPLETED), under a new idempotency key.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
STACK_NO_SCHEDULER=1 stack_start
webhook_start
sched_start w1
sched_start w2
flow_put ac "{\"name\":\"ac\",\"pool\":\"nowhere\",
 \"notify\":{\"on\":[\"CANCELLED\"],\"webhook\":\"http://127.0.0.1:$port/hook\"},
 \"tasks\":[{\"name\":\"t\",\"command\":[\"true\"]}]}"
bodies_of() { grep -c "\"run_id\": *\"$1\"" "$out/bodies" 2>/dev/null; }

id=$(run_start ac)
sleep 1
[ "$(run_col "$id" state)" = PENDING ] || fail "run is $(run_col "$id" state), not PENDING"
api POST "/api/runs/$id/cancel" '{}'
case $STATUS in 200|202) ;; *) fail "cancel: $STATUS $BODY" ;; esac
wait_run_state "$id" CANCELLED 10
wait_eq 20 1 bodies_of "$id" || fail "expected 1 webhook for $id, got $(bodies_of "$id")"
sleep 2
[ "$(bodies_of "$id")" = 1 ] || fail "duplicate webhooks: $(cat "$out/bodies")"
body=$(grep "$id" "$out/bodies")
[ "$(jq -r .flow <<<"$body")" = ac ] || fail "flow: $body"
[ "$(jq -r .state <<<"$body")" = CANCELLED ] || fail "state: $body"
[ "$(jq -c .failed_tasks <<<"$body")" = '[]' ] || fail "failed_tasks: $body"
[ "$(jq -r .duration_s <<<"$body")" = 0 ] || fail "duration_s: $body"
[ "$(run_col "$id" notified)" = 1 ] || fail "run not marked notified"

# Retried after FAILED: one POST for FAILED, one for the COMPLETED retry.
flow_put rt "{\"name\":\"rt\",
 \"notify\":{\"on\":[\"FAILED\",\"COMPLETED\"],\"webhook\":\"http://127.0.0.1:$port/hook\"},
 \"tasks\":[{\"name\":\"ok\",\"command\":[\"true\"]},
 {\"name\":\"bad\",\"command\":[\"test\",\"-e\",\"$out/fixed\"]}]}"
rid=$(run_start rt)
wait_run_state "$rid" FAILED 30
wait_eq 20 1 bodies_of "$rid" || fail "expected 1 webhook for FAILED $rid, got $(bodies_of "$rid")"
body=$(grep "$rid" "$out/bodies")
[ "$(jq -r .state <<<"$body")" = FAILED ] || fail "state: $body"
[ "$(jq -c .failed_tasks <<<"$body")" = '["bad"]' ] || fail "failed_tasks: $body"
touch "$out/fixed"
api POST "/api/runs/$rid/retry" '{}'
case $STATUS in 200|201|202) ;; *) fail "retry: $STATUS $BODY" ;; esac
wait_run_state "$rid" COMPLETED 30
wait_eq 20 2 bodies_of "$rid" || fail "expected 2 webhooks for $rid, got $(grep "$rid" "$out/bodies")"
sleep 2
[ "$(bodies_of "$rid")" = 2 ] || fail "duplicate webhooks: $(grep "$rid" "$out/bodies")"
body=$(grep "$rid" "$out/bodies" | tail -n 1)
[ "$(jq -r .state <<<"$body")" = COMPLETED ] || fail "state after retry: $body"
[ "$(jq -c .failed_tasks <<<"$body")" = '[]' ] || fail "failed_tasks after retry: $body"
# The retried run's notification is a new one: a new key.
[ "$(grep "$rid" "$out/bodies" | jq -r .idempotency_key | tr '\n' ' ')" = "$rid:1 $rid:2 " ] ||
    fail "keys of $rid: $(grep "$rid" "$out/bodies")"
echo ok
