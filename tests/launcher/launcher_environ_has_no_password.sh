#!/usr/bin/env bash
# The admin password given in SLUICE_ADMIN_PASSWORD on first start is in
# no Sluice process's environment afterwards — not the launcher's own
# /proc/PID/environ (which bash's `unset` would leave), not sluice-api's,
# the scheduler's or nginx's — and it still became the admin's password.
source "$SLUICE_ROOT/tests/lib/stack.sh"
stack_start
pids=("$STACK_PID")
for prog in sluice-api sluice-scheduler nginx; do
	p=$(cat "$SLUICE_DATA/run/$prog.pid") || fail "no run/$prog.pid"
	pids+=("$p")
done
pids+=($(pgrep -P "$(cat "$SLUICE_DATA/run/nginx.pid")"))
for p in "${pids[@]}"; do
	[ -r "/proc/$p/environ" ] || fail "cannot read /proc/$p/environ"
	# stack.sh itself exports ADMIN_PASS for the test; not Sluice's.
	! tr '\0' '\n' <"/proc/$p/environ" | grep -v "^ADMIN_PASS=" |
	    grep -qF "$ADMIN_PASS" ||
	    fail "pid $p ($(cat /proc/$p/comm)) holds the admin password in its environment"
done
api GET /api/me
expect_status 200 "the given admin password logs in"
echo ok
