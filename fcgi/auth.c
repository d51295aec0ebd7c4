/*
 * auth.c: the credential verifier. nginx sends every request (but
 * /api/health) first as an auth_request subrequest with the FastCGI param
 * SLUICE_AUTH=1 and the client's HTTP_AUTHORIZATION; we answer 204 with
 * X-Sluice-User: <name> when the Basic credentials are valid, else 401
 * with WWW-Authenticate. Valid means: the user has a line in htpasswd
 * whose crypt hash matches the password (htpasswd_verify: yescrypt, slow
 * on purpose) and a row in the users table. Successes are remembered in
 * authcache.c; a remembered success still counts only while htpasswd
 * holds the same hash and the users row exists, so `sluicectl user
 * passwd/del` takes effect on the next request. The decoded password is
 * wiped before returning and never logged. A 401 also names its reason
 * (one of the fixed texts below, never client input) in
 * X-Sluice-Auth-Error, which nginx puts in the JSON body it answers.
 */
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "authcache.h"
#include "db.h"
#include "htpasswd.h"
#include "log.h"
#include "reply.h"
#include "request.h"
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

/* Returns 1 when user has a row in users, 0 when not, -1 on error. */
static int
user_exists(struct req *r, const char *user)
{
	struct db_stmt st;
	int64_t one;

	db_prepare(r->db, &st, sql_user);
	db_bind_text(&st, ":name", user);
	switch (db_first_int(&st, &one)) {
	case SL_OK:
		return 1;
	case SL_NOTFOUND:
		return 0;
	default:
		return -1;
	}
}

/* Replies 401 with the fixed reason why, also for nginx's error page. */
static void
deny(struct req *r, const char *why)
{
	reply_error(r, RE_UNAUTHORIZED, "%s", why);
	reply_header(r, "X-Sluice-Auth-Error", "%s", why);
}

/*
 * Answers one auth_request subrequest: 204 + X-Sluice-User, or 401. A
 * database failure is a 500 (nginx then refuses the request).
 */
void
auth_verify(struct req *r)
{
	struct authcache *cache = r->ctx->auth;
	const char *hdr = req_param(r, "HTTP_AUTHORIZATION");
	unsigned char dec[AUTH_HEADER_MAX];
	char cached_user[AUTHCACHE_USER_MAX + 1], *cached_hash = NULL;
	char *stored = NULL, *user, *pass;
	int64_t now = timefmt_now_ms();
	uint64_t key[2];
	size_t hlen;
	long n;
	int exists;

	if (hdr == NULL || strncasecmp(hdr, "Basic ", 6) != 0) {
		deny(r, "Basic credentials required");
		goto out;
	}
	hlen = strlen(hdr);
	if (hlen > AUTH_HEADER_MAX) {
		deny(r, "credentials too long");
		goto out;
	}
	authcache_key(cache, hdr, hlen, key);
	n = b64_decode(hdr + 6 + strspn(hdr + 6, " "),
	    strlen(hdr + 6 + strspn(hdr + 6, " ")), dec);
	if (n <= 0 || memchr(dec, '\0', (size_t)n) != NULL ||
	    (pass = strchr((char *)dec, ':')) == NULL || pass == (char *)dec) {
		deny(r, "malformed Basic credentials");
		goto out;
	}
	*pass++ = '\0';
	user = (char *)dec;

	/* A remembered success, if htpasswd still holds the same hash. */
	if (authcache_get(cache, key, now, cached_user, &cached_hash)) {
		stored = htpasswd_lookup(r->ctx->htpasswd_path, cached_user);
		if (stored != NULL && strcmp(stored, cached_hash) == 0 &&
		    strcmp(cached_user, user) == 0) {
			exists = user_exists(r, user);
			if (exists == 1) {
				reply_auth(r, user);
				goto out;
			}
			if (exists == -1) {
				reply_error(r, RE_INTERNAL, "cannot read "
				    "users");
				goto out;
			}
		}
		authcache_drop(cache, key);
		free(stored);
		stored = NULL;
	}

	if (authcache_blocked(cache, r->addr, now)) {
		log_warnx("auth_verify: %s: too many failed logins; refused",
		    r->addr);
		deny(r, "too many failed attempts; try again later");
		goto out;
	}
	stored = htpasswd_lookup(r->ctx->htpasswd_path, user);
	if (stored == NULL) {
		/* Spend the same time as a real check: no user enumeration. */
		if (r->ctx->dummy_hash != NULL)
			htpasswd_verify(pass, r->ctx->dummy_hash);
		authcache_failed(cache, r->addr, now);
		log_info("auth_verify: failed login (unknown user) from %s",
		    r->addr ? r->addr : "?");
		deny(r, "invalid credentials");
		goto out;
	}
	if (htpasswd_verify(pass, stored) != 0) {
		authcache_failed(cache, r->addr, now);
		log_info("auth_verify: failed login for \"%s\" from %s",
		    user, r->addr ? r->addr : "?");
		deny(r, "invalid credentials");
		goto out;
	}
	exists = user_exists(r, user);
	if (exists != 1) {
		if (exists == 0) {
			authcache_failed(cache, r->addr, now);
			deny(r, "invalid credentials");
		} else
			reply_error(r, RE_INTERNAL, "cannot read users");
		goto out;
	}
	authcache_put(cache, key, user, stored, now);
	reply_auth(r, user);
out:
	explicit_bzero(dec, sizeof(dec));
	free(stored);
	free(cached_hash);
}
