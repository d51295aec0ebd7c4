#!/usr/bin/env bash
# Output a task prints while the data directory's disk is full is not
# silently cut: once space returns, the log goes on after a line
# "sluice: N bytes of output lost: No space left on device" (starting on
# a line of its own), the attempt's reason says its log is incomplete,
# and log_size is the size of the file.
source "${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/stack.sh" || exit 1
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
stack_small_disk 40
stack_start
gate=$STACK_TMP/gate
mkdir -m 0777 "$gate"
body=$(jq -cn --arg g "$gate" '{name:"full",tasks:[{name:"t",command:["python3","-c",
 "import os,sys,time\ng=sys.argv[1]\nwait=lambda f: [time.sleep(0.1) for _ in iter(lambda: os.path.exists(g+\"/\"+f), True)]\nprint(\"before\", flush=True)\nwait(\"go1\")\nfor i in range(30000): print(\"x\" * 99)\nsys.stdout.flush()\nopen(g+\"/printed\",\"w\").close()\nwait(\"go2\")\nprint(\"after\", flush=True)\n",$g]}]}')
flow_put full "$body"
id=$(run_start full)
log=$SLUICE_DATA/logs/$id/t.1.log
wait_for 30 grep -q " out before$" "$log" || fail "task did not start: $(cat "$log" 2>&1)"
dd if=/dev/zero of="$SLUICE_DATA/filler" bs=1M 2>/dev/null
touch "$gate/go1"
wait_for 30 test -e "$gate/printed" || fail "task did not print"
sleep 2	# the scheduler reads the pipe and fails to write it
rm -f "$SLUICE_DATA/filler"
touch "$gate/go2"
wait_run_state "$id" COMPLETED 60
grep -q "^[0-9TZ:.-]* err sluice: [0-9]* bytes of output lost: No space left on device$" "$log" ||
    fail "no marker line: $(grep -v ' out x' "$log" | tail -5)"
grep -A1 "bytes of output lost" "$log" | grep -q " out after$" || fail "output after the marker missing"
api GET "/api/runs/$id"
jqr '.tasks[0].reason' | grep -q "log incomplete: [0-9]* bytes of output lost (No space left on device)" ||
    fail "reason: $(jqr '.tasks[0].reason')"
[ "$(jqr '.tasks[0].log_size')" = "$(stat -c %s "$log")" ] ||
    fail "log_size $(jqr '.tasks[0].log_size') vs file $(stat -c %s "$log")"
echo ok
