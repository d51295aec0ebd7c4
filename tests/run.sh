#!/usr/bin/env bash
# tests/run.sh BUILD BIN: runs every test against the programs in BIN.
#   unit:    BUILD/tests/test_*          (one program per lib file)
#   api:     tests/api/*.sh              (real nginx + sluice-api + scheduler)
#   sched:   tests/sched/*.sh            (real scheduler, real processes)
#   browser: tests/browser/*.test.mjs    (headless Chromium; skipped when
#                                          SLUICE_SANITIZED is set)
# A test passes with exit 0 and is skipped with exit 77. Tests are
# independent (own data directory, own free port), so JOBS of them (default
# 3) run at once. Output of a failed test is printed; the last line is
# "N passed, N failed, N skipped". TESTS=pattern runs only tests whose name
# contains the pattern.
set -u
build=${1:-build}
bin=${2:-bin}
jobs=${JOBS:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
export SLUICE_BIN_DIR=$(cd "$root/$bin" && pwd)
export SLUICE_ROOT=$root
logdir=$(mktemp -d /tmp/sluice-tests.XXXXXX)

# Runs one test, prints its result line and records it in $logdir.
run_one() {
	local name=$1; shift
	local base="$logdir/$(echo "$name" | tr '/' '_')" rc start secs
	start=$(date +%s)
	timeout 300 "$@" >"$base.log" 2>&1 </dev/null
	rc=$?
	secs=$(( $(date +%s) - start ))
	if [ $rc -eq 0 ]; then
		echo "ok   $name (${secs}s)"
		echo pass >"$base.result"
	elif [ $rc -eq 77 ]; then
		echo "skip $name: $(tail -n 1 "$base.log")"
		echo skip >"$base.result"
	else
		{ echo "FAIL $name (exit $rc, ${secs}s)"
		  tail -n 40 "$base.log" | sed 's/^/    | /'; } | cat
		echo "fail $name" >"$base.result"
	fi
}

spawn() {
	case "$1" in *"${TESTS:-}"*) ;; *) return ;; esac
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
	run_one "$@" &
}

for t in "$root/$build"/tests/test_*; do
	[ -x "$t" ] && spawn "unit/$(basename "$t")" "$t"
done
for t in "$root"/tests/api/*.sh "$root"/tests/sched/*.sh; do
	[ -f "$t" ] && spawn "${t#"$root"/tests/}" bash "$t"
done
if [ -z "${SLUICE_SANITIZED:-}" ] && [ -d "$root/tests/browser" ]; then
	for t in "$root"/tests/browser/*.test.mjs; do
		[ -f "$t" ] && spawn "${t#"$root"/tests/}" node "$t"
	done
fi
wait

pass=$(cat "$logdir"/*.result 2>/dev/null | grep -c '^pass')
skip=$(cat "$logdir"/*.result 2>/dev/null | grep -c '^skip')
fail=$(cat "$logdir"/*.result 2>/dev/null | grep -c '^fail')
echo
[ "$fail" -gt 0 ] && grep -h '^fail' "$logdir"/*.result | sed 's/^fail/failed:/'
echo "logs: $logdir"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
