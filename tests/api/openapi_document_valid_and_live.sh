#!/usr/bin/env bash
# fcgi/openapi.json is a contract a client generator can use: an
# independent validator (@seriousme/openapi-schema-validator, pinned in
# tests/lib/openapi) accepts it, every operation has an operationId and
# every object is typed open or closed; and on a stack with data in it
# (flows with parameters, schedule and notify or none, an archived one,
# finished and failed runs, a rerun, a repository with a failed sync,
# users, a worker, events) the reply of every GET
# route and of the main mutating ones, errors included, matches its
# documented schema by ajv: a field a closed object does not list, or a
# missing required one, fails. A reply doctored both ways must fail too,
# so the check is known to bite.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
checker=$SLUICE_ROOT/tests/lib/openapi
[ -d "$checker/node_modules/ajv" ] ||
    fail "tests/lib/openapi/node_modules missing: run scripts/deps.sh --test"
stack_start
user_add vic viewer 'vic-pass-1'

records=$STACK_TMP/records n=0
: >"$records"
# rec METHOD TEMPLATE PATH [BODY]: api, then records the reply for the
# documented operation TEMPLATE.
rec() {
	local method=$1 template=$2 path=$3; shift 3
	api "$method" "$path" "$@"
	n=$((n + 1))
	cp "$STACK_TMP/body" "$STACK_TMP/reply.$n"
	printf '%s\t%s\t%s\t%s\t%s\n' "$method" "$template" "$STATUS" \
	    "$(header Content-Type)" "$STACK_TMP/reply.$n" >>"$records"
}

flow='{"description": "d", "parameters": {"city": {"type": "string",
    "default": "Delft"}, "n": {"type": "integer"}},
    "schedule": {"cron": "0 6 * * *", "timezone": "Europe/Amsterdam",
    "catchup": true, "max_lateness_s": 600}, "timeout_s": 300,
    "notify": {"on": ["FAILED"], "webhook": "https://hooks.example/x?t=1"},
    "tasks": [{"name": "a", "command": ["echo", "hi"], "retries": 1,
    "retry_jitter_s": 2, "timeout_s": 30, "env": {"K": "v"}},
    {"name": "b", "command": ["false"], "depends_on": ["a"]}]}'
rec PUT /api/flows/{flow} /api/flows/etl "$flow"
expect_status 201 "create flow"
rec PUT /api/flows/{flow} /api/flows/etl "$flow"
rec PUT /api/flows/{flow} /api/flows/plain '{"tasks":[{"name":"t","command":["true"]}]}'
rec PUT /api/flows/{flow} /api/flows/bad '{"tasks":[], "bogus": 1}'
expect_status 400 "invalid flow"
rec PATCH /api/flows/{flow} /api/flows/etl '{"paused": false}'
rec POST /api/flows/{flow}/runs /api/flows/etl/runs '{"parameters": {"n": 3}}'
expect_status 201 "run"
run=$(jqr .id)
rec POST /api/flows/{flow}/runs /api/flows/plain/runs '{}'
ok_run=$(jqr .id)
wait_run_state "$run" FAILED 60
wait_run_state "$ok_run" COMPLETED 60
rec POST /api/runs/{run}/rerun "/api/runs/$ok_run/rerun"
rec POST /api/runs/{run}/retry "/api/runs/$run/retry"
rec POST /api/runs/{run}/cancel "/api/runs/$run/cancel"
rec PUT /api/repos/{repo} /api/repos/etlrepo \
    '{"url": "/srv/git/etl.git", "webhook_secret": "s", "env": {"PIP_NO_INDEX": "1"}}'
expect_status 201 "repo"
rec POST /api/repos/{repo}/sync /api/repos/etlrepo/sync
# hook BODY [CURL ARGS...]: the repository's webhook, recorded.
hook() {
	webhook etlrepo "$@"
	n=$((n + 1))
	cp "$STACK_TMP/body" "$STACK_TMP/reply.$n"
	printf 'POST\t/api/repos/{repo}/webhook\t%s\t%s\t%s\n' "$STATUS" \
	    "$(header Content-Type)" "$STACK_TMP/reply.$n" >>"$records"
}
hook '{}'
expect_status 401 "unsigned webhook"
push='{"ref": "refs/heads/main"}'
hook "$push" -H "X-GitHub-Event: push" \
    -H "X-Hub-Signature-256: sha256=$(hmac_hex s "$push")"
