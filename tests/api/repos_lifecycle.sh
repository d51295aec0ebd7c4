#!/usr/bin/env bash
# A flow repository's life through the API: PUT creates it (201, defaults
# filled in, path normalised, a sync asked for by the admin) and replaces
# it (200; unchanged url/ref/path ask for no new sync, a changed one
# does); a secret left out is kept, null clears it; GET and the paged
# list show it with its sync and owned flows; POST .../sync asks again
# (202); roles: viewers read, only admins change or sync; DELETE archives
# its flows, which then belong to no repository and can be PUT again.
# Every change has its audit event.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
STACK_NO_SCHEDULER=1
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start
user_add vic viewer 'vic-pass-1'
user_add otto operator 'otto-pass-1'

api PUT /api/repos/etl '{"url": "/srv/git/etl.git", "webhook_secret": "hook-1"}'
expect_status 201 "create"
[ "$(jqr '[.name, .url, .ref, .path, .interval_s, (.env | length),
    .has_webhook_secret, .has_token, .has_ssh_key, .webhook_path,
    .sync.state, .sync.requested_by, (.flows | length)] | @tsv')" = \
    "$(printf 'etl\t/srv/git/etl.git\tmain\tflows/\t60\t0\ttrue\tfalse\tfalse\t/api/repos/etl/webhook\tnever\tadmin\t0')" ] ||
    fail "created view: $BODY"
first=$(jqr .sync.requested_at)
[ "$first" != null ] || fail "creating asks for no sync: $BODY"

sleep 0.01
api PUT /api/repos/etl '{"url": "/srv/git/etl.git", "interval_s": 0,
    "path": "./jobs//daily", "env": {"PIP_NO_INDEX": "1"}}'
expect_status 200 "replace"
[ "$(jqr '[.interval_s, .path, .env.PIP_NO_INDEX, .has_webhook_secret] | @tsv')" = \
    "$(printf '0\tjobs/daily/\t1\ttrue')" ] || fail "replaced view: $BODY"
[ "$(jqr .sync.requested_at)" != "$first" ] || fail "new path asks for no sync"
second=$(jqr .sync.requested_at)
api PUT /api/repos/etl '{"url": "/srv/git/etl.git", "interval_s": 30,
    "path": "jobs/daily"}'
expect_status 200 "replace, same place"
[ "$(jqr .sync.requested_at)" = "$second" ] ||
    fail "an unchanged url/ref/path asked for a sync: $BODY"
api PUT /api/repos/etl '{"url": "/srv/git/etl.git", "webhook_secret": null}'
expect_status 200 "clear the secret"
[ "$(jqr .has_webhook_secret)" = false ] || fail "null kept the secret: $BODY"

api PUT /api/repos/abc '{"url": "git@git.example:team/abc.git", "ref": "release/v2"}'
expect_status 201 "second repository"
api GET '/api/repos?limit=1'
expect_status 200 "list"
[ "$(jqr '.items[0].name')" = abc ] && [ "$(jqr .next_cursor)" = abc ] ||
    fail "first page: $BODY"
api GET '/api/repos?limit=1&cursor=abc'
[ "$(jqr '[.items[].name] | join(",")')" = etl ] &&
    [ "$(jqr .next_cursor)" = null ] || fail "second page: $BODY"

AS=vic:vic-pass-1 api GET /api/repos/etl
expect_status 200 "viewer reads"
AS=vic:vic-pass-1 api PUT /api/repos/etl '{"url": "/srv/x.git"}'
expect_status 403 "viewer PUT"
AS=otto:otto-pass-1 api POST /api/repos/etl/sync
expect_status 403 "operator sync"
AS=otto:otto-pass-1 api DELETE /api/repos/etl
expect_status 403 "operator DELETE"

before=$(db_sql "SELECT sync_requested_at FROM repos WHERE name = 'etl'")
sleep 0.01
api POST /api/repos/etl/sync
expect_status 202 "sync"
[ "$(jqr .name)" = etl ] && [ "$(jqr .sync.requested_by)" = admin ] ||
    fail "sync reply: $BODY"
[ "$(db_sql "SELECT sync_requested_at > ? FROM repos WHERE name = 'etl'" \
    "$before")" = 1 ] || fail "sync_requested_at not moved on"
api POST /api/repos/nope/sync
expect_status 404 "sync of an unknown repository"
api POST /api/repos/etl/sync '{"now": true}'
expect_status 400 "sync with a body"

# A flow the repository owns (as its sync would leave it).
api PUT /api/flows/daily '{"tasks": [{"name": "t", "command": ["true"]}]}'
expect_status 201 "flow"
db_sql "UPDATE flows SET repo = 'etl' WHERE name = 'daily'" >/dev/null
api GET /api/repos/etl
[ "$(jqr '.flows | join(",")')" = daily ] || fail "owned flows: $BODY"
api GET /api/flows/daily
[ "$(jqr .repo)" = etl ] || fail "flow's repo: $BODY"
api PUT /api/flows/daily '{"tasks": [{"name": "t", "command": ["false"]}]}'
expect_status 409 "PUT of a repository's flow"
jqr .error.message | grep -q '"etl"' || fail "409 names no repository: $BODY"

api DELETE /api/repos/etl
expect_status 204 "delete"
api GET /api/repos/etl
expect_status 404 "deleted repository"
api DELETE /api/repos/etl
expect_status 404 "delete twice"
api GET /api/flows/daily
[ "$(jqr .archived)" = true ] && [ "$(jqr .repo)" = null ] ||
    fail "flow after its repository went: $BODY"
api PUT /api/flows/daily '{"tasks": [{"name": "t", "command": ["false"]}]}'
expect_status 200 "the API may store it again"

api GET '/api/events?object_type=repo&limit=50'
[ "$(jqr '[.items[].action] | reverse | join(",")')" = \
    "repo.put,repo.put,repo.put,repo.put,repo.put,repo.sync_request,repo.delete" ] ||
    fail "audit events: $(jqr '[.items[].action]')"
api GET '/api/events?object_id=etl&action=repo.delete'
[ "$(jqr '.items[0].detail.flows | join(",")')" = daily ] ||
    fail "repo.delete names no flows: $BODY"
api GET '/api/events?object_id=daily&action=flow.delete'
[ "$(jqr '.items[0].detail.repo')" = etl ] || fail "flow archived unaudited: $BODY"
echo ok
