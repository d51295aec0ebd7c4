#!/usr/bin/env bash
# The data directory's disk full (a 40 MB tmpfs, filled): a change that
# needs space is answered 503 storage_full with Retry-After and a message
# naming the full disk -- never a bare 500 -- health says storage_full,
# reads still work, the "disk full" lines are rate-limited, and once
# space is freed the same change succeeds and health is ok again.
source "${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/stack.sh" || exit 1
stack_small_disk 40
stack_start
# A flow of about 720 KB, sent from a file (too long for an argument).
big=@$STACK_TMP/big.json
python3 -c 'import json,os
env={"V%d" % i: os.urandom(30000).hex() for i in range(12)}
print(json.dumps({"tasks":[{"name":"t","command":["true"],"env":env}]}))' \
    >"$STACK_TMP/big.json"
api PUT /api/flows/before "$big"
expect_status 201 "a large flow while there is room"
dd if=/dev/zero of="$SLUICE_DATA/filler" bs=1M 2>/dev/null
saw=""
for i in $(seq 1 20); do
	api PUT "/api/flows/full$i" "$big"
	[ "$STATUS" = 500 ] && fail "a bare 500 on a full disk: $BODY"
	[ "$STATUS" = 503 ] && { saw=$i; break; }
done
[ -n "$saw" ] || fail "20 large writes on a full disk all succeeded"
[ "$(jqr .error.code)" = storage_full ] || fail "503 body: $BODY"
jqr .error.message | grep -q "disk holding the data directory is full" ||
    fail "message: $BODY"
[ "$(header Retry-After)" -gt 0 ] 2>/dev/null || fail "no Retry-After: $(cat "$HDRS")"
api GET /api/health
[ "$STATUS" = 503 ] && [ "$(jqr .status)" = storage_full ] ||
    fail "health on a full disk: $STATUS $BODY"
api GET /api/flows/before
expect_status 200 "reads on a full disk"
sleep 2
api PUT "/api/flows/full$saw" "$big"
n=$(grep -c "the disk is full" "$STACK_TMP/stack.log")
[ "$n" -le 6 ] || fail "$n 'disk full' lines in a few seconds"
rm -f "$SLUICE_DATA/filler"
api PUT "/api/flows/full$saw" "$big"
expect_status 201 "the same change once space is freed"
api GET /api/health
expect_status 200 "health once space is freed"
[ "$(jqr .status)" = ok ] || fail "health: $BODY"
echo ok
