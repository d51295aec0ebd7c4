#!/usr/bin/env bash
# A flow in pool "gpu" is run only by a scheduler of that pool
# (SLUICE_POOL=gpu); the default-pool scheduler leaves it alone.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
STACK_NO_SCHEDULER=1 stack_start
sched_start plain
flow_put g '{"name":"g","pool":"gpu","tasks":[{"name":"t","command":["true"]}]}'
flow_put d '{"name":"d","tasks":[{"name":"t","command":["true"]}]}'
gid=$(run_start g)
did=$(run_start d)
wait_run_state "$did" COMPLETED 30
sleep 2
[ "$(run_col "$gid" state)" = PENDING ] || fail "gpu run taken by the default pool: $(run_col "$gid" state)"
sched_start big SLUICE_POOL=gpu
wait_run_state "$gid" COMPLETED 30
[ "$(run_col "$gid" worker)" = big ] || fail "worker $(run_col "$gid" worker)"
[ "$(db "SELECT pool FROM workers WHERE name = 'big'")" = gpu ] || fail "pool not registered"
echo ok
