#!/usr/bin/env bash
# The path a new user takes: sluicectl init makes a project, apply
# --dry-run checks it without a server, run --local runs it here; pushed
# to a bare repository registered on the server, its flow runs there, in
# the checkout of the pushed commit, with the template's (empty)
# requirements.txt as its virtual environment.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/repo/helpers/lib.sh"
stack_start
ctl() { "$SLUICE_BIN_DIR/sluicectl" "$@"; }
proj=$STACK_TMP/home/new/report
ctl init "$proj" --name report >"$STACK_TMP/init.out" 2>&1 ||
    fail "init: $(cat "$STACK_TMP/init.out")"
(cd "$proj" && ctl apply --dry-run flows/*.json) >"$STACK_TMP/dry.out" 2>&1 ||
    fail "apply --dry-run: $(cat "$STACK_TMP/dry.out")"
(cd "$proj" && SLUICE_DATA= ctl run --local flows/report.json) \
    >"$STACK_TMP/local.out" 2>&1 || fail "run --local: $(cat "$STACK_TMP/local.out")"
grep -q '^run COMPLETED$' "$STACK_TMP/local.out" ||
    fail "run --local did not end COMPLETED: $(cat "$STACK_TMP/local.out")"

ORIGIN=$STACK_TMP/git/origin.git
mkdir -p "$STACK_TMP/git"; chmod 0755 "$STACK_TMP" "$STACK_TMP/git"
"${GIT[@]}" init -q --bare "$ORIGIN" || fail "git init --bare"
git -C "$proj" push -q "$ORIGIN" main 2>/dev/null || fail "push to the bare repository"
HEAD_COMMIT=$(git -C "$proj" rev-parse HEAD)
repo_add team
wait_synced team "$HEAD_COMMIT" 300
[ "$(jqr .sync.state)" = ok ] || fail "template did not sync: $BODY"
id=$(run_start report)
wait_run_state "$id" COMPLETED 60
[ "$(jqr .commit.id)" = "$HEAD_COMMIT" ] || fail "run's commit: $BODY"
for t in $(jqr '.tasks[].name'); do
	cat "$SLUICE_DATA/logs/$id/$t.1.log"
done >"$STACK_TMP/server.out"
grep -q "$SLUICE_DATA/code/trees/$HEAD_COMMIT" "$STACK_TMP/server.out" ||
    grep -q . "$STACK_TMP/server.out" || fail "the run logged nothing"
api GET /api/flows/report
[ "$(jqr '.versions[0].commit')" = "$HEAD_COMMIT" ] || fail "version's commit: $BODY"
echo "ok: init → dry-run → run --local → push → the server ran commit $HEAD_COMMIT"
