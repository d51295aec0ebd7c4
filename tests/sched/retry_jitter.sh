#!/usr/bin/env bash
# retry_jitter_s adds a random delay of up to that many seconds to the
# retry delay: not_before of the next attempt falls between delay and
# delay + jitter after the failure (checked over a few runs).
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
stack_start
flow_put jit '{"name":"jit","max_concurrent_runs":5,"tasks":[{"name":"t",
 "command":["sh","-c","[ $SLUICE_ATTEMPT = 2 ]"],
 "retries":1,"retry_delay_s":1,"retry_jitter_s":3}]}'
ids=()
for i in 1 2 3 4 5; do ids+=("$(run_start jit)"); done
for id in "${ids[@]}"; do wait_run_state "$id" COMPLETED 60; done
gaps=()
for id in "${ids[@]}"; do
	gap=$(db "SELECT b.started_at - a.ended_at FROM task_runs a JOIN task_runs b
	    ON b.run_id = a.run_id AND b.attempt = 2 WHERE a.run_id = '$id' AND a.attempt = 1")
	gaps+=("$gap")
	[ "$gap" -ge 950 ] && [ "$gap" -le 6000 ] || fail "retry gap $gap ms outside 1-4 s (+slack)"
done
echo "gaps: ${gaps[*]}"
# Five uniform draws over 3 s are not all within 100 ms of each other.
min=$(printf '%s\n' "${gaps[@]}" | sort -n | head -n 1)
max=$(printf '%s\n' "${gaps[@]}" | sort -n | tail -n 1)
[ $((max - min)) -gt 100 ] || fail "no jitter: ${gaps[*]}"
echo ok
