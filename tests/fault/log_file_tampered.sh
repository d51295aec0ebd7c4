#!/usr/bin/env bash
# A task's log file is taken away while the task writes a line every
# 50 ms: one is deleted, one renamed, one renamed with a symbolic link
# planted at its path, one made unreadable (chmod 000); and one deleted
# while its task is silent (answered 410 gone meanwhile), noticed when it
# ends and re-created with the line saying so. The scheduler
# neither crashes nor exits nor follows the link (its target stays
# untouched); it notices each while the task runs: the deleted, renamed
# and replaced logs are re-created at their path beginning with a line
# saying so, and the renamed file and the new one together hold every
# line exactly once. Each attempt ends COMPLETED with a reason naming what
# happened, its log_size is its file's size, the API answers each log
# without a 5xx (410 gone for the unreadable one, served in full once its
# mode is back), the scheduler holds no log file open afterwards, and a
# run started after all this completes with its full log.
source "${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/stack.sh" || exit 1
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
source "$SLUICE_ROOT/tests/fault/helpers/fault.sh"
stack_start
rounds=$(scale 1 20)
AFTER=20	# lines each task writes once its gate opens
log=$STACK_TMP/stack.log
gate=$STACK_TMP/gate
mkdir -m 0777 "$gate"
# Lines "line I" until the run's gate opens, then AFTER lines "after J",
# then "end N", N being how many lines came before it.
body='i=0
while [ ! -e "$0/open.$SLUICE_RUN_ID" ] && [ $i -lt 4000 ]; do
	echo "line $i"; i=$((i + 1)); sleep 0.05
done
j=0
while [ $j -lt '$AFTER' ]; do
	echo "after $j"; i=$((i + 1)); j=$((j + 1)); sleep 0.05
done
echo "end $i"'
flow_put chatty "$(jq -cn --arg b "$body" --arg g "$gate" \
    '{name:"chatty",max_concurrent_runs:100,
      tasks:[{name:"t",command:["sh","-c",$b,$g],timeout_s:600}]}')"

# Three lines, then silence until the gate opens.
flow_put quiet "$(jq -cn --arg g "$gate" \
    '{name:"quiet",max_concurrent_runs:100,
      tasks:[{name:"t",command:["sh","-c","echo one; echo two; echo three; while [ ! -e \"$0/open.$SLUICE_RUN_ID\" ]; do sleep 0.05; done",$g],timeout_s:600}]}')"

sched_pid() {
	local p
	for p in $(stack_pids); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sluice-schedule ] &&
		    echo "$p"
	done
}
sched=$(sched_pid)
[ -n "$sched" ] || fail "no scheduler running"
# Run as root, the programs run as the data directory's owner; a mode of
# 000 keeps only root out, so it is unreadable unless they run as root.
owner=$(stat -c %u "$SLUICE_DATA/logs")
unreadable_means=1
[ "$owner" = 0 ] && unreadable_means=0

logfile() { echo "$SLUICE_DATA/logs/$1/t.1.log"; }
lines() { grep -c " out \(line\|after\) " "$@" | awk -F: '{ s += $NF } END { print s + 0 }'; }
# has_marker FILE WORDS: FILE begins with the scheduler's line saying so.
has_marker() {
	head -n 1 "$1" 2>/dev/null | grep -q " err sluice: the log file was $2 "
}
# The end line's count N and the lines the log files hold must agree.
wrote() { sed -n 's/.* out end \([0-9]*\)$/\1/p' "$@" | tail -n 1; }
api_log() { # RUN: GETs its log; fails on a 5xx
	api GET "/api/runs/$1/tasks/t/log"
	case $STATUS in 5*) fail "log of $1 answered $STATUS: $BODY" ;; esac
	api5xx_checked=$((api5xx_checked + 1))
}
reason_of() { api GET "/api/runs/$1"; jqr '.tasks[0].reason'; }
same_size() { # RUN FILE: log_size is the file's size
	local want got
	want=$(stat -c %s "$2")
	got=$(task_col "$1" t log_size)
	[ "$got" = "$want" ] || fail "run $1: log_size $got, file $want bytes"
}

