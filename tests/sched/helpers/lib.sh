# tests/sched/helpers/lib.sh: helpers for scheduler tests, sourced after
# tests/lib/stack.sh. Flows are created and runs started through the real
# API; the database is read with sqlite3 for what the API does not show
# (results, pids, attempt rows).
#   flow_put NAME JSON          PUT /api/flows/NAME (expects 200/201)
#   run_start FLOW [BODY]       POST /api/flows/FLOW/runs; prints the id
#   db SQL                      sqlite3 on the stack's database
#   task_col RUN TASK COL       COL of the latest attempt of TASK
#   sched_start NAME [VAR=VAL...]  starts another sluice-scheduler as
#                               worker NAME (env on top), logs to
#                               $STACK_TMP/sched-NAME.log; SCHED_PID set
#   sched_stop_all              SIGTERM every scheduler started here
# Set STACK_NO_SCHEDULER=1 before stack_start to run only your own.

SCHED_PIDS=()

db() {
	sqlite3 -cmd ".timeout 10000" "$SLUICE_DATA/sluice.db" "$@"
}

flow_put() {
	api PUT "/api/flows/$1" "$2"
	case $STATUS in 200|201) ;; *) fail "PUT flow $1: $STATUS $BODY" ;; esac
}

run_start() {
	api POST "/api/flows/$1/runs" "${2:-{\}}"
	expect_status 201 "start run of $1"
	jqr .id
}

task_col() {
	db "SELECT $3 FROM task_runs WHERE run_id = '$1' AND task = '$2'
	    ORDER BY attempt DESC LIMIT 1"
}

run_col() {
	db "SELECT $2 FROM runs WHERE id = '$1'"
}

sched_start() {
	local name=$1; shift
	env SLUICE_WORKER_NAME="$name" "$@" \
	    "$SLUICE_BIN_DIR/sluice-scheduler" \
	    >>"$STACK_TMP/sched-$name.log" 2>&1 &
	SCHED_PID=$!
	SCHED_PIDS+=("$SCHED_PID")
}

sched_stop_all() {
	local p
	for p in "${SCHED_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${SCHED_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	SCHED_PIDS=()
}

# Replaces stack.sh's EXIT trap so our schedulers stop first; on failure
# shows their logs.
sched_trap() {
	trap 'rc=$?; if [ $rc != 0 ]; then for f in "$STACK_TMP"/sched-*.log; do
	    [ -f "$f" ] && { echo "--- $f (last 40 lines)"; tail -n 40 "$f"; }
	    done >&2; fi; sched_stop_all; (exit $rc); stack_cleanup' EXIT
}

# wait_task_state RUN TASK STATE [TIMEOUT_S]
wait_task_state() {
	wait_eq "${4:-60}" "$3" task_col "$1" "$2" state ||
	    fail "task $2 of run $1 did not reach $3 (last: $(task_col "$1" "$2" state))"
}

# wait_eq TIMEOUT_S EXPECTED CMD...: polls until CMD prints EXPECTED.
wait_eq() {
	local timeout=$1 want=$2 i; shift 2
	for i in $(seq 1 $((timeout * 10))); do
		[ "$("$@")" = "$want" ] && return 0
		sleep 0.1
	done
	return 1
}
