#!/usr/bin/env bash
# Scheduler SIGKILL chaos: runs of a 3-task chain (a -> b -> c, each a
# ledger task) are created through the API while the only scheduler is
# SIGKILLed at random moments, half of them 0-200 ms after it was
# (re)started by the test itself (no launcher backoff to hide behind).
# Proves that every accepted run ends COMPLETED, no attempt is executed
# twice, no two attempts of a task overlap, every task really ran, no
# attempt is left RUNNING, no process is left holding any file of the
# data directory once the stack stopped, and the database passes
# PRAGMA integrity_check. Short: 100 runs, 20 kills; long: 1000, 60.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
source "$SLUICE_ROOT/tests/fault/helpers/fault.sh"
N=$(scale 100 1000)
K=$(scale 20 60)
# The longest a scheduler lives between two kills (tenths of a second).
LIFE=$(scale 15 30)
STACK_NO_SCHEDULER=1 stack_start
ledger_init
cmd=$(ledger_cmd 300)
task() {
	jq -cn --arg n "$1" --arg d "$2" --argjson c "$cmd" \
	    '{name: $n, retries: 20, command: $c} +
	     (if $d == "" then {} else {depends_on: [$d]} end)'
}
flow_put chaos "{\"name\":\"chaos\",\"max_concurrent_runs\":1000,
 \"tasks\":[$(task a ""),$(task b a),$(task c b)]}"
start() { sched_start w SLUICE_WORKER_STALE_S=5 SLUICE_CONCURRENCY=8; }
start
runs_create chaos "$N" >"$STACK_TMP/created" &
creator=$!
active() {
	db "SELECT count(*) FROM runs WHERE flow = 'chaos'
	    AND state NOT IN ('COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED')"
}
kills=0 busy=0
while [ "$kills" -lt "$K" ]; do
	if [ $((kills % 2)) = 1 ]; then
		sleep "0.$(printf '%03d' $((RANDOM % 200)))"
	else
		sleep "$((3 + RANDOM % (LIFE - 2)))e-1"
	fi
	[ "$(active)" -gt 0 ] && busy=$((busy + 1))
	sched_kill "$SCHED_PID" KILL
	kills=$((kills + 1))
	start
done
wait "$creator"
created=$(cat "$STACK_TMP/created")
[ "$created" = "$N" ] ||
    fail "only $created of $N runs accepted: $(sort "$STACK_TMP/codes" | uniq -c)"
note "$kills kills, $busy of them with runs in flight"
[ "$busy" -gt 0 ] || fail "no kill found a run in flight: the chaos proved nothing"
wait_eq $(scale 300 1500) 0 active ||
    fail "$(active) runs never ended: $(db "SELECT r.id, r.state, r.worker,
      (SELECT group_concat(task || attempt || ':' || state, ' ') FROM task_runs t
       WHERE t.run_id = r.id) FROM runs r WHERE r.state IN ('PENDING', 'RUNNING',
       'CANCELLING') LIMIT 5")"
count() { db "SELECT count(*) FROM $1"; }
total=$(count "runs WHERE flow = 'chaos'")
completed=$(count "runs WHERE flow = 'chaos' AND state = 'COMPLETED'")
failed=$((total - completed))
crashed=$(count "task_runs WHERE state = 'CRASHED'")
running=$(count "task_runs WHERE state = 'RUNNING'")
doubles=$(ledger_doubles)
overlaps=$(ledger_overlaps)
reruns=$(ledger_reruns)
ran=$(grep '^end ' "$LEDGER/ledger" | cut -d' ' -f2,3 | sort -u | wc -l)
sched_stop_all || fail "the last scheduler did not stop cleanly"
stack_stop || fail "the stack did not stop cleanly"
holders=$(data_holders)
ok=$(integrity)
figures "runs=$N kills=$kills completed=$completed failed=$failed" \
    "crashed_attempts=$crashed doubles=$doubles overlaps=$overlaps" \
    "reruns=$reruns holders=$(grep -c . <<<"$holders") integrity=$ok"
[ "$total" = "$N" ] || fail "$total runs stored for $N accepted"
[ "$completed" = "$N" ] ||
    fail "$failed runs did not complete: $(db "SELECT state, reason, count(*) FROM runs
      WHERE state != 'COMPLETED' GROUP BY 1, 2")"
[ "$running" = 0 ] || fail "$running attempts left RUNNING"
[ "$doubles" = 0 ] || fail "$doubles attempts executed twice: $(grep '^start ' \
    "$LEDGER/ledger" | sort | uniq -d | head -5)"
[ "$overlaps" = 0 ] || fail "$overlaps overlapping attempts: $(grep '^overlap ' \
    "$LEDGER/ledger" | head -5)"
[ "$ran" = $((3 * N)) ] || fail "$ran of $((3 * N)) tasks ran to their end"
[ "$crashed" -gt 0 ] || fail "no attempt was crashed by a kill"
[ -z "$holders" ] || fail "processes hold files of the data directory: $holders"
[ "$ok" = ok ] || fail "integrity_check: $ok"
echo ok
