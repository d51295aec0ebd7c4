/*
 * test_request.c: sluice-api's request parsing and credential cache,
 * compiled in from fcgi/ (request.c, reply.c, buf.c, authcache.c,
 * throttle.c, hashpool.c): path
 * splitting and decoding (traversal and bad escapes refused), query
 * parameters (unknown and repeated ones refused, integer bounds), JSON
 * bodies (only objects), the error replies they produce (every status
 * through reply.c's one table), SipHash-2-4
 * against the reference vectors, and the auth cache (hit, expiry,
 * eviction bound), failed-login throttling per (address, user) and per
 * address, and the hashing pool (answers, SL_BUSY when full). One line
 * per case; exit 1 on any
 * failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../fcgi/authcache.c"
#include "../../fcgi/buf.c"
#include "../../fcgi/hashpool.c"
#include "../../fcgi/reply.c"
#include "../../fcgi/request.c"
#include "../../fcgi/throttle.c"

#include "check.h"


/* A request with the given FastCGI params (NULL-terminated "K=V"). */
static void
fake(struct req *r, FCGX_Request *fr, char **envp)
{
	memset(fr, 0, sizeof(*fr));
	fr->envp = envp;
	req_init(r, NULL, NULL, fr);
}

static int
split(const char *uri, char **segs)
{
	char env[512], *envp[] = {env, NULL};
	FCGX_Request fr;
	struct req r;
	int n;

	snprintf(env, sizeof(env), "REQUEST_URI=%s", uri);
	fake(&r, &fr, envp);
	n = req_split_path(&r, segs, REQ_MAX_SEGS);
	req_free(&r);
	return n;
}

static void
free_segs(char **segs)
{
	for (int i = 0; i < REQ_MAX_SEGS; i++) {
		free(segs[i]);
		segs[i] = NULL;
	}
}

static void
test_paths(void)
{
	char *s[REQ_MAX_SEGS] = {0};
	int n;

	n = split("/api/flows/etl?x=1", s);
	check("path_plain", n == 3 && !strcmp(s[0], "api") &&
	    !strcmp(s[2], "etl"), NULL);
	free_segs(s);
	n = split("/api/flows/", s);
	check("path_trailing_slash", n == 2 && !strcmp(s[1], "flows"), NULL);
	free_segs(s);
	n = split("/api/flows/a%2Db", s);
	check("path_escape_decoded", n == 3 && !strcmp(s[2], "a-b"), NULL);
	free_segs(s);
	check("path_encoded_slash", split("/api/runs/..%2Fx", s) == -1, NULL);
	check("path_dotdot", split("/api/../etc", s) == -1, NULL);
	check("path_dot", split("/api/./flows", s) == -1, NULL);
	check("path_double_slash", split("/api//flows", s) == -1, NULL);
	check("path_nul_escape", split("/api/flows/a%00", s) == -1, NULL);
	check("path_bad_escape", split("/api/flows/a%zz", s) == -1, NULL);
	check("path_short_escape", split("/api/flows/a%2", s) == -1, NULL);
	check("path_too_deep", split("/a/b/c/d/e/f/g/h/i", s) == -1, NULL);
	check("path_relative", split("api/flows", s) == -1, NULL);
}

/* Parses qs against allowed; returns the status (the reply is in r). */
static enum sl_status
query(const char *qs, const char *allowed, struct req *r, FCGX_Request *fr,
    char *env, size_t envsz, char **envp)
{
	snprintf(env, envsz, "QUERY_STRING=%s", qs);
	envp[0] = env;
	envp[1] = NULL;
	fake(r, fr, envp);
	return req_parse_query(r, allowed);
}

