#!/usr/bin/env bash
# A task past its timeout_s gets SIGTERM to its whole process group, then
# SIGKILL after SLUICE_KILL_GRACE_S: a background child and a member that
# ignores SIGTERM are both gone. The attempt is FAILED with reason and log
# line "timed out after 2 s".
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
export SLUICE_KILL_GRACE_S=2
stack_start
out=$STACK_TMP/out; mkdir -p "$out"
flow_put slow "{\"name\":\"slow\",\"tasks\":[{\"name\":\"t\",\"timeout_s\":2,
 \"command\":[\"sh\",\"-c\",\"sleep 300 & echo \$! > $out/child; (trap '' TERM; exec sleep 301) & echo \$! > $out/stubborn; echo \$\$ > $out/leader; wait\"]}]}"
id=$(run_start slow)
wait_run_state "$id" FAILED 60
[ "$(task_col "$id" t reason)" = "timed out after 2 s" ] ||
    fail "reason: $(task_col "$id" t reason)"
grep -q "err sluice: timed out after 2 s" "$SLUICE_DATA/logs/$id/t.1.log" ||
    fail "no 'timed out' log line"
grep -q "err sluice: still running after the grace period" "$SLUICE_DATA/logs/$id/t.1.log" ||
    fail "no SIGKILL log line"
for f in leader child stubborn; do
	wait_gone 10 "$(cat "$out/$f")" "$f"
done
[ "$(task_col "$id" t state)" = FAILED ] || fail "state $(task_col "$id" t state)"
echo ok
