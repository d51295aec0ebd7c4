#!/usr/bin/env bash
# A crash at each launch step: the scheduler built with its crash points
# (sluice-scheduler-faults, scheduler/fault.h) SIGKILLs itself after a
# claim committed, after an attempt's RUNNING committed (before the
# go-ahead), between fork and exec (the task child kills it), and after a
# task exited but before its end was committed. Each trial: runs of a
# 2-task chain of ledger tasks are created while the faults scheduler
# runs with SLUICE_FAULT=POINT:N; it must die of SIGKILL there; no child
# of it may outlive it unexec'd; an ordinary scheduler then recovers and
# every run must end within one recovery interval. Proves 0 double
# executions, 0 overlaps, 0 stuck runs, 0 strays, every run COMPLETED,
# nothing left holding the data directory, integrity ok; tasks that ran
# again because their end was never committed are counted apart
# (reruns). Short: 3 trials per point; long: 20.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
source "$SLUICE_ROOT/tests/fault/helpers/fault.sh"
FAULTS_BIN=$SLUICE_TESTS_BIN/sluice-scheduler-faults
[ -x "$FAULTS_BIN" ] || fail "$FAULTS_BIN not built (make all builds it)"
T=$(scale 3 20)
RUNS=3
# One recovery interval: the stale threshold, with room for a slow box.
STALE=5
RECOVER_S=60
STACK_NO_SCHEDULER=1 stack_start
ledger_init
cmd=$(ledger_cmd 200)
flow_put chain "$(jq -cn --argjson c "$cmd" '{name: "chain",
  max_concurrent_runs: 100, tasks: [{name: "a", retries: 10, command: $c},
  {name: "b", retries: 10, command: $c, depends_on: ["a"]}]}')"

active() {
	db "SELECT count(*) FROM runs WHERE flow = 'chain'
	    AND state NOT IN ('COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED')"
}
# Processes still running the faults program: children that were forked
# and never exec'd (the stuck child of issue 9, point 3).
unexeced() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2>/dev/null)" = "$FAULTS_BIN" ] &&
		    echo "${p#/proc/}"
	done
}
stray_count() { unexeced | grep -c .; }

# trial POINT N: one crash at the Nth pass of POINT and its recovery.
trial() {
	local point=$1 n=$2 i
	SCHED_BIN=$FAULTS_BIN sched_start w SLUICE_FAULT="$point:$n" \
	    SLUICE_WORKER_STALE_S=$STALE
	local faulty=$SCHED_PID
	runs_create chain "$RUNS" 4 >"$STACK_TMP/created"
	[ "$(cat "$STACK_TMP/created")" = "$RUNS" ] ||
	    fail "$point:$n: runs refused: $(sort "$STACK_TMP/codes" | uniq -c)"
	accepted=$((accepted + RUNS))
	for i in $(seq 1 600); do
		sched_alive "$faulty" || break
		sleep 0.1
	done
	sched_alive "$faulty" && fail "$point:$n: no crash within 60 s"
	sched_wait "$faulty"
	[ "$SCHED_RC" = 137 ] ||
	    fail "$point:$n: faults scheduler exited $SCHED_RC, not SIGKILLed"
	grep -q "fault: crashing at $point" "$STACK_TMP/sched-w.log" ||
	    fail "$point:$n: died without reaching its crash point"
	wait_eq 10 0 stray_count ||
	    strays=$((strays + $(stray_count)))
	unexeced | xargs -r kill -KILL
	sched_start w SLUICE_WORKER_STALE_S=$STALE
	wait_eq "$RECOVER_S" 0 active || stuck=$((stuck + $(active)))
	sched_stop_all || fail "$point:$n: the recovering scheduler did not stop"
}

accepted=0 strays=0 stuck=0 crashes=0
for point in after_claim after_attempt_commit after_fork_before_exec \
    after_exit_before_commit; do
	for t in $(seq 1 "$T"); do
		# A claim may take all the trial's runs at once: crash at the
		# first; each run has two attempts, so the Nth of 1-4 comes.
		n=1
		[ "$point" = after_claim ] || n=$((1 + RANDOM % 4))
		trial "$point" "$n"
		crashes=$((crashes + 1))
	done
done
count() { db "SELECT count(*) FROM $1"; }
total=$(count "runs WHERE flow = 'chain'")
completed=$(count "runs WHERE flow = 'chain' AND state = 'COMPLETED'")
running=$(count "task_runs WHERE state = 'RUNNING'")
doubles=$(ledger_doubles)
overlaps=$(ledger_overlaps)
reruns=$(ledger_reruns)
ran=$(grep '^end ' "$LEDGER/ledger" | cut -d' ' -f2,3 | sort -u | wc -l)
stack_stop || fail "the stack did not stop cleanly"
holders=$(data_holders)
ok=$(integrity)
figures "points=4 trials_each=$T crashes=$crashes runs=$accepted" \
    "completed=$completed doubles=$doubles overlaps=$overlaps stuck=$stuck" \
    "strays=$strays reruns=$reruns holders=$(grep -c . <<<"$holders")" \
    "integrity=$ok"
[ "$total" = "$accepted" ] || fail "$total runs stored for $accepted accepted"
[ "$doubles" = 0 ] || fail "$doubles attempts executed twice: $(grep '^start ' \
    "$LEDGER/ledger" | sort | uniq -d | head -5)"
[ "$overlaps" = 0 ] || fail "$overlaps overlapping attempts"
[ "$stuck" = 0 ] || fail "$stuck runs not ended $RECOVER_S s after recovery"
[ "$strays" = 0 ] || fail "$strays children outlived the crash unexec'd"
[ "$completed" = "$accepted" ] ||
    fail "$((accepted - completed)) runs did not complete: $(db "SELECT state,
      reason, count(*) FROM runs WHERE state != 'COMPLETED' GROUP BY 1, 2")"
[ "$running" = 0 ] || fail "$running attempts left RUNNING"
[ "$ran" = $((2 * accepted)) ] || fail "$ran of $((2 * accepted)) tasks ran"
[ -z "$holders" ] || fail "processes hold files of the data directory: $holders"
[ "$ok" = ok ] || fail "integrity_check: $ok"
echo ok
