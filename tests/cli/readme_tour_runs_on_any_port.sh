#!/usr/bin/env bash
# The README's tour ("A five-minute tour with curl" and its CLI part) runs
# as written, every command succeeding, against a stack on a port that is
# not 8443, from the folder holding data/ with no SLUICE_DATA, SLUICE_URL
# or credentials in the environment: the shell a user has after `make
# run` in a checkout. Only the password line is filled in, and bin/ and
# examples/ point into the checkout (the tour runs elsewhere).
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start
[ "$SLUICE_PORT" != 8443 ] || fail "the stack got port 8443: proves nothing"
tmp=$STACK_TMP
mkdir -p "$tmp/home"

# The indented lines of the tour's section are its commands.
awk '/^## A five-minute tour/ { on = 1; next } /^##/ { on = 0 }
    on && /^    / { print substr($0, 5) } on && /^$/ { print }' \
    "$SLUICE_ROOT/README.md" >"$tmp/tour.sh"
grep -q "^export PW=" "$tmp/tour.sh" || fail "no PW line in the tour"
grep -q "sluicectl run hello" "$tmp/tour.sh" || fail "no CLI part in the tour"
sed -i -e "s|^export PW=.*|export PW='$ADMIN_PASS'|" \
    -e "s|bin/sluicectl|$SLUICE_BIN_DIR/sluicectl|g" \
    -e "s|examples/|$SLUICE_ROOT/examples/|g" "$tmp/tour.sh"

cd "$tmp" || fail "cd"
env -u SLUICE_DATA -u SLUICE_URL -u SLUICE_USER -u SLUICE_PASSWORD \
    HOME="$tmp/home" timeout 120 bash -euo pipefail "$tmp/tour.sh" \
    >"$tmp/out" 2>"$tmp/err" ||
    fail "the tour failed (exit $?): $(tail -n 20 "$tmp/err")"

grep -Eq '^[0-9A-Z]{26}$' "$tmp/out" || fail "no run id echoed: $(cat "$tmp/out")"
grep -Eq '^greet +\| .* hello Leiden$' "$tmp/out" ||
    fail "run --follow did not show greet's log: $(cat "$tmp/out")"
grep -Eq '^count +\| .* 2$' "$tmp/out" ||
    fail "run --follow did not show count's log: $(cat "$tmp/out")"
grep -q '^ID  *FLOW  *VERSION  *STATE' "$tmp/out" || fail "no runs header"
[ "$(grep -c '^COMPLETED$' "$tmp/out")" = 2 ] ||
    fail "run --follow and rerun --wait did not both end COMPLETED: $(cat "$tmp/out")"
[ -f "$tmp/home/flows/report/flows/report.json" ] &&
    git -C "$tmp/home/flows/report" rev-parse --verify -q HEAD >/dev/null ||
    fail "init made no project"
api GET "/api/runs?flow=hello"
[ "$(jqr '[.items[] | select(.state == "COMPLETED")] | length')" -ge 2 ] ||
    fail "the tour's runs: $BODY"
[ "$(jqr '[.items[] | select(.parameters.who == "Delft")] | length')" = 1 ] ||
    fail "rerun -p who=Delft: $BODY"
echo "ok   the README's tour runs as written on port $SLUICE_PORT"
