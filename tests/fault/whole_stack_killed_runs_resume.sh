#!/usr/bin/env bash
# The whole stack stopped or killed with runs in flight loses no run and
# runs nothing twice: each round starts N runs (20; 200 under
# SLUICE_SOAK=1) of a 3-task chain whose tasks write the ledger (the
# middle one up to 3 s), plus 2 runs of a task that holds for 10 minutes
# on its first attempt, then
#  A. SIGTERMs the launcher once some runs are done: it stops cleanly
#     (stack_stop's checks), the attempts in flight are CRASHED
#     "scheduler stopped" and their runs stay RUNNING (README, States and
#     exit statuses); the stack is started again on the same data
#     directory;
#  B. SIGKILLs every Sluice process at once (launcher, sluice-api,
#     sluice-scheduler, nginx's master and workers): the tasks outlive
#     them, holding no file of the data directory, and do not stop a new
#     start; the next scheduler kills those still running (the holders
#     surely among them) and marks their attempts CRASHED "scheduler
#     restarted".
# After each restart every run ends COMPLETED (each task retried once by
# its policy), with no attempt started twice and no overlap (the ledger);
# at the end the database is intact and, once stopped, no process holds
# a file of the data directory.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
source "$SLUICE_ROOT/tests/fault/helpers/fault.sh"
N=$(scale 20 200)
ROUNDS=$(scale 1 3)
stack_start
ledger_init
chain=$(jq -cn --argjson a "$(ledger_cmd 300)" --argjson b "$(ledger_cmd 3000)" '
 {name: "chain", max_concurrent_runs: 1000, tasks: [
  {name: "a", retries: 1, command: $a},
  {name: "b", retries: 1, command: $b, depends_on: ["a"]},
  {name: "c", retries: 1, command: $a, depends_on: ["b"]}]}')
flow_put chain "$chain"
# The holder names the ledger in its command line (task_pids finds it).
flow_put hold "{\"name\":\"hold\",\"max_concurrent_runs\":10,\"tasks\":[{\"name\":\"h\",\"retries\":1,
 \"command\":[\"sh\",\"-c\",\"[ \$SLUICE_ATTEMPT -gt 1 ] && exit 0; sleep 600; : $LEDGER\"]}]}"

# Task processes: every member of the process groups of the tasks' shells.
task_groups() {
	for p in $(pgrep -f -- "$LEDGER"); do
		awk '{ print $5 }' "/proc/$p/stat" 2>/dev/null
	done | sort -u | tr '\n' ' '
}
task_pids() {
	ps -e -o pid=,pgid= | awk -v g=" $(task_groups)" \
	    'index(g, " " $2 " ") { print $1 }'
}
# not_tasks PID...: those of PIDs alive (not zombies) and in no task's group
# (tasks carry SLUICE_DATA in their environment, as Sluice's programs do).
not_tasks() {
	local g p pg
	g=" $(task_groups)"
	for p in "$@"; do
		pg=$(awk '$3 != "Z" { print $5 }' "/proc/$p/stat" 2>/dev/null)
		[ -n "$pg" ] && [[ $g != *" $pg "* ]] && echo "$p"
	done
}
# "pid starttime" of each, to tell them from a later process of that pid.
with_start() {
	local p t
	for p in "$@"; do
		t=$(awk '{ print $22 }' "/proc/$p/stat" 2>/dev/null)
		[ -n "$t" ] && echo "$p $t"
	done
}
# still_alive FILE: how many of FILE's processes live on (a zombie is
# dead: whether it is reaped is up to init, not Sluice).
still_alive() {
	local p t n=0
	while read -r p t; do
		[ "$(awk '$3 != "Z" { print $22 }' "/proc/$p/stat" 2>/dev/null)" = "$t" ] &&
		    n=$((n + 1))
	done <"$1"
	echo "$n"
}
count() { db "SELECT count(*) FROM $1"; }
# Of task_runs t: the task's latest attempt.
LATEST="NOT EXISTS (SELECT 1 FROM task_runs u WHERE u.run_id = t.run_id
    AND u.task = t.task AND u.attempt > t.attempt)"
ended_ok() { count "runs WHERE state = 'COMPLETED'"; }
# Starts a round's runs and waits until it is well under way.
round_start() {
	local want=$(($1 + N + 2)) done0=$(ended_ok)
	[ "$(runs_create chain "$N")" = "$N" ] ||
	    fail "runs not created: $(sort "$STACK_TMP/codes" | uniq -c)"
	[ "$(runs_create hold 2)" = 2 ] || fail "hold runs not created"
	TOTAL=$want
	under_way() {
		[ "$(count "task_runs WHERE task = 'h' AND state = 'RUNNING'")" = 2 ] &&
		    [ "$(ended_ok)" -ge $((done0 + N / 4)) ] &&
		    [ "$(count "task_runs WHERE task <> 'h' AND state = 'RUNNING'")" -gt 0 ]
	}
	wait_for 120 under_way || fail "round not under way: $(
	    db "SELECT state, count(*) FROM runs GROUP BY state")"
}
# Waits until every run so far ended COMPLETED.
round_end() {
	wait_eq 300 "$TOTAL" ended_ok || fail "$(ended_ok) of $TOTAL runs COMPLETED: $(
	    db "SELECT state, count(*) FROM runs GROUP BY state")"
	[ "$(count "task_runs WHERE state NOT IN ('COMPLETED', 'CRASHED')")" = 0 ] ||
	    fail "attempts: $(db "SELECT state, count(*) FROM task_runs GROUP BY state")"
	[ "$(count "task_runs t WHERE state <> 'COMPLETED' AND $LATEST")" = 0 ] ||
	    fail "a task's last attempt is not COMPLETED"
}
# Keeps the log of a stack that is gone (still scanned for sanitizer
# reports at the end), after checking it reports no program's death.
keep_log() {
	local exits
	exits=$(stack_unexpected_exits)
	[ -z "$exits" ] || fail "programs exited before the kill: $exits"
	mv "$STACK_TMP/stack.log" "$STACK_TMP/stack-$1.log"
}

