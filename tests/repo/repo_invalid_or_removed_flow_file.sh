#!/usr/bin/env bash
# A flow file that fails validation leaves its flow on the version it had
# and marks the sync failed with the file, field and reason (API, audit
# trail); the old version still runs. A flow whose file is removed is
# archived; fixing the file makes the sync ok again.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/repo/helpers/lib.sh"
stack_start
git_repo
flow_file keep '["echo", "keep v1"]'
flow_file gone '["echo", "gone"]'
push "Two flows"
repo_add team
wait_synced team "$HEAD_COMMIT"

flow_file keep '"echo keep v2"'
push "Break the command"
sync_now team
[ "$(jqr .sync.state)" = failed ] || fail "sync not failed: $BODY"
[ "$(jqr .sync.error.file)" = flows/keep.json ] &&
    [ "$(jqr .sync.error.field)" = "tasks[0].command" ] &&
    [ -n "$(jqr '.sync.error.reason // empty')" ] ||
    fail "error does not name file, field and reason: $BODY"
api GET /api/flows/keep
[ "$(jqr .version)" = 1 ] || fail "the broken file changed the flow: $BODY"
id=$(run_start keep)
wait_run_state "$id" COMPLETED 30
grep -q "keep v1" "$SLUICE_DATA/logs/$id/main.1.log" || fail "old version did not run"
api GET '/api/events?limit=50'
jq -e '.items[] | select(.action == "repo.sync" and .detail.state == "failed")' \
    <<<"$BODY" >/dev/null || fail "no failed repo.sync in the audit trail: $BODY"

flow_file keep '["echo", "keep v2"]'
rm "$WORK/flows/gone.json"
push "Fix keep, remove gone"
sync_now team
[ "$(jqr .sync.state)" = ok ] || fail "fixed sync not ok: $BODY"
api GET /api/flows/gone
[ "$(jqr .archived)" = true ] || fail "removed flow not archived: $BODY"
api GET /api/flows/keep
[ "$(jqr .version)" = 2 ] || fail "fixed flow has no new version: $BODY"
echo "ok: invalid file kept v1 and named the field; removed file archived"
