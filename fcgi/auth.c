/*
 * auth.c: the credential verifier. nginx sends every request (but
 * /api/health) first as an auth_request subrequest with the FastCGI param
 * SLUICE_AUTH=1 and the client's HTTP_AUTHORIZATION; we answer 204 with
 * X-Sluice-User: <name> when the Basic credentials are valid, else 401
 * with WWW-Authenticate. Valid means: the user has a line in htpasswd
 * whose crypt hash matches the password (htpasswd_matches: yescrypt, slow
 * on purpose) and a row in the users table. Successes are remembered in
 * authcache.c; a remembered success still counts only while htpasswd
 * holds the same hash and the users row exists, so `sluicectl user
 * passwd/del` takes effect on the next request. A remembered login is
 * answered before anything else: no throttle, no hashing. Otherwise
 * throttle.c may refuse it unchecked, and the hash is checked on the
 * hashing pool (hashpool.c), never on this request thread; a full pool
 * answers 503 at once. The decoded password is
 * wiped before returning and never logged. A 401 also names its reason
 * (one of the fixed texts below, never client input) in
 * X-Sluice-Auth-Error, which nginx puts in the JSON body it answers.
 */
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "authcache.h"
#include "db.h"
#include "hashpool.h"
#include "htpasswd.h"
#include "log.h"
#include "reply.h"
#include "request.h"
#include "throttle.h"
#include "timefmt.h"
#include "xalloc.h"

#define AUTH_HEADER_MAX 1024

static const char sql_user[] = "SELECT 1 FROM users WHERE name = :name";

/*
 * Decodes standard base64 (with padding) of n bytes into out (at least
 * n / 4 * 3 + 1 bytes). Returns the decoded length, or -1 when malformed.
 */
static long
b64_decode(const char *in, size_t n, unsigned char *out)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	if (n == 0 || n % 4 != 0)
		return -1;
	for (i = 0; i < n; i += 4) {
		unsigned v = 0;
		int pad = 0;

		for (int j = 0; j < 4; j++) {
			const char *p;
			char ch = in[i + (size_t)j];

			if (ch == '=' && i + 4 == n && j >= 2) {
				pad++;
				v <<= 6;
				continue;
			}
			if (pad || ch == '\0' || (p = strchr(alpha, ch)) ==
			    NULL)
				return -1;
			v = v << 6 | (unsigned)(p - alpha);
		}
		out[o++] = (unsigned char)(v >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(v >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)v;
	}
	out[o] = '\0';
	return (long)o;
}

/* Returns SL_OK when user has a row in users, SL_NOTFOUND when not, or
 * the database's failure. */
static enum sl_status
user_exists(struct req *r, const char *user)
{
	struct db_stmt st;
	int64_t one;

	db_prepare(r->db, &st, sql_user);
	db_bind_text(&st, ":name", user);
	return db_first_int(&st, &one);
}

/*
 * Replies 401 with the fixed reason why, also for nginx's error page.
 * Returns SL_UNAUTHORIZED.
 */
static enum sl_status
deny(struct req *r, const char *why)
{
	reply_fail(r, SL_UNAUTHORIZED, "%s", why);
	reply_header(r, "X-Sluice-Auth-Error", "%s", why);
	return SL_UNAUTHORIZED;
}

/*
 * Decodes hdr's Basic credentials into dec (AUTH_HEADER_MAX bytes, hdr
 * no longer); *user and *pass then point into it. Returns 0, or -1 when
 * they are malformed.
 */
static int
parse_basic(const char *hdr, unsigned char *dec, char **user, char **pass)
{
	const char *b64 = hdr + 6 + strspn(hdr + 6, " ");
	long n = b64_decode(b64, strlen(b64), dec);
	char *colon;

	if (n <= 0 || memchr(dec, '\0', (size_t)n) != NULL ||
	    (colon = strchr((char *)dec, ':')) == NULL ||
	    colon == (char *)dec)
		return -1;
	*colon = '\0';
	*user = (char *)dec;
	*pass = colon + 1;
	return 0;
}

/*
 * Answers from a remembered success for key, if htpasswd still holds the
 * same hash for user and the users row exists. Returns 1 when answered
 * (*s the status), 0 when the full check must run (the entry is dropped).
 */
