/*
 * ids.c: run ids in the ULID layout: 48 bits of milliseconds since the
 * epoch followed by 80 random bits, written as 26 Crockford base-32
 * characters. Ids compare in creation order as plain strings, so lists page
 * with a keyset cursor ("id < :cursor") and never need OFFSET.
 */
#include <string.h>
#include <sys/random.h>

#include "ids.h"
#include "log.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/*
 * Writes a new id for a run created at now_ms into out. Two ids made in the
 * same millisecond differ in their random part.
 */
void
ids_new(int64_t now_ms, char out[IDS_LEN])
{
	unsigned char rnd[10];
	uint64_t t = (uint64_t)now_ms;
	int i;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		log_warn("ids_new: getrandom");
	for (i = 9; i >= 0; i--) {
		out[i] = alphabet[t & 31];
		t >>= 5;
	}
	/* 80 random bits are exactly 16 characters of 5 bits. */
	for (i = 0; i < 16; i++) {
		int bit = i * 5, byte = bit / 8, shift = bit % 8;
		unsigned v = (unsigned)rnd[byte] << 8;

		if (byte + 1 < 10)
			v |= rnd[byte + 1];
		out[10 + i] = alphabet[(v >> (11 - shift)) & 31];
	}
	out[26] = '\0';
}

/* Returns 1 when s has the shape of an id made by ids_new, else 0. */
int
ids_valid(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != IDS_LEN - 1)
		return 0;
	for (i = 0; i < IDS_LEN - 1; i++)
		if (strchr(alphabet, s[i]) == NULL || s[i] == '\0')
			return 0;
	return 1;
}
