#!/usr/bin/env bash
# After 10 minutes without a scheduler: a flow without catchup starts only
# its most recent missed fire time; one with "catchup": true runs every
# missed time; one with max_lateness_s 300 runs the recent ones and ends
# the older ones CANCELLED "late by N s".
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
STACK_NO_SCHEDULER=1 stack_start
def() { # name catchup lateness
	printf '{"name":"%s","max_concurrent_runs":20,"schedule":{"cron":"* * * * *","catchup":%s,"max_lateness_s":%s},"tasks":[{"name":"t","command":["true"]}]}' "$1" "$2" "$3"
}
flow_put nocatch "$(def nocatch false null)"
flow_put catch "$(def catch true null)"
flow_put late "$(def late true 300)"
now=$(date +%s%3N)
ago=$((now - 600 * 1000 - 5000))
db "UPDATE flow_versions SET created_at = $ago; UPDATE flows SET updated_at = $ago"
sched_start w
past() { db "SELECT count(*) FROM runs WHERE flow = '$1' AND scheduled_for <= $now $2"; }
# Materialised (all three flows) first, then nothing left to finish.
settled() {
	[ "$(past nocatch "")" -ge 1 ] && [ "$(past catch "")" -ge 9 ] &&
	    [ "$(past late "")" -ge 9 ] &&
	    [ "$(db "SELECT count(*) FROM runs WHERE scheduled_for <= $now AND state NOT IN ('COMPLETED', 'CANCELLED')")" = 0 ]
}
wait_for 60 settled || fail "missed runs not settled: $(db "SELECT flow, state, count(*) FROM runs GROUP BY 1, 2")"
[ "$(past nocatch "")" = 1 ] || fail "nocatch: $(past nocatch "") missed runs made, expected 1"
[ "$(past nocatch "AND state = 'COMPLETED'")" = 1 ] || fail "nocatch: missed run did not run"
nc=$(past catch "AND state = 'COMPLETED'")
[ "$nc" -ge 9 ] && [ "$nc" -le 11 ] || fail "catch: $nc missed runs ran, expected about 10"
lc=$(past late "AND state = 'CANCELLED' AND reason LIKE 'late by % s'")
lr=$(past late "AND state = 'COMPLETED'")
note "late: $lr ran, $lc cancelled as late"
[ "$lc" -ge 4 ] && [ "$lr" -ge 4 ] || fail "late: $lr ran and $lc cancelled"
[ "$(db "SELECT count(*) FROM runs WHERE flow = 'late' AND state = 'COMPLETED' AND scheduled_for < $now - 310000")" = 0 ] ||
    fail "a run later than max_lateness_s was started"
echo ok