tampered=0 named=0 recreated=0 recreated_end=0 whole=0 api5xx_checked=0 gone410=0
for round in $(seq 1 "$rounds"); do
	del=$(run_start chatty) mov=$(run_start chatty)
	rep=$(run_start chatty) ro=$(run_start chatty) qd=$(run_start quiet)
	for id in $del $mov $rep $ro; do
		wait_task_state "$id" t RUNNING 60
		wait_for 60 sh -c "[ \$(grep -c ' out line ' '$(logfile "$id")') -ge 5 ]" ||
		    fail "run $id wrote no lines"
	done
	wait_task_state "$qd" t RUNNING 60
	wait_for 60 sh -c "[ \"\$(sqlite3 '$SLUICE_DATA/sluice.db' \"SELECT log_size FROM task_runs WHERE run_id = '$qd'\")\" -gt 0 ]" ||
	    fail "quiet run: no log_size"
	target=$STACK_TMP/target.$round
	: >"$target"
	rm "$(logfile "$del")"
	mv "$(logfile "$mov")" "$STACK_TMP/moved.$round"
	mv "$(logfile "$rep")" "$STACK_TMP/replaced.$round"
	ln -s "$target" "$(logfile "$rep")"
	chmod 000 "$(logfile "$ro")"
	rm "$(logfile "$qd")"
	tampered=$((tampered + 5))
	# Noticed while the tasks still write: re-created, or logged.
	wait_for 60 has_marker "$(logfile "$del")" deleted ||
	    fail "deleted log not re-created: $(ls -l "$SLUICE_DATA/logs/$del")"
	wait_for 60 has_marker "$(logfile "$mov")" "renamed or moved away" ||
	    fail "renamed log not re-created"
	wait_for 60 has_marker "$(logfile "$rep")" "moved away and another" ||
	    fail "replaced log not re-created: $(ls -l "$SLUICE_DATA/logs/$rep")"
	[ ! -L "$(logfile "$rep")" ] || fail "the planted link is still there"
	recreated=$((recreated + 3))
	if [ $unreadable_means = 1 ]; then
		wait_for 60 grep -q "logwatch: $(logfile "$ro"): the log file was made unreadable" "$log" ||
		    fail "unreadable log not noticed"
	fi
	api_log "$qd"
	[ "$STATUS" = 410 ] && [ "$(jqr .error.code)" = gone ] &&
	    jqr .error.message | grep -q "is gone" ||
	    fail "deleted log of a silent task: $STATUS $BODY"
	gone410=$((gone410 + 1))
	for id in $del $mov $rep $ro; do api_log "$id"; done
	if [ $unreadable_means = 1 ]; then
		[ "$STATUS" = 410 ] && [ "$(jqr .error.code)" = gone ] &&
		    jqr .error.message | grep -q "not readable" ||
		    fail "unreadable log while running: $STATUS $BODY"
		gone410=$((gone410 + 1))
	fi
	for id in $del $mov $rep $ro $qd; do touch "$gate/open.$id"; done
	for id in $del $mov $rep $ro $qd; do wait_run_state "$id" COMPLETED 120; done

	# What each attempt says, and what its log holds.
	r=$(reason_of "$del")
	grep -q "^log incomplete: the log file was deleted" <<<"$r" ||
	    fail "deleted: reason '$r'"
	named=$((named + 1))
	f=$(logfile "$del")
	[ "$(grep -c " out after " "$f")" = $AFTER ] || fail "deleted: not every later line: $(cat "$f")"
	same_size "$del" "$f"
	api_log "$del"; expect_status 200 "re-created log"
	grep -q "sluice: the log file was deleted" <<<"$BODY" || fail "served: $BODY"

	r=$(reason_of "$mov")
	grep -q "^log incomplete: the log file was renamed or moved away" <<<"$r" ||
	    fail "renamed: reason '$r'"
	named=$((named + 1))
	f=$(logfile "$mov") old=$STACK_TMP/moved.$round
	n=$(wrote "$f")
	[ "$(lines "$old" "$f")" = "$n" ] &&
	    [ "$(cat "$old" "$f" | grep " out \(line\|after\) " | cut -d' ' -f3- | sort | uniq -d | wc -l)" = 0 ] ||
	    fail "renamed: the two files do not hold the $n lines once each"
	whole=$((whole + 1))
	same_size "$mov" "$f"
	api_log "$mov"; expect_status 200 "re-created log"

	r=$(reason_of "$rep")
	grep -q "^log incomplete: the log file was moved away and another file put in its place" <<<"$r" ||
	    fail "replaced: reason '$r'"
	named=$((named + 1))
	[ ! -s "$target" ] || fail "the scheduler wrote through the planted link"
	[ -f "$(logfile "$rep")" ] && [ ! -L "$(logfile "$rep")" ] || fail "replaced: no log"
	same_size "$rep" "$(logfile "$rep")"
	api_log "$rep"; expect_status 200 "re-created log"

	r=$(reason_of "$qd")
	grep -q "^log incomplete: the log file was deleted" <<<"$r" ||
	    fail "deleted while silent: reason '$r'"
	named=$((named + 1))
	f=$(logfile "$qd")
	has_marker "$f" deleted && [ "$(wc -l <"$f")" = 1 ] ||
	    fail "deleted while silent: log $(cat "$f" 2>&1)"
	recreated_end=$((recreated_end + 1))
	same_size "$qd" "$f"
	api_log "$qd"; expect_status 200 "re-created log"

	r=$(reason_of "$ro")
	f=$(logfile "$ro")
	if [ $unreadable_means = 1 ]; then
		grep -q "log unreadable: the log file was made unreadable to the service user (mode 0000" <<<"$r" ||
		    fail "unreadable: reason '$r'"
		named=$((named + 1))
		api_log "$ro"
		[ "$STATUS" = 410 ] || fail "unreadable log: $STATUS $BODY"
		gone410=$((gone410 + 1))
	fi
	chmod 0640 "$f"
	api_log "$ro"; expect_status 200 "log readable again"
	[ "$(header X-Log-Complete)" = true ] || fail "unreadable: not complete"
	n=$(wrote "$f")
	[ "$(lines "$f")" = "$n" ] || fail "unreadable: $(lines "$f") lines of $n kept"
	whole=$((whole + 1))
	same_size "$ro" "$f"
