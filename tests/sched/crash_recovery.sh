#!/usr/bin/env bash
# SIGKILL the scheduler mid-run; the launcher restarts it. The new
# incarnation kills the orphaned process group (start time verified),
# marks attempt 1 CRASHED, retries (attempt 2 COMPLETED) and completes the
# run. No task process is left and nothing stays RUNNING.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
stack_start
out=$STACK_TMP/out; mkdir -p "$out"
flow_put crashy "{\"name\":\"crashy\",\"tasks\":[
 {\"name\":\"t\",\"retries\":1,
  \"command\":[\"sh\",\"-c\",\"echo \$SLUICE_ATTEMPT >> $out/attempts; if [ \$SLUICE_ATTEMPT = 1 ]; then sleep 300 & echo \$! > $out/child; echo \$\$ > $out/leader; wait; fi\"]},
 {\"name\":\"after\",\"command\":[\"true\"],\"depends_on\":[\"t\"]}]}"
id=$(run_start crashy)
wait_task_state "$id" t RUNNING 30
wait_for 10 test -s "$out/child" || fail "task did not start its child"
old=$(cat "$SLUICE_DATA/run/sluice-scheduler.pid")
inc=$(db "SELECT incarnation FROM workers")
expect_exit sluice-scheduler "on signal 9"
kill -KILL "$old"
note "killed scheduler $old"
wait_run_state "$id" COMPLETED 90
[ "$(db "SELECT incarnation FROM workers")" != "$inc" ] || fail "no new incarnation"
[ "$(db "SELECT group_concat(attempt || ':' || state, ' ') FROM
    (SELECT * FROM task_runs WHERE run_id = '$id' AND task = 't' ORDER BY attempt)")" = \
    "1:CRASHED 2:COMPLETED" ] || fail "attempts: $(db "SELECT task, attempt, state FROM task_runs WHERE run_id='$id'")"
case $(db "SELECT reason FROM task_runs WHERE run_id = '$id' AND task = 't' AND attempt = 1") in
"scheduler restarted"*) ;; *) fail "attempt 1 reason: $(db "SELECT reason FROM task_runs WHERE run_id = '$id' AND attempt = 1")" ;; esac
[ "$(task_col "$id" after state)" = COMPLETED ] || fail "after: $(task_col "$id" after state)"
for f in leader child; do
	wait_gone 10 "$(cat "$out/$f")" "orphan $f"
done
[ "$(db "SELECT count(*) FROM task_runs WHERE state = 'RUNNING'")" = 0 ] || fail "attempts left RUNNING"
echo ok
