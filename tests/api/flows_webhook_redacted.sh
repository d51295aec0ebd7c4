#!/usr/bin/env bash
# Webhook URLs often embed a token, so only admins see them whole: a
# viewer and an operator reading a flow (current version, an older
# version by ?version=, and the list) see notify.webhook as
# scheme://host[:port] only, with no path, query, fragment or user:pass@;
# the admin sees every URL exactly as stored, also in the PUT and PATCH
# replies. The secret never appears anywhere in a non-admin's reply.
STACK_NO_SCHEDULER=1
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start
user_add vera viewer 'vera-pass-1'
user_add otto operator 'otto-pass-1'

url1='https://hooks.example:8443/services/T0KEN1/B1?sig=s3cret1#frag'
url2='https://bot:pw-s3cret2@chat.example/hook/T0KEN2'
def() { # URL
	echo '{"notify":{"on":["FAILED"],"webhook":"'"$1"'"},
	 "tasks":[{"name":"t","command":["true"]}]}'
}
api PUT /api/flows/hooked "$(def "$url1")"
expect_status 201 "create"
[ "$(jqr .definition.notify.webhook)" = "$url1" ] ||
    fail "admin's PUT reply: $BODY"
api PUT /api/flows/hooked "$(def "$url2")"
expect_status 200 "version 2"
[ "$(jqr .definition.notify.webhook)" = "$url2" ] ||
    fail "admin's second PUT reply: $BODY"

no_secret() { # WHAT
	local s
	for s in T0KEN1 s3cret1 frag T0KEN2 pw-s3cret2 bot: /services /hook/; do
		grep -qF -- "$s" "$STACK_TMP/body" &&
		    fail "$1: '$s' shown to a non-admin: $BODY"
	done
	return 0
}
for who in vera:vera-pass-1 otto:otto-pass-1; do
	AS=$who api GET /api/flows/hooked
	expect_status 200 "$who: get"
	[ "$(jqr .definition.notify.webhook)" = https://chat.example ] ||
	    fail "$who: current webhook: $BODY"
	[ "$(jqr -c .definition.notify.on)" = '["FAILED"]' ] ||
	    fail "$who: the rest of notify changed: $BODY"
	no_secret "$who: get"
	AS=$who api GET '/api/flows/hooked?version=1'
	expect_status 200 "$who: version 1"
	[ "$(jqr .definition.notify.webhook)" = https://hooks.example:8443 ] ||
	    fail "$who: version 1 webhook: $BODY"
	no_secret "$who: version 1"
	AS=$who api GET /api/flows
	expect_status 200 "$who: list"
	no_secret "$who: list"
done

api GET /api/flows/hooked
[ "$(jqr .definition.notify.webhook)" = "$url2" ] || fail "admin get: $BODY"
api GET '/api/flows/hooked?version=1'
[ "$(jqr .definition.notify.webhook)" = "$url1" ] ||
    fail "admin version 1: $BODY"
api PATCH /api/flows/hooked '{"paused":true}'
expect_status 200 "admin patch"
[ "$(jqr .definition.notify.webhook)" = "$url2" ] ||
    fail "admin's PATCH reply: $BODY"
echo ok
