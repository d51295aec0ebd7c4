#!/usr/bin/env bash
# 100 MB of output (1,000,000 lines), a 1 MiB line and a last line without
# a newline, with stderr interleaved: nothing is lost. Every line is
# prefixed "<UTC time> out " or "<UTC time> err "; the long line is split
# into 64 KiB lines; log_size matches the file.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
export SLUICE_LOG_MAX_BYTES=$((400 * 1024 * 1024))
stack_start
flow_put big "{\"name\":\"big\",\"tasks\":[{\"name\":\"t\",
 \"command\":[\"python3\",\"$(task_file bigout.py)\",\"1000000\",\"1048576\"]}]}"
id=$(run_start big)
wait_run_state "$id" COMPLETED 240
log=$SLUICE_DATA/logs/$id/t.1.log
[ "$(stat -c %s "$log")" = "$(task_col "$id" t log_size)" ] ||
    fail "log_size $(task_col "$id" t log_size) != file size $(stat -c %s "$log")"
# Every line has the prefix.
bad=$(LC_ALL=C grep -a -c -v -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z (out|err) ' "$log")
[ "$bad" = 0 ] || fail "$bad lines without the prefix"
n=$(LC_ALL=C grep -a -c -E '^.{24} out line [0-9]{7} y{87}$' "$log")
[ "$n" = 1000000 ] || fail "expected 1000000 numbered lines, found $n"
# In order, none missing.
LC_ALL=C awk 'substr($0,26,3)=="out" && substr($0,30,5)=="line " {
	if (substr($0,35,7)+0 != i) { print "gap at " i; exit 1 } i++ }' "$log" ||
    fail "numbered lines out of order or missing"
e=$(LC_ALL=C grep -a -c -E '^.{24} err err [0-9]+$' "$log")
[ "$e" = 1000 ] || fail "expected 1000 stderr lines, found $e"
# The 1 MiB line: 16 lines of 65536 bytes of x.
x=$(LC_ALL=C awk 'substr($0,26,5)=="out x" { r=substr($0,30)
	if (length(r) == 65536 && r !~ /[^x]/) n++ } END { print n+0 }' "$log")
[ "$x" = 16 ] || fail "expected the long line split into 16 lines, found $x"
LC_ALL=C grep -a -q -E '^.{24} out tail-without-newline$' "$log" ||
    fail "last line without newline lost"
total=$(wc -l <"$log")
[ "$total" = $((1000000 + 1000 + 16 + 1)) ] || fail "unexpected line count $total"
echo ok
