#!/usr/bin/env bash
# cli_run_local_template.sh: `sluicectl run --local` runs the flow of a
# freshly initialised project on this machine with the real scheduler and
# no server: it prints each task's output as "task | line", the greet
# script's result reaches the report task, parameters given with -p take
# the place of the defaults, it exits 0 with "run COMPLETED", also when
# started from another folder, and leaves no process, no temporary folder
# and no data directory behind.
. "${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/stack.sh"
. "$SLUICE_ROOT/tests/lib/cli.sh"
no_stack_cleanup
export SLUICE_URL=https://127.0.0.1:1 SLUICE_DATA=$tmp/no-data
export TMPDIR=$tmp/tmpdir
mkdir -p "$TMPDIR"

"$ctl" init "$tmp/proj" --name hello >/dev/null || fail "init"
cd "$tmp/proj" || fail "cd"
expect 0 "$ctl" run --local flows/hello.json
for want in "greet | hello world (1/3)" "greet | hello world (3/3)" \
    "greet | -- attempt 1 COMPLETED" "report | -- attempt 1 COMPLETED"; do
	grep -qxF "$want" "$tmp/out" || fail "no line '$want': $(cat "$tmp/out")"
done
grep -qxF 'report | greet said: {"greet":{"greeting":"hello world","times":3}}' \
    "$tmp/out" || fail "the result did not reach report: $(cat "$tmp/out")"
[ "$(tail -n 1 "$tmp/out")" = "run COMPLETED" ] ||
    fail "last line: $(tail -n 1 "$tmp/out")"
ok "run --local runs the template to COMPLETED; the result flows downstream"

cd / || fail "cd /"
expect 0 "$ctl" run --local "$tmp/proj/flows/hello.json" -p who=Ada -p times=2
grep -qxF "greet | hello Ada (2/2)" "$tmp/out" &&
    ! grep -q "(3/" "$tmp/out" || fail "parameters: $(cat "$tmp/out")"
grep -qF '"greeting":"hello Ada","times":2}' "$tmp/out" ||
    fail "typed parameters in the result: $(cat "$tmp/out")"
grep -q "in $tmp/proj\$" "$tmp/err" || fail "repository root: $(cat "$tmp/err")"
expect 1 "$ctl" run --local "$tmp/proj/flows/hello.json" -p times=many
grep -q "times" "$tmp/err" || fail "a bad parameter: $(cat "$tmp/err")"
expect 1 "$ctl" run --local "$tmp/proj/flows/hello.json" -p nobody=1
grep -q "nobody" "$tmp/err" || fail "an unknown parameter: $(cat "$tmp/err")"
ok "run --local takes -p parameters, from any folder, and refuses bad ones"

[ -z "$(ls -A "$TMPDIR")" ] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
[ ! -e "$SLUICE_DATA" ] || fail "run --local made \$SLUICE_DATA"
left=$(local_leftovers "$TMPDIR")
[ -z "$left" ] || fail "processes left: $(ps -o pid,args -p $left)"
ok "run --local leaves no process, folder or data directory behind"
