#!/usr/bin/env bash
# Upstream results always reach a task in the file named by
# $SLUICE_UPSTREAM_FILE (upstream.json in the attempt's scratch folder,
# mode 0600), and also in $SLUICE_UPSTREAM while "SLUICE_UPSTREAM=<json>"
# fits in one environment string (128 KiB with its NUL). Larger upstream
# results (here two of 300 KB) no longer make exec fail with E2BIG: the
# task starts without SLUICE_UPSTREAM and its log says why.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
stack_start
out=$STACK_TMP/out; mkdir -p "$out"
# writer.py N: leaves a JSON string of exactly N bytes as its result.
cat >"$STACK_TMP/writer.py" <<'PY'
import os, sys
n = int(sys.argv[1])
with open(os.environ["SLUICE_RESULT"], "w") as f:
    f.write('"' + "x" * (n - 2) + '"')
PY
# reader.py OUTDIR: records what it received, as JSON in OUTDIR/<run>.json.
cat >"$STACK_TMP/reader.py" <<'PY'
import json, os, stat, sys
path = os.environ.get("SLUICE_UPSTREAM_FILE")
rep = {"env_set": "SLUICE_UPSTREAM" in os.environ,
       "env": os.environ.get("SLUICE_UPSTREAM"), "path": path}
if path:
    with open(path) as f:
        rep["file"] = f.read()
    rep["mode"] = oct(stat.S_IMODE(os.stat(path).st_mode))
    rep["file_json"] = json.loads(rep["file"])
with open(os.path.join(sys.argv[1], os.environ["SLUICE_RUN_ID"] + ".json"),
          "w") as f:
    json.dump(rep, f)
PY
w=$STACK_TMP/writer.py r=$STACK_TMP/reader.py
flow_put big "{\"name\":\"big\",\"parameters\":{\"n\":{\"type\":\"integer\"}},
 \"tasks\":[
 {\"name\":\"a\",\"command\":[\"python3\",\"$w\",\"{{params.n}}\"]},
 {\"name\":\"c\",\"command\":[\"python3\",\"$w\",\"{{params.n}}\"]},
 {\"name\":\"s\",\"command\":[\"sh\",\"-c\",\"echo '{\\\"rows\\\": 42}' > \$SLUICE_RESULT\"]},
 {\"name\":\"b\",\"command\":[\"python3\",\"$r\",\"$out\"],\"depends_on\":[\"a\",\"c\",\"s\"]}]}"

# Two results of 300 KB: far over the per-string limit.
id=$(run_start big '{"parameters":{"n":300000}}')
wait_run_state "$id" COMPLETED 90
rep=$out/$id.json
[ -f "$rep" ] || fail "downstream task b did not run"
[ "$(jq -r .env_set "$rep")" = false ] || fail "SLUICE_UPSTREAM set although too large"
case $(jq -r .path "$rep") in */sluice-scratch.*/"$id".b.1/upstream.json) ;; *) false ;; esac ||
    fail "SLUICE_UPSTREAM_FILE: $(jq -r .path "$rep")"
[ "$(jq -r .mode "$rep")" = 0o600 ] || fail "file mode $(jq -r .mode "$rep")"
[ "$(jq -r '.file_json.a | length' "$rep")" = 299998 ] || fail "a's result not in the file"
[ "$(jq -r '.file_json.c | length' "$rep")" = 299998 ] || fail "c's result not in the file"
[ "$(jq -c '.file_json.s' "$rep")" = '{"rows":42}' ] || fail "s's result: $(jq -c '.file_json.s' "$rep")"
[ "$(jq -r '.file_json | keys | join(",")' "$rep")" = a,c,s ] || fail "keys in the file"
size=$(sed -n 's/.* err sluice: upstream results are \([0-9]*\) bytes, too large for the environment.*SLUICE_UPSTREAM_FILE.*/\1/p' \
    "$SLUICE_DATA/logs/$id/b.1.log")
[ -n "$size" ] || fail "no log line: $(cat "$SLUICE_DATA/logs/$id/b.1.log")"
[ "$size" -gt 600000 ] || fail "upstream file is only $size bytes"

# The boundary: "SLUICE_UPSTREAM=" + {"a":<result>} + NUL = 22 + n + 1
# bytes, so a result of 131049 bytes still fits in 128 KiB, 131050 not.
flow_put edge "{\"name\":\"edge\",\"parameters\":{\"n\":{\"type\":\"integer\"}},
 \"tasks\":[
 {\"name\":\"a\",\"command\":[\"python3\",\"$w\",\"{{params.n}}\"]},
 {\"name\":\"b\",\"command\":[\"python3\",\"$r\",\"$out\"],\"depends_on\":[\"a\"]}]}"
for n in 10 131049 131050; do
	id=$(run_start edge "{\"parameters\":{\"n\":$n}}")
	wait_run_state "$id" COMPLETED 60
	rep=$out/$id.json
	[ "$(jq -r '.file_json.a | length' "$rep")" = $((n - 2)) ] ||
	    fail "n=$n: result not in the file"
	[ "$(jq -r .mode "$rep")" = 0o600 ] || fail "n=$n: file mode"
	if [ "$n" = 131050 ]; then
		[ "$(jq -r .env_set "$rep")" = false ] || fail "n=$n: SLUICE_UPSTREAM set"
		grep -q "err sluice: upstream results are $((n + 6)) bytes, too large" \
		    "$SLUICE_DATA/logs/$id/b.1.log" || fail "n=$n: no log line"
	else
		# The small case: the same JSON in the variable and the file.
		[ "$(jq -r .env_set "$rep")" = true ] || fail "n=$n: SLUICE_UPSTREAM unset"
		[ "$(jq -r '.env == .file' "$rep")" = true ] || fail "n=$n: variable and file differ"
		[ "$(jq -r '.env | fromjson | .a | length' "$rep")" = $((n - 2)) ] ||
		    fail "n=$n: SLUICE_UPSTREAM content"
		! grep -q "sluice: upstream" "$SLUICE_DATA/logs/$id/b.1.log" ||
		    fail "n=$n: log says too large"
	fi
done
echo ok
