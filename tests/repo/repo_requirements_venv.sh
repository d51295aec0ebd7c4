#!/usr/bin/env bash
# requirements.txt beside a flow: the sync builds a virtual environment
# (python3 -m venv, pip install -r) from a local wheel directory given as
# the repository's PIP_* settings, and the task imports the package; a
# requirement pip cannot install fails the sync with pip's message and
# the previous version keeps running.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/repo/helpers/lib.sh"
stack_start
git_repo

# A tiny package, built into a wheel by pip itself (no index reached).
pkg=$STACK_TMP/pkg; wheels=$STACK_TMP/wheels
mkdir -p "$pkg/sluicetestpkg" "$wheels"
echo 'GREETING = "hello from a wheel"' >"$pkg/sluicetestpkg/__init__.py"
cat >"$pkg/setup.py" <<'PY'
from setuptools import setup
setup(name="sluicetestpkg", version="1.0", packages=["sluicetestpkg"])
PY
# (Debian's python3-wheel, a test package, lets setuptools build wheels.)
/usr/bin/python3 -m venv --system-site-packages "$STACK_TMP/builder" ||
    fail "python3 -m venv"
"$STACK_TMP/builder/bin/pip" wheel --quiet --no-index --no-deps \
    --no-build-isolation -w "$wheels" "$pkg" || fail "pip wheel"
ls "$wheels"/sluicetestpkg-1.0-*.whl >/dev/null || fail "no wheel built"
chmod -R a+rX "$wheels"

flow_file app '["python", "-c", "import sluicetestpkg, sys; print(sluicetestpkg.GREETING, sys.prefix)"]'
echo sluicetestpkg==1.0 >"$WORK/flows/requirements.txt"
push "App with a requirement"
repo_add team "\"env\": {\"PIP_NO_INDEX\": \"1\", \"PIP_FIND_LINKS\": \"$wheels\"}"
wait_synced team "$HEAD_COMMIT" 300
[ "$(jqr .sync.state)" = ok ] || fail "sync with requirements failed: $BODY"
id=$(run_start app)
wait_run_state "$id" COMPLETED 60
log=$SLUICE_DATA/logs/$id/main.1.log
grep -q "hello from a wheel $SLUICE_DATA/code/venvs/" "$log" ||
    fail "task did not import the package from its venv: $(cat "$log")"

echo sluicetestpkg==9.9 >"$WORK/flows/requirements.txt"
flow_file app '["python", "-c", "print(\"v2\")"]'
push "Ask for a version that does not exist"
api POST /api/repos/team/sync '{}'
wait_synced team "$HEAD_COMMIT" 300
[ "$(jqr .sync.state)" = failed ] || fail "failed pip install not reported: $BODY"
[ "$(jqr .sync.error.file)" = flows/requirements.txt ] &&
    grep -qi "sluicetestpkg==9.9" <<<"$(jqr .sync.error.reason)" ||
    fail "pip's message missing: $BODY"
id=$(run_start app)
wait_run_state "$id" COMPLETED 60
grep -q "hello from a wheel" "$SLUICE_DATA/logs/$id/main.1.log" ||
    fail "previous version did not keep running: $(cat "$SLUICE_DATA/logs/$id/main.1.log")"
echo "ok: venv built from a local wheel; failed install kept the old version"
