#!/usr/bin/env bash
# `sluicectl run FLOW --follow` prints the log lines of every task while
# the run goes, each once and prefixed with its task's name (padded to
# one width), a last line without a newline included; a retried task's
# second attempt follows its first; the end state is the last line, and
# the exit status is 0 only when the run COMPLETED (1 for FAILED).
# `run --wait --json` prints the ended run exactly as GET /api/runs/{id}
# gives it; --json with --follow is a usage error.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start
ctl=$SLUICE_BIN_DIR/sluicectl
export SLUICE_USER=$ADMIN_USER SLUICE_PASSWORD=$ADMIN_PASS
tmp=$STACK_TMP
# Log lines are "<time> out|err <text>" (scheduler/logsink.c).
text() { sed -E 's/^([a-z]+ +\| )[0-9TZ:.-]+ (out|err) /\1/' "$1"; }

cat >"$tmp/ok.json" <<'JSON'
{"name": "two-tasks", "parameters": {"who": {"type": "string", "default": "x"}},
 "tasks": [
  {"name": "extract", "command": ["sh", "-c",
   "for i in 1 2 3; do echo \"row $i\"; sleep 0.3; done; printf 'no newline'"]},
  {"name": "load", "depends_on": ["extract"], "command": ["sh", "-c",
   "echo \"loading for $1\"; echo oops >&2", "load", "{{params.who}}"]},
  {"name": "flaky", "retries": 1, "command": ["sh", "-c",
   "echo \"try $SLUICE_ATTEMPT\"; [ \"$SLUICE_ATTEMPT\" != 1 ] || exit 3"]}
 ]}
JSON
"$SLUICE_BIN_DIR/sluicectl" apply "$tmp/ok.json" >/dev/null || fail "apply"
timeout 60 "$ctl" run two-tasks -p who=Leiden --follow >"$tmp/out" 2>"$tmp/err" ||
    fail "run --follow of a completing run: exit $?: $(cat "$tmp/err")"
text "$tmp/out" >"$tmp/lines"
id=$(head -n 1 "$tmp/out")
want=$(printf '%s\n' "extract | row 1" "extract | row 2" "extract | row 3" \
    "extract | no newline")
[ "$(grep '^extract ' "$tmp/lines")" = "$want" ] ||
    fail "extract's lines: $(cat "$tmp/out")"
[ "$(grep '^load ' "$tmp/lines")" = "$(printf '%s\n' \
    "load    | loading for Leiden" "load    | oops")" ] ||
    fail "load's lines (padded to extract's width): $(cat "$tmp/out")"
[ "$(grep '^flaky ' "$tmp/lines")" = "$(printf '%s\n' \
    "flaky   | try 1" "flaky   | try 2")" ] ||
    fail "flaky's two attempts: $(cat "$tmp/out")"
grep -q "task flaky: attempt 2" "$tmp/err" || fail "no attempt notice: $(cat "$tmp/err")"
[ "$(tail -n 1 "$tmp/out")" = COMPLETED ] || fail "last line: $(cat "$tmp/out")"
[ "$(wc -l <"$tmp/out")" = 10 ] || fail "extra lines: $(cat "$tmp/out")"
api GET "/api/runs/$id"
[ "$(jqr .state)" = COMPLETED ] || fail "the followed run: $BODY"
echo "ok   run --follow prefixes each task's lines, prints each once, exits 0 for COMPLETED"

cat >"$tmp/bad.json" <<'JSON'
{"name": "fails", "tasks": [
  {"name": "first", "command": ["sh", "-c", "echo starting; sleep 0.3; echo giving up >&2; exit 4"]},
  {"name": "second", "depends_on": ["first"], "command": ["echo", "never"]}]}
JSON
"$ctl" apply "$tmp/bad.json" >/dev/null || fail "apply"
timeout 60 "$ctl" run fails --follow >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 1 ] || fail "run --follow of a failing run: exit $rc, wanted 1: $(cat "$tmp/err")"
text "$tmp/out" >"$tmp/lines"
grep -qx 'first  | starting' "$tmp/lines" && grep -qx 'first  | giving up' "$tmp/lines" ||
    fail "first's lines: $(cat "$tmp/out")"
grep -q '^second ' "$tmp/lines" && fail "a skipped task printed: $(cat "$tmp/out")"
[ "$(tail -n 1 "$tmp/out")" = FAILED ] || fail "end state: $(cat "$tmp/out")"
echo "ok   run --follow of a failing run prints FAILED and exits 1"

timeout 60 "$ctl" run two-tasks --wait --json >"$tmp/out" 2>"$tmp/err" ||
    fail "run --wait --json: exit $?: $(cat "$tmp/err")"
id=$(jq -r .id "$tmp/out") || fail "not JSON: $(cat "$tmp/out")"
[ "$(jq -r .state "$tmp/out")" = COMPLETED ] || fail "state: $(cat "$tmp/out")"
api GET "/api/runs/$id"
cmp -s "$tmp/out" "$tmp/body" || fail "run --wait --json is not GET's reply: $(cat "$tmp/out") vs $BODY"
"$ctl" run two-tasks --follow --json >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] || fail "--follow --json accepted"
grep -q "do not mix" "$tmp/err" || fail "why not: $(cat "$tmp/err")"
echo "ok   run --wait --json prints the ended run as the API gives it; --follow --json is refused"