TOTAL=0 stopped=0 killed=0 left=0
for r in $(seq 1 "$ROUNDS"); do
	# A: SIGTERM to the launcher, with runs in flight.
	round_start "$TOTAL"
	stack_stop || fail "round $r: the stop was not clean"
	crashed=$(count "task_runs WHERE state = 'CRASHED' AND reason = 'scheduler stopped'")
	[ "$crashed" -ge $((stopped + 2)) ] ||
	    fail "round $r: $((crashed - stopped)) attempts CRASHED 'scheduler stopped'"
	stopped=$crashed
	[ "$(count "task_runs WHERE state = 'RUNNING'")" = 0 ] ||
	    fail "round $r: attempts left running by a clean stop"
	[ "$(count "runs WHERE state NOT IN ('COMPLETED', 'RUNNING', 'PENDING', 'SCHEDULED')")" = 0 ] ||
	    fail "round $r: a stop ended runs: $(db "SELECT state, count(*) FROM runs GROUP BY state")"
	[ "$(count "runs WHERE state <> 'RUNNING' AND id IN (SELECT run_id
	    FROM task_runs t WHERE reason = 'scheduler stopped' AND $LATEST)")" = 0 ] ||
	    fail "round $r: a run whose attempt a stop ended is not RUNNING"
	keep_log "$r-stop"
	stack_start
	round_end

	# B: SIGKILL to every Sluice process at once.
	round_start "$TOTAL"
	nginx=$(cat "$SLUICE_DATA/run/nginx.pid")
	progs=("$STACK_PID" "$(cat "$SLUICE_DATA/run/sluice-api.pid")"
	    "$(cat "$SLUICE_DATA/run/sluice-scheduler.pid")" "$nginx"
	    $(pgrep -P "$nginx"))
	kill -KILL "${progs[@]}" || fail "round $r: cannot kill ${progs[*]}"
	wait "$STACK_PID" 2>/dev/null
	STACK_PID=""
	wait_for 10 sh -c "! kill -0 ${progs[*]} 2>/dev/null" ||
	    fail "round $r: Sluice outlived SIGKILL"
	with_start $(task_pids) >"$STACK_TMP/left-$r"
	# (A scheduler's child forked at the kill ends by itself soon after.)
	no_others() { [ -z "$(not_tasks $(stack_pids))" ]; }
	wait_for 20 no_others ||
	    fail "round $r: Sluice processes left: $(ps -o pid,args -p "$(not_tasks $(stack_pids))")"
	holders=$(data_holders)
	[ -z "$holders" ] || fail "round $r: tasks hold files of the data directory: $holders"
	# Both holders sleep on: nothing but the next scheduler ends them.
	[ "$(still_alive "$STACK_TMP/left-$r")" -ge 4 ] ||
	    fail "round $r: the holders died with Sluice: $(cat "$STACK_TMP/left-$r")"
	left=$((left + $(wc -l <"$STACK_TMP/left-$r")))
	keep_log "$r-kill"
	stack_start
	wait_eq 60 0 still_alive "$STACK_TMP/left-$r" ||
	    fail "round $r: leftover tasks not killed by recovery: $(still_alive "$STACK_TMP/left-$r") alive"
	round_end
	crashed=$(count "task_runs WHERE state = 'CRASHED' AND reason LIKE 'scheduler restarted%'")
	[ "$crashed" -ge $((killed + 2)) ] ||
	    fail "round $r: $((crashed - killed)) attempts CRASHED 'scheduler restarted'"
	killed=$crashed
done

doubles=$(ledger_doubles) overlaps=$(ledger_overlaps) reruns=$(ledger_reruns)
[ "$doubles" = 0 ] || fail "$doubles attempts started twice"
[ "$overlaps" = 0 ] || fail "$overlaps attempts overlapped an earlier one"
[ "$(count "task_runs WHERE attempt > 2")" = 0 ] || fail "a task ran a third time"
stack_stop || fail "the final stop was not clean"
holders=$(data_holders)
[ -z "$holders" ] || fail "processes hold files of the data directory: $holders"
ok=$(integrity)
[ "$ok" = ok ] || fail "integrity_check: $ok"
figures runs="$TOTAL" completed="$(ended_ok)" rounds="$ROUNDS" \
    stopped_attempts="$stopped" killed_attempts="$killed" \
    task_processes_left_by_kill="$left" ledger_doubles="$doubles" \
    overlaps="$overlaps" reruns="$reruns" holders=0 integrity="$ok"
echo ok
