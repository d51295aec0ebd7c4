#!/usr/bin/env bash
# GET /api/metrics is Prometheus text: runs and task attempts by state
# (every state present), workers, flows, requests served by this
# sluice-api and build info, with HELP/TYPE lines; counts follow changes.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

api PUT /api/flows/m '{"tasks":[{"name":"a","command":["true"]},{"name":"b","command":["true"]}]}'
api POST /api/flows/m/runs '{}'
api POST /api/flows/m/runs '{}'
run=$(jqr .id)
api POST "/api/runs/$run/cancel"

api GET /api/metrics
expect_status 200 "metrics"
grep -qi '^Content-Type: text/plain; version=0.0.4' "$HDRS" || fail "content type"
metric() { grep -E "^$1 " <<<"$BODY" | awk '{print $2}'; }
[ "$(metric 'sluice_runs\{state="PENDING"\}')" = 1 ] || fail "pending runs: $BODY"
[ "$(metric 'sluice_runs\{state="CANCELLED"\}')" = 1 ] || fail "cancelled runs"
[ "$(metric 'sluice_runs\{state="COMPLETED"\}')" = 0 ] || fail "zero states listed"
[ "$(metric 'sluice_task_runs\{state="PENDING"\}')" = 2 ] || fail "pending tasks"
[ "$(metric 'sluice_task_runs\{state="CANCELLED"\}')" = 2 ] || fail "cancelled tasks"
[ "$(metric sluice_flows)" = 1 ] || fail "flows"
[ "$(metric sluice_workers_online)" = 0 ] || fail "workers online"
[ "$(metric 'sluice_build_info\{version="0.1.0"\}')" = 1 ] || fail "build info"
n1=$(metric sluice_api_requests_total)
[ "$n1" -ge 5 ] || fail "requests: $n1"
grep -q '^# TYPE sluice_api_requests_total counter$' <<<"$BODY" || fail "TYPE line"
api GET /api/metrics
n2=$(metric sluice_api_requests_total)
[ "$n2" -gt "$n1" ] || fail "request counter did not grow: $n1 -> $n2"
echo ok
