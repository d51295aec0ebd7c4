#!/usr/bin/env bash
# The log endpoint never follows a link: after a run ends, its log is
# replaced (as root, standing in for a task that once could) by a symbolic
# link to data/htpasswd, by a hard link to it, by a file of another owner,
# by a FIFO, and the run's whole log folder by a symbolic link to a folder
# holding a file of the right name. Each is refused with a JSON error
# naming why, logged, and htpasswd's contents never appear in a reply. The
# untouched log of the same run is served before and after; the removed
# one is answered 410 gone.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
[ "$(id -u)" = 0 ] || { echo "skip: needs root to plant links as the service"; exit 77; }
stack_start

api PUT /api/flows/l '{"tasks":[{"name":"a","command":["echo","hello a"]},
 {"name":"b","command":["echo","hello b"]}]}'
expect_status 201 "flow"
api POST /api/flows/l/runs '{}'
expect_status 201 "run"
run=$(jqr .id)
wait_run_state "$run" COMPLETED 30
dir=$SLUICE_DATA/logs/$run
log=$dir/a.1.log
[ -f "$log" ] || fail "no log at $log"
api GET "/api/runs/$run/tasks/a/log"
expect_status 200 "plain log"
grep -q "out hello a$" <<<"$BODY" || fail "plain log: $BODY"
secret=$(cut -d: -f2 "$SLUICE_DATA/htpasswd" | head -n 1)
[ -n "$secret" ] || fail "no hash in htpasswd"

refused() { # WHAT REASON-SUBSTRING
	api GET "/api/runs/$run/tasks/a/log"
	grep -qF -- "$secret" "$STACK_TMP/body" && fail "$1: htpasswd served"
	grep -qF -- "$ADMIN_USER:" "$STACK_TMP/body" && fail "$1: htpasswd served"
	expect_status 500 "$1"
	[ "$(jqr .error.code)" = internal ] || fail "$1: code: $BODY"
	jqr .error.message | grep -qF -- "$2" ||
	    fail "$1: message lacks '$2': $BODY"
}

rm "$log"
ln -s ../../htpasswd "$log"
refused "symlink to htpasswd" "symbolic link"
rm "$log"
ln -s "$SLUICE_DATA/htpasswd" "$log"
refused "absolute symlink" "symbolic link"
rm "$log"
ln "$SLUICE_DATA/htpasswd" "$log"
refused "hard link to htpasswd" "more than one link"
rm "$log"
echo "not ours" >"$log"
chown nobody "$log"
refused "file of another owner" "not owned by the service user"
rm "$log"
mkfifo "$log"
refused "FIFO" "not a regular file"
rm "$log"

# The other task's log is still served; then the run folder itself
# becomes a link to a folder holding a "log" of the right name.
api GET "/api/runs/$run/tasks/b/log"
expect_status 200 "untouched log"
grep -q "out hello b$" <<<"$BODY" || fail "untouched log: $BODY"
mkdir "$STACK_TMP/elsewhere"
cp "$SLUICE_DATA/htpasswd" "$STACK_TMP/elsewhere/a.1.log"
mv "$dir" "$dir.moved"
ln -s "$STACK_TMP/elsewhere" "$dir"
refused "run folder is a symlink" "symbolic link"
rm "$dir"
mv "$dir.moved" "$dir"
api GET "/api/runs/$run/tasks/b/log"
expect_status 200 "log after the folder is back"
api GET "/api/runs/$run/tasks/a/log"
expect_status 410 "a removed log"
[ "$(jqr .error.code)" = gone ] && jqr .error.message | grep -q "is gone" ||
    fail "removed log: $BODY"
grep -q 'the log is a symbolic link' "$STACK_TMP/stack.log" ||
    fail "refusal not logged"
echo ok
