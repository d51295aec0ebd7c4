#!/usr/bin/env bash
# POST /api/runs/{run}/retry on a FAILED run: the scheduler claims it
# again, keeps the COMPLETED task (and its result for dependents), runs
# the failed task as attempt 2 and the skipped one after it.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
stack_start
out=$STACK_TMP/out; mkdir -p "$out"
flow_put rr "{\"name\":\"rr\",\"tasks\":[
 {\"name\":\"a\",\"command\":[\"sh\",\"-c\",\"echo run >> $out/a; echo '{\\\"n\\\": 5}' > \$SLUICE_RESULT\"]},
 {\"name\":\"b\",\"command\":[\"sh\",\"-c\",\"test -e $out/fixed\"],\"depends_on\":[\"a\"]},
 {\"name\":\"c\",\"command\":[\"sh\",\"-c\",\"printf %s \\\"\$SLUICE_UPSTREAM\\\" > $out/c-up\"],\"depends_on\":[\"b\"]}]}"
id=$(run_start rr)
wait_run_state "$id" FAILED 30
[ "$(task_col "$id" c state)" = SKIPPED ] || fail "c: $(task_col "$id" c state)"
touch "$out/fixed"
api POST "/api/runs/$id/retry" '{}'
case $STATUS in 200|201|202) ;; *) fail "retry: $STATUS $BODY" ;; esac
wait_run_state "$id" COMPLETED 30
[ "$(wc -l <"$out/a")" = 1 ] || fail "a ran again"
[ "$(task_col "$id" b attempt)" = 2 ] || fail "b attempt $(task_col "$id" b attempt)"
[ "$(task_col "$id" c state)" = COMPLETED ] || fail "c: $(task_col "$id" c state)"
[ "$(jq -c . "$out/c-up")" = '{"b":null}' ] || fail "c upstream: $(cat "$out/c-up")"
echo ok
