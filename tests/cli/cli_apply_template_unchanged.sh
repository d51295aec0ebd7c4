#!/usr/bin/env bash
# cli_apply_template_unchanged.sh: `sluicectl apply` of a freshly
# initialised project's flow on the real stack: the relative workdirs
# reach the server as the repository's absolute root (PUT /api/flows takes
# only absolute ones), the flow runs there to COMPLETED, re-applying the
# same file says "unchanged" and makes no new version, an edit makes one,
# an archived flow applied unchanged is restored; outside git a task with
# no workdir keeps none.
. "${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/stack.sh"
. "$SLUICE_ROOT/tests/lib/cli.sh"
stack_start
export SLUICE_USER=$ADMIN_USER SLUICE_PASSWORD=$ADMIN_PASS
real=$(cd "$tmp" && pwd -P)

"$ctl" init "$tmp/proj" --name hello >/dev/null || fail "init"
cd "$tmp/proj" || fail "cd"
expect 0 "$ctl" apply flows/hello.json
[ "$(cat "$tmp/out")" = "flow hello created (version 1)" ] ||
    fail "apply: $(cat "$tmp/out" "$tmp/err")"
api GET /api/flows/hello
[ "$(jqr -c '[.definition.tasks[].workdir] | unique')" = "[\"$real/proj\"]" ] ||
    fail "workdirs on the server: $(jqr -c '[.definition.tasks[].workdir]')"
ok "apply sends the repository's root as the workdir"

expect 0 "$ctl" run hello -p who=Sluice --wait
id=$(head -n 1 "$tmp/out")
[ "$(tail -n 1 "$tmp/out")" = COMPLETED ] ||
    fail "run on the stack: $(cat "$tmp/out" "$tmp/err")"
expect 0 "$ctl" logs "$id" report
grep -q '"greeting":"hello Sluice"' "$tmp/out" ||
    fail "report log: $(cat "$tmp/out")"
ok "the applied template runs to COMPLETED on the stack"

echo "A line more." >>README.md
expect 0 "$ctl" apply flows/hello.json
[ "$(cat "$tmp/out")" = "flow hello unchanged (version 1)" ] ||
    fail "re-apply: $(cat "$tmp/out")"
api GET /api/flows/hello
[ "$(jqr .current_version)" = 1 ] && [ "$(jqr '.versions | length')" = 1 ] ||
    fail "a new version: $BODY"
jq '.description = "changed"' flows/hello.json >"$tmp/changed.json" &&
    mv "$tmp/changed.json" flows/hello.json
expect 0 "$ctl" apply flows/hello.json
[ "$(cat "$tmp/out")" = "flow hello updated (version 2)" ] ||
    fail "apply after an edit: $(cat "$tmp/out")"
api DELETE /api/flows/hello
expect_status 204 "archive"
expect 0 "$ctl" apply flows/hello.json
[ "$(cat "$tmp/out")" = "flow hello restored, unchanged (version 2)" ] ||
    fail "apply of an archived flow: $(cat "$tmp/out")"
ok "re-applying says unchanged and makes no version; an edit makes one"

mkdir -p "$tmp/plain"
echo '{"name": "plain", "tasks": [{"name": "a", "command": ["true"]},
 {"name": "b", "workdir": ".", "command": ["true"]}]}' >"$tmp/plain/p.json"
expect 0 "$ctl" apply "$tmp/plain/p.json"
api GET /api/flows/plain
[ "$(jqr -c '[.definition.tasks[].workdir]')" = "[null,\"$real/plain\"]" ] ||
    fail "outside git: $(jqr -c '[.definition.tasks[].workdir]')"
ok "outside git, relative workdirs start at the file's folder; none stays none"
