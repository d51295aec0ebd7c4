#!/usr/bin/env bash
# The harness itself (tests/lib/stack.sh, tests/sched/helpers/lib.sh)
# fails a test when a program it started went wrong, even if the test's
# own assertions passed: sluice-api crashing (SIGABRT, as a failed assert
# does; ASan would turn a SIGSEGV into a report and exit 1) and restarted
# by the launcher, a scheduler started by sched_start dying unasked, a
# sanitizer report in a program's log, a program failing while it is
# stopped, and `fail` inside $(...). Each case is a tiny test run here
# as a child; it must fail, or pass when it announced the exit
# (expect_exit, sched_kill).
set -u
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
SLUICE_BIN_DIR=${SLUICE_BIN_DIR:-$SLUICE_ROOT/bin}
export SLUICE_ROOT SLUICE_BIN_DIR
tmp=$(mktemp -d /tmp/sluice-harness.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export HARNESS_TMP=$tmp
fail() { echo "FAIL: $*" >&2; exit 1; }
head='source "$SLUICE_ROOT/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
api_pid() { cat "$SLUICE_DATA/run/sluice-api.pid" 2>/dev/null; }
restarted() { local p; p=$(api_pid); [ -n "$p" ] && [ "$p" != "$1" ] &&
    curl -sfk "$SLUICE_URL/api/health" >/dev/null; }
'

# A bin folder whose sluice-api is a wrapper around the real one:
# HARNESS_MODE=report prints a sanitizer-like line first, =stop fails
# (exit 1) after the real program stopped on SIGTERM.
wrap=$tmp/bin
mkdir -p "$wrap"
for p in sluicectl sluice-scheduler; do ln -s "$SLUICE_BIN_DIR/$p" "$wrap/$p"; done
cat >"$wrap/sluice-api" <<EOF
#!/usr/bin/env bash
real=$SLUICE_BIN_DIR/sluice-api
if [ "\${HARNESS_MODE:-}" = report ]; then
	echo "t.c:1:2: runtime error: harness self-test, not a real report" >&2
	exec "\$real"
fi
"\$real" &
child=\$!
trap 'kill -TERM \$child; wait \$child; exit 1' TERM
wait \$child
EOF
chmod +x "$wrap/sluice-api"

# case NAME WANT PATTERN BODY: runs BODY as a test; WANT is pass or fail,
# and a failing run must say PATTERN.
case_() {
	local name=$1 want=$2 pattern=$3 rc
	printf '%s\n%s\n' "$head" "$4" >"$tmp/$name.sh"
	bash "$tmp/$name.sh" >"$tmp/$name.log" 2>&1 </dev/null
	rc=$?
	if [ "$want" = pass ]; then
		[ $rc = 0 ] || { cat "$tmp/$name.log" >&2; fail "$name: exit $rc, expected a pass"; }
	else
		[ $rc != 0 ] || { cat "$tmp/$name.log" >&2; fail "$name: passed, expected a failure"; }
		grep -q "$pattern" "$tmp/$name.log" ||
		    { cat "$tmp/$name.log" >&2; fail "$name: no '$pattern' in its output"; }
	fi
	echo "ok   $name"
}

case_ api_abort fail "unexpected program exits" '
stack_start
old=$(api_pid)
kill -ABRT "$old"
wait_for 30 restarted "$old" || fail "not restarted"'

case_ api_abort_announced pass "" '
stack_start
old=$(api_pid)
expect_exit sluice-api "on signal 6"
kill -ABRT "$old"
wait_for 30 restarted "$old" || fail "not restarted"'

case_ sched_abort fail "exited by itself with status 134" '
STACK_NO_SCHEDULER=1 stack_start
sched_start w
sleep 1
kill -ABRT "$SCHED_PID"
wait_gone 10 "$SCHED_PID" "scheduler"'

case_ sched_kill_announced pass "" '
STACK_NO_SCHEDULER=1 stack_start
sched_start w
sleep 1
sched_kill "$SCHED_PID" KILL'

case_ fail_in_subshell fail "FAIL: inside" '
stack_start
x=$(fail "inside")
touch "$HARNESS_TMP/reached"
echo "reached after fail: $x"'
[ ! -e "$tmp/reached" ] || {
	fail "the test went on after fail in a subshell"; }

case_ sanitizer_report fail "sanitizer report" "
export SLUICE_BIN_DIR=$wrap HARNESS_MODE=report
stack_start"

case_ fails_while_stopping fail "exited with status 1 while stopping" "
export SLUICE_BIN_DIR=$wrap HARNESS_MODE=stop
stack_start"
echo ok
