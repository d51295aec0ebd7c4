#!/usr/bin/env bash
# The flow project `sluicectl init` makes passes parameters as
# "--name={{params.name}}": a value that starts with "-" stays the value
# (with "--name", "{{params.name}}" a name of "--repeat=9" was taken for an
# option and the task failed or changed behaviour).
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start
ctl=$SLUICE_BIN_DIR/sluicectl
export SLUICE_USER=$ADMIN_USER SLUICE_PASSWORD=$ADMIN_PASS

"$ctl" init "$STACK_TMP/proj" --name optsafe >/dev/null || fail "init"
"$ctl" apply "$STACK_TMP/proj/flow.json" >/dev/null || fail "apply"
id=$(timeout 120 "$ctl" run optsafe -p name=--repeat=9 -p repeat=2 --wait \
    2>/dev/null | head -n 1)
[ -n "$id" ] || fail "run"
wait_run_state "$id" COMPLETED
api GET "/api/runs/$id/tasks/main/log"
[ "$(grep -c ' out hello --repeat=9 (' <<<"$BODY")" = 2 ] ||
    fail "the value was not kept as the name: $BODY"
echo ok
