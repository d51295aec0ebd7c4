#!/usr/bin/env bash
# A launcher started as a script's background job (so it begins with
# SIGINT ignored, as such jobs do) still stops on SIGINT, and stops rather
# than restarting anything: it exits 0 and says "stopped", no program
# exited on its own, the running task was stopped and no process is left
# (stack_stop checks all of it).
source "$SLUICE_ROOT/tests/lib/stack.sh"
stack_start
ign=$(awk '/^SigIgn:/ { print $2 }' "/proc/$$/status")
note "this test's own SigIgn mask: $ign"
api PUT /api/flows/long '{"tasks":[{"name":"t","command":["sleep","300"]}]}'
expect_status 201 "flow"
api POST /api/flows/long/runs '{}'
expect_status 201 "run"
wait_run_state "$(jqr .id)" RUNNING 30
note "SIGINT to the launcher ($STACK_PID) alone"
kill -INT "$STACK_PID"
wait_for 30 sh -c "! kill -0 $STACK_PID 2>/dev/null" ||
    fail "the launcher still runs 30 s after SIGINT"
! grep -q "restarting" "$STACK_TMP/stack.log" ||
    fail "SIGINT made the launcher restart a program"
stack_stop || fail "SIGINT did not stop the stack cleanly"
grep -q "sluice-run: stopped" "$STACK_TMP/stack.log" || fail "no 'stopped' line"
echo ok
