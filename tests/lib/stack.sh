# tests/lib/stack.sh: sourced by shell tests that need the real stack.
# stack_start runs scripts/sluice-run (nginx + sluice-api + sluice-scheduler)
# on a free 127.0.0.1 port with a fresh data directory, and stops it when
# the test exits, failing the test if any of its processes outlive it.
# Helpers: user_add, api, expect_status, jqr, wait_for, wait_run_state, fail.
set -u
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SLUICE_BIN_DIR=${SLUICE_BIN_DIR:-$SLUICE_ROOT/bin}
export SLUICE_ROOT SLUICE_BIN_DIR
STACK_TMP=$(mktemp -d /tmp/sluice-test.XXXXXX)
chmod 0755 "$STACK_TMP"
STACK_PID=""
STATUS="" BODY="" HDRS="$STACK_TMP/headers"

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "# $*" >&2; }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

stack_start() {
	export SLUICE_DATA=$STACK_TMP/data
	export SLUICE_PORT=${SLUICE_PORT_FIXED:-$(free_port)}
	export SLUICE_BIND=127.0.0.1
	export SLUICE_URL=https://127.0.0.1:$SLUICE_PORT
	export ADMIN_USER=admin ADMIN_PASS=admin-pass-1234
	export SLUICE_ADMIN_USER=$ADMIN_USER SLUICE_ADMIN_PASSWORD=$ADMIN_PASS
	export SLUICE_NO_DEMO=${SLUICE_NO_DEMO:-1}
	export SLUICE_KILL_GRACE_S=${SLUICE_KILL_GRACE_S:-3}
	[ "${STACK_NO_SCHEDULER:-}" = 1 ] && export SLUICE_NO_SCHEDULER=1
	"$SLUICE_ROOT/scripts/sluice-run" >"$STACK_TMP/stack.log" 2>&1 &
	STACK_PID=$!
	trap stack_cleanup EXIT
	local i
	for i in $(seq 1 300); do
		if curl -sfk "$SLUICE_URL/api/health" >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$STACK_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$STACK_TMP/stack.log" >&2
	fail "stack did not start"
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

# Stops the stack; returns 1 (after saying why) if the launcher failed or
# any of the stack's processes outlived it.
stack_stop() {
	[ -n "$STACK_PID" ] || return 0
	kill -TERM "$STACK_PID" 2>/dev/null
	local i rc=0
	for i in $(seq 1 300); do
		kill -0 "$STACK_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$STACK_PID" 2>/dev/null; rc=$?
	STACK_PID=""
	local left
	for i in $(seq 1 50); do
		left=$(stack_pids)
		[ -z "$left" ] && break
		sleep 0.1
	done
	if [ -n "$left" ]; then
		ps -o pid,args -p $left >&2
		kill -KILL $left 2>/dev/null
		echo "FAIL: processes left after stop" >&2
		return 1
	fi
	[ $rc = 0 ] || { echo "FAIL: launcher exited with status $rc" >&2; return 1; }
}

stack_cleanup() {
	local rc=$?
	trap - EXIT
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
