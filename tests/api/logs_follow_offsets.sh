#!/usr/bin/env bash
# Following a real task's log by offset, as the dashboard does: a task run
# by the scheduler prints five lines over about a second and a half; reading
# from X-Log-Next-Offset until X-Log-Complete is true yields exactly the
# whole log (each line once, in order), and only after the attempt ended.
# Also: limit reads a chunk, an offset at the end reads nothing, download=1
# adds Content-Disposition, the body is text/plain with nosniff, and
# unknown tasks or attempts are 404.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

api PUT /api/flows/logs '{"tasks":[{"name":"talk","command":["sh","-c",
 "for i in 1 2 3 4 5; do echo \"line $i\"; sleep 0.3; done; echo done >&2"]}]}'
expect_status 201 "flow"
api POST /api/flows/logs/runs '{}'
expect_status 201 "run"
run=$(jqr .id)
log=/api/runs/$run/tasks/talk/log

offset=0 complete=false followed="" reads=0
for i in $(seq 1 600); do
	api GET "$log?offset=$offset"
	expect_status 200 "log read"
	followed+=$BODY
	[ -n "$BODY" ] && reads=$((reads + 1))
	# $(...) drops trailing newlines; count bytes from the header instead.
	next=$(header X-Log-Next-Offset)
	complete=$(header X-Log-Complete)
	[ "$next" -ge "$offset" ] || fail "offset went back: $offset -> $next"
	offset=$next
	[ "$complete" = true ] && break
	sleep 0.1
done
[ "$complete" = true ] || fail "log never complete"
wait_run_state "$run" COMPLETED 30

api GET "$log"
full=$BODY
[ "$(header X-Log-Size)" = "$offset" ] || fail "size $(header X-Log-Size) != followed $offset"
[ "$(header X-Log-Complete)" = true ] || fail "whole read of a finished attempt not complete"
[ "$(header X-Log-Attempt)" = 1 ] || fail "attempt header"
grep -qi '^Content-Type: text/plain; charset=utf-8' "$HDRS" || fail "content type"
grep -qi '^X-Content-Type-Options: nosniff' "$HDRS" || fail "nosniff"
grep -qi '^Content-Disposition' "$HDRS" && fail "Content-Disposition without download"
[ "$(grep -c . <<<"$full")" = 6 ] || fail "six lines expected: $full"
[ "$(grep -o 'line [0-9]' <<<"$full" | tr '\n' ' ')" = "line 1 line 2 line 3 line 4 line 5 " ] ||
    fail "lines out of order: $full"
grep -q ' err done$' <<<"$full" || fail "stderr line: $full"
[ "$(grep -o 'line [0-9]' <<<"$followed" | tr '\n' ' ')" = "line 1 line 2 line 3 line 4 line 5 " ] ||
    fail "following by offset lost or repeated lines: $followed"
note "followed the log in $reads non-empty reads"

api GET "$log?offset=10&limit=7"
[ "${#BODY}" = 7 ] || fail "limit=7 returned ${#BODY} bytes"
[ "$BODY" = "${full:10:7}" ] || fail "chunk at 10: '$BODY' vs '${full:10:7}'"
[ "$(header X-Log-Next-Offset)" = 17 ] || fail "next offset after a chunk"
[ "$(header X-Log-Complete)" = false ] || fail "a middle chunk is not complete"

api GET "$log?offset=$offset"
[ -z "$BODY" ] || fail "read past the end: $BODY"
[ "$(header X-Log-Next-Offset)" = "$offset" ] || fail "next offset at the end"
[ "$(header X-Log-Complete)" = true ] || fail "complete at the end"

api GET "$log?download=1"
grep -qi "^Content-Disposition: attachment; filename=\"$run-talk.1.log\"" "$HDRS" ||
    fail "download header: $(cat "$HDRS")"

api GET "$log?attempt=1"
expect_status 200 "attempt 1"
api GET "$log?attempt=2"
expect_status 404 "attempt 2"
api GET "/api/runs/$run/tasks/nope/log"
expect_status 404 "unknown task"
api GET "$log?offset=-1"
expect_status 400 "negative offset"
api GET "/api/runs/$run"
[ "$(jqr '.tasks[0].log_size')" = "$offset" ] || fail "log_size in the run: $BODY"
echo ok
