#!/usr/bin/env bash
# Besides one string's 128 KiB, exec limits argv plus environment in all
# to a quarter of the stack rlimit (at least 128 KiB). A scheduler run
# with a 256 KiB stack limit (so 128 KiB in all) leaves SLUICE_UPSTREAM
# unset when it would not fit beside the rest, though the string alone
# would (the task still starts and reads SLUICE_UPSTREAM_FILE); when
# argv and environment cannot fit even without it, the attempt fails
# before exec with a reason saying so, not with a bare E2BIG.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
stack_start
out=$STACK_TMP/out; mkdir -p "$out"
cat >"$STACK_TMP/writer.py" <<'PY'
import os, sys
n = int(sys.argv[1])
with open(os.environ["SLUICE_RESULT"], "w") as f:
    f.write('"' + "x" * (n - 2) + '"')
PY
cat >"$STACK_TMP/reader.py" <<'PY'
import json, os, sys
with open(os.environ["SLUICE_UPSTREAM_FILE"]) as f:
    up = json.load(f)
rep = {"env_set": "SLUICE_UPSTREAM" in os.environ, "len": len(up["a"])}
with open(os.path.join(sys.argv[1], os.environ["SLUICE_RUN_ID"] + ".json"),
          "w") as f:
    json.dump(rep, f)
PY
old=$(ulimit -S -s)
ulimit -S -s 256
sched_start small SLUICE_POOL=small
ulimit -S -s "$old"
w=$STACK_TMP/writer.py r=$STACK_TMP/reader.py
flow_put lim "{\"name\":\"lim\",\"pool\":\"small\",\"parameters\":{\"n\":{\"type\":\"integer\"}},
 \"tasks\":[
 {\"name\":\"a\",\"command\":[\"python3\",\"$w\",\"{{params.n}}\"]},
 {\"name\":\"b\",\"command\":[\"python3\",\"$r\",\"$out\"],\"depends_on\":[\"a\"]}]}"
for n in 1000 125000; do
	id=$(run_start lim "{\"parameters\":{\"n\":$n}}")
	wait_run_state "$id" COMPLETED 60
	[ "$(run_col "$id" worker)" = small ] || fail "run not on the small scheduler"
	rep=$out/$id.json
	[ "$(jq -r .len "$rep")" = $((n - 2)) ] || fail "n=$n: file content"
	if [ $n = 1000 ]; then
		[ "$(jq -r .env_set "$rep")" = true ] || fail "n=$n: SLUICE_UPSTREAM unset"
	else
		[ "$(jq -r .env_set "$rep")" = false ] || fail "n=$n: SLUICE_UPSTREAM set"
		grep -q "err sluice: upstream results are $((n + 6)) bytes, too large for the environment" \
		    "$SLUICE_DATA/logs/$id/b.1.log" || fail "n=$n: no log line"
	fi
done

# 3 x 60 KB of argv and environment cannot fit in 128 KiB at all.
flow_put huge '{"name":"huge","pool":"small","parameters":{"p":{"type":"string"}},
 "tasks":[{"name":"t","command":["echo","{{params.p}}","{{params.p}}"]}]}'
p=$(head -c 60000 /dev/zero | tr '\0' y)
id=$(run_start huge "{\"parameters\":{\"p\":\"$p\"}}")
wait_run_state "$id" FAILED 60
case $(task_col "$id" t reason) in
*"arguments and environment are"*"bytes, more than the"*) ;;
*) fail "reason: $(task_col "$id" t reason)" ;;
esac
grep -q "err sluice: cannot start: arguments and environment are" \
    "$SLUICE_DATA/logs/$id/t.1.log" || fail "no log line about the size"
echo ok
