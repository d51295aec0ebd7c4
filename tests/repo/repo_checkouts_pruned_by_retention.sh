#!/usr/bin/env bash
# Retention removes a commit's checkout once no run kept in the database
# and no current version needs it, and keeps the ones that are needed:
# the current version's, and a past commit a kept run ran.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/repo/helpers/lib.sh"
# Old enough after 3 s: a checkout a sync has just made is younger.
export SLUICE_CODE_MIN_AGE_S=3
stack_start
git_repo
trees=$SLUICE_DATA/code/trees
flow_file r '["echo", "a"]'
push "A: runs"
a=$HEAD_COMMIT
repo_add team
wait_synced team "$a"
id=$(run_start r)
wait_run_state "$id" COMPLETED 30
flow_file r '["echo", "b"]'
push "B: never runs"
b=$HEAD_COMMIT
sync_now team
flow_file r '["echo", "c"]'
push "C: current"
c=$HEAD_COMMIT
sync_now team
for x in "$a" "$b" "$c"; do
	[ -d "$trees/$x" ] || fail "no checkout of $x after its sync"
done

# Retention runs a second after a scheduler starts: restart it once
# the checkouts are old enough.
sleep 4
expect_exit sluice-scheduler "with status 0"
kill -TERM "$(cat "$SLUICE_DATA/run/sluice-scheduler.pid")"
wait_for 30 test ! -d "$trees/$b" || fail "the unneeded checkout of $b stayed"
[ -d "$trees/$a" ] || fail "the checkout a kept run ran ($a) was removed"
[ -d "$trees/$c" ] || fail "the current version's checkout ($c) was removed"
id=$(run_start r)
wait_run_state "$id" COMPLETED 30
echo "ok: retention removed $b, kept $a (a kept run) and $c (current)"
