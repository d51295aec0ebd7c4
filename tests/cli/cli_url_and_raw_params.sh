#!/usr/bin/env bash
# sluicectl's connection and raw parameters: SLUICE_URL with http:// to
# another machine is refused before anything is sent (the password would
# cross the network in clear text); plain http to the local HTTPS port
# gets a hint about SLUICE_URL instead of a bare status; `-p KEY:=JSON`
# takes a bare JSON number or boolean (once refused as "unexpected end of
# input") and the API checks its type.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
STACK_NO_SCHEDULER=1
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start
ctl=$SLUICE_BIN_DIR/sluicectl
export SLUICE_USER=$ADMIN_USER SLUICE_PASSWORD=$ADMIN_PASS
out=$STACK_TMP/out

SLUICE_URL=http://192.0.2.1:8443 timeout 20 "$ctl" flows >"$out" 2>&1 &&
    fail "http:// to another host accepted: $(cat "$out")"
grep -q "use https://" "$out" || fail "no reason given: $(cat "$out")"
SLUICE_URL=http://127.0.0.1:$SLUICE_PORT timeout 20 "$ctl" flows >"$out" 2>&1 &&
    fail "plain http to the HTTPS port succeeded: $(cat "$out")"
grep -q "SLUICE_URL" "$out" || fail "no hint: $(cat "$out")"

cat >"$STACK_TMP/f.json" <<'JSON'
{"name": "rawp", "parameters": {"n": {"type": "integer", "default": 1},
  "b": {"type": "boolean", "default": false}},
 "tasks": [{"name": "t", "command": ["echo", "{{params.n}}"]}]}
JSON
"$ctl" apply "$STACK_TMP/f.json" >/dev/null || fail "apply"
id=$("$ctl" run rawp -p n:=42 -p b:=true 2>"$out") ||
    fail "raw JSON parameters: $(cat "$out")"
api GET "/api/runs/$id"
expect_status 200 "get run"
[ "$(jqr .parameters.n)" = 42 ] && [ "$(jqr .parameters.b)" = true ] ||
    fail "parameters: $BODY"
"$ctl" run rawp -p 'n:="x"' >"$out" 2>&1 && fail "string for integer accepted"
grep -q "parameters.n" "$out" || fail "type error not named: $(cat "$out")"
"$ctl" run rawp -p 'n:=1e999' >"$out" 2>&1 && fail "1e999 accepted"
grep -q "out of range" "$out" || fail "1e999: $(cat "$out")"
echo ok
