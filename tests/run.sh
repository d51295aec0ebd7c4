#!/usr/bin/env bash
# tests/run.sh BUILD BIN: runs every test against the programs in BIN.
#   unit:      BUILD/tests/test_*        (one program per lib file)
#   api:       tests/api/*.sh            (real nginx + sluice-api + scheduler)
#   cli:       tests/cli/*.sh            (sluicectl against a real stack)
#   launcher:  tests/launcher/*.sh       (scripts/sluice-run, make run)
#   container: tests/container/*.sh      (the container's entrypoint)
#   harness:   tests/harness/*.sh        (the harness fails what it must)
#   sched:     tests/sched/*.sh          (real scheduler, real processes)
#   fault:     tests/fault/*.sh          (the fault suite: crashes, stalls,
#                                          full disks; short here, long
#                                          with SLUICE_SOAK=1, `make soak`)
#   browser:   tests/browser/*.test.mjs  (headless Chromium; reported as
#                                          skipped when SLUICE_SANITIZED
#                                          is set)
# A test passes with exit 0 and is skipped with exit 77 (its last line
# says why); a skip is never a pass. A unit program prints one line per
# case, "ok NAME", "FAIL NAME: why" or "skip NAME: why"; its skipped cases
# are listed and counted apart. Whatever its exit status, a test whose
# output holds a sanitizer report fails. Every test started must leave a
# result: one that did not (its slot died) counts as failed, and a run in
# which nothing passed fails. Tests are independent (own data directory,
# own port), so JOBS of them (default 3) run at once. Output of a failed
# test is printed; the last line is "N passed, N failed, N skipped ...".
# TESTS=pattern runs only tests whose name contains the pattern;
# TEST_TIMEOUT (default 300) is each test's limit in seconds.
set -u
build=${1:-build}
bin=${2:-bin}
jobs=${JOBS:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
export SLUICE_BIN_DIR=$(cd "$root/$bin" && pwd)
# The test programs beside the unit tests (e.g. sluice-scheduler-faults).
export SLUICE_TESTS_BIN=$(cd "$root/$build/tests" && pwd)
export SLUICE_ROOT=$root
logdir=$(mktemp -d /tmp/sluice-tests.XXXXXX)
source "$root/tests/lib/sanitizer.sh"

base_of() { echo "$logdir/$(echo "$1" | tr '/' '_')"; }

# Runs one test, prints its result line and records it in $logdir.
run_one() {
	local name=$1; shift
	local base rc start secs
	base=$(base_of "$name")
	start=$(date +%s)
	timeout "${TEST_TIMEOUT:-300}" "$@" >"$base.log" 2>&1 </dev/null
	rc=$?
	secs=$(( $(date +%s) - start ))
	if [ $rc = 0 ] || [ $rc = 77 ]; then
		if grep -Eq "$SANITIZER_PATTERN" "$base.log"; then
			echo "FAIL: sanitizer report in the test's output" >>"$base.log"
			rc=1
		fi
	fi
	if [ $rc -eq 0 ]; then
		echo "ok   $name (${secs}s)"
		echo pass >"$base.result"
	elif [ $rc -eq 77 ]; then
		skip_one "$name" "$(tail -n 1 "$base.log")"
	else
		# Why it failed first: the tail is mostly the programs' logs.
		{ echo "FAIL $name (exit $rc, ${secs}s)"
		  grep -E -m 10 '^FAIL' "$base.log" | sed 's/^/    ! /'
		  tail -n 40 "$base.log" | sed 's/^/    | /'; } | cat
		echo "fail $name" >"$base.result"
	fi
}

# Records NAME as skipped for REASON.
skip_one() {
	echo "skip $1: $2"
	echo "skip $1: $2" >"$(base_of "$1").result"
}

selected() {
	case "$1" in *"${TESTS:-}"*) return 0 ;; esac
	return 1
}

spawn() {
	selected "$1" || return 0
	echo "$1" >>"$logdir/spawned"
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
	run_one "$@" &
}

for t in "$root/$build"/tests/test_*; do
	[ -x "$t" ] && spawn "unit/$(basename "$t")" "$t"
done
for kind in api cli launcher container harness sched repo fault; do
	for t in "$root/tests/$kind"/*.sh; do
		[ -f "$t" ] && spawn "${t#"$root"/tests/}" bash "$t"
	done
done
for t in "$root"/tests/browser/*.test.mjs; do
	[ -f "$t" ] || continue
	name=${t#"$root"/tests/}
	if [ -z "${SLUICE_SANITIZED:-}" ]; then
		spawn "$name" node "$t"
	elif selected "$name"; then
		echo "$name" >>"$logdir/spawned"
		skip_one "$name" "browser tests do not run under sanitizers"
	fi
done
wait

# Every test started must have left a result.
while read -r name; do
	[ -f "$(base_of "$name").result" ] && continue
	echo "fail $name: left no result" >"$(base_of "$name").result"
	echo "FAIL $name: left no result (its slot died)"

done < <(cat "$logdir/spawned" 2>/dev/null)
spawned=$(cat "$logdir/spawned" 2>/dev/null | wc -l)
results=$(cat "$logdir"/*.result 2>/dev/null)
pass=$(grep -c '^pass' <<<"$results")
skip=$(grep -c '^skip' <<<"$results")
fail=$(grep -c '^fail' <<<"$results")
echo
# Unit cases skipped inside programs that otherwise ran.
cases=$(grep -H -E '^skip |^ok .*# skip' "$logdir"/unit_*.log 2>/dev/null |
    sed -e "s|^$logdir/unit_||" -e 's|\.log:|: |' -e 's|: skip |: |')
ncases=0
[ -n "$cases" ] && ncases=$(wc -l <<<"$cases")
[ "$skip" -gt 0 ] && grep -h '^skip' "$logdir"/*.result | sed 's/^skip/skipped:/'
[ -n "$cases" ] && sed 's/^/skipped unit case: /' <<<"$cases"
[ "$fail" -gt 0 ] && grep -h '^fail' "$logdir"/*.result | sed 's/^fail/failed:/'
echo "logs: $logdir"
echo "$pass passed, $fail failed, $skip skipped, of $spawned tests;" \
    "$ncases unit cases skipped"
if [ "$spawned" = 0 ]; then
	echo "FAIL: no test ran${TESTS:+ (TESTS=$TESTS matches none)}"
	exit 1
fi
if [ $((pass + fail + skip)) != "$spawned" ]; then
	echo "FAIL: $spawned tests started, $((pass + fail + skip)) results"
	exit 1
fi
if [ "$pass" = 0 ]; then
	echo "FAIL: nothing passed"
	exit 1
fi
[ "$fail" -eq 0 ]
