/*
 * api_webhook.c: POST /api/repos/{repo}/webhook, the push webhook forges
 * call to deploy at once. It has no Basic-auth user: nginx lets this one
 * path through without the credential check and passes only the forge
 * headers below (nginx/sluice.conf.in), and the route is public, so the
 * handler itself authenticates the request by the repository's
 * webhook_secret: GitHub's X-Hub-Signature-256 ("sha256=" and the hex
 * HMAC-SHA256 of the body), Gitea's X-Gitea-Signature (the hex HMAC) or
 * GitLab's X-Gitlab-Token (the secret itself). Given and expected values
 * are compared as HMACs of each under the secret, so the time taken says
 * nothing of where or how long they differ. An unknown repository, one
 * without a secret and a missing or wrong signature all get the same 401,
 * which tells no one which repositories exist. What it may do is small:
 * ask for a sync (as actor "webhook"), nothing else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "json.h"
#include "reply.h"
#include "request.h"
#include "sha256.h"
#include "timefmt.h"
#include "wake.h"
#include "xalloc.h"

#define EVENT_MAX 64	/* longest event name kept */
#define EVENT_CHARS "abcdefghijklmnopqrstuvwxyz" \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.-"

static const char sql_secret[] =
    "SELECT webhook_secret FROM repos WHERE name = :name";

/* The forges, in the order their headers are looked for (Gitea also
 * sends GitHub's header; either proves the same). */
enum forge { FORGE_GITHUB, FORGE_GITEA, FORGE_GITLAB, FORGE_MAX };

static const struct {
	const char *name;
	const char *header;	/* the FastCGI param of the proof */
	const char *prefix;	/* before the hex HMAC; NULL: the secret */
	const char *event;	/* the FastCGI param naming the event */
} forges[FORGE_MAX] = {
	[FORGE_GITHUB] = {"github", "HTTP_X_HUB_SIGNATURE_256", "sha256=",
	    "HTTP_X_GITHUB_EVENT"},
	[FORGE_GITEA] = {"gitea", "HTTP_X_GITEA_SIGNATURE", "",
	    "HTTP_X_GITEA_EVENT"},
	[FORGE_GITLAB] = {"gitlab", "HTTP_X_GITLAB_TOKEN", NULL,
	    "HTTP_X_GITLAB_EVENT"},
};

/* The one answer to every request that does not prove the secret. */
static enum sl_status
refuse(struct req *r)
{
	return reply_fail(r, SL_UNAUTHORIZED, "a valid webhook signature or "
	    "token for this repository is required");
}

/*
 * Reads repository name's webhook secret into *secret (a new string the
 * caller frees; NULL when the repository or its secret is missing).
 */
static enum sl_status
load_secret(struct db *db, const char *name, char **secret)
{
	struct db_stmt st;

	*secret = NULL;
	db_prepare(db, &st, sql_secret);
	db_bind_text(&st, ":name", name);
	if (db_step(&st) && !db_col_null(&st, 0))
		*secret = xstrdup(db_col_text(&st, 0));
	return db_finish(&st);
}

/* Returns 1 when given equals expected, comparing HMACs of both under
 * key so that neither their contents nor their lengths show in time. */
static int
same_proof(const char *key, const char *given, const char *expected)
{
	uint8_t a[SHA256_LEN], b[SHA256_LEN];

	hmac_sha256(key, strlen(key), given, strlen(given), a);
	hmac_sha256(key, strlen(key), expected, strlen(expected), b);
	return ct_equal(a, b, sizeof(a));
}

/*
 * Checks r's proof against secret (NULL: none is configured, and nothing
 * passes, though the work is the same). Returns the forge that sent it,
 * or FORGE_MAX when the proof is missing or wrong.
 */
static enum forge
verify(struct req *r, const char *secret)
{
	const char *key = secret ? secret : "no secret: never matches";
	uint8_t mac[SHA256_LEN];
	char hex[SHA256_HEX_LEN], expected[80];
	const char *given = NULL;
	enum forge f;

	for (f = 0; f < FORGE_MAX; f++)
		if ((given = req_param(r, forges[f].header)) != NULL)
			break;
	if (f == FORGE_MAX)
		return FORGE_MAX;
	if (forges[f].prefix != NULL) {
		hmac_sha256(key, strlen(key), r->body, r->body_len, mac);
		snprintf(expected, sizeof(expected), "%s%s", forges[f].prefix,
		    sha256_hex(mac, sizeof(mac), hex));
	}
	if (!same_proof(key, given, forges[f].prefix ? expected : key) ||
	    secret == NULL)
		return FORGE_MAX;
	return f;
}

