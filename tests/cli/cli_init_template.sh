#!/usr/bin/env bash
# cli_init_template.sh: `sluicectl init DIR` in a new nested folder makes a
# git repository on main with one commit holding the template's files --
# the flow named after the folder, relative paths only, so no file names
# DIR's absolute path -- also on a machine where git knows no author; it
# refuses a non-empty folder and bad names, and a refusal changes nothing.
. "${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/stack.sh"
. "$SLUICE_ROOT/tests/lib/cli.sh"
no_stack_cleanup

proj=$tmp/new/nested/My_Weather.Project
name=my_weather.project
expect 0 "$ctl" init "$proj"
[ "$(git -C "$proj" rev-parse --show-toplevel)" = "$proj" ] ||
    fail "not a repository's top level: $(cat "$tmp/out" "$tmp/err")"
[ "$(git -C "$proj" rev-list --count HEAD)" = 1 ] || fail "commits"
[ "$(git -C "$proj" symbolic-ref --short HEAD)" = main ] || fail "branch"
[ -z "$(git -C "$proj" status --porcelain)" ] ||
    fail "uncommitted files: $(git -C "$proj" status --porcelain)"
want=".github/workflows/sluice.yml
.gitignore
.gitlab-ci.yml
README.md
flows/$name.json
requirements.txt
tasks/$name.py"
[ "$(git -C "$proj" ls-files | LC_ALL=C sort)" = "$want" ] ||
    fail "files: $(git -C "$proj" ls-files)"
ok "init makes a git repository with one commit of the template's files"

[ "$(jq -r .name "$proj/flows/$name.json")" = "$name" ] || fail "name"
[ "$(jq -c '[.tasks[].workdir] | unique' "$proj/flows/$name.json")" = '["."]' ] ||
    fail "workdirs: $(jq -c '[.tasks[].workdir]' "$proj/flows/$name.json")"
[ "$(jq -c '.tasks[0].command' "$proj/flows/$name.json")" = \
    "[\"python3\",\"tasks/$name.py\"]" ] || fail "command"
grep -rlF "$tmp" "$proj" --exclude-dir=.git &&
    fail "a file names the folder init ran in"
grep -rl __FLOW__ "$proj" --exclude-dir=.git && fail "placeholder left"
[ -x "$proj/tasks/$name.py" ] && [ ! -s "$proj/requirements.txt" ] ||
    fail "modes or requirements: $(ls -l "$proj" "$proj/tasks")"
grep -q "sluicectl run --local flows/$name.json" "$proj/README.md" ||
    fail "README does not say how to try the flow"
ok "the flow is named after the folder and names no absolute path"

# A bare CI machine: no git identity anywhere.
mkdir -p "$tmp/home"
expect 0 env HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home" \
    GIT_CONFIG_NOSYSTEM=1 "$ctl" init "$tmp/bare" --name etl-2
[ "$(git -C "$tmp/bare" log --format='%an <%ae>')" = \
    "sluicectl init <sluicectl@localhost>" ] ||
    fail "author: $(git -C "$tmp/bare" log --format='%an <%ae>')"
[ -f "$tmp/bare/flows/etl-2.json" ] || fail "--name"
ok "init commits where git knows no author"

expect 1 "$ctl" init "$proj"
grep -q "not empty" "$tmp/err" || fail "non-empty: $(cat "$tmp/err")"
[ "$(git -C "$proj" rev-list --count HEAD)" = 1 ] &&
    [ -z "$(git -C "$proj" status --porcelain)" ] ||
    fail "a refused init changed the project"
expect 2 "$ctl" init "$tmp/bad" --name 'Bad Name'
[ ! -e "$tmp/bad" ] || fail "a refused init created the folder"
expect 2 "$ctl" init
ok "init refuses non-empty folders and bad names"
