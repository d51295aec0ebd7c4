#!/usr/bin/env bash
# sluice-api and sluice-scheduler exit 1, saying why, when they cannot
# start: a setting out of range, or a data directory that cannot hold
# their database; the fatal line names the setting or the folder.
set -u
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
SLUICE_BIN_DIR=${SLUICE_BIN_DIR:-$SLUICE_ROOT/bin}
tmp=$(mktemp -d /tmp/sluice-start-fail.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
source "$SLUICE_ROOT/tests/lib/sanitizer.sh"
mkdir -p "$tmp/data/run"
: >"$tmp/a-file"

# refused PROGRAM WHY ENV...: PROGRAM run with env(1) arguments ENV must
# exit 1 within 30 s and print WHY.
refused() {
	local prog=$1 why=$2 rc; shift 2
	env SLUICE_DATA="$tmp/data" "$@" timeout 30 "$SLUICE_BIN_DIR/$prog" \
	    >"$tmp/out.log" 2>&1 </dev/null
	rc=$?
	[ $rc = 1 ] || fail "$prog $*: exit $rc, not 1: $(tail -n 5 "$tmp/out.log")"
	grep -q -- "$why" "$tmp/out.log" ||
	    fail "$prog $*: no '$why' in: $(cat "$tmp/out.log")"
	sanitizer_check "$tmp/out.log" || fail "$prog $*: sanitizer report"
	echo "ok   $prog exits 1: $*"
}
refused sluice-api "fatal: .*SLUICE_API_THREADS=0" SLUICE_API_THREADS=0
refused sluice-api "fatal: .*SLUICE_AUTH_CACHE_S=soon" SLUICE_AUTH_CACHE_S=soon
refused sluice-api "fatal: .*a-file/data" SLUICE_DATA="$tmp/a-file/data"
refused sluice-scheduler "fatal: .*SLUICE_CONCURRENCY=0" SLUICE_CONCURRENCY=0
refused sluice-scheduler "fatal: .*a-file/data" SLUICE_DATA="$tmp/a-file/data"
echo ok
