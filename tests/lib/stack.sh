# tests/lib/stack.sh: sourced by shell tests that need the real stack.
# stack_start runs scripts/sluice-run (nginx + sluice-api + sluice-scheduler)
# on a free 127.0.0.1 port with a fresh data directory, and stops it when
# the test exits, failing the test if any of its processes outlive it, a
# program exited that the test did not announce (expect_exit) or a
# program's log holds a sanitizer report.
# Helpers: user_add, api, expect_status, jqr, wait_for, wait_gone,
# wait_run_state, fail, expect_exit, stack_on_stop, db_lock, db_sql,
# hmac_hex, webhook.
set -u
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SLUICE_BIN_DIR=${SLUICE_BIN_DIR:-$SLUICE_ROOT/bin}
export SLUICE_ROOT SLUICE_BIN_DIR
STACK_TMP=$(mktemp -d /tmp/sluice-test.XXXXXX)
# Tasks run as their own uids when the tests run as root: they may write
# the markers and outputs tests look for anywhere in here. (The launcher
# sets its own umask; the data directory is private all the same.)
chmod 1777 "$STACK_TMP"
umask 000
# Run as root, each test's tasks get uids of their own (no passwd entry
# has one this high), so a test's leftovers are never another's.
export SLUICE_TASK_UID_BASE=${SLUICE_TASK_UID_BASE:-$((200000 + 256 * (RANDOM % 2000)))}
STACK_PID=""
# This test's own admin password (one per test, kept if it starts the
# stack again on the same data directory).
ADMIN_PASS=admin-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
source "$SLUICE_ROOT/tests/lib/sanitizer.sh"
STATUS="" BODY="" HDRS="$STACK_TMP/headers"

# fail MESSAGE: the test fails. Called in a subshell (x=$(run_start f)),
# exit alone would end only that subshell, so the test's own shell is
# told too (USR1, trapped below) and exits 1 as soon as the subshell ends.
fail() {
	echo "FAIL: $*" >&2
	[ "$BASHPID" != "$$" ] && kill -USR1 "$$" 2>/dev/null
	exit 1
}
trap 'exit 1' USR1
note() { echo "# $*" >&2; }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Starts the stack. The port is picked free but bound only later, by
# nginx, so another test may take it in between: then this start is
# abandoned and retried on another port (stack_launch tells). Each stack
# has its own admin password, so a test can never be served by another
# test's stack without noticing.
stack_start() {
	export SLUICE_DATA=$STACK_TMP/data
	export SLUICE_BIND=${STACK_BIND:-127.0.0.1}
	export ADMIN_USER=admin ADMIN_PASS
	export SLUICE_ADMIN_USER=$ADMIN_USER SLUICE_ADMIN_PASSWORD=$ADMIN_PASS
	export SLUICE_NO_DEMO=${SLUICE_NO_DEMO:-1}
	export SLUICE_KILL_GRACE_S=${SLUICE_KILL_GRACE_S:-3}
	[ "${STACK_NO_SCHEDULER:-}" = 1 ] && export SLUICE_NO_SCHEDULER=1
	trap stack_cleanup EXIT
	local try
	for try in 1 2 3 4 5; do
		export SLUICE_PORT=${SLUICE_PORT_FIXED:-$(free_port)}
		export SLUICE_URL=https://127.0.0.1:$SLUICE_PORT
		stack_launch && return 0
		note "port $SLUICE_PORT was taken by another process; retrying"
		stack_abandon "$try"
	done
	fail "stack did not get a port of its own in 5 tries"
}

