#!/usr/bin/env bash
# Scheduled runs cancelled without starting ("late by N s") also notify
# when CANCELLED is in notify.on: one POST per cancelled run, with
# state CANCELLED and no failed tasks.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
STACK_NO_SCHEDULER=1 stack_start
webhook_start
flow_put lt "{\"name\":\"lt\",\"max_concurrent_runs\":10,
 \"schedule\":{\"cron\":\"* * * * *\",\"catchup\":true,\"max_lateness_s\":90},
 \"notify\":{\"on\":[\"CANCELLED\"],\"webhook\":\"http://127.0.0.1:$port/hook\"},
 \"tasks\":[{\"name\":\"t\",\"command\":[\"true\"]}]}"
ago=$(( $(date +%s%3N) - 300 * 1000 - 5000 ))
db "UPDATE flow_versions SET created_at = $ago; UPDATE flows SET updated_at = $ago"
sched_start w
late() { db "SELECT count(*) FROM runs WHERE flow = 'lt' AND state = 'CANCELLED' AND reason LIKE 'late by%'"; }
nbodies() { cat "$out/bodies" 2>/dev/null | wc -l; }
has_late() { [ "$(late)" -ge 2 ]; }
wait_for 30 has_late || fail "no late runs cancelled: $(db "SELECT state, reason FROM runs")"
n=$(late)
wait_eq 20 "$n" nbodies || fail "$(nbodies) webhooks for $n late runs"
while read -r body; do
	[ "$(jq -r .state <<<"$body")" = CANCELLED ] || fail "state: $body"
	[ "$(jq -c .failed_tasks <<<"$body")" = '[]' ] || fail "failed_tasks: $body"
	id=$(jq -r .run_id <<<"$body")
	[ "$(run_col "$id" state)" = CANCELLED ] || fail "notified run $id is $(run_col "$id" state)"
done <"$out/bodies"
echo ok