done

# The scheduler is the one that started, holds no log open, and runs on.
[ "$(sched_pid)" = "$sched" ] || fail "the scheduler is not the one that started"
held=$(ls -l "/proc/$sched/fd" | grep -c "$SLUICE_DATA/logs/")
[ "$held" = 0 ] || fail "the scheduler still holds $held log files: $(ls -l "/proc/$sched/fd")"
crashes=$(grep -c "sluice-scheduler exited" "$log")
[ "$crashes" = 0 ] || fail "the scheduler exited: $(grep "exited" "$log")"
id=$(run_start chatty)
touch "$gate/open.$id"
wait_run_state "$id" COMPLETED 120
[ "$(reason_of "$id")" = null ] || fail "untouched run: reason $(reason_of "$id")"
f=$(logfile "$id")
[ "$(lines "$f")" = "$(wrote "$f")" ] && [ "$(wrote "$f")" -ge $AFTER ] &&
    ! grep -q " err sluice:" "$f" || fail "untouched run's log: $(cat "$f")"
same_size "$id" "$f"
api_log "$id"; expect_status 200 "untouched log"
figures "rounds=$rounds tampered=$tampered reasons_named=$named" \
    "recreated_midrun=$recreated recreated_at_end=$recreated_end lines_all_kept=$whole gone_410=$gone410" \
    "api_answers=$api5xx_checked api_5xx=0 crashes=$crashes logs_held=$held" \
    "after_run_complete=1"
echo ok