/* Copies the event r names (for forge f, else any forge's) into out,
 * keeping only letters, digits, " ", "_", "." and "-"; "" when none. */
static void
event_of(struct req *r, enum forge f, char out[EVENT_MAX + 1])
{
	const char *e = req_param(r, forges[f].event);
	size_t n = 0;

	for (int i = 0; e == NULL && i < FORGE_MAX; i++)
		e = req_param(r, forges[i].event);
	for (; e != NULL && *e != '\0' && n < EVENT_MAX; e++)
		if (strchr(EVENT_CHARS, *e) != NULL)
			out[n++] = *e;
	out[n] = '\0';
}

/*
 * The forge that sent r, whose proof was proof's header: Gitea also
 * sends GitHub's signature, so its own event header names it first.
 */
static enum forge
sender(struct req *r, enum forge proof)
{
	for (int i = 0; i < FORGE_MAX; i++)
		if (i != FORGE_GITHUB && req_param(r, forges[i].event) != NULL)
			return (enum forge)i;
	return proof;
}

/* A verified push, for hook_work. */
struct hook {
	struct req *r;
	const char *forge;
	const char *event;
};

/* Inside the write transaction: asks for a sync as "webhook" and records
 * "repo.webhook". */
static enum sl_status
hook_work(struct db *db, void *arg)
{
	struct hook *h = arg;
	struct json_object *detail;
	struct audit_event ev = {
		.actor = "webhook", .action = "repo.webhook",
		.object_type = "repo", .object_id = h->r->arg[0],
		.address = h->r->addr,
	};
	enum sl_status s;

	s = api_repos_request_sync(db, h->r->arg[0], "webhook",
	    timefmt_now_ms());
	if (s != SL_OK)
		return s;
	detail = json_object_new_object();
	jsonx_add_str(detail, "forge", h->forge);
	jsonx_add_str(detail, "event", h->event);
	ev.detail = jsonx_text(detail);
	s = audit_record(db, &ev);
	json_object_put(detail);
	return s;
}

/* The reply body: {"repo", "forge", "event", "sync_requested"}. */
static struct json_object *
hook_json(const struct hook *h, int sync)
{
	struct json_object *o = json_object_new_object();

	jsonx_add_str(o, "repo", h->r->arg[0]);
	jsonx_add_str(o, "forge", h->forge);
	jsonx_add_str(o, "event", h->event);
	json_object_object_add(o, "sync_requested",
	    json_object_new_boolean(sync));
	return o;
}

/*
 * POST /api/repos/{repo}/webhook (no user; the repository's secret),
 * headers X-Hub-Signature-256, X-Gitea-Signature or X-Gitlab-Token, body
 * the forge's JSON event
 * Asks for a sync of the repository; a GitHub ping only answers.
 * 202 {"repo","forge","event","sync_requested":true}; 200 the same for a
 * ping, sync_requested false; 401 unknown repository, no secret set, or
 * a missing or wrong signature; 413; 415 not JSON; 503 busy.
 */
enum sl_status
api_repos_webhook(struct req *r)
{
	struct hook h = {.r = r};
	char *secret = NULL, event[EVENT_MAX + 1];
	enum sl_status s;
	enum forge f;

	if ((s = load_secret(r->db, r->arg[0], &secret)) != SL_OK)
		return reply_fail(r, s, "cannot check the webhook");
	f = verify(r, secret);
	if (secret != NULL)
		explicit_bzero(secret, strlen(secret));
	free(secret);
	if (f == FORGE_MAX)
		return refuse(r);
	f = sender(r, f);
	event_of(r, f, event);
	h.forge = forges[f].name;
	h.event = event[0] ? event : NULL;
	if (strcmp(event, "ping") == 0)
		return reply_ok(r, hook_json(&h, 0));
	if ((s = db_write(r->db, hook_work, &h)) == SL_NOTFOUND)
		return refuse(r);
	if (s != SL_OK)
		return reply_fail(r, s, "cannot ask for a sync");
	wake_schedulers();
	return reply_accepted(r, hook_json(&h, 1));
}
