#!/usr/bin/env bash
# cli_init_ci_files.sh: the CI files `sluicectl init` writes are valid
# YAML of the right shape (a real parser: tests/cli/helpers/ci_steps.py),
# and their shell does what they promise when run in a fresh clone: every
# step after the install (GitHub) and the check script (GitLab) validate
# the flows and run the flow to COMPLETED with sluicectl alone; the sync
# steps POST to $SLUICE_URL/api/repos/$SLUICE_REPO/webhook a body signed
# with the secret (checked by a receiver standing in for the server), a
# wrong secret fails the step, and a missing secret fails it saying which.
# The install steps are not run: they need the network.
. "${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/stack.sh"
. "$SLUICE_ROOT/tests/lib/cli.sh"
. "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
no_stack_cleanup
py=
for p in python3 /usr/bin/python3; do
	"$p" -c 'import yaml' 2>/dev/null && { py=$p; break; }
done
[ -n "$py" ] || fail "no YAML parser (python3-yaml; scripts/deps.sh --test)"

"$ctl" init "$tmp/proj" --name hello >/dev/null || fail "init"
mkdir -p "$tmp/steps"
"$py" "$SLUICE_ROOT/tests/cli/helpers/ci_steps.py" "$tmp/proj" hello \
    "$tmp/steps" || fail "the CI files"
ok "the GitHub and GitLab CI files parse and have their jobs and steps"

git clone -q "$tmp/proj" "$tmp/checkout" || fail "clone"
cd "$tmp/checkout" || fail "cd"
export PATH=$SLUICE_BIN_DIR:$PATH RUNNER_TEMP=$tmp/runner \
    GITHUB_PATH=$tmp/github_path
mkdir -p "$RUNNER_TEMP"
for step in "$tmp"/steps/gh-[0-9]*.sh; do
	bash -eo pipefail "$step" >>"$tmp/gh.out" 2>&1 ||
	    fail "GitHub step $(basename "$step"): $(cat "$tmp/gh.out")"
done
grep -qxF "flows/hello.json: ok (flow hello)" "$tmp/gh.out" &&
    grep -qxF "run COMPLETED" "$tmp/gh.out" || fail "$(cat "$tmp/gh.out")"
bash -eo pipefail "$tmp/steps/gl-check.sh" >"$tmp/gl.out" 2>&1 ||
    fail "GitLab's check script: $(cat "$tmp/gl.out")"
grep -qxF "flows/hello.json: ok (flow hello)" "$tmp/gl.out" &&
    grep -qxF "run COMPLETED" "$tmp/gl.out" || fail "$(cat "$tmp/gl.out")"
sanitizer_check "$tmp/gh.out" "$tmp/gl.out" || fail "a sanitizer report"
ok "the check steps validate and run the flow in a fresh clone"

export WEBHOOK_SECRET=s3cret-$RANDOM
webhook_start
sha=$(git rev-parse HEAD)
sync() {	# sync SCRIPT SECRET [VAR=VALUE...]
	local script=$1 secret=$2; shift 2
	env SLUICE_URL="http://127.0.0.1:$port/" SLUICE_REPO=team-flows \
	    SLUICE_WEBHOOK_SECRET="$secret" GITHUB_REF=refs/heads/main \
	    GITHUB_SHA="$sha" CI_COMMIT_BRANCH=main CI_COMMIT_SHA="$sha" \
	    "$@" bash -eo pipefail "$tmp/steps/$script" >"$tmp/sync.out" 2>&1
}
sync gh-sync.sh "$WEBHOOK_SECRET" || fail "GitHub sync: $(cat "$tmp/sync.out")"
sync gl-sync.sh "$WEBHOOK_SECRET" || fail "GitLab sync: $(cat "$tmp/sync.out")"
[ "$(cat "$out/bodies.signed")" = "good
good" ] || fail "signatures: $(cat "$out/bodies.signed")"
[ "$(sort -u "$out/bodies.paths")" = /api/repos/team-flows/webhook ] ||
    fail "paths: $(cat "$out/bodies.paths")"
[ "$(jq -r '.ref + " " + .after' "$out/bodies" | sort -u)" = \
    "refs/heads/main $sha" ] || fail "bodies: $(cat "$out/bodies")"
ok "the sync steps POST a body signed with the secret to the repo's webhook"

sync gh-sync.sh wrong && fail "GitHub sync with a wrong secret succeeded"
grep -q 401 "$tmp/sync.out" || fail "wrong secret: $(cat "$tmp/sync.out")"
sync gl-sync.sh wrong && fail "GitLab sync with a wrong secret succeeded"
[ "$(tail -n 2 "$out/bodies.signed")" = "bad
bad" ] || fail "signatures: $(cat "$out/bodies.signed")"
sync gh-sync.sh "" && fail "GitHub sync without a secret succeeded"
grep -q "SLUICE_WEBHOOK_SECRET" "$tmp/sync.out" ||
    fail "no secret: $(cat "$tmp/sync.out")"
sync gl-sync.sh "$WEBHOOK_SECRET" SLUICE_URL= &&
    fail "GitLab sync without a URL succeeded"
grep -q "SLUICE_URL" "$tmp/sync.out" || fail "no URL: $(cat "$tmp/sync.out")"
ok "a wrong or missing secret fails the sync step"
