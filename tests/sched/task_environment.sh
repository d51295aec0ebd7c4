#!/usr/bin/env bash
# A task process runs in its own process group, in its workdir, with
# stdin from /dev/null, no descriptor above 2 (nothing from the
# scheduler, e.g. the database), the definition's env on top of the
# scheduler's environment, and argv passed without a shell. A command
# that cannot be executed fails with a log line saying why.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
stack_start
out=$STACK_TMP/out; mkdir -p "$out" "$STACK_TMP/wd"
flow_put envf "{\"name\":\"envf\",\"tasks\":[{\"name\":\"t\",\"workdir\":\"$STACK_TMP/wd\",
 \"env\":{\"GREETING\":\"hello world\",\"HOME\":\"/overridden\"},
 \"command\":[\"sh\",\"-c\",\"readlink /proc/\$\$/fd/0 > $out/stdin; pwd > $out/pwd; echo \\\"\$GREETING\\\" > $out/env; echo \$HOME > $out/data; ps -o pgid= -p \$\$ | tr -d ' ' > $out/pgid; echo \$\$ > $out/pid; printf '%s|' \\\"\$@\\\" > $out/args\",
  \"sh\",\"a b\",\"*\",\"\$HOME\"]},
 {\"name\":\"fds\",\"command\":[\"ls\",\"/proc/self/fd\"]}]}"
id=$(run_start envf)
wait_run_state "$id" COMPLETED 30
# ls lists its own descriptors: 0-2 and the directory it reads (3).
fds=$(cut -d' ' -f3- "$SLUICE_DATA/logs/$id/fds.1.log" | tr '\n' ' ')
[ "$fds" = "0 1 2 3 " ] || fail "descriptors inherited: $fds"
[ "$(cat "$out/stdin")" = /dev/null ] || fail "stdin: $(cat "$out/stdin")"
[ "$(cat "$out/pwd")" = "$STACK_TMP/wd" ] || fail "workdir: $(cat "$out/pwd")"
[ "$(cat "$out/env")" = "hello world" ] || fail "env: $(cat "$out/env")"
[ "$(cat "$out/data")" = /overridden ] || fail "definition env does not override: $(cat "$out/data")"
[ "$(cat "$out/pgid")" = "$(cat "$out/pid")" ] || fail "not its own process group"
[ "$(cat "$out/args")" = 'a b|*|$HOME|' ] || fail "argv went through a shell: $(cat "$out/args")"
[ "$(task_col "$id" t pid)" = "$(cat "$out/pid")" ] || fail "pid not recorded"
[ -n "$(task_col "$id" t proc_start)" ] || fail "proc_start not recorded"

flow_put nocmd '{"name":"nocmd","tasks":[{"name":"t","command":["/nonexistent/prog","x"]}]}'
id=$(run_start nocmd)
wait_run_state "$id" FAILED 30
[ "$(task_col "$id" t exit_code)" = 127 ] || fail "exit code $(task_col "$id" t exit_code)"
grep -q "err sluice: exec /nonexistent/prog: No such file or directory" \
    "$SLUICE_DATA/logs/$id/t.1.log" || fail "no exec error in the log"
echo ok
