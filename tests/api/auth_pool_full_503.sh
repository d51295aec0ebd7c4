#!/usr/bin/env bash
# When the password-hashing pool is full (one hashing thread, one waiter),
# a login that cannot be checked is answered 503 "busy" with Retry-After
# and the verifier's reason -- through nginx, not turned into a 500 -- and
# no reply is a 500.
source "$SLUICE_ROOT/tests/lib/stack.sh"
export SLUICE_AUTH_HASH_THREADS=1 SLUICE_API_THREADS=2
export SLUICE_AUTH_FAIL_MAX=0 SLUICE_AUTH_FAIL_ADDR_MAX=0 SLUICE_RATE_LIMIT=100000
stack_start
curls=()
for i in $(seq 1 60); do
	curl -sk -o "$STACK_TMP/b.$i" -D "$STACK_TMP/h.$i" -w '%{http_code}\n' \
	    -u "admin:wrong-$i" "$SLUICE_URL/api/flows" >"$STACK_TMP/s.$i" &
	curls+=($!)
done
wait "${curls[@]}"
codes=$(cat "$STACK_TMP"/s.* | sort | uniq -c)
echo "$codes"
! grep -qx 500 "$STACK_TMP"/s.* || fail "a login was answered 500: $codes"
n=$(grep -lx 503 "$STACK_TMP"/s.* | head -n 1)
[ -n "$n" ] || fail "the pool never filled: $codes"
i=${n##*.}
[ "$(jq -r .error.code "$STACK_TMP/b.$i")" = busy ] || fail "503 body: $(cat "$STACK_TMP/b.$i")"
jq -r .error.message "$STACK_TMP/b.$i" | grep -q "password checks" ||
    fail "503 does not say why: $(cat "$STACK_TMP/b.$i")"
grep -qi "^Retry-After: 1" "$STACK_TMP/h.$i" || fail "no Retry-After: $(cat "$STACK_TMP/h.$i")"
echo ok
