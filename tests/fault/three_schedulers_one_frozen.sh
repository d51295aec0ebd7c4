#!/usr/bin/env bash
# Three schedulers (s1, s2, s3) on one database run a 3-task chain of
# ledger tasks; s3 is frozen (SIGSTOP) while it holds running attempts,
# for longer than SLUICE_WORKER_STALE_S, then resumed (SIGCONT). Proves
# that the others take its runs over (its attempts found RUNNING end
# CRASHED as "worker s3 lost", their runs are retried elsewhere), that
# once resumed it writes nothing into what it lost (those attempts stay
# CRASHED, none of its rows in those runs is written after the resume)
# and goes on serving (it runs attempts of runs created afterwards);
# every run ends COMPLETED, no attempt runs twice, no two attempts of a
# task overlap, no process is left holding a file of the data directory
# and the database passes PRAGMA integrity_check. Short: 200 runs; long:
# 2000 (half created before the freeze, half after the resume).
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
source "$SLUICE_ROOT/tests/fault/helpers/fault.sh"
N=$(scale 200 2000)
STACK_NO_SCHEDULER=1 stack_start
ledger_init
cmd=$(ledger_cmd 600)
# Task b's first attempt fails, before it writes to the ledger, in runs
# whose id ends in a digit, and is retried 3 s later: s3 always holds
# some runs with nothing running, waiting for a retry.
flaky=$(jq -c '.[2] = "case $SLUICE_RUN_ID in *[0-9]) [ $SLUICE_ATTEMPT -gt 1 ] || exit 1 ;; esac\n" + .[2]' <<<"$cmd")
task() {
	jq -cn --arg n "$1" --arg d "$2" --argjson c "$3" \
	    '{name: $n, retries: 3, retry_delay_s: 3, command: $c} +
	     (if $d == "" then {} else {depends_on: [$d]} end)'
}
flow_put three "{\"name\":\"three\",\"max_concurrent_runs\":1000,
 \"tasks\":[$(task a "" "$cmd"),$(task b a "$flaky"),$(task c b "$cmd")]}"
declare -A PID_OF=()
for w in s1 s2 s3; do
	sched_start "$w" SLUICE_WORKER_STALE_S=5 SLUICE_CONCURRENCY=8
	PID_OF[$w]=$SCHED_PID
done
victim=${PID_OF[s3]}
active() {
	db "SELECT count(*) FROM runs WHERE flow = 'three'
	    AND state NOT IN ('COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED')"
}
s3_running() {
	db "SELECT count(*) FROM task_runs WHERE state = 'RUNNING' AND worker = 's3'"
}
runs_create three $((N / 2)) 20 >"$STACK_TMP/created1" &
creator=$!

# s3's runs with no attempt running (waiting for a retry).
s3_waiting() {
	sqlite3 -cmd ".timeout 10000" "$SLUICE_DATA/sluice.db" \
	    "SELECT count(*) FROM runs r WHERE worker = 's3' AND state = 'RUNNING'
	    AND NOT EXISTS (SELECT 1 FROM task_runs t WHERE t.run_id = r.id
	    AND t.state = 'RUNNING')"
}
freeze_ready() {
	[ "$(s3_running)" -ge 2 ] && [ "$(s3_waiting)" -ge 1 ]
}

# Freezes s3 while it runs at least 2 attempts and has a run waiting for
# a retry. A freeze that caught it inside a write transaction would
# stall everyone (and so prove no one dead): the test takes the write
# lock itself to tell, and then resumes it and tries again.
freeze() {
	local try
	for try in $(seq 1 10); do
		wait_for 60 freeze_ready ||
		    fail "s3 never ran 2 attempts with a run waiting"
		kill -STOP "$victim"
		if sqlite3 -cmd ".timeout 3000" "$SLUICE_DATA/sluice.db" \
		    "BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1; then
			return 0
		fi
		note "s3 frozen holding the write lock; resuming it, try $try"
		kill -CONT "$victim"
		sleep 1
	done
	fail "s3 held the write lock at every freeze"
}
freeze
frozen_at=$(date +%s%3N)
# What s3 held when it stopped: it cannot change any of it now.
db "SELECT run_id || ' ' || task || ' ' || attempt FROM task_runs
    WHERE state = 'RUNNING' AND worker = 's3'" >"$STACK_TMP/held"
held=$(grep -c . "$STACK_TMP/held")
waiting=$(s3_waiting)
[ "$held" -ge 1 ] || fail "s3 held no attempt when frozen"
note "s3 frozen holding $held running attempts and $waiting runs with none"
held_running() {
	local run task att n=0
	while read -r run task att; do
		[ "$(db "SELECT state FROM task_runs WHERE run_id = '$run'
		    AND task = '$task' AND attempt = $att")" = RUNNING ] && n=$((n + 1))
	done <"$STACK_TMP/held"
	echo "$n"
}
s3_runs() {
	db "SELECT count(*) FROM runs WHERE worker = 's3'
	    AND state IN ('RUNNING', 'CANCELLING')"
}
wait_eq 90 0 held_running ||
    fail "$(held_running) of s3's attempts still RUNNING after 90 s frozen"
wait_eq 60 0 s3_runs || fail "$(s3_runs) runs still s3's after 60 s"
# Frozen well past the threshold (5 s) whatever the takeover took.
while [ $(($(date +%s%3N) - frozen_at)) -lt 9000 ]; do sleep 0.5; done
froze_s=$((($(date +%s%3N) - frozen_at) / 1000))
kill -CONT "$victim"
resumed_at=$(date +%s%3N)
note "s3 resumed after $froze_s s"
wait "$creator"
runs_create three $((N - N / 2)) 20 >"$STACK_TMP/created2"
created=$(($(cat "$STACK_TMP/created1") + $(cat "$STACK_TMP/created2")))
[ "$created" = "$N" ] ||
    fail "only $created of $N runs accepted: $(sort "$STACK_TMP/codes" | uniq -c)"
