#!/usr/bin/env bash
# A client cannot choose who it is: Remote-User, X-Sluice-User and similar
# request headers neither log anyone in nor change a logged-in viewer's
# identity or role, method-override headers change nothing, the internal
# verifier location cannot be requested, and the rendered nginx
# configuration passes no client header (Authorization included) to the
# API outside the verifier.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
STACK_NO_SCHEDULER=1
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start
user_add vic viewer 'vic-pass-1'

forged=(-H "Remote-User: $ADMIN_USER" -H "X-Sluice-User: $ADMIN_USER"
    -H "X-Remote-User: $ADMIN_USER" -H "X-Forwarded-User: $ADMIN_USER"
    -H "Sluice-Auth: 1" -H "X-HTTP-Method-Override: PUT"
    -H "X-Method-Override: PUT")
req() { # CRED METHOD PATH [BODY]
	local args=(-sk -o "$STACK_TMP/body" -w '%{http_code}' "${forged[@]}"
	    -H 'Content-Type: application/json' -X "$2")
	[ "$1" != none ] && args+=(-u "$1")
	[ $# -ge 4 ] && args+=(--data-binary "$4")
	STATUS=$(curl "${args[@]}" "$SLUICE_URL$3")
	BODY=$(cat "$STACK_TMP/body")
}
flow='{"tasks":[{"name":"t","command":["true"]}]}'

req none GET /api/me
expect_status 401 "forged headers, no credentials"
req none PUT /api/flows/h "$flow"
expect_status 401 "forged headers, no credentials, PUT"
req vic:vic-pass-1 GET /api/me
expect_status 200 "viewer with forged headers"
[ "$(jqr .name)" = vic ] && [ "$(jqr .role)" = viewer ] ||
    fail "identity changed by headers: $BODY"
req vic:vic-pass-1 PUT /api/flows/h "$flow"
expect_status 403 "viewer PUT with forged headers"
req vic:vic-pass-1 POST /api/flows/h "$flow"
expect_status 405 "POST with a method override"
req vic:wrong GET /api/me
expect_status 401 "wrong password with forged headers"
api GET /api/flows/h
expect_status 404 "nothing created"

for p in /_sluice_auth /_sluice_400; do
	STATUS=$(curl -sk -o /dev/null -w '%{http_code}' \
	    -u "$ADMIN_USER:$ADMIN_PASS" "$SLUICE_URL$p")
	[ "$STATUS" = 404 ] || [ "$STATUS" = 200 ] ||
	    fail "internal location $p answered $STATUS"
	# 200 would be the dashboard's index.html (try_files), never JSON.
	curl -sk -u "$ADMIN_USER:$ADMIN_PASS" "$SLUICE_URL$p" |
	    grep -q '"error"\|X-Sluice' && fail "$p reachable"
done

# The rendered configuration: each location that talks to the API turns
# client headers off, and only the verifier gets Authorization.
conf=$SLUICE_DATA/run/nginx.conf
awk '
	/location[^{]*\{/ { loc = $0; fc = 0; off = 0; auth = 0 }
	/fastcgi_pass /	{ fc = 1 }
	/fastcgi_pass_request_headers off/ { off = 1 }
	/HTTP_AUTHORIZATION/ { auth = 1 }
	/^\t\t\}/ {
		if (fc && !off) { print "headers passed: " loc; bad = 1 }
		if (auth && loc !~ /_sluice_auth/) {
			print "Authorization passed: " loc; bad = 1
		}
		fc = 0
	}
	END { exit bad }' "$conf" || fail "nginx.conf passes client headers"
grep -q 'HTTP_AUTHORIZATION' "$SLUICE_ROOT/nginx/fastcgi.conf" &&
    fail "fastcgi.conf passes Authorization"
echo ok
