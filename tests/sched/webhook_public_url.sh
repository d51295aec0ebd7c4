#!/usr/bin/env bash
# The webhook's "url" (the run's dashboard link) is based on
# SLUICE_PUBLIC_URL, else on SLUICE_URL, else is null. One scheduler at a
# time, so the one that notifies is the one configured.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
STACK_NO_SCHEDULER=1 stack_start
webhook_start
flow_put pu "{\"name\":\"pu\",\"tasks\":[{\"name\":\"t\",\"command\":[\"true\"]}],
 \"notify\":{\"on\":[\"COMPLETED\"],\"webhook\":\"http://127.0.0.1:$(cat "$out/port")/hook\"}}"
url_of() { grep "$1" "$out/bodies" 2>/dev/null | jq -r .url; }
delivered() { [ -n "$(url_of "$1")" ]; }

# notified ENV...: runs the flow on a scheduler started with ENV (in the
# test's shell, not a subshell: it owns the scheduler); sets ID and URL,
# the run and the url of its notification.
notified() {
	sched_start w "$@"
	ID=$(run_start pu)
	wait_run_state "$ID" COMPLETED 30
	wait_for 20 delivered "$ID" || fail "no webhook for $ID"
	sched_stop_all || fail "scheduler did not stop cleanly"
	URL=$(url_of "$ID")
}
notified SLUICE_PUBLIC_URL=https://sluice.example/base
case $URL in "https://sluice.example/base/"*"$ID") ;; *) fail "public url: $URL" ;; esac
notified -u SLUICE_PUBLIC_URL
case $URL in "$SLUICE_URL/"*"$ID") ;; *) fail "url from SLUICE_URL ($SLUICE_URL): $URL" ;; esac
notified -u SLUICE_PUBLIC_URL -u SLUICE_URL
[ "$URL" = null ] || fail "url with neither set: $URL"
echo ok
