#!/usr/bin/env bash
# The task script `sluicectl init` makes reads its parameters from
# SLUICE_PARAMS, not from its command line, so a value that starts with
# "-" stays the value: a "who" of "--times=9" is greeted as such, and
# "times" stays 2 (an older template passed "--name", "{{params.name}}"
# and took such a value for an option).
. "${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/stack.sh"
. "$SLUICE_ROOT/tests/lib/cli.sh"
no_stack_cleanup

"$ctl" init "$tmp/proj" --name optsafe >/dev/null || fail "init"
expect 0 "$ctl" run --local "$tmp/proj/flows/optsafe.json" \
    -p who=--times=9 -p times=2
[ "$(grep -c '^greet | hello --times=9 (' "$tmp/out")" = 2 ] ||
    fail "the value was not kept as the name: $(cat "$tmp/out")"
echo ok
