#!/usr/bin/env bash
# sluice-api SIGKILLed under load loses no acknowledged write and names
# its absence: four clients POST runs and PUT new flow versions at about
# 32 requests a second while sluice-api is SIGKILLed again and again (3
# times; 20 under SLUICE_SOAK=1). Every answer is 201/200, 502
# `unavailable` (the API is down: issue 9 point 5, never 500 `internal`)
# or 503 `busy`; some are 502; the launcher restarts the API after each
# kill; every run answered 201 is in the database and is COMPLETED by
# the stack's scheduler; every flow version answered 200/201 is stored
# with the definition that was sent.
source "${SLUICE_ROOT:-$(dirname "$0")/../..}/tests/lib/stack.sh"
source "$SLUICE_ROOT/tests/sched/helpers/lib.sh"
source "$SLUICE_ROOT/tests/fault/helpers/fault.sh"
KILLS=$(scale 3 20)
stack_start
flow_put load '{"name":"load","max_concurrent_runs":1000,
 "tasks":[{"name":"t","command":["true"]}]}'

answers=$STACK_TMP/answers
: >"$answers"
python3 "$SLUICE_ROOT/tests/fault/helpers/load.py" "$SLUICE_URL" \
    "$ADMIN_USER:$ADMIN_PASS" load 4 32 "$answers" "$STACK_TMP/stop-load" \
    2>"$STACK_TMP/load.err" &
LOAD_PID=$!
load_stop() {
	touch "$STACK_TMP/stop-load"
	wait "$LOAD_PID" 2>/dev/null
	return 0
}
stack_on_stop load_stop

acked_runs() { grep -c '^run 201 ' "$answers"; }
# wait_more_acks N: waits until N more runs were answered 201.
wait_more_acks() {
	local want=$(($(acked_runs) + $1))
	wait_for 120 sh -c "[ \$(grep -c '^run 201 ' '$answers') -ge $want ]" ||
	    fail "clients got no $1 more 201s: $(tail -n 5 "$answers")"
}
api_pid() { cat "$SLUICE_DATA/run/sluice-api.pid" 2>/dev/null; }
restarted() {
	local p; p=$(api_pid)
	[ -n "$p" ] && [ "$p" != "$1" ] && kill -0 "$p" 2>/dev/null &&
	    curl -sfk "$SLUICE_URL/api/health" >/dev/null
}

wait_more_acks 20
restarts=0
for k in $(seq 1 "$KILLS"); do
	old=$(api_pid)
	[ -n "$old" ] || fail "no run/sluice-api.pid"
	expect_exit sluice-api "on signal 9"
	kill -KILL "$old" || fail "cannot kill sluice-api $old"
	# The launcher's backoff doubles while the API keeps dying within a
	# minute of its start (1 s, 2 s, ... at most 30 s).
	wait_for 90 restarted "$old" || fail "sluice-api not restarted after kill $k"
	restarts=$((restarts + 1))
	# The new incarnation takes writes before the next kill.
	wait_more_acks 20
done
load_stop
kill -0 "$LOAD_PID" 2>/dev/null && fail "clients did not stop"
[ -s "$STACK_TMP/load.err" ] && fail "clients failed: $(cat "$STACK_TMP/load.err")"
said=$(grep -c 'sluice-run: sluice-api exited on signal 9' "$STACK_TMP/stack.log")
[ "$said" = "$KILLS" ] || fail "the launcher said $said API deaths for $KILLS kills"

# Every answer is one the contract allows while the API comes and goes.
count() { awk -v w="$1" 'w ~ "(^| )" $2 ":" $3 "( |$)"' "$answers" | wc -l; }
requests=$(wc -l <"$answers")
ok=$(count "201:- 200:-")
s502=$(count "502:unavailable")
s503=$(count "503:busy")
s500=$(awk '$2 == 500' "$answers" | wc -l)
other=$((requests - ok - s502 - s503))
[ "$other" = 0 ] || fail "$other answers outside 201/200, 502 unavailable, 503 busy: $(
    awk '$2 != 201 && $2 != 200' "$answers" | sort | uniq -c | sort -rn | head -5)"
[ "$s502" -gt 0 ] || fail "no client saw the API down (502 unavailable)"

# Every acknowledged run exists and ends.
awk '$1 == "run" && $2 == 201 { print $4 }' "$answers" | sort >"$STACK_TMP/acked"
db "SELECT id FROM runs WHERE flow = 'load'" | sort >"$STACK_TMP/stored"
missing_runs=$(comm -23 "$STACK_TMP/acked" "$STACK_TMP/stored" | wc -l)
[ "$missing_runs" = 0 ] || fail "$missing_runs acknowledged runs missing: $(
    comm -23 "$STACK_TMP/acked" "$STACK_TMP/stored" | head -3)"
[ "$(sort -u "$STACK_TMP/acked" | wc -l)" = "$(wc -l <"$STACK_TMP/acked")" ] ||
    fail "one run id answered twice"
unended() { db "SELECT count(*) FROM runs WHERE flow = 'load' AND state <> 'COMPLETED'"; }
wait_eq 300 0 unended || fail "$(unended) runs not COMPLETED: $(
    db "SELECT state, count(*) FROM runs WHERE flow = 'load' GROUP BY state")"

# Every acknowledged flow version is stored with what was sent.
awk '$1 == "put" && ($2 == 200 || $2 == 201) {
    split($5, d, "-"); print "put-" d[1], $4, $5 }' "$answers" |
    sort >"$STACK_TMP/acked-puts"
db -separator ' ' "SELECT flow, version, json_extract(definition, '\$.description')
    FROM flow_versions WHERE flow LIKE 'put-%'" | sort >"$STACK_TMP/stored-puts"
missing_puts=$(comm -23 "$STACK_TMP/acked-puts" "$STACK_TMP/stored-puts" | wc -l)
[ "$missing_puts" = 0 ] || fail "$missing_puts acknowledged flow versions missing: $(
    comm -23 "$STACK_TMP/acked-puts" "$STACK_TMP/stored-puts" | head -3)"

acked=$(($(wc -l <"$STACK_TMP/acked") + $(wc -l <"$STACK_TMP/acked-puts")))
[ "$acked" = "$ok" ] || fail "$ok answers 200/201 but $acked writes acknowledged"
figures requests="$requests" acked="$acked" \
    missing=$((missing_runs + missing_puts)) s502="$s502" s503="$s503" \
    s500="$s500" other="$other" kills="$KILLS" restarts="$restarts"
echo ok
