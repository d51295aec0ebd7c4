#!/usr/bin/env bash
# Two schedulers (workers a and b) share one database; 500 short runs
# started through the API are each executed exactly once: every task
# appends "run task attempt" to one file, and each run appears once, and
# both schedulers ran some (one running everything would prove nothing).
# No descriptor leaks over those runs.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
STACK_NO_SCHEDULER=1 stack_start
out=$STACK_TMP/out; mkdir -p "$out"
N=${N:-500}
flow_put once "{\"name\":\"once\",\"max_concurrent_runs\":1000,\"tasks\":[{\"name\":\"t\",
 \"command\":[\"sh\",\"-c\",\"echo \$SLUICE_RUN_ID \$SLUICE_TASK \$SLUICE_ATTEMPT >> $out/ran\"]}]}"
sched_start a
pa=$SCHED_PID
sched_start b
sleep 1
fds_before=$(ls /proc/$pa/fd | wc -l)
[ "$(runs_create once "$N")" = "$N" ] ||
    fail "not every run was created: $(sort "$STACK_TMP/codes" | uniq -c)"
done_all() {
	[ "$(db "SELECT count(*) FROM runs WHERE flow = 'once' AND state = 'COMPLETED'")" = "$N" ]
}
wait_for 240 done_all || fail "only $(db "SELECT count(*) FROM runs WHERE state = 'COMPLETED'") of $N runs COMPLETED"
lines=$(wc -l <"$out/ran")
uniq=$(cut -d' ' -f1 "$out/ran" | sort -u | wc -l)
[ "$lines" = "$N" ] || fail "$lines executions for $N runs (duplicates: $(cut -d' ' -f1 "$out/ran" | sort | uniq -d | head -3))"
[ "$uniq" = "$N" ] || fail "$uniq distinct runs executed"
[ "$(db "SELECT count(*) FROM task_runs WHERE attempt <> 1 OR state <> 'COMPLETED'")" = 0 ] ||
    fail "unexpected attempts"
na=$(db "SELECT count(*) FROM runs WHERE worker = 'a'")
nb=$(db "SELECT count(*) FROM runs WHERE worker = 'b'")
note "worker a ran $na runs, worker b ran $nb"
[ $((na + nb)) = "$N" ] || fail "runs not attributed to a or b"
[ "$na" -gt 0 ] && [ "$nb" -gt 0 ] || fail "one scheduler ran every run"
fds_after=$(ls /proc/$pa/fd | wc -l)
[ "$fds_after" -le $((fds_before + 2)) ] ||
    fail "scheduler a leaks descriptors: $fds_before before, $fds_after after"
echo ok
