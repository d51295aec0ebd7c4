#!/usr/bin/env bash
# `sluicectl user ...` run from a folder without data/ and with no
# SLUICE_DATA refuses, naming the folder, instead of quietly creating a
# second user database the server never reads; with SLUICE_DATA set, a
# new data directory is created (users may be added before the first
# start), and its database is not readable by others.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
ctl=${SLUICE_BIN_DIR:-$SLUICE_ROOT/bin}/sluicectl
tmp=$(mktemp -d /tmp/sluice-cli-data.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cd "$tmp" || fail "cd"
out=$(printf 'pw-1\n' | env -u SLUICE_DATA "$ctl" user add ann --role viewer 2>&1) &&
    fail "user add without a data directory succeeded: $out"
grep -q "no data directory ./data in $tmp" <<<"$out" || fail "message: $out"
[ -e "$tmp/data" ] && fail "a data directory was created"
env -u SLUICE_DATA "$ctl" user list >/dev/null 2>&1 && fail "user list succeeded"

printf 'pw-1\n' | SLUICE_DATA=$tmp/new "$ctl" user add ann --role viewer >/dev/null ||
    fail "user add with SLUICE_DATA"
listed="$(printf 'NAME  ROLE    PASSWORD\nann   viewer  set')"
[ "$(SLUICE_DATA=$tmp/new "$ctl" user list)" = "$listed" ] ||
    fail "user list: $(SLUICE_DATA=$tmp/new "$ctl" user list)"
case $(stat -c %a "$tmp/new/sluice.db") in
*[1-7]) fail "sluice.db readable by others: $(stat -c %a "$tmp/new/sluice.db")" ;;
esac
# From the folder holding data/, no SLUICE_DATA is needed.
cd "$tmp/new/.." && mv new data &&
    [ "$(env -u SLUICE_DATA "$ctl" user list)" = "$listed" ] ||
    fail "user list from the folder holding data/"
echo ok
