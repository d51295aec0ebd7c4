#!/usr/bin/env bash
# `sluicectl migrate` on a data directory without a database says it
# created the database and how many migrations it applied (every file in
# migrations/), never "up to date"; run again, it says the database is up
# to date.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
ctl=${SLUICE_BIN_DIR:-$SLUICE_ROOT/bin}/sluicectl
tmp=$(mktemp -d /tmp/sluice-cli-migrate.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
n=$(ls "$SLUICE_ROOT"/migrations/[0-9]*.sql | wc -l)
[ "$n" -ge 1 ] || fail "no migrations found"

out=$(SLUICE_DATA=$tmp/data "$ctl" migrate 2>&1) || fail "migrate: $out"
[ "$out" = "created database $tmp/data/sluice.db and applied $n migrations" ] ||
    fail "first migrate: $out"
out=$(SLUICE_DATA=$tmp/data "$ctl" migrate 2>&1) || fail "migrate again: $out"
[ "$out" = "database $tmp/data/sluice.db is up to date" ] ||
    fail "second migrate: $out"
echo "ok   migrate says it created the database and applied $n migrations, then up to date"
