#!/usr/bin/env bash
# With SLUICE_LOG_MAX_BYTES reached, the log stops growing with a single
# truncation marker line, the task is not blocked (it writes far more than
# the cap and still completes), and log_size reports the file size.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
STACK_NO_SCHEDULER=1 stack_start
sched_start capper SLUICE_LOG_MAX_BYTES=100000
flow_put cap "{\"name\":\"cap\",\"tasks\":[{\"name\":\"t\",
 \"command\":[\"python3\",\"$(task_file bigout.py)\",\"200000\",\"10\"]}]}"
id=$(run_start cap)
wait_run_state "$id" COMPLETED 120
log=$SLUICE_DATA/logs/$id/t.1.log
size=$(stat -c %s "$log")
[ "$size" -le 100300 ] || fail "log grew to $size bytes past the cap"
[ "$size" -ge 99000 ] || fail "log only $size bytes"
[ "$(grep -c 'err sluice: log truncated' "$log")" = 1 ] || fail "no single truncation marker"
[ "$(tail -n 1 "$log" | grep -c 'log truncated')" = 1 ] || fail "marker is not the last line"
[ "$(task_col "$id" t log_size)" = "$size" ] || fail "log_size mismatch"
echo ok
