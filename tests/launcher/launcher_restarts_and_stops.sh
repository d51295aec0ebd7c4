#!/usr/bin/env bash
# The launcher (scripts/sluice-run, what `make run` starts) writes a pid
# file per program, restarts sluice-api and sluice-scheduler when they die
# (saying why; also when both die at once), and on SIGTERM stops everything, exits 0 and leaves no
# process behind (checked by stack_stop).
source "$SLUICE_ROOT/tests/lib/stack.sh"
stack_start

for prog in sluice-api sluice-scheduler nginx; do
	wait_for 30 test -s "$SLUICE_DATA/run/$prog.pid" || fail "no run/$prog.pid"
done
wait_for 30 grep -q "Sluice is running at $SLUICE_URL/" "$STACK_TMP/stack.log" ||
    fail "launcher did not print the URL"

api_pid() { cat "$SLUICE_DATA/run/sluice-api.pid"; }
old=$(api_pid)
expect_exit sluice-api "on signal 9"
kill -KILL "$old"
restarted() { local p; p=$(api_pid); [ -n "$p" ] && [ "$p" != "$old" ] &&
    curl -sfk "$SLUICE_URL/api/health" >/dev/null; }
wait_for 30 restarted || fail "sluice-api was not restarted"
grep -q "sluice-api exited on signal 9" "$STACK_TMP/stack.log" ||
    fail "launcher did not say why sluice-api stopped"

old=$(cat "$SLUICE_DATA/run/sluice-scheduler.pid")
expect_exit sluice-scheduler "on signal 9"
kill -KILL "$old"
sched_restarted() { local p; p=$(cat "$SLUICE_DATA/run/sluice-scheduler.pid");
    [ -n "$p" ] && [ "$p" != "$old" ] && kill -0 "$p" 2>/dev/null; }
wait_for 30 sched_restarted || fail "sluice-scheduler was not restarted"

# Both dying together: the second death happens while the launcher sleeps
# the first one's backoff, and must not be missed.
old_api=$(api_pid) old=$(cat "$SLUICE_DATA/run/sluice-scheduler.pid")
expect_exit sluice-api "on signal 9"
expect_exit sluice-scheduler "on signal 9"
kill -KILL "$old_api" "$old"
both() { old=$old_api restarted && sched_restarted; }
wait_for 60 both || fail "not both restarted after dying together"

# The restarted pair still serves a run end to end.
api PUT /api/flows/after-restart '{"tasks":[{"name":"t","command":["true"]}]}'
expect_status 201
api POST /api/flows/after-restart/runs '{}'
expect_status 201
wait_run_state "$(jqr .id)" COMPLETED 60

stack_stop || fail "stop was not clean"
grep -q "stopped" "$STACK_TMP/stack.log" || fail "launcher did not report stopping"
