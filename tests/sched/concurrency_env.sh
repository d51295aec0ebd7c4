#!/usr/bin/env bash
# SLUICE_CONCURRENCY caps the task processes one worker runs at once: with
# 2, six independent tasks of one run (each 1 s) run two at a time, never
# more, and the worker shows concurrency_limit 2.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
STACK_NO_SCHEDULER=1 stack_start
out=$STACK_TMP/out; mkdir -p "$out/active"
sched_start w SLUICE_CONCURRENCY=2
tasks=""
for i in 1 2 3 4 5 6; do
	tasks+="${tasks:+,}{\"name\":\"t$i\",\"command\":[\"sh\",\"-c\",
	    \"touch $out/active/\$SLUICE_TASK; sleep 0.3; ls $out/active | wc -l >> $out/seen; sleep 0.7; rm $out/active/\$SLUICE_TASK\"]}"
done
flow_put wide "{\"name\":\"wide\",\"tasks\":[$tasks]}"
id=$(run_start wide)
wait_run_state "$id" COMPLETED 60
[ "$(wc -l <"$out/seen")" = 6 ] || fail "tasks seen: $(cat "$out/seen")"
max=$(sort -n "$out/seen" | tail -n 1)
[ "$max" = 2 ] || fail "at most 2 at once expected, saw $max: $(tr '\n' ' ' <"$out/seen")"
api GET /api/workers
expect_status 200 "workers"
[ "$(jqr '.items[] | select(.name == "w") | .concurrency_limit')" = 2 ] ||
    fail "worker w: $BODY"
echo ok
