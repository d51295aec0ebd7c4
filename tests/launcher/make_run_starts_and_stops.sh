#!/usr/bin/env bash
# `make run`, exactly as the README says: on a fresh data directory it
# builds (nothing to do here), starts nginx, sluice-api and the scheduler,
# prints the URL and a generated admin password once, and applies the demo
# flow. Ctrl-C (SIGINT to the whole foreground group) stops everything with
# no process left; a second start reuses the data (no new password) and
# SIGTERM to the launcher makes `make run` exit 0.
source "$SLUICE_ROOT/tests/lib/stack.sh"
export SLUICE_DATA=$STACK_TMP/data SLUICE_PORT=$(free_port)
unset SLUICE_ADMIN_PASSWORD SLUICE_NO_DEMO
url=https://127.0.0.1:$SLUICE_PORT
log=$STACK_TMP/make.log
make_pid=""
cleanup() {
	[ -n "$make_pid" ] && kill -KILL -- "-$make_pid" 2>/dev/null
	rm -rf "$STACK_TMP"
}
trap cleanup EXIT

start_make() {
	# A background job of a script starts with SIGINT ignored; a terminal's
	# `make run` does not, so give SIGINT back its default as Ctrl-C finds it.
	# The log is emptied here, not only by the child's redirection: a child
	# slow to start would otherwise let the previous start's lines match.
	: >"$log"
	setsid env --default-signal=INT make -C "$SLUICE_ROOT" \
	    --no-print-directory run >"$log" 2>&1 &
	make_pid=$!
	wait_for 60 grep -q "Sluice is running at $url/" "$log" || {
		cat "$log" >&2; fail "make run did not announce $url"; }
}
no_leftovers() { [ -z "$(stack_pids)" ]; }
# Fails on a program exit the launcher reported, or a sanitizer report.
log_clean() {
	local exits
	exits=$(stack_unexpected_exits "$log")
	[ -z "$exits" ] || fail "unexpected program exits: $exits"
	sanitizer_check "$log" || fail "sanitizer report in make run's output"
}

start_make
password=$(sed -n 's/.*log in as admin with password: \([^ ]*\) (shown once)/\1/p' "$log")
[ -n "$password" ] || fail "no generated password printed: $(cat "$log")"
flows=$(curl -sk -u "admin:$password" "$url/api/flows")
[ "$(jq -r '.items[0].name' <<<"$flows")" = demo ] || fail "no demo flow: $flows"
grep -rq "$password" "$SLUICE_DATA" && fail "the password was written to disk"

kill -INT -- "-$make_pid"
wait "$make_pid"
wait_for 30 no_leftovers || fail "processes left after Ctrl-C: $(stack_pids)"
grep -q "sluice-run: stopped" "$log" || fail "launcher did not stop cleanly"
log_clean

start_make
grep -q "password: " "$log" && fail "a second start printed a new password"
curl -sfk -u "admin:$password" "$url/api/flows" >/dev/null ||
    fail "the first password no longer works"
kill -TERM "$(cat "$SLUICE_DATA/run/sluice-run.pid")"
wait "$make_pid"; rc=$?
[ $rc = 0 ] || fail "make run exited $rc after SIGTERM"
wait_for 30 no_leftovers || fail "processes left after SIGTERM: $(stack_pids)"
log_clean
