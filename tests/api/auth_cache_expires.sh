#!/usr/bin/env bash
# SLUICE_AUTH_CACHE_S: a verified login is remembered that long, then
# checked against the hash again. Seen by timing, with the user's hash
# made deliberately slow (bcrypt at cost 13, about 0.6 s a check, well over
# a second on a loaded machine): with SLUICE_AUTH_CACHE_S=6 the first login
# is slow, the next ones fast while remembered (also 1 s later), and slow
# again once 6 s have passed. The margins leave room for a slow machine:
# the entry may be stamped when the first check began.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
export SLUICE_AUTH_CACHE_S=6
stack_start

user_add bea viewer 'bea-pass-1'
slow=$(python3 -W ignore -c 'import crypt, sys
print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=2**13)))' \
    bea-pass-1) || fail "no bcrypt hash"
grep -q '^bea:' "$SLUICE_DATA/htpasswd" || fail "no bea in htpasswd"
sed -i "s|^bea:.*|bea:$slow|" "$SLUICE_DATA/htpasswd"

# timed: one request as bea; prints its time in milliseconds.
timed() {
	local out
	out=$(curl -sk -o /dev/null -w '%{http_code} %{time_total}' \
	    -u bea:bea-pass-1 "$SLUICE_URL/api/me")
	[ "${out% *}" = 200 ] || fail "GET /api/me as bea: ${out% *}"
	awk -v t="${out#* }" 'BEGIN { printf "%d\n", t * 1000 }'
}
first=$(timed)
second=$(timed)
sleep 1
within=$(timed)
sleep 6
expired=$(timed)
again=$(timed)
note "ms: first $first, second $second, at 1 s $within, after 7 s $expired, then $again"
[ "$first" -ge 300 ] || fail "the slow hash was not slow: $first ms"
[ $((second * 2)) -lt "$first" ] || fail "not remembered: $first ms, then $second ms"
[ $((within * 2)) -lt "$first" ] || fail "forgotten within 6 s: $within ms"
[ "$expired" -ge 300 ] && [ $((again * 2)) -lt "$expired" ] ||
    fail "not checked again after 6 s: $expired ms, then $again ms"
echo ok
