#!/usr/bin/env bash
# Where a version came from is shown: GET /api/flows/{flow} carries the
# flow's repo, and each entry of versions its repo, commit, subject and
# source (null for a version stored through the API); a run, in GET
# /api/runs/{run} and in the list, carries its version's commit {repo,
# id, subject}, or null. The repository columns are set as a sync would
# leave them (the sync itself is the scheduler's).
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
STACK_NO_SCHEDULER=1
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

api PUT /api/flows/daily '{"tasks": [{"name": "t", "command": ["true"]}]}'
expect_status 201 "version 1"
api POST /api/flows/daily/runs '{}'
expect_status 201 "run of version 1"
old=$(jqr .id)
[ "$(jqr .commit)" = null ] || fail "an API version has a commit: $BODY"
api PUT /api/flows/daily '{"tasks": [{"name": "t", "command": ["false"]}]}'
expect_status 200 "version 2"
commit=0123456789abcdef0123456789abcdef01234567
db_sql "UPDATE flow_versions SET repo = 'etl', commit_id = ?,
    commit_subject = 'Load the new sensors', source = 'flows/daily.json'
    WHERE flow = 'daily' AND version = 2" "$commit" >/dev/null
db_sql "UPDATE flows SET repo = 'etl' WHERE name = 'daily'" >/dev/null
api POST /api/flows/daily/runs '{}'
expect_status 201 "run of version 2"
new=$(jqr .id)
[ "$(jqr '[.commit.repo, .commit.id, .commit.subject] | @tsv')" = \
    "$(printf 'etl\t%s\tLoad the new sensors' "$commit")" ] ||
    fail "new run's commit: $BODY"

api GET /api/flows/daily
expect_status 200 "flow"
[ "$(jqr .repo)" = etl ] || fail "flow's repo: $BODY"
[ "$(jqr '.versions[0] | [.version, .repo, .commit, .subject, .source] | @tsv')" = \
    "$(printf '2\tetl\t%s\tLoad the new sensors\tflows/daily.json' "$commit")" ] ||
    fail "version 2: $(jqr '.versions[0]')"
[ "$(jqr '.versions[1] | [.version, .repo, .commit, .subject, .source] | map(tostring) | join(",")')" = \
    "1,null,null,null,null" ] || fail "version 1: $(jqr '.versions[1]')"

api GET "/api/runs/$new"
[ "$(jqr .commit.id)" = "$commit" ] || fail "run detail: $BODY"
api GET "/api/runs/$old"
[ "$(jqr .commit)" = null ] || fail "old run detail: $BODY"
api GET '/api/runs?flow=daily'
[ "$(jqr '[.items[] | .id + "=" + (.commit.id // "none")] | join(",")')" = \
    "$new=$commit,$old=none" ] || fail "run list: $BODY"
echo ok
