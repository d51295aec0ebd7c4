#!/usr/bin/env bash
# Cancelling a run whose task ignores SIGTERM: after SLUICE_KILL_GRACE_S
# (2 s) the process group is SIGKILLed; the running task ends CANCELLED,
# its waiting downstream task CANCELLED, the run CANCELLED.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
export SLUICE_KILL_GRACE_S=2
stack_start
out=$STACK_TMP/out; mkdir -p "$out"
flow_put stub "{\"name\":\"stub\",\"tasks\":[
 {\"name\":\"t\",\"command\":[\"sh\",\"-c\",\"trap '' TERM; echo \$\$ > $out/pid; while :; do sleep 0.2; done\"]},
 {\"name\":\"after\",\"command\":[\"true\"],\"depends_on\":[\"t\"]}]}"
id=$(run_start stub)
wait_task_state "$id" t RUNNING 30
wait_for 10 test -s "$out/pid" || fail "task did not start"
pid=$(cat "$out/pid")
start=$(date +%s%N)
api POST "/api/runs/$id/cancel" '{}'
case $STATUS in 200|202) ;; *) fail "cancel: $STATUS $BODY" ;; esac
wait_run_state "$id" CANCELLED 30
took=$(( ($(date +%s%N) - start) / 1000000 ))
echo "cancelled after ${took} ms"
kill -0 "$pid" 2>/dev/null && fail "task process $pid survived"
[ $took -ge 1500 ] || fail "ended in ${took} ms: SIGTERM was not ignored?"
[ "$(task_col "$id" t state)" = CANCELLED ] || fail "t: $(task_col "$id" t state)"
[ "$(task_col "$id" after state)" = CANCELLED ] || fail "after: $(task_col "$id" after state)"
grep -q "sluice: cancelled; sending SIGTERM" "$SLUICE_DATA/logs/$id/t.1.log" || fail "no cancel log line"
echo ok
