#!/usr/bin/env bash
# Push to main and it runs: a registered repository is synced, its flow
# runs in a checkout of the commit; a push announced by the webhook (good
# signature) gives a new version recording commit and subject, the next
# run runs the new code, and a run started before the push finishes on
# the old commit. A bad or missing signature is refused (401) and syncs
# nothing.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/repo/helpers/lib.sh"
stack_start
git_repo
cat >"$WORK/tasks/etl.py" <<'PY'
import os, sys, time
print("code", open("tasks/version.txt").read().strip(), "commit",
      os.environ["SLUICE_COMMIT"], "in", os.getcwd())
time.sleep(float(sys.argv[1]))
PY
echo one >"$WORK/tasks/version.txt"
flow_file etl '["python3", "tasks/etl.py", "{{params.pause}}"]'
jq '.parameters = {"pause": {"type": "number", "default": 0}}' \
    "$WORK/flows/etl.json" >"$WORK/flows/x" && mv "$WORK/flows/x" "$WORK/flows/etl.json"
push "First flow"
first=$HEAD_COMMIT
repo_add team '"webhook_secret": "s3cret-hook"'
wait_synced team "$first"
[ "$(jqr .sync.state)" = ok ] || fail "first sync not ok: $BODY"
[ "$(jqr .sync.subject)" = "First flow" ] || fail "subject: $BODY"

api GET /api/flows/etl
[ "$(jqr .repo)" = team ] || fail "flow not owned by the repository: $BODY"
[ "$(jqr '.versions[0].commit')" = "$first" ] || fail "version commit: $BODY"

# A long run on the first commit, started before the push.
old=$(run_start etl '{"parameters": {"pause": 4}}')
wait_task_state "$old" main RUNNING 30

echo two >"$WORK/tasks/version.txt"
push "Second version"
second=$HEAD_COMMIT

# Wrong and missing signatures: refused, nothing synced.
push_hook team wrong-secret
[ "$STATUS" = 401 ] || fail "wrong signature: expected 401, got $STATUS $BODY"
STATUS=$(curl -sk -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary '{}' "$SLUICE_URL/api/repos/team/webhook")
[ "$STATUS" = 401 ] || fail "missing signature: expected 401, got $STATUS"
sleep 1
api GET /api/repos/team
[ "$(jqr .sync.commit)" = "$first" ] || fail "a refused webhook synced: $BODY"

push_hook team s3cret-hook
[ "$STATUS" = 202 ] || fail "good signature: expected 202, got $STATUS $BODY"
wait_synced team "$second" 30
api GET /api/flows/etl
[ "$(jqr .version)" = 2 ] || fail "no new version after the push: $BODY"
[ "$(jqr '.versions[0].commit')" = "$second" ] &&
    [ "$(jqr '.versions[0].subject')" = "Second version" ] ||
    fail "new version's commit/subject: $BODY"

new=$(run_start etl)
wait_run_state "$new" COMPLETED 60
wait_run_state "$old" COMPLETED 60
grep -q "code one commit $first" "$SLUICE_DATA/logs/$old/main.1.log" ||
    fail "the run started before the push did not run the old commit: $(cat "$SLUICE_DATA/logs/$old/main.1.log")"
grep -q "code two commit $second" "$SLUICE_DATA/logs/$new/main.1.log" ||
    fail "the run after the push did not run the new commit: $(cat "$SLUICE_DATA/logs/$new/main.1.log")"
api GET "/api/runs/$old"
[ "$(jqr .commit.id)" = "$first" ] || fail "old run's commit: $BODY"
api GET "/api/runs/$new"
[ "$(jqr .commit.id)" = "$second" ] && [ "$(jqr .commit.repo)" = team ] ||
    fail "new run's commit: $BODY"

# Git stays the truth: the API cannot change or delete the flow.
api PUT /api/flows/etl '{"tasks": [{"name": "x", "command": ["true"]}]}'
expect_status 409 "PUT of a repository's flow"
jqr .error.message | grep -q 'repository "team"' ||
    fail "409 does not name the repository: $BODY"
api DELETE /api/flows/etl
expect_status 409 "DELETE of a repository's flow"
echo "ok: push deployed $second; the earlier run stayed on $first"
