#!/usr/bin/env bash
# Finished runs older than SLUICE_RETENTION_DAYS lose their rows (runs and
# task runs) and their log folder; recent and unfinished ones stay.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
STACK_NO_SCHEDULER=1 stack_start
flow_put ret '{"name":"ret","tasks":[{"name":"t","command":["true"]}]}'
sched_start w
ids=()
for i in 1 2 3; do ids+=("$(run_start ret)"); done
for id in "${ids[@]}"; do wait_run_state "$id" COMPLETED 30; done
sched_stop_all || fail "the first scheduler did not stop cleanly"
old=$(( $(date +%s%3N) - 40 * 86400 * 1000 ))
# Two of the three are 40 days old; 250 more old ones test the batches.
db "UPDATE runs SET ended_at = $old WHERE id IN ('${ids[0]}', '${ids[1]}')"
db "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250)
    INSERT INTO runs (id, flow, flow_version, state, trigger, scheduled_for, created_at, ended_at, updated_at)
    SELECT printf('01AAAAAAAAAAAAAAAAAAAA%04d', i), 'ret', 1, 'COMPLETED', 'manual', $old, $old, $old, $old FROM n"
[ -d "$SLUICE_DATA/logs/${ids[0]}" ] || fail "no log folder to begin with"
sched_start w SLUICE_RETENTION_DAYS=30
gone() { [ "$(db "SELECT count(*) FROM runs")" = 1 ]; }
wait_for 30 gone || fail "$(db "SELECT count(*) FROM runs") runs left"
[ "$(run_col "${ids[2]}" state)" = COMPLETED ] || fail "recent run removed"
[ "$(db "SELECT count(*) FROM task_runs WHERE run_id IN ('${ids[0]}', '${ids[1]}')")" = 0 ] || fail "task rows left"
[ ! -e "$SLUICE_DATA/logs/${ids[0]}" ] && [ ! -e "$SLUICE_DATA/logs/${ids[1]}" ] || fail "old log folders left"
[ -d "$SLUICE_DATA/logs/${ids[2]}" ] || fail "recent log folder removed"
echo ok
