#!/usr/bin/env bash
# cli_apply_dry_run_no_server.sh: `sluicectl apply --dry-run FILE...`
# checks flow files with the one validator and nothing else: with no
# server to reach and no data directory it says "ok" for the template's
# flow, names file, field and reason for each broken one, and exits 1 when
# any file is invalid (the valid ones still said ok).
. "${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/stack.sh"
. "$SLUICE_ROOT/tests/lib/cli.sh"
no_stack_cleanup
# Nothing listens there, and no data directory exists.
export SLUICE_URL=https://127.0.0.1:1 SLUICE_DATA=$tmp/no-data

"$ctl" init "$tmp/proj" --name hello >/dev/null || fail "init"
cd "$tmp/proj" || fail "cd"
expect 0 "$ctl" apply --dry-run flows/*.json
[ "$(cat "$tmp/out")" = "flows/hello.json: ok (flow hello)" ] ||
    fail "dry-run of the template: $(cat "$tmp/out" "$tmp/err")"
expect 0 "$ctl" apply flows/hello.json --dry-run
ok "apply --dry-run accepts the template's flow, without a server"

jq '.tasks[0].command = "python3 tasks/hello.py"' flows/hello.json \
    >"$tmp/string-command.json"
jq '.tasks[1].workdir = "../elsewhere"' flows/hello.json >"$tmp/climbs.json"
jq '.tasks[1].depends_on = ["greeet"]' flows/hello.json >"$tmp/typo.json"
printf '{"name": "x", "tasks": [' >"$tmp/cut.json"
expect 1 "$ctl" apply --dry-run flows/hello.json "$tmp/string-command.json" \
    "$tmp/climbs.json" "$tmp/typo.json" "$tmp/cut.json" "$tmp/missing.json"
[ "$(cat "$tmp/out")" = "flows/hello.json: ok (flow hello)" ] ||
    fail "the valid file among broken ones: $(cat "$tmp/out")"
for want in \
    "$tmp/string-command.json: tasks\[0\].command: must be an array of strings" \
    "$tmp/climbs.json: tasks\[1\].workdir: a relative path must stay inside the repository" \
    "$tmp/typo.json: tasks\[1\].depends_on\[0\]: no task named \"greeet\"" \
    "$tmp/cut.json: invalid JSON" \
    "$tmp/missing.json: No such file or directory"; do
	grep -q "^sluicectl: $want" "$tmp/err" ||
	    fail "no line '$want' in: $(cat "$tmp/err")"
done
[ ! -e "$SLUICE_DATA" ] || fail "apply --dry-run made a data directory"
ok "apply --dry-run names file, field and reason of each broken flow; exit 1"
