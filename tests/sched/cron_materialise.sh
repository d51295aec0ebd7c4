#!/usr/bin/env bash
# A flow with a schedule gets its next two fire times as SCHEDULED runs
# (trigger schedule, attempt-1 task rows, UTC minute boundaries), a due
# one is claimed and run, and future ones are removed when the flow is
# paused, changed (new version) or archived, and made again on unpause.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
stack_start
def() {
	printf '{"name":"cr","schedule":{"cron":"%s","timezone":"Europe/Amsterdam"},"tasks":[{"name":"t","command":["echo","%s"]}]}' "$1" "$2"
}
future() {
	db "SELECT count(*) FROM runs WHERE flow = 'cr' AND state = 'SCHEDULED'
	    AND trigger = 'schedule' AND scheduled_for > $(date +%s%3N) ${1:-}"
}
flow_put cr "$(def '* * * * *' v1)"
wait_eq 15 2 future || fail "expected 2 future scheduled runs, got $(future)"
[ "$(db "SELECT count(*) FROM runs WHERE flow = 'cr' AND scheduled_for % 60000 <> 0")" = 0 ] ||
    fail "fire times not on minute boundaries"
first=$(db "SELECT id FROM runs WHERE flow = 'cr' AND state = 'SCHEDULED' ORDER BY scheduled_for LIMIT 1")
[ "$(task_col "$first" t state)" = PENDING ] || fail "no PENDING task row for scheduled run"
api GET /api/runs/"$first"
[ "$(jqr .trigger)" = schedule ] || fail "trigger: $(jqr .trigger)"
# Make the first one due: it is claimed and run.
db "UPDATE runs SET scheduled_for = $(( $(date +%s%3N) - 1000 )) WHERE id = '$first'"
wait_run_state "$first" COMPLETED 30
# Pause: future scheduled runs go away; unpause: they come back.
api PATCH /api/flows/cr '{"paused":true}'
expect_status 200 "pause"
wait_eq 15 0 future || fail "paused flow still has $(future) scheduled runs"
sleep 3
[ "$(future)" = 0 ] || fail "paused flow got new scheduled runs"
api PATCH /api/flows/cr '{"paused":false}'
expect_status 200 "unpause"
wait_eq 15 2 future || fail "unpaused flow has $(future) scheduled runs"
# A new version replaces the old version's future runs.
flow_put cr "$(def '*/5 * * * *' v2)"
v2=$(db "SELECT version FROM flows WHERE name = 'cr'")
wait_eq 15 0 future "AND flow_version <> $v2" ||
    fail "old version's runs not removed"
wait_eq 15 2 future "AND flow_version = $v2" || fail "new version not scheduled"
[ "$(db "SELECT count(*) FROM runs WHERE flow = 'cr' AND state = 'SCHEDULED' AND scheduled_for % 300000 <> 0")" = 0 ] ||
    fail "new schedule not applied"
# Archive: nothing scheduled any more; task rows went with the runs.
api DELETE /api/flows/cr
case $STATUS in 200|204) ;; *) fail "archive: $STATUS $BODY" ;; esac
wait_eq 15 0 future || fail "archived flow still scheduled"
[ "$(db "SELECT count(*) FROM task_runs WHERE run_id NOT IN (SELECT id FROM runs)")" = 0 ] ||
    fail "orphan task rows"
echo ok
