#!/usr/bin/env bash
# Run parameters reach every task as one environment variable
# (SLUICE_PARAMS), which Linux caps at 128 KiB: a run whose parameters are
# larger is refused with 400 naming the limit (it used to be accepted and
# then fail at exec with "Argument list too long"), and nothing starts; a
# run just under the limit runs and its task sees all of it.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

api PUT /api/flows/bigp '{"parameters":{"a":{"type":"string"},
 "b":{"type":"string"},"c":{"type":"string","default":""}},
 "tasks":[{"name":"t","command":["sh","-c","echo \"${#SLUICE_PARAMS}\""]}]}'
expect_status 201 "create"
body() { # A B C: writes a body with strings that long; prints curl's @file
	python3 -c 'import json,sys; a,b,c=map(int,sys.argv[1:]); print(json.dumps({"parameters":{"a":"x"*a,"b":"y"*b,"c":"z"*c}}))' "$@" \
	    >"$STACK_TMP/params.json"
	echo "@$STACK_TMP/params.json"
}

api POST /api/flows/bigp/runs "$(body 60000 60000 60000)"
expect_status 400 "parameters over 128 KiB"
[ "$(jqr .error.code)" = invalid ] || fail "code: $BODY"
jqr .error.message | grep -q "^parameters: .*SLUICE_PARAMS" || fail "message: $BODY"
api GET /api/runs
[ "$(jqr '.items | length')" = 0 ] || fail "a refused run exists: $BODY"

api POST /api/flows/bigp/runs "$(body 60000 60000 0)"
expect_status 201 "parameters under the limit"
run=$(jqr .id)
wait_run_state "$run" COMPLETED
api GET "/api/runs/$run/tasks/t/log"
grep -q ' out 1200[0-9][0-9]$' <<<"$BODY" || fail "task did not see the parameters: $BODY"
echo ok
