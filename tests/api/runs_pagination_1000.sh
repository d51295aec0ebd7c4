#!/usr/bin/env bash
# Keyset pagination over 1,000 runs: walking GET /api/runs with the
# cursor (uneven page size 137, then the maximum 500) returns every run
# exactly once, newest first, with next_cursor null at the end. Runs are
# started with POSTs over keep-alive connections, retrying any request
# nginx's rate limit answers 429.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

api PUT /api/flows/many '{"tasks":[{"name":"t","command":["true"]}]}'
expect_status 201 "flow"

want=1000 made=0 tries=0
while [ $made -lt $want ]; do
	tries=$((tries + 1))
	[ $tries -le 100 ] || fail "could only start $made runs"
	n=$((want - made > 100 ? 100 : want - made))
	urls=()
	for i in $(seq 1 $n); do urls+=("$SLUICE_URL/api/flows/many/runs"); done
	ok=$(curl -sk -u "$ADMIN_USER:$ADMIN_PASS" -H 'Content-Type: application/json' \
	    -d '{}' -o /dev/null -w '%{http_code}\n' "${urls[@]}" | grep -c '^201$')
	made=$((made + ok))
	[ "$ok" -lt "$n" ] && sleep 1
done

walk() { # LIMIT: prints every id, one per line, page by page
	local limit=$1 cursor="" pages=0
	while :; do
		api GET "/api/runs?flow=many&limit=$limit${cursor:+&cursor=$cursor}"
		expect_status 200 "page $pages"
		[ "$(jqr '.items | length')" -le "$limit" ] || fail "page too long"
		jqr '.items[].id'
		cursor=$(jqr .next_cursor)
		pages=$((pages + 1))
		[ $pages -le 20 ] || fail "too many pages"
		[ "$cursor" = null ] && break
	done
}

for limit in 137 500; do
	ids=$(walk $limit)
	total=$(wc -l <<<"$ids")
	uniq=$(sort -u <<<"$ids" | wc -l)
	[ "$total" = $want ] || fail "limit $limit: saw $total runs, want $want"
	[ "$uniq" = $want ] || fail "limit $limit: duplicates ($uniq unique)"
	[ "$ids" = "$(sort -r <<<"$ids")" ] || fail "limit $limit: not newest first"
done
api GET '/api/runs?limit=500'
[ "$(jqr '.items | length')" = 500 ] || fail "limit 500 page size"
echo ok