wait_eq $(scale 300 1800) 0 active ||
    fail "$(active) runs never ended: $(db "SELECT r.id, r.state, r.worker,
      (SELECT group_concat(task || attempt || ':' || state, ' ') FROM task_runs t
       WHERE t.run_id = r.id) FROM runs r WHERE r.state IN ('PENDING', 'RUNNING',
       'CANCELLING') LIMIT 5")"

count() { db "SELECT count(*) FROM $1"; }
total=$(count "runs WHERE flow = 'three'")
completed=$(count "runs WHERE flow = 'three' AND state = 'COMPLETED'")
crashed=$(count "task_runs WHERE state = 'CRASHED'")
running=$(count "task_runs WHERE state = 'RUNNING'")
# Each of s3's held attempts, as it ended: CRASHED by the others.
lost_ok=0
while read -r run task att; do
	case $(db "SELECT state || ' ' || reason FROM task_runs WHERE run_id = '$run'
	    AND task = '$task' AND attempt = $att") in
	"CRASHED worker s3 lost"*) lost_ok=$((lost_ok + 1)) ;;
	*) note "s3's attempt $run $task $att: $(db "SELECT state, reason FROM task_runs
	    WHERE run_id = '$run' AND task = '$task' AND attempt = $att")" ;;
	esac
done <"$STACK_TMP/held"
cut -d' ' -f1 "$STACK_TMP/held" | sort -u | sed "s/.*/'&'/" | paste -sd, >"$STACK_TMP/lost"
lost_runs=$(cat "$STACK_TMP/lost")
late_writes=$(count "task_runs WHERE run_id IN ($lost_runs) AND worker = 's3'
    AND updated_at > $resumed_at")
taken=$(count "runs WHERE id IN ($lost_runs) AND worker IN ('s1', 's2')")
s3_after=$(count "task_runs WHERE worker = 's3' AND state = 'COMPLETED'
    AND started_at > $resumed_at")
per=$(db "SELECT group_concat(n, ' ') FROM (SELECT worker || '=' || count(*) AS n
    FROM task_runs WHERE state = 'COMPLETED' GROUP BY worker ORDER BY worker)")
ran_by=$(count "(SELECT DISTINCT worker FROM task_runs WHERE state = 'COMPLETED')")
# A run s3 lost is dropped at its first refused start, not tried again.
retried=$(sed -n 's/.* run \([^:]*\): task .* not started.*/\1/p' \
    "$STACK_TMP/sched-s3.log" | sort | uniq -d | wc -l)
doubles=$(ledger_doubles)
overlaps=$(ledger_overlaps)
reruns=$(ledger_reruns)
ran=$(grep '^end ' "$LEDGER/ledger" | cut -d' ' -f2,3 | sort -u | wc -l)
s3_alive=1
sched_alive "$victim" || s3_alive=0
if [ $s3_alive = 0 ]; then
	sched_wait "$victim"
	[ "$SCHED_RC" = 3 ] || fail "s3 exited $SCHED_RC after its resume"
fi
sched_stop_all || fail "a scheduler did not stop cleanly"
stack_stop || fail "the stack did not stop cleanly"
holders=$(data_holders)
ok=$(integrity)
figures "runs=$N completed=$completed failed=$((total - completed))" \
    "frozen_s=$froze_s held=$held held_waiting=$waiting taken_over=$taken crashed_attempts=$crashed" \
    "late_writes=$late_writes start_retries=$retried $per s3_after_resume=$s3_after" \
    "doubles=$doubles overlaps=$overlaps reruns=$reruns" \
    "holders=$(grep -c . <<<"$holders") integrity=$ok"
[ "$total" = "$N" ] || fail "$total runs stored for $N accepted"
[ "$completed" = "$N" ] ||
    fail "$((total - completed)) runs did not complete: $(db "SELECT state, reason,
      count(*) FROM runs WHERE state != 'COMPLETED' GROUP BY 1, 2")"
[ "$running" = 0 ] || fail "$running attempts left RUNNING"
[ "$lost_ok" = "$held" ] || fail "$((held - lost_ok)) of s3's $held held attempts did not end CRASHED as lost"
[ "$taken" = "$(grep -c . <<<"$(cut -d' ' -f1 "$STACK_TMP/held" | sort -u)")" ] ||
    fail "only $taken of s3's runs ended with s1 or s2"
[ "$late_writes" = 0 ] || fail "s3 wrote $late_writes rows of runs it lost after its resume"
[ "$retried" = 0 ] || fail "s3 kept trying to start attempts of $retried runs it had lost"
[ "$doubles" = 0 ] || fail "$doubles attempts executed twice: $(grep '^start ' \
    "$LEDGER/ledger" | sort | uniq -d | head -5)"
[ "$overlaps" = 0 ] || fail "$overlaps overlapping attempts: $(grep '^overlap ' \
    "$LEDGER/ledger" | head -5)"
[ "$ran" = $((3 * N)) ] || fail "$ran of $((3 * N)) tasks ran to their end"
[ "$ran_by" = 3 ] || fail "not all three schedulers ran tasks: $per"
[ $s3_alive = 0 ] || [ "$s3_after" -gt 0 ] || fail "s3 ran nothing after its resume"
[ -z "$holders" ] || fail "processes hold files of the data directory: $holders"
[ "$ok" = ok ] || fail "integrity_check: $ok"
echo ok
