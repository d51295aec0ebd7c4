#!/usr/bin/env bash
# cli_run_local_workdirs.sh: `sluicectl run --local` starts each task where
# the server would: a relative workdir in the root of the git repository
# the flow file lives in (not the file's folder, nor the current one), a
# missing workdir there too, an absolute one as it is; outside git,
# relative to the file's own folder, and a missing one stays missing (the
# folder sluicectl runs in). A workdir that does not exist fails its task,
# naming the folder.
. "${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/stack.sh"
. "$SLUICE_ROOT/tests/lib/cli.sh"
no_stack_cleanup
real=$(cd "$tmp" && pwd -P)
where='["sh", "-c", "echo in $(pwd -P)"]'

mkdir -p "$tmp/repo/flows/deep" "$tmp/repo/data" "$tmp/elsewhere"
git -C "$tmp/repo" init -q || fail "git init"
cat >"$tmp/repo/flows/deep/w.json" <<JSON
{"name": "w", "tasks": [
 {"name": "rel", "workdir": "data", "command": $where},
 {"name": "dot", "workdir": "./", "command": $where},
 {"name": "none", "command": $where},
 {"name": "abs", "workdir": "/", "command": $where}
]}
JSON
cd "$tmp/elsewhere" || fail "cd"
expect 0 "$ctl" run --local ../repo/flows/deep/w.json
for want in "rel | in $real/repo/data" "dot | in $real/repo" \
    "none | in $real/repo" "abs | in /"; do
	grep -qxF "$want" "$tmp/out" || fail "no '$want': $(cat "$tmp/out")"
done
ok "in a git repository, workdirs start at its root; a missing one is it"

mkdir -p "$tmp/plain/sub"
cat >"$tmp/plain/sub/p.json" <<JSON
{"name": "p", "tasks": [
 {"name": "dot", "workdir": ".", "command": $where},
 {"name": "none", "command": $where}
]}
JSON
expect 0 "$ctl" run --local "$tmp/plain/sub/p.json"
grep -qxF "dot | in $real/plain/sub" "$tmp/out" &&
    grep -qxF "none | in $real/elsewhere" "$tmp/out" ||
    fail "outside git: $(cat "$tmp/out")"
ok "outside git, workdirs start at the file's folder; a missing one stays so"

cat >"$tmp/repo/flows/gone.json" <<JSON
{"name": "gone", "tasks": [{"name": "t", "workdir": "nosuch", "command": $where}]}
JSON
expect 1 "$ctl" run --local "$tmp/repo/flows/gone.json"
grep -q "^t | .*$real/repo/nosuch" "$tmp/out" &&
    [ "$(tail -n 1 "$tmp/out")" = "run FAILED: task t FAILED" ] ||
    fail "a missing folder: $(cat "$tmp/out")"
ok "a workdir that does not exist fails the task, naming the folder"
