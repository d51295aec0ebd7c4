#!/usr/bin/env bash
# A flaky task fails on attempt 1 and 2 and succeeds on attempt 3. Between
# attempts the next attempt row is AWAITING_RETRY with not_before; the
# delays grow with retry_backoff (1 s, then 2 s; measured loosely).
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
stack_start
out=$STACK_TMP/out; mkdir -p "$out"
flow_put flaky "{\"name\":\"flaky\",\"tasks\":[{\"name\":\"f\",
 \"command\":[\"sh\",\"-c\",\"date +%s%N >> $out/starts; [ \$SLUICE_ATTEMPT -ge 3 ]\"],
 \"retries\":3,\"retry_delay_s\":1,\"retry_backoff\":2.0}]}"
id=$(run_start flaky)
wait_task_state "$id" f AWAITING_RETRY 30
nb=$(task_col "$id" f not_before)
[ -n "$nb" ] || fail "AWAITING_RETRY attempt without not_before"
wait_run_state "$id" COMPLETED 60
[ "$(db "SELECT group_concat(attempt || ':' || state, ' ') FROM
    (SELECT * FROM task_runs WHERE run_id = '$id' ORDER BY attempt)")" = \
    "1:FAILED 2:FAILED 3:COMPLETED" ] || fail "attempts: $(db "SELECT attempt, state FROM task_runs WHERE run_id='$id'")"
mapfile -t s <"$out/starts"
[ ${#s[@]} = 3 ] || fail "expected 3 starts, got ${#s[@]}"
d1=$(( (s[1] - s[0]) / 1000000 )) d2=$(( (s[2] - s[1]) / 1000000 ))
echo "delays: ${d1} ms, ${d2} ms"
[ $d1 -ge 900 ] && [ $d1 -lt 10000 ] || fail "first delay ${d1} ms, expected about 1 s"
[ $d2 -ge 1900 ] && [ $d2 -lt 12000 ] || fail "second delay ${d2} ms, expected about 2 s"
[ $d2 -gt $d1 ] || fail "no backoff: $d1 then $d2"
[ -f "$SLUICE_DATA/logs/$id/f.3.log" ] || fail "no log for attempt 3"
echo ok
