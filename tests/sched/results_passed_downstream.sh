#!/usr/bin/env bash
# JSON a task writes to $SLUICE_RESULT becomes its result (task_runs.result)
# and reaches its dependents in $SLUICE_UPSTREAM; parameters are rendered
# into argv and passed in $SLUICE_PARAMS; invalid result JSON fails the
# task with a clear log line.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
stack_start
out=$STACK_TMP/out; mkdir -p "$out"
flow_put res "{\"name\":\"res\",
 \"parameters\":{\"city\":{\"type\":\"string\",\"default\":\"Leiden\"}},
 \"tasks\":[
 {\"name\":\"a\",\"command\":[\"sh\",\"-c\",\"printf '{\\\"rows\\\": 42, \\\"city\\\": \\\"%s\\\"}' \\\"\$1\\\" > \$SLUICE_RESULT\",\"sh\",\"{{params.city}}\"]},
 {\"name\":\"b\",\"command\":[\"sh\",\"-c\",\"printf %s \\\"\$SLUICE_UPSTREAM\\\" > $out/up; printf %s \\\"\$SLUICE_PARAMS\\\" > $out/params; echo \$SLUICE_RUN_ID \$SLUICE_FLOW \$SLUICE_TASK \$SLUICE_ATTEMPT > $out/ids\"],\"depends_on\":[\"a\"]}]}"
id=$(run_start res '{"parameters":{"city":"Delft"}}')
wait_run_state "$id" COMPLETED 60
[ "$(task_col "$id" a result | jq -c .)" = '{"rows":42,"city":"Delft"}' ] ||
    fail "result of a: $(task_col "$id" a result)"
[ "$(jq -c .a "$out/up")" = '{"rows":42,"city":"Delft"}' ] ||
    fail "SLUICE_UPSTREAM: $(cat "$out/up")"
[ "$(jq -r .city "$out/params")" = Delft ] || fail "SLUICE_PARAMS: $(cat "$out/params")"
[ "$(cat "$out/ids")" = "$id res b 1" ] || fail "ids: $(cat "$out/ids")"

# Invalid JSON in the result file fails the task and says why in its log.
flow_put bad '{"name":"bad","tasks":[{"name":"a","command":["sh","-c","echo \"{not json\" > $SLUICE_RESULT"]}]}'
id=$(run_start bad)
wait_run_state "$id" FAILED 60
case $(task_col "$id" a reason) in "invalid result"*) ;; *) fail "reason: $(task_col "$id" a reason)";; esac
grep -q "err sluice: task failed: invalid result" "$SLUICE_DATA/logs/$id/a.1.log" ||
    fail "no log line about the invalid result"

# A result over 1 MiB fails the task; exactly 1 MiB of valid JSON is fine.
flow_put size '{"name":"size","parameters":{"n":{"type":"integer"}},"tasks":[{"name":"a","command":["python3","-c","import os,sys; n=int(sys.argv[1]); open(os.environ[\"SLUICE_RESULT\"],\"w\").write(\"\\\"\" + \"x\" * (n - 2) + \"\\\"\")","{{params.n}}"]}]}'
id=$(run_start size '{"parameters":{"n":1048577}}')
wait_run_state "$id" FAILED 60
case $(task_col "$id" a reason) in *"larger than 1048576 bytes"*) ;; *) fail "reason: $(task_col "$id" a reason)";; esac
id=$(run_start size '{"parameters":{"n":1048576}}')
wait_run_state "$id" COMPLETED 60
[ "$(task_col "$id" a "length(result)")" = 1048576 ] || fail "1 MiB result not stored"
echo ok
