# tests/fault/helpers/fault.sh: sourced by the fault suite (tests/fault/*.sh)
# after tests/lib/stack.sh and tests/sched/helpers/lib.sh. Each fault test
# has a short version (make test) and a long one (SLUICE_SOAK=1, make
# soak), and reports what it counted on one "figures:" line, which the
# README's reliability section quotes.
#   scale SHORT LONG        SHORT, or LONG under SLUICE_SOAK=1
#   figures K=V...          prints "figures: NAME K=V..." (NAME: the test)
#   ledger_init             makes $LEDGER, a folder every task uid writes
#   ledger_cmd [MAX_MS]     a task command (a JSON array) that appends
#                           "start RUN TASK ATTEMPT" to $LEDGER/ledger,
#                           holds $LEDGER/lock.RUN.TASK while it runs
#                           (appending "overlap ..." if an earlier attempt
#                           still holds it), sleeps up to MAX_MS (default
#                           300) and appends "end RUN TASK ATTEMPT"
#   ledger_doubles          (run, task, attempt)s started more than once
#   ledger_overlaps         starts that found an attempt of their task
#                           still running
#   ledger_reruns           (run, task)s that ended more than once (a
#                           task that finished but whose end was never
#                           committed because the scheduler died runs
#                           again: at-least-once, counted apart)
#   data_holders [PID...]   processes other than PIDs holding any file
#                           of $SLUICE_DATA open; prints "pid comm" each
#   integrity               PRAGMA integrity_check of the database

scale() {
	if [ "${SLUICE_SOAK:-}" = 1 ]; then echo "$2"; else echo "$1"; fi
}

figures() {
	echo "figures: $(basename "$0" .sh) $*"
}

ledger_init() {
	LEDGER=$STACK_TMP/ledger
	mkdir -p "$LEDGER"
	chmod 1777 "$LEDGER"
	: >"$LEDGER/ledger"
	chmod 666 "$LEDGER/ledger"
}

# The task: one line per event, each written with one O_APPEND write.
ledger_cmd() {
	local ms=${1:-300}
	local body='id="$SLUICE_RUN_ID $SLUICE_TASK $SLUICE_ATTEMPT"
L='"$LEDGER"'
echo "start $id" >>"$L/ledger"
exec 9>>"$L/lock.$SLUICE_RUN_ID.$SLUICE_TASK"
flock -n 9 || { echo "overlap $id" >>"$L/ledger"; flock 9; }
sleep "$(awk -v m='"$ms"' -v s=$$ "BEGIN{srand(s); printf \"%.3f\", rand()*m/1000}")"
echo "end $id" >>"$L/ledger"'
	jq -cn --arg b "$body" '["sh","-c",$b]'
}

ledger_doubles() {
	grep '^start ' "$LEDGER/ledger" | sort | uniq -d | wc -l
}

ledger_overlaps() {
	grep -c '^overlap ' "$LEDGER/ledger"
}

ledger_reruns() {
	grep '^end ' "$LEDGER/ledger" | cut -d' ' -f2,3 | sort | uniq -d | wc -l
}

data_holders() {
	local data fd p comm skip
	data=$(realpath "$SLUICE_DATA")
	for fd in /proc/[0-9]*/fd/*; do
		p=${fd#/proc/}; p=${p%%/*}
		case "$(readlink "$fd" 2>/dev/null)" in "$data"/*) ;; *) continue ;; esac
		skip=0
		for s in "$@" $$; do [ "$p" = "$s" ] && skip=1; done
		[ $skip = 1 ] && continue
		comm=$(cat "/proc/$p/comm" 2>/dev/null)
		echo "$p $comm"
	done | sort -u
}

integrity() {
	db "PRAGMA integrity_check"
}
