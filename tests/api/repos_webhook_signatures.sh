#!/usr/bin/env bash
# The push webhook asks for a sync only when the request proves the
# repository's secret: GitHub's X-Hub-Signature-256 (sha256=HMAC of the
# body), Gitea's X-Gitea-Signature (the HMAC) and GitLab's X-Gitlab-Token
# each answer 202, move sync_requested_at on (by "webhook") and leave an
# audit event "repo.webhook" by actor "webhook". A wrong, truncated or
# missing signature, a signature of another body, a token for another
# repository, an unknown repository and a repository without a secret
# all get the same 401 and change nothing (no sync asked, no event); a
# GitHub ping answers 200 and asks for nothing.
SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
STACK_NO_SCHEDULER=1
source "$SLUICE_ROOT/tests/lib/stack.sh" || exit 1
stack_start

secret='s3cret-hook-Zq81'
api PUT /api/repos/etl "{\"url\": \"/srv/git/etl.git\", \"webhook_secret\": \"$secret\"}"
expect_status 201 "repository"
api PUT /api/repos/other '{"url": "/srv/git/other.git", "webhook_secret": "another-one"}'
expect_status 201 "another repository"
api PUT /api/repos/nosecret '{"url": "/srv/git/n.git"}'
expect_status 201 "repository without a secret"
push='{"ref":"refs/heads/main","after":"0123abcd","commits":[]}'
sig=$(hmac_hex "$secret" "$push")

requested() { db_sql "SELECT sync_requested_at || ' ' || sync_requested_by FROM repos WHERE name = '$1'"; }
events() { api GET '/api/events?action=repo.webhook'; jqr '.items | length'; }

# Refusals first: nothing may change.
before=$(requested etl)
unauthorized=""
refused() { # WHAT REPO [CURL ARGS...]
	local what=$1 repo=$2; shift 2
	webhook "$repo" "$push" "$@"
	expect_status 401 "$what"
	[ "$(jqr .error.code)" = unauthorized ] || fail "$what: $BODY"
	if [ -z "$unauthorized" ]; then unauthorized=$BODY
	elif [ "$BODY" != "$unauthorized" ]; then
		fail "$what: a different 401 ($BODY, not $unauthorized)"
	fi
}
refused "no signature" etl
refused "wrong signature" etl -H "X-Hub-Signature-256: sha256=$(hmac_hex wrong "$push")"
refused "signature without prefix" etl -H "X-Hub-Signature-256: $sig"
refused "truncated signature" etl -H "X-Hub-Signature-256: sha256=${sig:0:40}"
refused "upper-case junk" etl -H "X-Hub-Signature-256: SHA256=$sig"
refused "signature of another body" etl -H "X-Hub-Signature-256: sha256=$(hmac_hex "$secret" '{}')"
refused "wrong Gitea signature" etl -H "X-Gitea-Signature: ${sig%?}0"
refused "wrong GitLab token" etl -H "X-Gitlab-Token: ${secret}x"
refused "GitLab token prefix" etl -H "X-Gitlab-Token: ${secret:0:5}"
refused "another repository's token" etl -H "X-Gitlab-Token: another-one"
refused "unknown repository" ghost -H "X-Hub-Signature-256: sha256=$sig"
refused "repository without a secret" nosecret -H "X-Gitlab-Token: "
refused "repository without a secret, some token" nosecret -H "X-Gitlab-Token: x"
[ "$(requested etl)" = "$before" ] || fail "a refused webhook asked for a sync"
[ "$(events)" = 0 ] || fail "a refused webhook left an event: $BODY"

webhook etl '{"zen":"hi","hook_id":1}' -H "X-GitHub-Event: ping" \
    -H "X-Hub-Signature-256: sha256=$(hmac_hex "$secret" '{"zen":"hi","hook_id":1}')"
expect_status 200 "ping"
[ "$(jqr .sync_requested)" = false ] && [ "$(jqr .event)" = ping ] ||
    fail "ping: $BODY"
[ "$(requested etl)" = "$before" ] || fail "a ping asked for a sync"

accepted() { # WHAT FORGE [CURL ARGS...]
	local what=$1 forge=$2 was; shift 2
	was=$(requested etl)
	sleep 0.01
	webhook etl "$push" "$@"
	expect_status 202 "$what"
	[ "$(jqr .forge)" = "$forge" ] && [ "$(jqr .sync_requested)" = true ] ||
	    fail "$what: $BODY"
	[ "$(requested etl)" != "$was" ] || fail "$what asked for no sync"
	requested etl | grep -q ' webhook$' || fail "$what: by $(requested etl)"
}
accepted "GitHub" github -H "X-Hub-Signature-256: sha256=$sig" -H "X-GitHub-Event: push"
accepted "Gitea" gitea -H "X-Gitea-Signature: $sig" -H "X-Gitea-Event: push"
# Gitea sends GitHub's signature and event headers too.
accepted "Gitea as GitHub" gitea -H "X-Hub-Signature-256: sha256=$sig" \
    -H "X-Gitea-Signature: $sig" -H "X-Gitea-Event: push" -H "X-GitHub-Event: push"
accepted "GitLab" gitlab -H "X-Gitlab-Token: $secret" -H "X-Gitlab-Event: Push Hook"
api GET '/api/events?action=repo.webhook'
[ "$(jqr '[.items[] | .actor + " " + .object_id + " " + .detail.forge + " " + .detail.event] | join(",")')" = \
    "webhook etl gitlab Push Hook,webhook etl gitea push,webhook etl gitea push,webhook etl github push" ] ||
    fail "webhook events: $BODY"
[ "$(requested other | cut -d' ' -f2)" = admin ] || fail "another repository was touched"
echo ok
