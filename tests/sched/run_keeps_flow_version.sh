#!/usr/bin/env bash
# A run keeps the flow version it started with: a run of version 1 whose
# second task has not started yet when version 2 is applied still runs
# version 1's command for it; a new run runs version 2; a rerun of the
# first run (same flow version) runs version 1 again although version 2
# is current.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
stack_start
out=$STACK_TMP/out; mkdir -p "$out"
flow() {	# VERSION_WORD
	echo "{\"name\":\"vers\",\"max_concurrent_runs\":5,\"tasks\":[
 {\"name\":\"gate\",\"command\":[\"sh\",\"-c\",\"while [ ! -e $out/open ]; do sleep 0.1; done\"]},
 {\"name\":\"say\",\"depends_on\":[\"gate\"],\"command\":[\"sh\",\"-c\",\"echo $1 \$SLUICE_RUN_ID >> $out/said\"]}]}"
}
said() { grep " $1\$" "$out/said" 2>/dev/null | cut -d' ' -f1; }

api PUT /api/flows/vers "$(flow one)"
expect_status 201 "version 1"
old=$(run_start vers)
wait_task_state "$old" gate RUNNING 30
api PUT /api/flows/vers "$(flow two)"
expect_status 200 "version 2"
[ "$(jqr .version)" = 2 ] || fail "new version: $BODY"
touch "$out/open"
wait_run_state "$old" COMPLETED 30
[ "$(jqr .flow_version)" = 1 ] || fail "run's version: $BODY"
[ "$(said "$old")" = one ] || fail "the old run ran: $(said "$old") ($(cat "$out/said"))"

new=$(run_start vers)
wait_run_state "$new" COMPLETED 30
[ "$(jqr .flow_version)" = 2 ] || fail "new run's version: $BODY"
[ "$(said "$new")" = two ] || fail "the new run ran: $(said "$new")"

api POST "/api/runs/$old/rerun" '{}'
expect_status 201 "rerun"
again=$(jqr .id)
[ -n "$again" ] && [ "$again" != null ] || fail "rerun: $BODY"
wait_run_state "$again" COMPLETED 30
[ "$(jqr .flow_version)" = 1 ] || fail "rerun's version: $BODY"
[ "$(said "$again")" = one ] || fail "the rerun ran: $(said "$again")"
echo ok
