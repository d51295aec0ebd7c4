#!/usr/bin/env bash
# Polling is the fallback: a repository with interval_s syncs a push by
# itself, with no webhook and no explicit sync.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/repo/helpers/lib.sh"
stack_start
git_repo
flow_file poll '["echo", "one"]'
push "First"
api PUT /api/repos/team "{\"url\": \"$ORIGIN\", \"interval_s\": 10}"
expect_status 201 "PUT repo"
wait_synced team "$HEAD_COMMIT"
flow_file poll '["echo", "two"]'
push "Second, announced to no one"
wait_synced team "$HEAD_COMMIT" 60
api GET /api/flows/poll
[ "$(jqr .version)" = 2 ] && [ "$(jqr '.versions[0].commit')" = "$HEAD_COMMIT" ] ||
    fail "the poll did not bring the new version: $BODY"
echo "ok: a push was synced by polling"
