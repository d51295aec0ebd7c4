#!/usr/bin/env bash
# PATCH /api/workers/{worker} {"paused": true}: within a second the worker
# claims nothing new, while the task it is running finishes; unpausing
# lets the waiting run start.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
stack_start
has_worker() { [ -n "$(db "SELECT name FROM workers")" ]; }
wait_for 10 has_worker || fail "no worker row"
w=$(db "SELECT name FROM workers")
flow_put p '{"name":"p","max_concurrent_runs":10,"tasks":[{"name":"t","command":["sleep","3"]}]}'
first=$(run_start p)
wait_task_state "$first" t RUNNING 30
running() { db "SELECT running FROM workers WHERE name = '$w'"; }
wait_eq 5 1 running || fail "heartbeat does not report the running task"
api PATCH "/api/workers/$w" '{"paused":true}'
expect_status 200 "pause worker"
sleep 1.5
second=$(run_start p)
wait_run_state "$first" COMPLETED 30
sleep 2
[ "$(run_col "$second" state)" = PENDING ] || fail "paused worker claimed a run: $(run_col "$second" state)"
api PATCH "/api/workers/$w" '{"paused":false}'
expect_status 200 "unpause worker"
wait_run_state "$second" COMPLETED 30
echo ok
