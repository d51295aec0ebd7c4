/*
 * sha256.h: SHA-256 (FIPS 180-4), HMAC-SHA256 (RFC 2104), a constant-time
 * comparison and lower-case hex (see sha256.c). Used to check push
 * webhook signatures and to name virtual environments by the hash of a
 * requirements.txt.
 */
#ifndef SLUICE_SHA256_H
#define SLUICE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32		/* bytes in a digest */
#define SHA256_HEX_LEN 65	/* its hex and a NUL */
#define SHA256_BLOCK 64		/* bytes in a block */

/* An incremental hash on caller storage; fields are sha256.c's. */
struct sha256_ctx {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	uint8_t buf[SHA256_BLOCK];
	size_t nbuf;		/* bytes waiting in buf */
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *p, size_t n);
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_LEN]);
void sha256(const void *p, size_t n, uint8_t out[SHA256_LEN]);
void hmac_sha256(const void *key, size_t klen, const void *msg,
    size_t mlen, uint8_t out[SHA256_LEN]);
int ct_equal(const void *a, const void *b, size_t n);
char *sha256_hex(const uint8_t *p, size_t n, char *out);

#endif