static int
from_cache(struct req *r, const uint64_t key[2], const char *user,
    int64_t now, enum sl_status *s)
{
	struct authcache *cache = r->ctx->auth;
	char cached_user[AUTHCACHE_USER_MAX + 1], *cached_hash = NULL;
	char *stored = NULL;
	enum sl_status exists;
	int answered = 0;

	if (!authcache_get(cache, key, now, cached_user, &cached_hash))
		return 0;
	stored = htpasswd_lookup(r->ctx->htpasswd_path, cached_user);
	if (stored != NULL && strcmp(stored, cached_hash) == 0 &&
	    strcmp(cached_user, user) == 0) {
		exists = user_exists(r, user);
		if (exists == SL_OK) {
			*s = reply_auth(r, user);
			answered = 1;
		} else if (exists != SL_NOTFOUND) {
			*s = reply_fail(r, SL_DB, "cannot read users");
			answered = 1;
		}
	}
	if (!answered)
		authcache_drop(cache, key);
	free(stored);
	free(cached_hash);
	return answered;
}

/*
 * Refuses the login without checking when throttle.c's rule says user
 * has failed too often from this address, or the address has. Returns 1
 * when refused (*s the status), else 0.
 */
static int
throttled(struct req *r, const char *user, int64_t now, enum sl_status *s)
{
	enum throttle_verdict v;

	v = throttle_check(r->ctx->throttle, r->addr, user, now);
	if (v == THROTTLE_OK)
		return 0;
	log_warnx("auth_verify: %s: too many failed logins %s; refused",
	    r->addr, v == THROTTLE_PAIR ? "for this user" :
	    "from this address");
	*s = deny(r, v == THROTTLE_PAIR ? "too many failed attempts for this "
	    "user; try again later" : "too many failed attempts from this "
	    "address; try again later");
	return 1;
}

/*
 * Replies 503 (SL_BUSY) when the hashing pool admits no more checks:
 * the client may retry at once, nothing was counted. (hashpool.c logs
 * these refusals, counted, at most once a second.)
 */
static enum sl_status
busy(struct req *r)
{
	static const char why[] = "too many password checks at once; try "
	    "again in a moment";

	reply_fail(r, SL_BUSY, "%s", why);	/* with Retry-After */
	reply_header(r, "X-Sluice-Auth-Error", "%s", why);
	return SL_BUSY;
}

/*
 * The full check of user's password pass against htpasswd (slow on
 * purpose, so it runs on the hashing pool) and the users table; a
 * success is remembered under key, a failure counted by throttle.c.
 */
static enum sl_status
check_password(struct req *r, const uint64_t key[2], const char *user,
    const char *pass, int64_t now)
{
	char *stored;
	enum sl_status s, exists;
	int match;

	if (throttled(r, user, now, &s))
		return s;
	stored = htpasswd_lookup(r->ctx->htpasswd_path, user);
	/* An unknown user costs a real check too: no user enumeration. */
	if (hashpool_matches(r->ctx->hashpool, pass, stored ? stored :
	    r->ctx->dummy_hash, &match) == SL_BUSY) {
		free(stored);
		return busy(r);
	}
	if (stored == NULL || !match) {
		throttle_failed(r->ctx->throttle, r->addr, user, now);
		log_info("auth_verify: failed login for \"%s\"%s from %s",
		    user, stored ? "" : " (unknown user)",
		    r->addr ? r->addr : "?");
		s = deny(r, "invalid credentials");
	} else if ((exists = user_exists(r, user)) == SL_NOTFOUND) {
		throttle_failed(r->ctx->throttle, r->addr, user, now);
		s = deny(r, "invalid credentials");
	} else if (exists != SL_OK) {
		s = reply_fail(r, SL_DB, "cannot read users");
	} else {
		authcache_put(r->ctx->auth, key, user, stored, now);
		s = reply_auth(r, user);
	}
	free(stored);
	return s;
}

/*
 * Answers one auth_request subrequest: 204 + X-Sluice-User (SL_OK), or
 * 401 (SL_UNAUTHORIZED). A database failure is a 500 (nginx then refuses
 * the request).
 */
enum sl_status
auth_verify(struct req *r)
{
	const char *hdr = req_param(r, "HTTP_AUTHORIZATION");
	unsigned char dec[AUTH_HEADER_MAX];
	int64_t now = timefmt_now_ms();
	enum sl_status s;
	uint64_t key[2];
	char *user, *pass;
	size_t hlen;

	if (hdr == NULL || strncasecmp(hdr, "Basic ", 6) != 0)
		return deny(r, "Basic credentials required");
	hlen = strlen(hdr);
	if (hlen > AUTH_HEADER_MAX)
		return deny(r, "credentials too long");
	authcache_key(r->ctx->auth, hdr, hlen, key);
	if (parse_basic(hdr, dec, &user, &pass) == -1)
		s = deny(r, "malformed Basic credentials");
	else if (!from_cache(r, key, user, now, &s))
		s = check_password(r, key, user, pass, now);
	explicit_bzero(dec, sizeof(dec));
	return s;
}