static void
test_query(void)
{
	char env[512], *envp[2];
	FCGX_Request fr;
	struct req r;
	int64_t v;
	enum sl_status rc;
	int b;

	rc = query("flow=a%20b&limit=5&state=", "flow,state,limit", &r, &fr,
	    env, sizeof(env), envp);
	check("query_ok", rc == SL_OK &&
	    !strcmp(req_query(&r, "flow"), "a b") &&
	    !strcmp(req_query(&r, "state"), "") &&
	    req_query(&r, "cursor") == NULL, NULL);
	check("query_limit", req_limit(&r, &v) == SL_OK && v == 5, NULL);
	req_free(&r);

	query("q=a+b", "q", &r, &fr, env, sizeof(env), envp);
	check("query_plus_is_space", !strcmp(req_query(&r, "q"), "a b"),
	    req_query(&r, "q"));
	req_free(&r);

	rc = query("colour=red", "flow", &r, &fr, env, sizeof(env), envp);
	check("query_unknown", rc == SL_INVALID && r.status == 400 &&
	    strstr(r.out.p, "colour") != NULL, r.out.p);
	req_free(&r);

	rc = query("flow=a&flow=b", "flow", &r, &fr, env, sizeof(env), envp);
	check("query_repeated", rc == SL_INVALID && r.status == 400, r.out.p);
	req_free(&r);

	rc = query("flow=%zz", "flow", &r, &fr, env, sizeof(env), envp);
	check("query_bad_escape", rc == SL_INVALID && r.status == 400, r.out.p);
	req_free(&r);

	for (int i = 0; i < 5; i++) {
		static const char *const bad[] = {"limit=0", "limit=501",
		    "limit=1x", "limit=", "limit=99999999999999999999"};

		query(bad[i], "limit", &r, &fr, env, sizeof(env), envp);
		rc = req_limit(&r, &v);
		check("query_limit_bad", rc == SL_INVALID && r.status == 400 &&
		    strstr(r.out.p, "limit") != NULL, bad[i]);
		req_free(&r);
	}
	query("", "limit", &r, &fr, env, sizeof(env), envp);
	check("query_limit_default", req_limit(&r, &v) == SL_OK &&
	    v == 50, NULL);
	req_free(&r);

	query("a=true&b=0&c=maybe", "a,b,c", &r, &fr, env, sizeof(env), envp);
	check("query_bool_true", req_query_bool(&r, "a", &b) == SL_OK &&
	    b == 1,
	    NULL);
	check("query_bool_false", req_query_bool(&r, "b", &b) == SL_OK &&
	    b == 0,
	    NULL);
	check("query_bool_bad", req_query_bool(&r, "c", &b) == SL_INVALID &&
	    r.status == 400, NULL);
	req_free(&r);
}

static struct json_object *
body(const char *text, int optional, struct req *r, FCGX_Request *fr)
{
	static char *envp[] = {NULL};
	struct json_object *o;

	fake(r, fr, envp);
	r->body = xstrdup(text);
	r->body_len = strlen(text);
	req_json_object(r, optional, &o);
	return o;
}

static void
test_json(void)
{
	struct json_object *o;
	FCGX_Request fr;
	struct req r;
	enum sl_status rc;

	o = body("{\"paused\":true}", 0, &r, &fr);
	check("json_object", o != NULL && r.replied == 0, NULL);
	check("json_keys_ok", req_check_keys(&r, o, "paused", "body") == SL_OK,
	    NULL);
	rc = req_check_keys(&r, o, "limit", "body");
	check("json_keys_unknown", rc == SL_INVALID && r.status == 400 &&
	    strstr(r.out.p, "unknown key") != NULL, r.out.p);
	json_object_put(o);
	req_free(&r);

	o = body("", 1, &r, &fr);
	check("json_empty_optional", o != NULL &&
	    json_object_object_length(o) == 0, NULL);
	json_object_put(o);
	req_free(&r);

	o = body("", 0, &r, &fr);
	check("json_empty_required", o == NULL && r.status == 400, NULL);
	req_free(&r);

	o = body("[1]", 0, &r, &fr);
	check("json_array_refused", o == NULL && r.status == 400 &&
	    strstr(r.out.p, "expected object, got array") != NULL, r.out.p);
	req_free(&r);

	o = body("{\"a\":", 0, &r, &fr);
	check("json_truncated", o == NULL && r.status == 400 &&
	    strstr(r.out.p, "\"code\":\"invalid\"") != NULL, r.out.p);
	req_free(&r);

	o = body("{\"a\":\"\xff\"}", 0, &r, &fr);
	check("json_invalid_utf8", o == NULL && r.status == 400, r.out.p);
	req_free(&r);
}