# Runs the launcher on $SLUICE_PORT and waits until the stack answers
# there. Returns 0 when it does and this stack's nginx holds the port, 1
# when nginx could not bind it; fails the test when the stack does not
# come up at all.
stack_launch() {
	# STACK_WRAP: a command to run the launcher under (tests/lib/pty_run.py
	# gives it a terminal). Started as a script's background job, it
	# begins with SIGINT ignored; the launcher itself puts it back.
	${STACK_WRAP:-} "$SLUICE_ROOT/scripts/sluice-run" \
	    >"$STACK_TMP/stack.log" 2>&1 &
	STACK_PID=$!
	local i
	for i in $(seq 1 300); do
		if stack_owns_port &&
		    curl -sfk "$SLUICE_URL/api/health" >/dev/null 2>&1; then
			stack_scheduler_up
			return 0
		fi
		grep -qs "Address already in use" "$STACK_TMP/stack.log" \
		    "$SLUICE_DATA/nginx/error.log" && return 1
		kill -0 "$STACK_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$STACK_TMP/stack.log" >&2
	fail "stack did not start"
}

# The launcher says it is running once nginx answers; the scheduler (slow
# under ASan) may not have written its pid file yet, and tests read it:
# wait for it a while (a test about a scheduler that never starts goes on
# after that).
stack_scheduler_up() {
	[ "${SLUICE_NO_SCHEDULER:-}" = 1 ] && return 0
	wait_for 30 test -s "$SLUICE_DATA/run/sluice-scheduler.pid"
	return 0
}

