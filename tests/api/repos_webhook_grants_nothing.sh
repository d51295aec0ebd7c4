#!/usr/bin/env bash
# The push webhook's path, the one API path nginx lets through without
# a Basic-auth user, grants nothing else: there the caller is no user at
# all, whatever Remote-User or Authorization (even an admin's valid
# credentials) it sends, so without the repository's signature it gets
# 401 and with it acts only as "webhook"; other methods on it are 405;
# its body is limited like any other (413);
# paths that nginx normalises elsewhere, other repository names spelled
# oddly and other repository routes still need credentials; and in the
# rendered nginx.conf only /api/health and the webhook skip the
# verifier, the webhook with REMOTE_USER empty.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
STACK_NO_SCHEDULER=1
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

secret='hook-secret-Aa9'
api PUT /api/repos/etl "{\"url\": \"/srv/git/etl.git\", \"webhook_secret\": \"$secret\"}"
expect_status 201 "repository"
before=$(db_sql "SELECT sync_requested_at FROM repos WHERE name = 'etl'")
push='{"ref":"refs/heads/main"}'
forged=(-H "Remote-User: $ADMIN_USER" -H "X-Sluice-User: $ADMIN_USER"
    -H "X-Remote-User: $ADMIN_USER" -H "Sluice-Auth: 1")

webhook etl "$push" "${forged[@]}"
expect_status 401 "forged user headers"
webhook etl "$push" -u "$ADMIN_USER:$ADMIN_PASS"
expect_status 401 "an admin's valid credentials, no signature"
webhook etl "$push" -u "$ADMIN_USER:$ADMIN_PASS" "${forged[@]}" \
    -H "X-Hub-Signature-256: sha256=$(hmac_hex wrong "$push")"
expect_status 401 "credentials and a wrong signature"
[ "$(db_sql "SELECT sync_requested_at FROM repos WHERE name = 'etl'")" = "$before" ] ||
    fail "a refused webhook asked for a sync"

webhook etl "$push" -u "$ADMIN_USER:$ADMIN_PASS" "${forged[@]}" \
    -H "X-Hub-Signature-256: sha256=$(hmac_hex "$secret" "$push")"
expect_status 202 "good signature with forged identity"
api GET '/api/events?object_id=etl&action=repo.webhook'
[ "$(jqr '[.items[].actor] | join(",")')" = webhook ] ||
    fail "the webhook acted as someone: $BODY"
api GET '/api/events?actor=admin&action=repo.sync_request'
[ "$(jqr '.items | length')" = 0 ] || fail "admin was credited: $BODY"

for m in GET PUT DELETE; do
	STATUS=$(curl -sk -o /dev/null -w '%{http_code}' -X "$m" \
	    -H 'Content-Type: application/json' "${forged[@]}" \
	    "$SLUICE_URL/api/repos/etl/webhook")
	[ "$STATUS" = 405 ] || fail "$m on the webhook path: $STATUS"
done

noauth() { # EXPECTED PATH [METHOD]
	STATUS=$(curl -sk --path-as-is -o "$STACK_TMP/body" -w '%{http_code}' \
	    -X "${3:-POST}" -H 'Content-Type: application/json' \
	    "${forged[@]}" --data-binary "$push" "$SLUICE_URL$2")
	BODY=$(cat "$STACK_TMP/body")
	[ "$STATUS" = "$1" ] || fail "${3:-POST} $2: expected $1, got $STATUS: $BODY"
}
noauth 401 /api/repos/etl/sync
noauth 401 /api/repos/etl/webhook/../sync
noauth 401 /api/repos/etl/webhook/../../../flows/x/runs
noauth 401 /api/repos/etl/webhookx
noauth 401 /api/repos/etl/webhook/x
noauth 401 /api/repos/ETL/webhook
noauth 401 /api/repos/etl GET
noauth 401 /api/repos GET
noauth 401 /api/me GET
noauth 401 /api/flows/x/runs
noauth 400 /api/repos/etl/./webhook
noauth 400 /api/repos/etl%2Fwebhook
noauth 400 '/api/repos/etl/webhook?as=admin'
api GET /api/flows/x
expect_status 404 "nothing was created"

# The body limit holds on the open path too.
head -c 1100000 /dev/zero | tr '\0' 'a' >"$STACK_TMP/big"
STATUS=$(curl -sk -o "$STACK_TMP/body" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' --data-binary @"$STACK_TMP/big" \
    "$SLUICE_URL/api/repos/etl/webhook")
[ "$STATUS" = 413 ] && jq -e '.error.code == "too_large"' "$STACK_TMP/body" \
    >/dev/null || fail "a large webhook body: $STATUS $(cat "$STACK_TMP/body")"

conf=$SLUICE_DATA/run/nginx.conf
awk '
	/^\t\tlocation/ { loc = $0; skip = 0; fc = 0; empty = 0 }
	/auth_request off/ { skip = 1 }
	/fastcgi_pass / { fc = 1 }
	/fastcgi_param REMOTE_USER ""/ { empty = 1 }
	/^\t\t\}/ {
		if (skip && fc) {
			n++
			if (loc !~ /location = \/api\/health / &&
			    loc !~ /\^\/api\/repos\/\[a-z0-9\]\[a-z0-9_.-\]\{0,63\}\/webhook\$/) {
				print "skips the verifier: " loc; bad = 1
			}
			if (!empty) { print "REMOTE_USER not emptied: " loc; bad = 1 }
		}
		skip = fc = 0
	}
	END { if (n != 2) { print n " locations skip the verifier"; bad = 1 }; exit bad }' \
    "$conf" || fail "nginx.conf lets more through than health and the webhook"
echo ok
