#!/usr/bin/env bash
# tests/run.sh BUILD BIN: runs every test against the programs in BIN.
#   unit:    BUILD/tests/test_*          (one program per lib file)
#   api:     tests/api/*.sh              (real nginx + sluice-api + scheduler)
#   sched:   tests/sched/*.sh            (real scheduler, real processes)
#   browser: tests/browser/*.test.mjs    (headless Chromium; skipped when
#                                          SLUICE_SANITIZED is set)
# A test passes with exit 0 and is skipped with exit 77. Output of a failed
# test is printed; the last line is "N passed, N failed, N skipped".
# TESTS=pattern limits the run to tests whose path contains the pattern.
set -u
build=${1:-build}
bin=${2:-bin}
root=$(cd "$(dirname "$0")/.." && pwd)
export SLUICE_BIN_DIR=$(cd "$root/$bin" && pwd)
export SLUICE_ROOT=$root
pass=0 fail=0 skip=0
failed=()
logdir=$(mktemp -d /tmp/sluice-tests.XXXXXX)

run_one() {
	local name=$1; shift
	case "$name" in *"${TESTS:-}"*) ;; *) return ;; esac
	local log="$logdir/$(echo "$name" | tr '/' '_').log" rc start
	start=$(date +%s)
	timeout 300 "$@" >"$log" 2>&1 </dev/null
	rc=$?
	local secs=$(( $(date +%s) - start ))
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1)); echo "ok   $name (${secs}s)"
	elif [ $rc -eq 77 ]; then
		skip=$((skip + 1)); echo "skip $name: $(tail -n 1 "$log")"
	else
		fail=$((fail + 1)); failed+=("$name")
		echo "FAIL $name (exit $rc, ${secs}s)"
		tail -n 40 "$log" | sed 's/^/    | /'
	fi
}

for t in "$root/$build"/tests/test_*; do
	[ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
done
for t in "$root"/tests/api/*.sh "$root"/tests/sched/*.sh; do
	[ -f "$t" ] && run_one "${t#"$root"/tests/}" bash "$t"
done
if [ -z "${SLUICE_SANITIZED:-}" ] && [ -d "$root/tests/browser" ]; then
	for t in "$root"/tests/browser/*.test.mjs; do
		[ -f "$t" ] && run_one "${t#"$root"/tests/}" \
		    node "$t"
	done
fi
echo
[ ${#failed[@]} -gt 0 ] && printf 'failed: %s\n' "${failed[@]}"
echo "logs: $logdir"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
