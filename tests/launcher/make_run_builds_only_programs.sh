#!/usr/bin/env bash
# `make run` builds the three programs and nothing else: no unit test
# programs, no fault-hook scheduler (make -n shows what it would do, into
# a build folder of its own so nothing is up to date already); `make all`
# still builds them.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d /tmp/sluice-make-run.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
make -n -C "$SLUICE_ROOT" BUILD="$tmp/build" BIN="$tmp/bin" run >"$tmp/run" 2>&1 ||
    fail "make -n run: $(cat "$tmp/run")"
for p in sluice-api sluice-scheduler sluicectl; do
	grep -q -- "-o $tmp/bin/$p " "$tmp/run" || fail "make run does not build $p"
done
grep -q "$tmp/build/tests" "$tmp/run" &&
    fail "make run builds test programs: $(grep "$tmp/build/tests" "$tmp/run" | head -3)"
grep -q "scripts/sluice-run" "$tmp/run" || fail "make run does not start the launcher"
make -n -C "$SLUICE_ROOT" BUILD="$tmp/build" BIN="$tmp/bin" all >"$tmp/all" 2>&1 ||
    fail "make -n all"
grep -q -- "-o $tmp/build/tests/sluice-scheduler-faults " "$tmp/all" &&
    grep -q -- "-o $tmp/build/tests/test_cron " "$tmp/all" ||
    fail "make all no longer builds the tests"
echo "ok   make run builds only the programs"