static void
test_reply(void)
{
	static char *envp[] = {NULL};
	FCGX_Request fr;
	struct req r;

	fake(&r, &fr, envp);
	reply_fail(&r, SL_CONFLICT, "run %s is %s", "X", "COMPLETED");
	check("reply_conflict", r.status == 409 && !strcmp(r.out.p,
	    "{\"error\":{\"code\":\"conflict\",\"message\":\"run X is "
	    "COMPLETED\"}}\n"), r.out.p);
	reply_fail(&r, SL_BUSY, "busy");
	check("reply_busy", r.status == 503 &&
	    strstr(r.out.p, "\"busy\"") != NULL, r.out.p);
	{
		/* One table maps every status to its HTTP status and code. */
		static const struct {
			enum sl_status s;
			int status;
			const char *code;
		} map[] = {
			{SL_INVALID, 400, "\"invalid\""},
			{SL_NOTFOUND, 404, "\"not_found\""},
			{SL_FORBIDDEN, 403, "\"forbidden\""},
			{SL_GONE, 410, "\"gone\""},
			{SL_METHOD, 405, "\"method_not_allowed\""},
			{SL_TOO_LARGE, 413, "\"too_large\""},
			{SL_MEDIA, 415, "\"unsupported_media_type\""},
			{SL_IO, 500, "\"internal\""},
			{SL_DB, 500, "\"internal\""},
		};

		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
			enum sl_status got = reply_fail(&r, map[i].s, "x");

			check("reply_status_map", got == map[i].s &&
			    r.status == map[i].status && r.failed == map[i].s &&
			    strstr(r.out.p, map[i].code) != NULL, r.out.p);
		}
	}
	reply_fail(&r, SL_UNAUTHORIZED, "no");
	check("reply_401_challenge", r.status == 401 && strstr(r.hdrs.p,
	    "WWW-Authenticate: Basic realm=\"Sluice\"") != NULL, r.hdrs.p);
	reply_header(&r, "X-Evil", "a\r\nSet-Cookie: x=1");
	check("reply_header_crlf_refused", strstr(r.hdrs.p, "Set-Cookie") ==
	    NULL, r.hdrs.p);
	req_free(&r);
}

static void
test_siphash(void)
{
	unsigned char in[64];
	uint64_t k0 = 0x0706050403020100ULL, k1 = 0x0f0e0d0c0b0a0908ULL;

	for (int i = 0; i < 64; i++)
		in[i] = (unsigned char)i;
	/* Reference vectors from the SipHash paper / implementation. */
	check("siphash_empty", siphash(k0, k1, in, 0) ==
	    0x726fdb47dd0e0e31ULL, NULL);
	check("siphash_15", siphash(k0, k1, in, 15) ==
	    0xa129ca6149be45e5ULL, NULL);
	check("siphash_8", siphash(k0, k1, in, 8) == 0x93f5f5799a932462ULL,
	    NULL);
}

static void
test_cache(void)
{
	struct authcache *c = authcache_new(120);
	char user[AUTHCACHE_USER_MAX + 1], *hash = NULL;
	uint64_t k[2], k2[2];
	int hit;

	authcache_key(c, "Basic YTpi", 10, k);
	authcache_key(c, "Basic YTpj", 10, k2);
	check("cache_keys_differ", k[0] != k2[0] || k[1] != k2[1], NULL);
	check("cache_miss", authcache_get(c, k, 1000, user, &hash) == 0,
	    NULL);
	authcache_put(c, k, "alice", "$y$hash", 1000);
	hit = authcache_get(c, k, 2000, user, &hash);
	check("cache_hit", hit && !strcmp(user, "alice") &&
	    !strcmp(hash, "$y$hash"), NULL);
	free(hash);
	hash = NULL;
	check("cache_other_key_misses", authcache_get(c, k2, 2000, user,
	    &hash) == 0, NULL);
	check("cache_expired", authcache_get(c, k, 1000 + 120000, user,
	    &hash) == 0, NULL);
	authcache_put(c, k, "alice", "$y$hash", 1000);
	authcache_drop(c, k);
	check("cache_dropped", authcache_get(c, k, 2000, user, &hash) == 0,
	    NULL);

	/* More entries than slots: the oldest go, the newest stay. */
	for (int i = 0; i < AUTHCACHE_MAX + 10; i++) {
		char hdr[32];
		uint64_t ki[2];

		snprintf(hdr, sizeof(hdr), "Basic %d", i);
		authcache_key(c, hdr, strlen(hdr), ki);
		authcache_put(c, ki, "u", "h", 5000 + i);
		if (i == 0)
			memcpy(k, ki, sizeof(ki));
		if (i == AUTHCACHE_MAX + 9)
			memcpy(k2, ki, sizeof(ki));
	}
	check("cache_evicts_oldest", authcache_get(c, k, 9000, user, &hash) ==
	    0, NULL);
	hit = authcache_get(c, k2, 9000, user, &hash);
	check("cache_keeps_newest", hit, NULL);
	free(hash);

	authcache_free(c);
}

