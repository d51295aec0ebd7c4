#!/usr/bin/env bash
# max_concurrent_runs 1 (the default): three runs of the flow run one
# after another, never overlapping, and all complete.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
stack_start
out=$STACK_TMP/out; mkdir -p "$out"
flow_put one "{\"name\":\"one\",\"tasks\":[{\"name\":\"t\",
 \"command\":[\"sh\",\"-c\",\"echo start >> $out/log; sleep 1; echo end >> $out/log\"]}]}"
ids=()
for i in 1 2 3; do ids+=("$(run_start one)"); done
sleep 0.5
[ "$(db "SELECT count(*) FROM runs WHERE flow = 'one' AND state = 'RUNNING'")" -le 1 ] ||
    fail "more than one run RUNNING"
for id in "${ids[@]}"; do wait_run_state "$id" COMPLETED 60; done
[ "$(tr '\n' ' ' <"$out/log")" = "start end start end start end " ] ||
    fail "runs overlapped: $(tr '\n' ' ' <"$out/log")"
echo ok
