#!/usr/bin/env bash
# Ctrl-C typed on the terminal the launcher runs on (a real pty, so the
# kernel sends SIGINT to the terminal's foreground group) stops Sluice
# gently: a running task gets SIGTERM once and its SLUICE_KILL_GRACE_S to
# finish (its trap's last line reaches the log), the scheduler never takes
# a second stop signal, and the launcher exits 0 with nothing left.
source "$SLUICE_ROOT/tests/lib/stack.sh"
export SLUICE_KILL_GRACE_S=8
STACK_WRAP="python3 $SLUICE_ROOT/tests/lib/pty_run.py" stack_start
task='trap "echo got TERM; sleep 2; echo finished gently; exit 0" TERM
echo started; while :; do sleep 0.1; done'
api PUT /api/flows/graceful "$(jq -nc --arg t "$task" \
    '{tasks:[{name:"t",command:["sh","-c",$t]}]}')"
expect_status 201 "flow"
api POST /api/flows/graceful/runs '{}'
expect_status 201 "run"
run=$(jqr .id)
wait_run_state "$run" RUNNING 30
log=$(ls "$SLUICE_DATA"/logs/"$run"/t.*.log)
wait_for 30 grep -q started "$log" || fail "the task did not start"
note "Ctrl-C on the launcher's terminal"
kill -USR1 "$STACK_PID"
wait_for 40 sh -c "! kill -0 $STACK_PID 2>/dev/null" ||
    fail "the launcher still runs 40 s after Ctrl-C"
grep -q "finished gently" "$log" ||
    fail "the task was not given its grace: $(cat "$log")"
[ "$(grep -c "got TERM" "$log")" = 1 ] || fail "the task got SIGTERM $(grep -c "got TERM" "$log") times"
! grep -q "second stop signal" "$STACK_TMP/stack.log" ||
    fail "the scheduler took Ctrl-C as a second stop signal"
stack_stop || fail "Ctrl-C did not stop the stack cleanly"
grep -q "sluice-run: stopped" "$STACK_TMP/stack.log" || fail "no 'stopped' line"
echo ok
