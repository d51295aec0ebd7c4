#!/usr/bin/env bash
# Ctrl-C: SIGINT to the launcher and its programs at once (the terminal's
# foreground group) stops nginx, sluice-api and sluice-scheduler cleanly:
# the launcher exits 0 and says "stopped", no program reports a failure
# while stopping, the running task is stopped and no process is left
# (stack_stop checks all of it).
source "$SLUICE_ROOT/tests/lib/stack.sh"
stack_start
api PUT /api/flows/long '{"tasks":[{"name":"t","command":["sleep","300"]}]}'
expect_status 201 "flow"
api POST /api/flows/long/runs '{}'
expect_status 201 "run"
wait_run_state "$(jqr .id)" RUNNING 30
pids=("$STACK_PID")
for prog in sluice-api sluice-scheduler nginx; do
	p=$(cat "$SLUICE_DATA/run/$prog.pid") || fail "no run/$prog.pid"
	pids+=("$p")
done
pids+=($(pgrep -P "$(cat "$SLUICE_DATA/run/nginx.pid")"))
note "SIGINT to ${pids[*]}"
kill -INT "${pids[@]}"
wait_for 30 sh -c "! kill -0 $STACK_PID 2>/dev/null" ||
    fail "the launcher still runs 30 s after SIGINT"
stack_stop || fail "SIGINT did not stop the stack cleanly"
grep -q "sluice-run: stopped" "$STACK_TMP/stack.log" || fail "no 'stopped' line"
echo ok
