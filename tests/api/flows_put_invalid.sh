#!/usr/bin/env bash
# Bad flow definitions through the API are 400 "invalid" with a message
# naming the field (the exhaustive cases are flowdef unit tests), and
# store nothing.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

bad() { # WHAT BODY SUBSTRING
	api PUT /api/flows/bad "$2"
	expect_status 400 "$1"
	[ "$(jqr .error.code)" = invalid ] || fail "$1: $BODY"
	jqr .error.message | grep -qF -- "$3" ||
	    fail "$1: message should mention '$3': $BODY"
}

bad "no tasks" '{}' tasks
bad "command as a string" '{"tasks":[{"name":"t","command":"echo hi"}]}' command
bad "unknown dependency" \
    '{"tasks":[{"name":"t","command":["true"],"depends_on":["nope"]}]}' depends_on
bad "cycle" '{"tasks":[{"name":"a","command":["true"],"depends_on":["b"]},
    {"name":"b","command":["true"],"depends_on":["a"]}]}' cycle
bad "duplicate task" '{"tasks":[{"name":"a","command":["true"]},
    {"name":"a","command":["true"]}]}' tasks
bad "bad cron" '{"schedule":{"cron":"61 * * * *"},
    "tasks":[{"name":"a","command":["true"]}]}' schedule
bad "bad time zone" '{"schedule":{"cron":"0 6 * * *","timezone":"Mars/Olympus"},
    "tasks":[{"name":"a","command":["true"]}]}' timezone
bad "retries negative" '{"tasks":[{"name":"a","command":["true"],"retries":-1}]}' retries
bad "unknown parameter in a command" \
    '{"tasks":[{"name":"a","command":["echo","{{params.x}}"]}]}' params.x
bad "name not a string" '{"name":5,"tasks":[{"name":"a","command":["true"]}]}' name

api GET /api/flows/bad
expect_status 404 "nothing stored"
echo ok
