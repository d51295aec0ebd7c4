#!/usr/bin/env bash
# cli_run_local_ctrl_c_stops.sh: Ctrl-C typed on the terminal `sluicectl
# run --local` runs on (a real pty: the kernel sends SIGINT to the
# foreground group) stops the run gently: the scheduler gives the running
# task SIGTERM once and its SLUICE_KILL_GRACE_S (the task's trap finishes
# and its last lines are printed), the attempt ends CRASHED, sluicectl
# says the run was interrupted and exits 1, and no process or folder is
# left.
. "${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/stack.sh"
. "$SLUICE_ROOT/tests/lib/cli.sh"
no_stack_cleanup
export TMPDIR=$tmp/tmpdir SLUICE_KILL_GRACE_S=8
mkdir -p "$TMPDIR"
task="trap 'echo got TERM; sleep 1; echo finished gently; exit 0' TERM
echo \$\$ >$tmp/task.pid; echo started; while :; do sleep 0.1; done"
jq -n --arg t "$task" '{name: "long", tasks: [{name: "long",
    command: ["sh", "-c", $t]}]}' >"$tmp/long.json"

python3 "$SLUICE_ROOT/tests/lib/pty_run.py" "$ctl" run --local \
    "$tmp/long.json" >"$tmp/tty" 2>&1 &
pty=$!
wait_for 30 grep -q "long | started" "$tmp/tty" ||
    fail "the task did not start: $(cat "$tmp/tty")"
note "Ctrl-C on sluicectl's terminal"
kill -USR1 "$pty"
wait_for 40 sh -c "! kill -0 $pty 2>/dev/null" ||
    fail "sluicectl still runs 40 s after Ctrl-C: $(cat "$tmp/tty")"
wait "$pty"; rc=$?
tr -d '\r' <"$tmp/tty" >"$tmp/out"
[ $rc = 1 ] || fail "exit $rc after Ctrl-C: $(cat "$tmp/out")"
for want in "long | got TERM" "long | finished gently" \
    "long | -- attempt 1 CRASHED: scheduler stopped" \
    "run RUNNING: interrupted, not finished"; do
	grep -qxF "$want" "$tmp/out" || fail "no '$want': $(cat "$tmp/out")"
done
[ "$(grep -c "got TERM" "$tmp/out")" = 1 ] || fail "SIGTERM more than once"
ok "Ctrl-C stops the run, giving the task its grace; exit 1"

wait_gone 10 "$(cat "$tmp/task.pid")" "the task"
[ -z "$(ls -A "$TMPDIR")" ] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
left=$(local_leftovers "$TMPDIR")
[ -z "$left" ] || fail "processes left: $(ps -o pid,args -p $left)"
ok "nothing is left after Ctrl-C"
