#!/usr/bin/env bash
# Request bodies are strict JSON objects, and every refusal is a 400
# naming the problem while nothing is stored: a bare null (once answered
# with an empty message), a top-level scalar (once "unexpected end of
# input"), json-c's lenient single-quoted keys, integers beyond 64 bits
# (json-c clamps them), infinite numbers (1e999), duplicate keys (json-c
# silently kept the last; a proxy may read the first), NUL bytes, invalid
# UTF-8 (also the overlong forms, encoded surrogates and code points
# above U+10FFFF json-c let through, each named), deep nesting, trailing data, and a chunked body without
# Content-Length, which is read like any other.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

refused() { # WHAT MESSAGE-SUBSTRING
	expect_status 400 "$1"
	[ "$(jqr .error.code)" = invalid ] || fail "$1: code: $BODY"
	jqr .error.message | grep -qF -- "$2" ||
	    fail "$1: message lacks '$2': $BODY"
}

flow='{"parameters":{"n":{"type":"integer","default":1},
  "x":{"type":"number","default":1.5}},
 "tasks":[{"name":"t","command":["echo","{{params.n}}"]}]}'
api PUT /api/flows/j "$flow"
expect_status 201 "create"

for body in 'null' 'null ' ' null'; do
	api PUT /api/flows/j "$body"
	refused "PUT body '$body'" "null"
	api POST /api/flows/j/runs "$body"
	refused "POST run body '$body'" "null"
	api PATCH /api/flows/j "$body"
	refused "PATCH body '$body'" "null"
done
for body in 42 true '"text"' 2.5; do
	api PUT /api/flows/j "$body"
	refused "scalar body $body" "expected object"
done
api PUT /api/flows/j "{'tasks':[{'name':'t','command':['true']}]}"
refused "single-quoted keys and values" "invalid JSON"
api PATCH /api/flows/j "{'paused':true}"
refused "single-quoted PATCH" "double quotes"
api POST /api/flows/j/runs '{"parameters":{"n":99999999999999999999}}'
refused "integer beyond 64 bits" "64-bit range"
api POST /api/flows/j/runs '{"parameters":{"n":-9223372036854775809}}'
refused "integer below 64 bits" "64-bit range"
api POST /api/flows/j/runs '{"parameters":{"x":1e999}}'
refused "infinite number" "out of range"
api PUT /api/flows/j '{"tasks":[{"name":"t","command":["true"],"retry_backoff":-1e400}]}'
refused "infinite retry_backoff" "out of range"
api PUT /api/flows/j "$(printf '{"description":"a\x00b","tasks":[]}')"
expect_status 400 "NUL byte"
api PUT /api/flows/j "$(printf '{"description":"\xff","tasks":[{"name":"t","command":["true"]}]}')"
refused "invalid UTF-8" "invalid UTF-8 at byte 16: byte above 0xF4"
# Well-formed in shape but not UTF-8 (json-c took these): overlong
# forms, encoded surrogates, beyond U+10FFFF, stray and cut sequences,
# in every kind of body and in keys as well as values.
utf8_refused() { # WHAT BYTES(printf) MESSAGE-SUBSTRING
	local b
	b=$(printf "$2")
	api PUT /api/flows/j "{\"description\":\"$b\",\"tasks\":[{\"name\":\"t\",\"command\":[\"true\"]}]}"
	refused "PUT $1" "$3"
	api POST /api/flows/j/runs "{\"parameters\":{\"n$b\":1}}"
	refused "POST run $1" "$3"
	api PATCH /api/flows/j "{\"paused\":true,\"x\":\"$b\"}"
	refused "PATCH $1" "$3"
}
utf8_refused "overlong /" '\xc0\xaf' "overlong encoding"
utf8_refused "overlong 3-byte" '\xe0\x80\xaf' "overlong encoding"
utf8_refused "surrogate" '\xed\xa0\x80' "UTF-16 surrogate"
utf8_refused "above U+10FFFF" '\xf4\x90\x80\x80' "above U+10FFFF"
utf8_refused "byte 0xF5" '\xf5\x80\x80\x80' "above 0xF4"
utf8_refused "stray continuation" 'a\x80' "continuation byte"
utf8_refused "cut sequence" '\xe2\x82' "incomplete sequence"
api PATCH /api/flows/j "$(printf '{"paused":true}\xe2\x82')"
refused "truncated at the end" "truncated by the end of input"
api PUT /api/flows/j "$(printf '%0.s[' $(seq 40))$(printf '%0.s]' $(seq 40))"
refused "deep nesting" "too deep"
api PATCH /api/flows/j '{"paused":true,"paused":false}'
refused "duplicate key" "same key twice"
api PUT /api/flows/j '{"tasks":[{"name":"t","command":["true"],"name":"u"}]}'
refused "duplicate key in a task" "same key twice"
api PUT /api/flows/j "$flow x"
refused "trailing data" "invalid JSON"
api PUT /api/flows/j '{"tasks":[{"name":"t","command":["true"]}],}'
refused "trailing comma" "invalid JSON"

# Nothing above was stored or started.
api GET /api/flows/j
expect_status 200 "get"
[ "$(jqr .version)" = 1 ] || fail "a refused PUT made a version: $BODY"
[ "$(jqr .paused)" = false ] || fail "a refused PATCH paused: $BODY"
api GET /api/runs
[ "$(jqr '.items | length')" = 0 ] || fail "a refused POST made a run: $BODY"

# A number that fits is kept exactly.
api POST /api/flows/j/runs '{"parameters":{"n":9007199254740993}}'
expect_status 201 "large integer that fits"
[ "$(jq -r .parameters.n <<<"$BODY" | tr -d '\n')" = 9007199254740993 ] ||
    grep -q '"n":9007199254740993' <<<"$BODY" || fail "integer changed: $BODY"

# Chunked transfer without Content-Length: nginx reads it whole.
STATUS=$(curl -sk -o "$STACK_TMP/body" -w '%{http_code}' \
    -u "$ADMIN_USER:$ADMIN_PASS" -X PATCH \
    -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
    --data-binary '{"paused":true}' "$SLUICE_URL/api/flows/j")
BODY=$(cat "$STACK_TMP/body")
expect_status 200 "chunked PATCH"
[ "$(jqr .paused)" = true ] || fail "chunked body lost: $BODY"
# Valid UTF-8, 2- to 4-byte sequences, is kept byte for byte.
api PUT /api/flows/j "$(printf '{"description":"caf\xc3\xa9 \xf0\x9f\x8c\x8a","tasks":[{"name":"t","command":["true"]}]}')"
expect_status 200 "valid UTF-8 up to 4-byte sequences"
[ "$(jqr .description)" = "$(printf 'caf\xc3\xa9 \xf0\x9f\x8c\x8a')" ] ||
    fail "valid UTF-8 changed: $BODY"
echo ok
