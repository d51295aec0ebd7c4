#!/usr/bin/env bash
# A database stall longer than SLUICE_WORKER_STALE_S (another process
# holding the write lock for 15 s, the threshold 5 s) stops every
# heartbeat, so it proves no one dead: neither of two live schedulers
# marks the other's attempts CRASHED or kills its tasks, and every run
# completes on its first attempt (each scheduler has a slot for every
# run, so all of them run through the stall). A scheduler that really
# stops still has its runs recovered.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
source "$SLUICE_ROOT/tests/fault/helpers/fault.sh"
runs=$(scale 6 20) stall=$(scale 15 40)
STACK_NO_SCHEDULER=1 stack_start
sched_start w1 SLUICE_WORKER_STALE_S=5 SLUICE_CONCURRENCY=$runs
w1=$SCHED_PID
sched_start w2 SLUICE_WORKER_STALE_S=5 SLUICE_CONCURRENCY=$runs
flow_put st '{"name":"st","max_concurrent_runs":100,"tasks":[{"name":"t","retries":1,"command":["sleep","'$((stall + 7))'"]}]}'
ids=()
for i in $(seq 1 "$runs"); do ids+=("$(run_start st)"); done
for id in "${ids[@]}"; do wait_task_state "$id" t RUNNING 30; done
db_lock "$stall"
wait "$LOCK_PID"
for id in "${ids[@]}"; do wait_run_state "$id" COMPLETED 90; done
bad=$(db "SELECT count(*) FROM task_runs WHERE state != 'COMPLETED' OR attempt != 1")
[ "$bad" = 0 ] || fail "attempts: $(db "SELECT run_id, attempt, state, reason FROM task_runs")"
! grep -h "killed leftover\|lost (no heartbeat" "$STACK_TMP"/sched-*.log ||
    fail "a live scheduler was judged dead"
# A scheduler that really stops is still found out.
id=$(run_start st)
wait_task_state "$id" t RUNNING 30
worker=$(run_col "$id" worker)
for p in "${SCHED_PIDS[@]}"; do
	[ "${SCHED_NAME[$p]}" = "$worker" ] && sched_kill "$p" KILL
done
wait_run_state "$id" COMPLETED 90
[ "$(task_col "$id" t attempt)" = 2 ] || fail "not retried after its scheduler died"
figures "schedulers=2 runs=$runs stall_s=$stall first_attempt_completed=$runs" \
    "judged_dead=0 really_killed_recovered=1"
echo ok
