#!/usr/bin/env bash
# A flow file that fails validation leaves its flow on the version it had
# and marks the sync failed with the file, field and reason (API, audit
# trail, and once -- not again while the error repeats -- the flow's
# notification webhook); the old version still runs. A flow whose file is
# removed is archived; fixing the file makes the sync ok again.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/repo/helpers/lib.sh"
stack_start
webhook_start
git_repo
notify_json="\"notify\": {\"on\": [\"FAILED\"], \"webhook\": \"http://127.0.0.1:$port/hook\"}"
flow_file keep '["echo", "keep v1"]'
jq ". + {$notify_json}" "$WORK/flows/keep.json" >"$WORK/x" && mv "$WORK/x" "$WORK/flows/keep.json"
flow_file gone '["echo", "gone"]'
push "Two flows"
repo_add team
wait_synced team "$HEAD_COMMIT"

flow_file keep '"echo keep v2"'
jq ". + {$notify_json}" "$WORK/flows/keep.json" >"$WORK/x" && mv "$WORK/x" "$WORK/flows/keep.json"
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
wait_for 30 test -s "$out/bodies" || fail "the failed sync was not notified"
jq -e 'select(.event == "sync_failed" and .flow == "keep" and .repo == "team"
    and .error.field == "tasks[0].command")' "$out/bodies" >/dev/null ||
    fail "notification body: $(cat "$out/bodies")"
sync_now team	# the same error again: not notified again
sleep 2
[ "$(wc -l <"$out/bodies")" = 1 ] || fail "repeated error notified again: $(cat "$out/bodies")"

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
