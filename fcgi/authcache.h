/*
 * authcache.h: the credential verifier's memory (see authcache.c):
 * recent successes keyed by a keyed hash of the Authorization header.
 */
#ifndef SLUICE_FCGI_AUTHCACHE_H
#define SLUICE_FCGI_AUTHCACHE_H

#include <stddef.h>
#include <stdint.h>

#define AUTHCACHE_USER_MAX 64

struct authcache;

struct authcache *authcache_new(int ttl_s);
void authcache_free(struct authcache *c);
void authcache_key(const struct authcache *c, const char *data, size_t len,
    uint64_t key[2]);
int authcache_get(struct authcache *c, const uint64_t key[2], int64_t now_ms,
    char user[AUTHCACHE_USER_MAX + 1], char **hash_out);
void authcache_put(struct authcache *c, const uint64_t key[2],
    const char *user, const char *hash, int64_t now_ms);
void authcache_drop(struct authcache *c, const uint64_t key[2]);

#endif
