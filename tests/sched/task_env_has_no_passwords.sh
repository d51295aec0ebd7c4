#!/usr/bin/env bash
# A task's environment never holds SLUICE_ADMIN_PASSWORD or
# SLUICE_PASSWORD, even when the scheduler itself was started with them
# (the launcher removes them, and the scheduler drops them again), while
# the rest of the scheduler's environment is still inherited.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
export SLUICE_PASSWORD=ctl-secret-5678 SLUICE_TEST_INHERITED=visible-1
check_env_log() {	# RUN
	local log=$SLUICE_DATA/logs/$1/t.1.log
	grep -q " out SLUICE_TEST_INHERITED=visible-1$" "$log" ||
	    fail "env output missing or not inherited: $(head -c 2000 "$log")"
	! grep -q "SLUICE_ADMIN_PASSWORD\|SLUICE_PASSWORD=" "$log" ||
	    fail "a password variable reached the task"
	# stack.sh itself exports the test's ADMIN_PASS; not ours to drop.
	! grep -v " out ADMIN_PASS=$ADMIN_PASS$" "$log" |
	    grep -q "$ADMIN_PASS\|$SLUICE_PASSWORD" ||
	    fail "a password value reached the task"
}
# Through the launcher (stack.sh exports SLUICE_ADMIN_PASSWORD).
stack_start
flow_put envf '{"name":"envf","tasks":[{"name":"t","command":["env"]}]}'
id=$(run_start envf)
wait_run_state "$id" COMPLETED 30
check_env_log "$id"
# A scheduler started directly with both passwords in its environment,
# so the scheduler's own filter is tested whatever the launcher does.
flow_put envd '{"name":"envd","pool":"direct","tasks":[{"name":"t","command":["env"]}]}'
sched_start direct SLUICE_POOL=direct SLUICE_ADMIN_PASSWORD="$ADMIN_PASS"
pid=$SCHED_PID
wait_for 10 grep -qz "^SLUICE_PASSWORD=$SLUICE_PASSWORD$" "/proc/$pid/environ" ||
    fail "the scheduler was not started with SLUICE_PASSWORD"
grep -qz "^SLUICE_ADMIN_PASSWORD=$ADMIN_PASS$" "/proc/$pid/environ" ||
    fail "the scheduler was not started with SLUICE_ADMIN_PASSWORD"
id=$(run_start envd)
wait_run_state "$id" COMPLETED 30
[ "$(run_col "$id" worker)" = direct ] || fail "run not on the direct scheduler"
check_env_log "$id"
echo ok
