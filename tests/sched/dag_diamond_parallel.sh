#!/usr/bin/env bash
# A diamond a -> {b, c} -> d: b and c run at the same time (their
# lifetimes overlap), d starts only after both ended, a before both.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
stack_start
out=$STACK_TMP/out; mkdir -p "$out"
stamp='date +%s%N > '"$out"'/$SLUICE_TASK.start; sleep 1.5; date +%s%N > '"$out"'/$SLUICE_TASK.end'
t() { # name deps
	printf '{"name":"%s","command":["sh","-c","%s"],"depends_on":%s}' \
	    "$1" "$stamp" "$2"
}
flow_put diamond "{\"name\":\"diamond\",\"tasks\":[$(t a '[]'),$(t b '["a"]'),$(t c '["a"]'),$(t d '["b","c"]')]}"
id=$(run_start diamond)
wait_run_state "$id" COMPLETED 60
for k in a b c d; do
	[ "$(jq -r ".tasks[] | select(.name==\"$k\") | .state" <<<"$BODY")" = COMPLETED ] ||
	    fail "task $k not COMPLETED: $BODY"
done
v() { cat "$out/$1"; }
[ "$(v a.end)" -le "$(v b.start)" ] || fail "b started before a ended"
[ "$(v a.end)" -le "$(v c.start)" ] || fail "c started before a ended"
[ "$(v b.start)" -lt "$(v c.end)" ] && [ "$(v c.start)" -lt "$(v b.end)" ] ||
    fail "b and c did not overlap"
[ "$(v b.end)" -le "$(v d.start)" ] && [ "$(v c.end)" -le "$(v d.start)" ] ||
    fail "d started before b and c ended"
echo "ok: b and c overlapped, order respected"
