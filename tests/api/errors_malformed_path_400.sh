#!/usr/bin/env bash
# A malformed API path is a 400 naming what is wrong with it, not a
# vague 404: encoded dots and slashes in flow names, run ids and task
# names (the log route reads files named after them), literal ".."
# segments (sent as is), empty segments and bad %-escapes. Nothing is
# read outside the data directory and nothing changes. (A malformed
# name in a well-formed path is a 404, or 400 in PUT: see the end.)
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

raw() { # METHOD PATH: sends PATH exactly as written
	STATUS=$(curl -sk --path-as-is -o "$STACK_TMP/body" -w '%{http_code}' \
	    -u "$ADMIN_USER:$ADMIN_PASS" -X "$1" \
	    -H 'Content-Type: application/json' "$SLUICE_URL$2")
	BODY=$(cat "$STACK_TMP/body")
}
malformed() { # WHAT MESSAGE-SUBSTRING
	expect_status 400 "$1"
	[ "$(jqr .error.code)" = invalid ] || fail "$1: code: $BODY"
	jqr .error.message | grep -qF -- "malformed " ||
	    fail "$1: message: $BODY"
	jqr .error.message | grep -qF -- "$2" ||
	    fail "$1: message lacks '$2': $BODY"
}

api PUT /api/flows/p '{"tasks":[{"name":"t","command":["true"]}]}'
expect_status 201 "create"
run=01JAAAAAAAAAAAAAAAAAAAAAAA
log=/api/runs/$run/tasks

raw GET "$log/%2e%2e/log"
malformed "task %2e%2e" '".."'
raw GET "$log/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd/log"
malformed "task with encoded slashes" "%2F"
raw GET "/api/runs/%2e%2e/tasks/t/log"
malformed "run id %2e%2e" '".."'
raw GET "/api/runs/logs%2f..%2fsluice.db/tasks/t/log"
malformed "run id with encoded slash" "%2F"
raw GET "$log/t/../../../../etc/passwd"
malformed "literal .. segments" '".."'
raw GET "/api/flows/./p"
malformed "a . segment" '"."'
raw GET "/api//flows"
malformed "empty segment" "empty segment"
raw GET "/api/flows/%zz"
malformed "bad escape" "escape"
raw GET "/api/flows/p%"
malformed "truncated escape" "escape"
raw DELETE "/api/flows/%2e%2e"
malformed "DELETE of %2e%2e" '".."'
raw PUT "/api/flows/..%2Fp"
malformed "PUT with encoded slash" "%2F"

# Well-formed but unknown paths stay 404.
raw GET "/api/flows/p/nothing/here"
expect_status 404 "unknown path"
raw GET "$log/t/log"
expect_status 404 "unknown run"

# A well-formed path whose {flow}, {run}, {task} or {worker} is not a
# valid name of its type names nothing that can exist: 404 naming the
# type's rule, checked by the router before any handler; PUT, which
# would create the flow under that name, refuses the name with 400.
invalid_name() { # STATUS CODE WHAT TYPE-WORDS
	expect_status "$1" "$3"
	[ "$(jqr .error.code)" = "$2" ] || fail "$3: code: $BODY"
	jqr .error.message | grep -qF -- "$4" ||
	    fail "$3: message lacks '$4': $BODY"
}
raw GET "/api/flows/Bad_Name"
invalid_name 404 not_found "GET of an invalid flow name" "not a valid flow name"
raw PATCH "/api/flows/Bad_Name"
invalid_name 404 not_found "PATCH of an invalid flow name" "not a valid flow name"
raw DELETE "/api/flows/Bad_Name"
invalid_name 404 not_found "DELETE of an invalid flow name" "not a valid flow name"
raw POST "/api/flows/Bad_Name/runs"
invalid_name 404 not_found "run of an invalid flow name" "not a valid flow name"
raw PUT "/api/flows/Bad_Name"
invalid_name 400 invalid "PUT of an invalid flow name" "not a valid flow name"
for path in /api/runs/nope /api/runs/nope/cancel /api/runs/nope/retry \
    /api/runs/nope/rerun /api/runs/nope/tasks/t/log; do
	case $path in */cancel|*/retry|*/rerun) m=POST ;; *) m=GET ;; esac
	raw $m "$path"
	invalid_name 404 not_found "$m $path" "not a valid run id"
done
raw GET "$log/.hidden/log"
invalid_name 404 not_found "task name starting with a dot" "not a valid task name"
raw PATCH "/api/workers/$(printf 'w%.0s' $(seq 129))"
invalid_name 404 not_found "worker name over 128 bytes" "not a valid worker name"

api GET /api/flows/p
expect_status 200 "flow still there"
[ "$(jqr .archived)" = false ] || fail "flow changed: $BODY"
echo ok
