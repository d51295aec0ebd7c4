#!/usr/bin/env bash
# A worker's concurrency_limit (PATCHed to 1) caps its running task
# processes: three runs of a flow allowing 10 concurrent runs execute one
# at a time; raising the limit to 3 lets three run together.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
stack_start
out=$STACK_TMP/out; mkdir -p "$out"
has_worker() { [ -n "$(db "SELECT name FROM workers")" ]; }
wait_for 10 has_worker || fail "no worker row"
w=$(db "SELECT name FROM workers")
api PATCH "/api/workers/$w" '{"concurrency_limit":1}'
expect_status 200 "limit"
sleep 1.5
flow_put lim "{\"name\":\"lim\",\"max_concurrent_runs\":10,\"tasks\":[{\"name\":\"t\",
 \"command\":[\"sh\",\"-c\",\"echo start >> $out/\$1; sleep 1; echo end >> $out/\$1\",\"sh\",\"{{params.batch}}\"]}],
 \"parameters\":{\"batch\":{\"type\":\"string\"}}}"
# Each task appends to the batch file; with limit 1 the file alternates.
ids=()
for i in 1 2 3; do ids+=("$(run_start lim '{"parameters":{"batch":"one"}}')"); done
for id in "${ids[@]}"; do wait_run_state "$id" COMPLETED 60; done
[ "$(tr '\n' ' ' <"$out/one")" = "start end start end start end " ] ||
    fail "tasks overlapped with limit 1: $(tr '\n' ' ' <"$out/one")"
api PATCH "/api/workers/$w" '{"concurrency_limit":3}'
expect_status 200 "limit"
sleep 1.5
ids=()
for i in 1 2 3; do ids+=("$(run_start lim '{"parameters":{"batch":"three"}}')"); done
for id in "${ids[@]}"; do wait_run_state "$id" COMPLETED 60; done
[ "$(head -n 3 "$out/three" | tr '\n' ' ')" = "start start start " ] ||
    fail "tasks did not run together with limit 3: $(tr '\n' ' ' <"$out/three")"
echo ok