expect_status 202 "signed push"
wait_for 30 sh -c "curl -sk -u '$ADMIN_USER:$ADMIN_PASS' \
    '$SLUICE_URL/api/workers' | jq -e '.items | length > 0' >/dev/null" ||
    fail "no worker registered"
worker=$(curl -sk -u "$ADMIN_USER:$ADMIN_PASS" "$SLUICE_URL/api/workers" |
    jq -r '.items[0].name')
rec PATCH /api/workers/{worker} "/api/workers/$worker" '{"concurrency_limit": 4}'

# A flow without runs or schedule, and an archived one.
rec PUT /api/flows/{flow} /api/flows/idle '{"tasks":[{"name":"t","command":["true"]}]}'
rec PUT /api/flows/{flow} /api/flows/old '{"tasks":[{"name":"t","command":["true"]}]}'
rec DELETE /api/flows/{flow} /api/flows/old
expect_status 204 "archive"
rec GET /api/flows '/api/flows?archived=true'
rec GET /api/flows/{flow} /api/flows/old
rec GET /api/flows/{flow} /api/flows/idle

rec GET /api/health /api/health
rec GET /api/health '/api/health?x=1'
rec GET /api/me /api/me
AS=vic:vic-pass-1 rec GET /api/me /api/me
rec GET /api/openapi.json /api/openapi.json
rec GET /api/metrics /api/metrics
rec GET /api/flows /api/flows
rec GET /api/flows '/api/flows?limit=1'
rec GET /api/flows '/api/flows?bogus=1'
expect_status 400 "unknown query parameter"
rec GET /api/flows/{flow} /api/flows/etl
AS=vic:vic-pass-1 rec GET /api/flows/{flow} /api/flows/etl
rec GET /api/flows/{flow} '/api/flows/etl?version=1'
rec GET /api/flows/{flow} /api/flows/missing
expect_status 404 "missing flow"
rec GET /api/runs /api/runs
rec GET /api/runs/{run} "/api/runs/$run"
rec GET /api/runs/{run} "/api/runs/$ok_run"
rec GET /api/runs/{run}/tasks/{task}/log "/api/runs/$run/tasks/a/log"
rec GET /api/workers /api/workers
rec GET /api/events /api/events
rec GET /api/repos /api/repos
rec GET /api/repos/{repo} /api/repos/etlrepo
AS=vic:vic-pass-1 rec GET /api/repos/{repo} /api/repos/etlrepo
AS=vic:vic-pass-1 rec DELETE /api/flows/{flow} /api/flows/plain
expect_status 403 "viewer DELETE"
rec POST /api/flows/{flow} /api/flows/etl '{}'
expect_status 405 "POST on a flow"
AS=none rec GET /api/runs /api/runs
expect_status 401 "no credentials"
rec DELETE /api/flows/{flow} /api/flows/plain
rec DELETE /api/repos/{repo} /api/repos/etlrepo

out=$(node "$checker/check.mjs" "$SLUICE_ROOT/fcgi/openapi.json" \
    "$records" 2>&1) || fail "replies and document disagree:
$out"
note "$out"

# The check bites: a run with a field Run does not list, and one
# without a required field, both fail.
line=$(grep -P "^GET\t/api/runs/\{run\}\t200\t" "$records" | head -n 1)
file=$(cut -f5 <<<"$line")
for doctor in '.extra_field = 1' 'del(.flow_version)' \
    '.tasks[0].attempts[0].bogus = true'; do
	jq "$doctor" "$file" >"$STACK_TMP/doctored"
	printf '%s\t%s\n' "$(cut -f1-4 <<<"$line")" "$STACK_TMP/doctored" \
	    >"$STACK_TMP/records.doctored"
	grep -P "^GET\t/api/(?!runs/\{run\}\t)" "$records" \
	    >>"$STACK_TMP/records.doctored"
	node "$checker/check.mjs" "$SLUICE_ROOT/fcgi/openapi.json" \
	    "$STACK_TMP/records.doctored" >/dev/null 2>&1 &&
	    fail "a reply doctored with $doctor passed the check"
done
echo ok
