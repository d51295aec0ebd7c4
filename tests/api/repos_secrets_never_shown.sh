#!/usr/bin/env bash
# A repository's secrets (webhook_secret, token, ssh_key) go in and never
# come out: not in the PUT, GET, list or sync replies (which say has_*
# instead), not in any audit event, not in the webhook's replies, and
# not in any log file under the data directory or the launcher's log,
# whether the webhook succeeds or fails. A pip index URL's credentials
# reach only admins.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
STACK_NO_SCHEDULER=1
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start
user_add vic viewer 'vic-pass-1'

hook='WHSECRET-7f3a9c'
token='TOKSECRET-b81e0d'
keybody='KEYSECRET-c4d2e6'
key="-----BEGIN OPENSSH PRIVATE KEY-----\\n$keybody\\n-----END OPENSSH PRIVATE KEY-----\\n"
pipcred='PIPSECRET-99aa'
replies=$STACK_TMP/replies
: >"$replies"
public=$STACK_TMP/public
: >"$public"
# keep [public]: adds the reply to those checked (public: those that must
# not show the pip credentials either, which only admins may see).
keep() {
	printf '%s\n' "$BODY" >>"$replies"
	[ $# = 0 ] || printf '%s\n' "$BODY" >>"$public"
}

api PUT /api/repos/etl "{\"url\": \"https://git.example/t/etl.git\",
    \"webhook_secret\": \"$hook\", \"token\": \"$token\", \"ssh_key\": \"$key\",
    \"env\": {\"PIP_INDEX_URL\": \"https://u:$pipcred@pypi.example/simple\"}}"
expect_status 201 "create"; keep
[ "$(jqr '[.has_webhook_secret, .has_token, .has_ssh_key] | @tsv')" = \
    "$(printf 'true\ttrue\ttrue')" ] || fail "has_*: $BODY"
api PUT /api/repos/etl "{\"url\": \"https://git.example/t/etl.git\", \"ref\": \"dev\",
    \"env\": {\"PIP_INDEX_URL\": \"https://u:$pipcred@pypi.example/simple\"}}"
expect_status 200 "replace, secrets kept"; keep
[ "$(jqr '[.has_webhook_secret, .has_token, .has_ssh_key] | @tsv')" = \
    "$(printf 'true\ttrue\ttrue')" ] || fail "secrets not kept: $BODY"
api GET /api/repos/etl; keep
api GET /api/repos; keep
api POST /api/repos/etl/sync; keep
AS=vic:vic-pass-1 api GET /api/repos/etl; keep public
[ "$(jqr .env.PIP_INDEX_URL)" = https://pypi.example ] ||
    fail "a viewer sees the index URL as: $(jqr .env.PIP_INDEX_URL)"
AS=vic:vic-pass-1 api GET /api/repos; keep public
push='{"ref":"refs/heads/dev"}'
webhook etl "$push" -H "X-Gitlab-Token: $hook"
expect_status 202 "webhook"; keep public
webhook etl "$push" -H "X-Hub-Signature-256: sha256=$(hmac_hex "$hook" "$push")"
expect_status 202 "webhook"; keep public
webhook etl "$push" -H "X-Gitlab-Token: ${hook}-wrong"
expect_status 401 "wrong webhook"; keep public
api GET '/api/events?limit=500'; keep public
api GET /api/repos/etl
[ "$(jqr .env.PIP_INDEX_URL)" = "https://u:$pipcred@pypi.example/simple" ] ||
    fail "an admin sees the index URL as: $(jqr .env.PIP_INDEX_URL)"
[ "$(db_sql "SELECT webhook_secret || token FROM repos WHERE name = 'etl'")" = "$hook$token" ] ||
    fail "secrets were not stored"

[ "$(grep -c . "$replies")" = 11 ] && [ "$(grep -c . "$public")" = 6 ] ||
    fail "replies were not all kept"
grep -F -- "$pipcred" "$public" && fail "a viewer or event sees the pip credentials"
for s in "$hook" "$token" "$keybody" "$pipcred"; do
	[ "$s" = "$pipcred" ] ||
	    ! grep -F -l -- "$s" "$replies" || fail "a reply or event shows $s"
	grep -rF -l -- "$s" "$SLUICE_DATA/nginx" "$SLUICE_DATA/logs" \
	    "$STACK_TMP/stack.log" && fail "a log holds $s"
done
echo ok
