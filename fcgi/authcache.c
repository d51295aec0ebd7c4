/*
 * authcache.c: what the credential verifier remembers between requests.
 *
 * Successes: a yescrypt check costs tens of milliseconds on purpose, so a
 * verified Authorization header is remembered for ttl seconds. The key is
 * a 128-bit keyed hash (SipHash-2-4 under two random keys drawn from
 * getrandom at start) of the whole header value; neither the header nor
 * the password is ever kept. The value is the user name, a copy of the
 * stored hash (the verifier checks it is still the one in htpasswd, so a
 * changed or deleted password invalidates the entry at once) and the
 * expiry. At most AUTHCACHE_MAX entries; the oldest is evicted.
 *
 * Failures are never cached as answers; throttle.c counts them.
 *
 * All access is under one mutex; nothing slow runs while it is held.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "authcache.h"
#include "log.h"
#include "xalloc.h"

#define AUTHCACHE_MAX 1024

struct entry {
	uint64_t key[2];
	char user[AUTHCACHE_USER_MAX + 1];
	char *hash;		/* NULL: slot free */
	int64_t added_ms;
	int64_t expires_ms;
};

struct authcache {
	pthread_mutex_t mu;
	uint64_t k[4];		/* two SipHash keys */
	int64_t ttl_ms;
	struct entry e[AUTHCACHE_MAX];
};

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

/* SipHash-2-4 of data under the key (k0, k1). */
static uint64_t
siphash(uint64_t k0, uint64_t k1, const unsigned char *data, size_t len)
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
	uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
	uint64_t v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i, full = len - len % 8;

	for (i = 0; i < full; i += 8) {
		m = 0;
		for (int j = 7; j >= 0; j--)
			m = m << 8 | data[i + (size_t)j];
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; j < len % 8; j++)
		b |= (uint64_t)data[full + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/*
 * Returns a new cache remembering successes for ttl_s seconds. Exits via
 * fatal (startup only) when no random key can be had.
 */
struct authcache *
authcache_new(int ttl_s)
{
	struct authcache *c = xcalloc(1, sizeof(*c));

	if (getrandom(c->k, sizeof(c->k), 0) != (ssize_t)sizeof(c->k))
		fatal("authcache_new: getrandom");
	pthread_mutex_init(&c->mu, NULL);
	c->ttl_ms = (int64_t)ttl_s * 1000;
	return c;
}

/* Frees c and every remembered hash (NULL is fine). */
void
authcache_free(struct authcache *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < AUTHCACHE_MAX; i++)
		free(c->e[i].hash);
	pthread_mutex_destroy(&c->mu);
	explicit_bzero(c->k, sizeof(c->k));
	free(c);
}

/* Computes the 128-bit cache key of len bytes of data. */
void
authcache_key(const struct authcache *c, const char *data, size_t len,
    uint64_t key[2])
{
	key[0] = siphash(c->k[0], c->k[1], (const unsigned char *)data, len);
	key[1] = siphash(c->k[2], c->k[3], (const unsigned char *)data, len);
}

static struct entry *
find(struct authcache *c, const uint64_t key[2])
{
	for (int i = 0; i < AUTHCACHE_MAX; i++)
		if (c->e[i].hash != NULL && c->e[i].key[0] == key[0] &&
		    c->e[i].key[1] == key[1])
			return &c->e[i];
	return NULL;
}

static void
clear(struct entry *e)
{
	free(e->hash);
	memset(e, 0, sizeof(*e));
}

/*
 * Looks key up. On a live entry copies its user into user, a copy of its
 * stored hash into *hash_out (the caller frees it) and returns 1; else
 * returns 0 (an expired entry is dropped).
 */
int
authcache_get(struct authcache *c, const uint64_t key[2], int64_t now_ms,
    char user[AUTHCACHE_USER_MAX + 1], char **hash_out)
{
	struct entry *e;
	int hit = 0;

	pthread_mutex_lock(&c->mu);
	e = find(c, key);
	if (e != NULL && e->expires_ms <= now_ms)
		clear(e);
	else if (e != NULL) {
		memcpy(user, e->user, sizeof(e->user));
		*hash_out = xstrdup(e->hash);
		hit = 1;
	}
	pthread_mutex_unlock(&c->mu);
	return hit;
}

/*
 * Remembers that key verified as user against stored hash. Replaces an
 * entry with the same key, else uses a free or expired slot, else evicts
 * the oldest.
 */
void
authcache_put(struct authcache *c, const uint64_t key[2], const char *user,
    const char *hash, int64_t now_ms)
{
	struct entry *e, *oldest = NULL;

	if (strlen(user) > AUTHCACHE_USER_MAX || c->ttl_ms <= 0)
		return;
	pthread_mutex_lock(&c->mu);
	e = find(c, key);
	for (int i = 0; e == NULL && i < AUTHCACHE_MAX; i++) {
		struct entry *x = &c->e[i];

		if (x->hash == NULL || x->expires_ms <= now_ms)
			e = x;
		else if (oldest == NULL || x->added_ms < oldest->added_ms)
			oldest = x;
	}
	if (e == NULL)
		e = oldest;
	clear(e);
	e->key[0] = key[0];
	e->key[1] = key[1];
	strcpy(e->user, user);
	e->hash = xstrdup(hash);
	e->added_ms = now_ms;
	e->expires_ms = now_ms + c->ttl_ms;
	pthread_mutex_unlock(&c->mu);
}

/* Forgets key, if remembered. */
void
authcache_drop(struct authcache *c, const uint64_t key[2])
{
	struct entry *e;

	pthread_mutex_lock(&c->mu);
	if ((e = find(c, key)) != NULL)
		clear(e);
	pthread_mutex_unlock(&c->mu);
}
