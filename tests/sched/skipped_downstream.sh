#!/usr/bin/env bash
# a fails: its dependents b and (transitively) c are SKIPPED and never run,
# the independent task x still runs, and the run ends FAILED.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
stack_start
out=$STACK_TMP/out; mkdir -p "$out"
touchcmd="[\"sh\",\"-c\",\"touch $out/\$SLUICE_TASK\"]"
flow_put skip "{\"name\":\"skip\",\"tasks\":[
 {\"name\":\"a\",\"command\":[\"sh\",\"-c\",\"echo failing; exit 7\"]},
 {\"name\":\"b\",\"command\":$touchcmd,\"depends_on\":[\"a\"]},
 {\"name\":\"c\",\"command\":$touchcmd,\"depends_on\":[\"b\"]},
 {\"name\":\"x\",\"command\":$touchcmd}]}"
id=$(run_start skip)
wait_run_state "$id" FAILED 60
st() { jq -r ".tasks[] | select(.name==\"$1\") | .state" <<<"$BODY"; }
[ "$(st a)" = FAILED ] || fail "a: $(st a)"
[ "$(st b)" = SKIPPED ] || fail "b: $(st b)"
[ "$(st c)" = SKIPPED ] || fail "c: $(st c)"
[ "$(st x)" = COMPLETED ] || fail "x: $(st x)"
[ "$(task_col "$id" a exit_code)" = 7 ] || fail "exit code of a not recorded"
[ ! -e "$out/b" ] && [ ! -e "$out/c" ] || fail "a skipped task ran"
[ -e "$out/x" ] || fail "x did not run"
case $(task_col "$id" b reason) in *"upstream a"*) ;; *) fail "b reason: $(task_col "$id" b reason)";; esac
echo "ok"
