#!/usr/bin/env bash
# With sluice-api not answering behind nginx (killed while the launcher is
# held, so it cannot restart it yet), nginx answers 502 with the JSON body
# {"error":{"code":"unavailable"}} for /api/health, and so it does for an
# authenticated request (whose login check cannot reach sluice-api
# either). Once the launcher restarts sluice-api, the API answers again.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
STACK_NO_SCHEDULER=1 stack_start

kill -STOP "$STACK_PID"
api_pid=$(cat "$SLUICE_DATA/run/sluice-api.pid")
expect_exit sluice-api "on signal 9"
kill -KILL "$api_pid"
# Dead, but a zombie until the held launcher reaps it.
dead() { local s; s=$(awk '{ print $3 }' "/proc/$api_pid/stat" 2>/dev/null)
    [ -z "$s" ] || [ "$s" = Z ]; }
wait_for 10 dead || fail "sluice-api (pid $api_pid) still alive"
json_type() {
	[ "$(header Content-Type)" = application/json ] ||
	    fail "$1: content type $(header Content-Type)"
}
AS=none api GET /api/health
expect_status 502 "/api/health with sluice-api down"
json_type /api/health
[ "$(jqr .error.code)" = unavailable ] || fail "/api/health: body $BODY"
api GET /api/flows
json_type /api/flows
expect_status 502 "/api/flows with sluice-api down"
[ "$(jqr .error.code)" = unavailable ] || fail "/api/flows: body $BODY"
kill -CONT "$STACK_PID"
back() { AS=none api GET /api/health; [ "$STATUS" = 200 ]; }
wait_for 30 back || fail "sluice-api not back: $STATUS $BODY"
api GET /api/flows
expect_status 200 "after the restart"
echo ok
