#!/usr/bin/env bash
# Started as root, a task runs unprivileged: under a uid of its own in
# group sluice-task with no other group, it cannot read htpasswd, the TLS
# key, the database or /etc/shadow, write the database or another run's
# log, plant links in its log folder, signal or read the environment of
# sluice-api, the scheduler, nginx, the launcher or another run's task;
# a setsid'd child it leaves behind is killed when its attempt ends; a
# fork bomb stops at SLUICE_TASK_NPROC while the scheduler keeps its
# heartbeat; children that called setsid or double-forked die with a
# cancelled attempt; and a workdir it cannot enter fails the task with a line
# naming the folder.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
[ "$(id -u)" = 0 ] || { echo "needs root: tasks run as you otherwise"; exit 77; }
export SLUICE_TASK_NPROC=40
stack_start
probe=$(task_file probe.py)

# Another run's task, to be left alone.
flow_put other '{"name":"other","tasks":[{"name":"t","command":["sleep","120"]}]}'
other=$(run_start other)
wait_for 20 test -n "$(task_col "$other" t pid)" || fail "other task did not start"
other_pid=$(task_col "$other" t pid)
pids=$(printf '{"api":%s,"scheduler":%s,"nginx":%s,"launcher":%s,"other task":%s}' \
    "$(cat "$SLUICE_DATA/run/sluice-api.pid")" \
    "$(cat "$SLUICE_DATA/run/sluice-scheduler.pid")" \
    "$(cat "$SLUICE_DATA/run/nginx.pid")" \
    "$STACK_PID" "$other_pid")
other_log=$SLUICE_DATA/logs/$other/t.1.log
body=$(jq -cn --arg d "$SLUICE_DATA" --arg p "$pids" --arg l "$other_log" \
    --arg s "$probe" \
    '{name:"probe",tasks:[{name:"t",command:["python3",$s,$d,$p,$l]}]}')
flow_put probe "$body"
beat0=$(db "SELECT last_heartbeat FROM workers LIMIT 1")
id=$(run_start probe)
wait_run_state "$id" COMPLETED 60
log=$SLUICE_DATA/logs/$id/t.1.log
tries=$(grep -c " out \(DENIED\|ALLOWED\) " "$log")
[ "$tries" -ge 19 ] || fail "the probe made $tries tries: $(cat "$log")"
! grep " out ALLOWED " "$log" || fail "the task could do the above"
uid=$(sed -n 's/.* out ID uid=\([0-9]*\) gid=[0-9]*(sluice-task) groups=[0-9]*(sluice-task)$/\1/p' "$log")
[ -n "$uid" ] && [ "$uid" -ge "$SLUICE_TASK_UID_BASE" ] &&
    [ "$uid" -lt $((SLUICE_TASK_UID_BASE + 256)) ] ||
    fail "task identity: $(grep ' out ID ' "$log")"
# What it left behind dies with its attempt.
esc=$(sed -n 's/.* out ESCAPEE \([0-9]*\)$/\1/p' "$log")
[ -n "$esc" ] || fail "no escapee: $(cat "$log")"
wait_gone() { ! kill -0 "$1" 2>/dev/null; }
wait_for 20 wait_gone "$esc" || fail "setsid child $esc outlived its attempt"
forks=$(sed -n 's/.* out FORKS \([0-9]*\)$/\1/p' "$log")
[ -n "$forks" ] && [ "$forks" -lt 40 ] || fail "fork bomb made $forks processes"
beat_moved() { [ "$(db "SELECT last_heartbeat FROM workers LIMIT 1")" != "$beat0" ]; }
wait_for 30 beat_moved ||
    fail "the scheduler's heartbeat stopped"
! grep -q "forged line" "$other_log" || fail "another run's log was forged"
kill -0 "$other_pid" || fail "the other run's task was disturbed"
run_state_is "$other" RUNNING || fail "other run: $(jqr .state)"
# Nothing of the attempt is left in its scratch folder's place.
! ls -d /tmp/sluice-scratch.*/"$id".* 2>/dev/null | grep -q . ||
    fail "scratch folder left behind"

# Cancelled: a setsid'd and a double-forked child die with the attempt.
flow_put esc '{"name":"esc","tasks":[{"name":"t","command":["sh","-c","setsid sleep 300 </dev/null >/dev/null 2>&1 & echo LEFT $!; (sleep 301 </dev/null >/dev/null 2>&1 & echo LEFT $!); exec sleep 302"]}]}'
id=$(run_start esc)
log=$SLUICE_DATA/logs/$id/t.1.log
two_left() { [ "$(grep -c ' out LEFT ' "$log" 2>/dev/null)" = 2 ]; }
wait_for 30 two_left || fail "escapees not started: $(cat "$log")"
api POST "/api/runs/$id/cancel"
wait_run_state "$id" CANCELLED 30
for p in $(sed -n 's/.* out LEFT \([0-9]*\)$/\1/p' "$log"); do
	wait_for 20 wait_gone "$p" || fail "process $p outlived its cancelled attempt"
done

# A workdir the task user cannot enter.
priv=$(mktemp -d /tmp/sluice-private.XXXXXX)
chmod 0700 "$priv"
flow_put wd "{\"name\":\"wd\",\"tasks\":[{\"name\":\"t\",\"command\":[\"true\"],\"workdir\":\"$priv\"}]}"
id=$(run_start wd)
wait_run_state "$id" FAILED 30
grep -q "cannot enter the workdir $priv as uid [0-9]*: Permission denied" \
    "$SLUICE_DATA/logs/$id/t.1.log" ||
    fail "workdir failure not named: $(cat "$SLUICE_DATA/logs/$id/t.1.log")"
rmdir "$priv"
echo ok
