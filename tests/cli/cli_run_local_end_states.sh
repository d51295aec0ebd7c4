#!/usr/bin/env bash
# cli_run_local_end_states.sh: `sluicectl run --local` keeps the flow's
# retries and time limits and tells how a run ended: a task that fails its
# first attempt is tried again and the run COMPLETES (exit 0); a task that
# fails for good skips its downstream task and the run ends FAILED (exit 1,
# "run FAILED: ..." with the task named); a task over its timeout_s is
# stopped and the run FAILED, long before the task would have ended.
. "${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/stack.sh"
. "$SLUICE_ROOT/tests/lib/cli.sh"
no_stack_cleanup
export TMPDIR=$tmp/tmpdir
mkdir -p "$TMPDIR"
cd "$tmp" || fail "cd"

cat >retry.json <<'JSON'
{"name": "retry", "tasks": [
 {"name": "flaky", "retries": 2, "retry_delay_s": 1,
  "command": ["sh", "-c", "echo try $SLUICE_ATTEMPT; [ $SLUICE_ATTEMPT -ge 2 ]"]},
 {"name": "after", "command": ["echo", "after ran"], "depends_on": ["flaky"]}
]}
JSON
expect 0 "$ctl" run --local retry.json
[ "$(grep '^flaky | ' "$tmp/out")" = "flaky | try 1
flaky | -- attempt 1 FAILED: exit code 1
flaky | try 2
flaky | -- attempt 2 COMPLETED" ] || fail "retry: $(cat "$tmp/out")"
grep -qxF "after | after ran" "$tmp/out" || fail "after: $(cat "$tmp/out")"
[ "$(tail -n 1 "$tmp/out")" = "run COMPLETED" ] || fail "$(cat "$tmp/out")"
ok "a task that fails once is retried and the run COMPLETES"

cat >fail.json <<'JSON'
{"name": "fail", "tasks": [
 {"name": "bad", "command": ["sh", "-c", "echo broken >&2; exit 3"]},
 {"name": "after", "command": ["echo", "after ran"], "depends_on": ["bad"]}
]}
JSON
expect 1 "$ctl" run --local fail.json
grep -qxF "bad | broken" "$tmp/out" &&
    grep -qxF "bad | -- attempt 1 FAILED: exit code 3" "$tmp/out" &&
    grep -q "^after | -- attempt 1 SKIPPED" "$tmp/out" &&
    ! grep -q "after ran" "$tmp/out" || fail "fail: $(cat "$tmp/out")"
[ "$(tail -n 1 "$tmp/out")" = "run FAILED: task bad FAILED" ] ||
    fail "end state: $(tail -n 1 "$tmp/out")"
ok "a failing flow exits 1 and prints its end state"

cat >slow.json <<'JSON'
{"name": "slow", "tasks": [
 {"name": "sleepy", "timeout_s": 1, "command": ["sleep", "60"]}
]}
JSON
start=$(date +%s)
expect 1 "$ctl" run --local slow.json
[ $(($(date +%s) - start)) -lt 30 ] || fail "the timeout was not kept"
grep -q "^sleepy | -- attempt 1 FAILED: timed out" "$tmp/out" &&
    [ "$(tail -n 1 "$tmp/out")" = "run FAILED: task sleepy FAILED" ] ||
    fail "timeout: $(cat "$tmp/out")"
ok "a task over its timeout_s is stopped and the run FAILED"

[ -z "$(ls -A "$TMPDIR")" ] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
left=$(local_leftovers "$TMPDIR")
[ -z "$left" ] || fail "processes left: $(ps -o pid,args -p $left)"