/* The failed-login rule: per (address, user) and per address. */
static void
test_throttle(void)
{
	struct throttle *t = throttle_new(3, 5, 60);
	char name[16];

	check("throttle_fresh", throttle_check(t, "10.0.0.1", "ann", 0) ==
	    THROTTLE_OK, NULL);
	for (int i = 0; i < 3; i++)
		throttle_failed(t, "10.0.0.1", "ann", 1000);
	check("throttle_pair_blocked", throttle_check(t, "10.0.0.1", "ann",
	    2000) == THROTTLE_PAIR, NULL);
	check("throttle_same_address_other_user", throttle_check(t,
	    "10.0.0.1", "bob", 2000) == THROTTLE_OK, NULL);
	check("throttle_other_address_same_user", throttle_check(t,
	    "10.0.0.2", "ann", 2000) == THROTTLE_OK, NULL);
	check("throttle_user_not_a_prefix", throttle_check(t, "10.0.0.1",
	    "an", 2000) == THROTTLE_OK, NULL);
	throttle_failed(t, "10.0.0.1", "bob", 1500);
	throttle_failed(t, "10.0.0.1", "cy", 1500);
	check("throttle_address_blocked_for_all", throttle_check(t,
	    "10.0.0.1", "dee", 2000) == THROTTLE_ADDR &&
	    throttle_check(t, "10.0.0.1", "ann", 2000) == THROTTLE_ADDR, NULL);
	check("throttle_window_ends", throttle_check(t, "10.0.0.1", "ann",
	    1000 + 60000) == THROTTLE_OK, NULL);
	check("throttle_unknown_address", throttle_check(t, NULL, "ann", 0) ==
	    THROTTLE_OK, NULL);
	throttle_free(t);

	/* More pairs than slots: counting stays bounded and keeps working. */
	t = throttle_new(1, 0, 60);
	for (int i = 0; i < THROTTLE_PAIRS + 10; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		throttle_failed(t, "10.0.0.9", name, 100 + i);
	}
	check("throttle_evicts_oldest_pair", throttle_check(t, "10.0.0.9",
	    "u0", 5000) == THROTTLE_OK && throttle_check(t, "10.0.0.9",
	    "u1033", 5000) == THROTTLE_PAIR, NULL);
	throttle_free(t);
}

struct pool_arg {
	struct hashpool *p;
	const char *pass, *hash;
	int match;
	enum sl_status s;
};

static void *
pool_client(void *arg)
{
	struct pool_arg *a = arg;

	a->s = hashpool_matches(a->p, a->pass, a->hash, &a->match);
	return NULL;
}

/* Checks on the pool: right and wrong answers, and SL_BUSY when full. */
static void
test_hashpool(void)
{
	struct hashpool *p = hashpool_new(1, 1);
	char *hash = htpasswd_hash("right");
	struct pool_arg a = {.p = p, .pass = "right", .hash = hash};
	pthread_t tid;
	int match = -1, admitted;

	check("hashpool_match", hashpool_matches(p, "right", hash, &match) ==
	    SL_OK && match == 1, NULL);
	check("hashpool_mismatch", hashpool_matches(p, "wrong", hash,
	    &match) == SL_OK && match == 0, NULL);
	check("hashpool_unknown_hash", hashpool_matches(p, "x", NULL,
	    &match) == SL_OK && match == 0, NULL);
	/* Hold the one admitted slot with a check in another thread. */
	pthread_create(&tid, NULL, pool_client, &a);
	do {
		pthread_mutex_lock(&p->mu);
		admitted = p->admitted;
		pthread_mutex_unlock(&p->mu);
	} while (admitted == 0 && a.s == SL_OK && !a.match);
	check("hashpool_full_is_busy", admitted == 0 ||
	    hashpool_matches(p, "right", hash, &match) == SL_BUSY, NULL);
	pthread_join(tid, NULL);
	check("hashpool_other_check_done", a.s == SL_OK && a.match == 1,
	    NULL);
	hashpool_free(p);
	free(hash);
}

int
main(void)
{
	test_paths();
	test_query();
	test_json();
	test_reply();
	test_siphash();
	test_cache();
	test_throttle();
	test_hashpool();
	return check_status();
}
