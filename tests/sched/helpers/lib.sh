# tests/sched/helpers/lib.sh: helpers for scheduler tests, sourced after
# tests/lib/stack.sh. Flows are created and runs started through the real
# API; the database is read with sqlite3 for what the API does not show
# (results, pids, attempt rows).
#   flow_put NAME JSON          PUT /api/flows/NAME (expects 200/201)
#   run_start FLOW [BODY]       POST /api/flows/FLOW/runs; prints the id
#   db SQL                      sqlite3 on the stack's database
#   task_col RUN TASK COL       COL of the latest attempt of TASK
#   runs_create FLOW N [RATE]   POSTs N runs of FLOW through one curl
#                               (one connection, RATE/s, default 40:
#                               below nginx's 50 r/s); prints how many
#                               were answered 201, keeps the codes in
#                               $STACK_TMP/codes; a 503 (busy, with
#                               Retry-After) is tried again, as clients do
#   sched_start NAME [ENV...]   starts another sluice-scheduler as
#                               worker NAME, ENV being env(1) arguments
#                               (-u VAR, then VAR=VAL), logs to
#                               $STACK_TMP/sched-NAME.log; SCHED_PID set
#                               (SCHED_BIN, if set, is run instead)
#   sched_kill PID SIGNAL       kills one of them on purpose (expects it
#                               to die of SIGNAL)
#   sched_wait PID              waits for one that exits on its own
#                               (lost lease); SCHED_RC set
#   task_file NAME              copies helpers/NAME where every task
#                               uid may read it; prints its path (the
#                               checkout may be private, e.g. /root)
#   sched_stop_all              SIGTERM every scheduler started here;
#                               returns 1 if one had exited unasked or
#                               did not exit 0
# Every scheduler started here is stopped and checked when the test ends,
# and its log shown if the test failed. Set STACK_NO_SCHEDULER=1 before
# stack_start to run only your own.

SCHED_PIDS=()
declare -A SCHED_NAME=()

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

runs_create() {
	local cfg=$STACK_TMP/curl.cfg i
	: >"$cfg"
	for i in $(seq 1 "$2"); do
		[ "$i" -gt 1 ] && echo next >>"$cfg"
		printf 'url = "%s/api/flows/%s/runs"\nrequest = "POST"\ndata = "{}"\nuser = "%s:%s"\nheader = "Content-Type: application/json"\ninsecure\nsilent\nretry = 5\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' \
		    "$SLUICE_URL" "$1" "$ADMIN_USER" "$ADMIN_PASS" >>"$cfg"
	done
	curl --rate "${3:-40}/s" -K "$cfg" >"$STACK_TMP/codes"
	grep -c '^201$' "$STACK_TMP/codes"
}

task_col() {
	db "SELECT $3 FROM task_runs WHERE run_id = '$1' AND task = '$2'
	    ORDER BY attempt DESC LIMIT 1"
}

run_col() {
	db "SELECT $2 FROM runs WHERE id = '$1'"
}

task_file() {
	install -m 0644 "$SLUICE_ROOT/tests/sched/helpers/$1" "$STACK_TMP/$1"
	echo "$STACK_TMP/$1"
}

sched_start() {
	local name=$1; shift
	env "$@" SLUICE_WORKER_NAME="$name" \
	    "${SCHED_BIN:-$SLUICE_BIN_DIR/sluice-scheduler}" \
	    >>"$STACK_TMP/sched-$name.log" 2>&1 &
	SCHED_PID=$!
	SCHED_PIDS+=("$SCHED_PID")
	SCHED_NAME[$SCHED_PID]=$name
	# Until its main has run (its first log line), a signal would kill
	# it by the default action (env, then ASan's start, come first).
	wait_for 30 sched_said "$SCHED_PID" "$STACK_TMP/sched-$name.log"
	return 0
}

# Returns 0 once scheduler PID has logged a line, or is gone.
sched_said() {
	grep -Eq "sluice-scheduler[a-z-]*\[$1\]" "$2" 2>/dev/null || ! sched_alive "$1"
}

# sched_wait PID: waits for a scheduler started here that the test
# expects to exit by itself, sets SCHED_RC to its exit status (for the
# test to check) and stops watching it.
sched_wait() {
	local p keep=()
	wait "$1"; SCHED_RC=$?
	for p in "${SCHED_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	SCHED_PIDS=("${keep[@]}")
}

# sched_kill PID SIGNAL: kills a scheduler started here on purpose and
# fails the test unless it died of that signal.
sched_kill() {
	local want=$((128 + $(kill -l "$2")))
	kill -"$2" "$1" || fail "cannot signal scheduler $1"
	sched_wait "$1"
	[ "$SCHED_RC" = "$want" ] ||
	    fail "scheduler $1 exited $SCHED_RC, not killed by SIG$2"
}

# Returns 0 while PID is a running process (not a zombie).
sched_alive() {
	local stat
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

sched_stop_all() {
	local p rc bad=0 asked=()
	for p in "${SCHED_PIDS[@]}"; do
		if sched_alive "$p"; then
			kill -TERM "$p" 2>/dev/null
			asked+=("$p")
			continue
		fi
		wait "$p"; rc=$?
		echo "FAIL: scheduler ${SCHED_NAME[$p]} (pid $p) exited by itself with status $rc" >&2
		bad=1
	done
	for p in "${asked[@]}"; do
		wait "$p"; rc=$?
		[ $rc = 0 ] && continue
		echo "FAIL: scheduler ${SCHED_NAME[$p]} (pid $p) exited $rc on SIGTERM" >&2
		bad=1
	done
	SCHED_PIDS=()
	return $bad
}

# Stops the schedulers started here when the test ends (stack_on_stop);
# on failure shows their logs.
sched_teardown() {
	local rc=$1 f
	sched_stop_all || rc=1
	if [ "$rc" != 0 ]; then
		for f in "$STACK_TMP"/sched-*.log; do
			[ -f "$f" ] && { echo "--- $f (last 40 lines)"; tail -n 40 "$f"; }
		done >&2
	fi
	[ "$rc" = "$1" ]
}
stack_on_stop sched_teardown

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

# webhook_start [FAILS]: starts the webhook receiver (helpers/webhook.py;
# FAILS, WEBHOOK_PORT and WEBHOOK_HOLD_FIRST as it takes them) recording
# into $out; sets $out and $port. It is stopped with the stack.
webhook_start() {
	out=$STACK_TMP/out; mkdir -p "$out"
	python3 "$SLUICE_ROOT/tests/sched/helpers/webhook.py" "$out/port" \
	    "$out/bodies" "$@" &
	hook=$!
	stack_on_stop webhook_stop
	wait_for 10 test -s "$out/port" || fail "webhook receiver did not start"
	port=$(cat "$out/port")
}
webhook_stop() { kill "$hook" 2>/dev/null; wait "$hook" 2>/dev/null; return 0; }
