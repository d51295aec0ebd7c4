#!/usr/bin/env bash
# The data directory's disk fills while tasks run and is freed again: the
# scheduler does not hammer the store (one "writes refused" line, a few
# refused writes with backoff instead of ten a second), health says
# storage_full without calling the running scheduler offline, a new run
# is refused 503 storage_full; once space is freed the scheduler says it
# catches up, records the attempts that ended meanwhile (their runs
# COMPLETE), and the next run completes. Nothing exits.
source "${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/stack.sh" || exit 1
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
source "$SLUICE_ROOT/tests/fault/helpers/fault.sh"
stack_small_disk 40
stack_start
rounds=$(scale 1 5)
N=3
log=$STACK_TMP/stack.log
gate=$STACK_TMP/gate
mkdir -m 0777 "$gate"
flow_put gated "$(jq -cn --arg g "$gate" '{name:"gated",max_concurrent_runs:100,
 tasks:[{name:"t",command:["sh","-c","while [ ! -e \"$0/open.$SLUICE_RUN_ID\" ]; do sleep 0.1; done; echo done",$g]}]}')"
flow_put quick '{"name":"quick","tasks":[{"name":"t","command":["echo","hi"]}]}'
refused_total=0 caught=0 completed=0 s503=0
for round in $(seq 1 "$rounds"); do
	ids=()
	for i in $(seq 1 $N); do ids+=("$(run_start gated)"); done
	for id in "${ids[@]}"; do wait_task_state "$id" t RUNNING 60; done
	spells_before=$(grep -c "store: writes refused" "$log")
	dd if=/dev/zero of="$SLUICE_DATA/filler" bs=1M 2>/dev/null
	for id in "${ids[@]}"; do touch "$gate/open.$id"; done
	sleep 8	# the tasks end; their ends cannot be written
	api GET /api/health
	[ "$STATUS" = 503 ] && [ "$(jqr .status)" = storage_full ] ||
	    fail "health on a full disk: $STATUS $BODY"
	[ "$(jqr .scheduler.online)" != false ] ||
	    fail "health calls the running scheduler offline: $BODY"
	api POST /api/flows/quick/runs '{}'
	[ "$STATUS" = 503 ] && [ "$(jqr .error.code)" = storage_full ] ||
	    fail "a run on a full disk: $STATUS $BODY"
	s503=$((s503 + 1))
	for id in "${ids[@]}"; do
		[ "$(run_col "$id" state)" = RUNNING ] ||
		    fail "run $id is $(run_col "$id" state) on a full disk"
	done
	rm -f "$SLUICE_DATA/filler"
	for id in "${ids[@]}"; do wait_run_state "$id" COMPLETED 60; done
	completed=$((completed + N))
	[ "$(grep -c "store: writes refused" "$log")" = $((spells_before + 1)) ] ||
	    fail "not one 'writes refused' line per full spell: $(grep "store:" "$log")"
	back=$(grep "store: writes taken again" "$log" | tail -n 1)
	[ -n "$back" ] || fail "no catch-up line: $(grep -i "store\|full" "$log" | tail)"
	refused=$(sed -n 's/.*(\([0-9]*\) refused).*/\1/p' <<<"$back")
	ends=$(sed -n 's/.*catching up: \([0-9]*\) ended.*/\1/p' <<<"$back")
	# Ten a second without a backoff: about 80 in 8 s.
	[ "$refused" -le 20 ] || fail "$refused writes refused in one spell: $back"
	[ "$ends" -ge 1 ] || fail "nothing caught up: $back"
	refused_total=$((refused_total + refused)) caught=$((caught + ends))
	id=$(run_start quick)
	wait_run_state "$id" COMPLETED 60
	completed=$((completed + 1))
done
full_lines=$(grep -c "the disk is full" "$log")
[ "$full_lines" -le $((rounds * 4)) ] || fail "$full_lines 'disk full' lines"
figures "rounds=$rounds runs_completed=$completed refused_writes=$refused_total" \
    "ends_caught_up=$caught full_lines=$full_lines refused_503=$s503"
echo ok