# Returns 0 when the socket listening on $SLUICE_PORT belongs to this
# stack's nginx (found through /proc: the listening socket's inode among
# the nginx master's descriptors).
stack_owns_port() {
	local pid inode hex
	pid=$(cat "$SLUICE_DATA/run/nginx.pid" 2>/dev/null) || return 1
	[ -n "$pid" ] || return 1
	hex=$(printf '%04X' "$SLUICE_PORT")
	for inode in $(awk -v p=":$hex" '$4 == "0A" &&
	    substr($2, length($2) - 4) == p { print $10 }' \
	    /proc/net/tcp /proc/net/tcp6 2>/dev/null); do
		ls -l "/proc/$pid/fd" 2>/dev/null |
		    grep -q "socket:\[$inode\]" && return 0
	done
	return 1
}

# Stops a start that lost its port and keeps its logs aside (still
# scanned for sanitizer reports), so the next try starts clean.
stack_abandon() {
	local i
	kill -TERM "$STACK_PID" 2>/dev/null
	wait "$STACK_PID" 2>/dev/null
	STACK_PID=""
	# What it started may still hold the data directory's lock.
	for i in $(seq 1 50); do
		[ -z "$(stack_pids)" ] && break
		sleep 0.1
	done
	mv "$STACK_TMP/stack.log" "$STACK_TMP/stack-clash-$1.log"
	rm -f "$SLUICE_DATA/nginx/error.log"
}

# Lists pids of processes whose environment or command line mention this
# test's data directory (nginx, sluice-api, sluice-scheduler, tasks).
stack_pids() {
	local p
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" = $$ ] && continue
		if { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null |
		    grep -qx "SLUICE_DATA=$STACK_TMP/data" ||
		    { tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null |
		    grep -q "$STACK_TMP/data/run/nginx.conf"; then
			echo "$p"
		fi
	done
}

# expect_exit PROGRAM HOW: the test is about to end PROGRAM (sluice-api,
# sluice-scheduler, nginx) itself, so one launcher line "PROGRAM exited
# HOW" (HOW as the launcher words it: "on signal 9", "with status 3") is
# expected. Any other exit the launcher reports fails the test at stop.
STACK_EXPECTED=()
expect_exit() {
	STACK_EXPECTED+=("$1 exited $2")
}

# stack_unexpected_exits [LOG]: prints the launcher's lines (in LOG,
# default the stack's log) about programs that exited, or had to be
# killed at stop, beyond those announced with expect_exit.
stack_unexpected_exits() {
	local -A allowed=()
	local e line
	for e in "${STACK_EXPECTED[@]}"; do
		allowed[$e]=$((${allowed[$e]:-0} + 1))
	done
	while IFS= read -r line; do
		e=$(sed -E 's/.*sluice-run: ([^ ]+ exited (on signal|with status) [0-9]+).*/\1/' <<<"$line")
		if [ "$e" != "$line" ] && [ "${allowed[$e]:-0}" -gt 0 ]; then
			allowed[$e]=$((${allowed[$e]} - 1))
		else
			echo "$line"
		fi
	done < <(grep -E 'sluice-run: ([^ ]+ exited (on signal|with status) [0-9]+|killed pid )' \
	    "${1:-$STACK_TMP/stack.log}" 2>/dev/null)
}

# Stops the stack; returns 1 (after saying why) if the launcher failed,
# any of the stack's processes outlived it, a program exited without the
# test saying it would (expect_exit), or a program's log holds a
# sanitizer report.
stack_stop() {
	[ -n "$STACK_PID" ] || return 0
	# CONT first: a test may have stopped the launcher (SIGSTOP).
	kill -CONT "$STACK_PID" 2>/dev/null
	kill -TERM "$STACK_PID" 2>/dev/null
	local i rc=0 bad=0 left exits
	for i in $(seq 1 300); do
		kill -0 "$STACK_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$STACK_PID" 2>/dev/null; then
		echo "FAIL: the launcher did not stop within 30 s" >&2
		kill -KILL "$STACK_PID"
		bad=1
	fi
	wait "$STACK_PID" 2>/dev/null; rc=$?
	STACK_PID=""
	for i in $(seq 1 50); do
		left=$(stack_pids)
		[ -z "$left" ] && break
		sleep 0.1
	done
	if [ -n "$left" ]; then
		ps -o pid,args -p $left >&2
		kill -KILL $left 2>/dev/null
		echo "FAIL: processes left after stop" >&2
		bad=1
	fi
	[ $rc = 0 ] || { echo "FAIL: launcher exited with status $rc" >&2; bad=1; }
	exits=$(stack_unexpected_exits)
	if [ -n "$exits" ]; then
		echo "FAIL: unexpected program exits (the launcher's log):" >&2
		echo "$exits" >&2
		bad=1
	fi
	sanitizer_check "$STACK_TMP"/*.log || bad=1
	return $bad
}

# stack_small_disk MB: before stack_start, puts the data directory on a
# tmpfs of MB megabytes (detached when the test ends); exits 77 (skip)
# where the test may not mount one.
stack_small_disk() {
	[ "$(id -u)" = 0 ] || { echo "needs root to mount a small tmpfs"; exit 77; }
	mkdir -p "${STACK_TMP:?}/data"
	mount -t tmpfs -o "size=${1}m,mode=0755" sluice-test "$STACK_TMP/data" ||
	    { echo "cannot mount a tmpfs here"; exit 77; }
	stack_on_stop stack_small_disk_detach
}
# Lazily: the programs still hold files there until the stack stops.
stack_small_disk_detach() { umount -l "$STACK_TMP/data"; return 0; }

# db_sql SQL [VALUE...]: runs one statement on the stack's database from
# another connection, VALUEs bound to its "?" in order; prints the rows,
# columns separated by tabs. For a fixture the API cannot make (a row a
# sync would write) or a check of what it stored.
db_sql() {
	python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
for row in c.execute(sys.argv[2], sys.argv[3:]):
    print("\t".join("" if v is None else str(v) for v in row))' \
	    "$SLUICE_DATA/sluice.db" "$@" || fail "db_sql $1"
}

# hmac_hex SECRET TEXT: the hex HMAC-SHA256 of TEXT under SECRET.
hmac_hex() {
	printf %s "$2" | openssl dgst -sha256 -hmac "$1" | sed 's/.* //'
}

# webhook REPO BODY [CURL ARGS...]: POSTs BODY as JSON to REPO's push
# webhook with no credentials (unless the arguments add some); sets
# STATUS, BODY and HDRS like api.
webhook() {
	local repo=$1 body=$2; shift 2
	STATUS=$(curl -sk -o "$STACK_TMP/body" -D "$HDRS" -w '%{http_code}' \
	    -X POST -H 'Content-Type: application/json' "$@" \
	    --data-binary "$body" "$SLUICE_URL/api/repos/$repo/webhook")
	BODY=$(cat "$STACK_TMP/body")
}

# db_lock SECONDS: holds the database's write lock that long from
# another process (returns once it is held); LOCK_PID is that process.
db_lock() {
	python3 -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
c.execute("ROLLBACK")' "$SLUICE_DATA/sluice.db" "$1" >"$STACK_TMP/lock.out" &
	LOCK_PID=$!
	wait_for 20 grep -q locked "$STACK_TMP/lock.out" || fail "no lock taken"
}

# stack_on_stop FUNCTION: FUNCTION runs (with the test's exit status as
# $1) before the stack stops at the end of the test, to stop what the
# test started beside it; its non-zero return fails the test.
STACK_HOOKS=()
stack_on_stop() {
	STACK_HOOKS+=("$1")
}

stack_cleanup() {
	local rc=$? h
	trap - EXIT
	for h in "${STACK_HOOKS[@]}"; do
		"$h" "$rc" || rc=1
	done
	if [ $rc != 0 ] && [ -f "$STACK_TMP/stack.log" ]; then
		echo "--- stack log (last 60 lines) ---" >&2
		tail -n 60 "$STACK_TMP/stack.log" >&2
	fi
	stack_stop || rc=1
	if [ $rc = 0 ] && [ -z "${KEEP_TMP:-}" ]; then
		rm -rf "$STACK_TMP"
	else
		echo "# kept $STACK_TMP" >&2
	fi
	exit $rc
}

# wait_gone TIMEOUT_S PID WHAT: fails unless process PID (which must be
# a number: an empty pid would prove nothing) is gone within TIMEOUT_S.
wait_gone() {
	case $2 in ''|*[!0-9]*) fail "$3: no pid to check (got '$2')" ;; esac
	wait_for "$1" sh -c "! kill -0 $2 2>/dev/null" ||
	    fail "$3 (pid $2) still alive"
}

user_add() {
	printf '%s\n' "$3" | "$SLUICE_BIN_DIR/sluicectl" user add "$1" --role "$2" >/dev/null ||
	    fail "user_add $1"
}

# api METHOD PATH [BODY]: sets STATUS, BODY and the headers file HDRS.
# AS=user:pass overrides the admin credentials (AS=none sends none);
# CT=type overrides the JSON content type of mutating requests.
api() {
	local method=$1 path=$2
	local args=(-sk -o "$STACK_TMP/body" -D "$HDRS" -w '%{http_code}'
	    -X "$method")
	local cred=${AS:-$ADMIN_USER:$ADMIN_PASS}
	[ "$cred" != none ] && args+=(-u "$cred")
	case $method in
	POST|PUT|PATCH|DELETE)
		args+=(-H "Content-Type: ${CT:-application/json}") ;;
	esac
	[ $# -ge 3 ] && args+=(--data-binary "$3")
	STATUS=$(curl "${args[@]}" "$SLUICE_URL$path")
	BODY=$(cat "$STACK_TMP/body")
}

expect_status() {
	[ "$STATUS" = "$1" ] || fail "${2:-request}: expected HTTP $1, got $STATUS: $BODY"
}

jqr() { jq -r "$@" <<<"$BODY"; }

header() { grep -i "^$1:" "$HDRS" | head -n 1 | cut -d' ' -f2- | tr -d '\r'; }

wait_for() {
	local timeout=$1 i; shift
	for i in $(seq 1 $((timeout * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

run_state_is() {
	api GET "/api/runs/$1"
	[ "$(jqr .state)" = "$2" ]
}

wait_run_state() {
	wait_for "${3:-60}" run_state_is "$1" "$2" ||
	    fail "run $1 did not reach $2 (last: $(jqr .state)): $BODY"
}
