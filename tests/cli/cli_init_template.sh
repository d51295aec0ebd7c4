#!/usr/bin/env bash
# cli_init_template.sh: `sluicectl init DIR` makes a flow project from
# examples/template (flow name from the folder, every task's workdir set to
# the folder), refuses a non-empty folder and bad names, and the project it
# makes applies and runs to COMPLETED on the real stack.
. "${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/stack.sh"
ctl=$SLUICE_BIN_DIR/sluicectl
tmp=$STACK_TMP
ok() { echo "ok   $*"; }
expect() {
	local want=$1 rc; shift
	timeout 120 "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
	[ $rc = "$want" ] || fail "$*: exit $rc, wanted $want: $(cat "$tmp/err")"
}

proj=$tmp/My_Weather.Project
expect 0 "$ctl" init "$proj"
[ -f "$proj/flow.json" ] && [ -x "$proj/main.py" ] || fail "files: $(ls -l "$proj")"
[ "$(jq -r .name "$proj/flow.json")" = my_weather.project ] ||
    fail "name: $(jq -r .name "$proj/flow.json")"
[ "$(jq -r '[.tasks[].workdir] | unique | .[]' "$proj/flow.json")" = "$proj" ] ||
    fail "workdir: $(jq -c '[.tasks[].workdir]' "$proj/flow.json")"
cmp -s "$proj/main.py" "$SLUICE_ROOT/examples/template/main.py" ||
    fail "main.py differs from the template"
ok "init copies the template, names the flow after the folder, sets workdir"

expect 1 "$ctl" init "$proj"
grep -q "not empty" "$tmp/err" || fail "non-empty: $(cat "$tmp/err")"
cmp -s "$proj/main.py" "$SLUICE_ROOT/examples/template/main.py" ||
    fail "a refused init changed main.py"
mkdir "$tmp/empty"
expect 0 "$ctl" init "$tmp/empty" --name etl-2
[ "$(jq -r .name "$tmp/empty/flow.json")" = etl-2 ] || fail "--name"
expect 2 "$ctl" init "$tmp/bad" --name 'Bad Name'
[ ! -e "$tmp/bad" ] || fail "a refused init created the folder"
expect 2 "$ctl" init
expect 1 "$ctl" init "$tmp/no/such/parent"
ok "init refuses non-empty folders, bad names and missing parents"

stack_start
export SLUICE_USER=$ADMIN_USER SLUICE_PASSWORD=$ADMIN_PASS
expect 0 "$ctl" apply "$proj/flow.json"
expect 0 "$ctl" run my_weather.project -p name=Sluice -p repeat=2 --wait
id=$(head -n 1 "$tmp/out")
[ "$(sed -n 2p "$tmp/out")" = COMPLETED ] ||
    fail "template run: $(cat "$tmp/out") $(cat "$tmp/err")"
expect 0 "$ctl" logs "$id" main
grep -q " out hello Sluice (2/2)$" "$tmp/out" || fail "main log: $(cat "$tmp/out")"
expect 0 "$ctl" logs "$id" report
grep -q '"greeted": *"Sluice"' "$tmp/out" || fail "report log: $(cat "$tmp/out")"
ok "the initialised project applies and runs to COMPLETED"
