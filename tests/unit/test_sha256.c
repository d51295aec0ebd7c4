/*
 * test_sha256.c: lib/sha256.c against the published vectors: SHA-256 of
 * the FIPS 180-4 / NIST examples (empty, "abc", the 448- and 896-bit
 * messages, a million "a"), the same digests when fed in pieces across
 * block boundaries, HMAC-SHA256 of RFC 4231's test cases 1 to 7 (keys
 * shorter than, equal to and longer than a block), ct_equal telling equal
 * from different buffers wherever they differ, and hex output. One line
 * per case; exit 1 on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sha256.h"

/* The hex of SHA-256 of n bytes at p. */
static const char *
hex_of(const void *p, size_t n, char out[SHA256_HEX_LEN])
{
	uint8_t d[SHA256_LEN];

	sha256(p, n, d);
	return sha256_hex(d, sizeof(d), out);
}

static void
test_digests(void)
{
	static const struct {
		const char *name, *msg, *want;
	} cases[] = {
		{"sha256_empty", "",
		    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
		    "7852b855"},
		{"sha256_abc", "abc",
		    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61"
		    "f20015ad"},
		{"sha256_448_bits",
		    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd4"
		    "19db06c1"},
		{"sha256_896_bits",
		    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac4503"
		    "7afee9d1"},
	};
	char hex[SHA256_HEX_LEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hex_of(cases[i].msg, strlen(cases[i].msg), hex);
		checkf(cases[i].name, strcmp(hex, cases[i].want) == 0,
		    "got %s", hex);
	}
}

/* A million "a", fed 1,000 bytes at a time. */
static void
test_million_a(void)
{
	static const char want[] = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48"
	    "a497200e046d39ccc7112cd0";
	struct sha256_ctx c;
	uint8_t d[SHA256_LEN];
	char chunk[1000], hex[SHA256_HEX_LEN];

	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&c);
	for (int i = 0; i < 1000; i++)
		sha256_update(&c, chunk, sizeof(chunk));
	sha256_final(&c, d);
	sha256_hex(d, sizeof(d), hex);
	checkf("sha256_million_a", strcmp(hex, want) == 0, "got %s", hex);
}

/* Every split of a 200-byte message into two pieces hashes the same. */
static void
test_pieces_equal_whole(void)
{
	uint8_t msg[200], whole[SHA256_LEN], part[SHA256_LEN];
	struct sha256_ctx c;
	size_t bad = 0, at = 0;

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	sha256(msg, sizeof(msg), whole);
	for (size_t split = 0; split <= sizeof(msg); split++) {
		sha256_init(&c);
		sha256_update(&c, msg, split);
		sha256_update(&c, NULL, 0);
		sha256_update(&c, msg + split, sizeof(msg) - split);
		sha256_final(&c, part);
		if (memcmp(part, whole, sizeof(whole)) != 0 && bad++ == 0)
			at = split;
	}
	checkf("sha256_pieces_equal_whole", bad == 0, "%zu splits differ, "
	    "first at %zu", bad, at);
}

/* Decodes hex s into out (at most max bytes); returns the length. */
static size_t
unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	for (; s[0] && s[1] && n < max; s += 2) {
		unsigned v;

		sscanf(s, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/*
 * RFC 4231, 4.2 to 4.8: keys and data in hex (data NULL: the text is the
 * data); key NULL is cases 6 and 7's 131 bytes of 0xaa.
 */
static void
test_hmac_rfc4231(void)
{
	static const struct {
		const char *name, *key, *data, *text, *want;
	} cases[] = {
		{"hmac_rfc4231_case1",
		    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", NULL,
		    "Hi There",
		    "b0344c61d8db38535ca8afceaf0bf12b881dc200"
		    "c9833da726e9376c2e32cff7"},
		{"hmac_rfc4231_case2", "4a656665", NULL,
		    "what do ya want for nothing?", "5bdcc146bf60754e6a042426"
		    "089575c75a003f089d2739839dec58b964ec3843"},
		{"hmac_rfc4231_case3",
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		    "dddddddddddddddddddddddddddddddddddddddddddddddddd"
		    "dddddddddddddddddddddddddddddddddddddddddddddddddd", NULL,
		    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514"
		    "ced565fe"},
		{"hmac_rfc4231_case4",
		    "0102030405060708090a0b0c0d0e0f10111213141516171819",
		    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
		    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd", NULL,
		    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff4"
		    "6729665b"},
		/* Case 5 checks only the first 128 bits of the MAC. */
		{"hmac_rfc4231_case5_truncated",
		    "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", NULL,
		    "Test With Truncation", "a3b6167473100ee06e0c796c2955552b"},
		{"hmac_rfc4231_case6_long_key", NULL, NULL,
		    "Test Using Larger Than Block-Size Key - Hash Key First",
		    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f"
		    "0ee37f54"},
		{"hmac_rfc4231_case7_long_key_and_data", NULL, NULL,
		    "This is a test using a larger than block-size key and a "
		    "larger than block-size data. The key needs to be hashed "
		    "before being used by the HMAC algorithm.",
		    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f5153"
		    "5c3a35e2"},
	};
	uint8_t key[200], data[200], mac[SHA256_LEN];
	char hex[SHA256_HEX_LEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t kn = 131, dn;
		const void *d = data;

		if (cases[i].key != NULL)
			kn = unhex(cases[i].key, key, sizeof(key));
		else
			memset(key, 0xaa, kn);
		if (cases[i].text != NULL) {
			d = cases[i].text;
			dn = strlen(cases[i].text);
		} else
			dn = unhex(cases[i].data, data, sizeof(data));
		hmac_sha256(key, kn, d, dn, mac);
		sha256_hex(mac, sizeof(mac), hex);
		checkf(cases[i].name, strncmp(hex, cases[i].want,
		    strlen(cases[i].want)) == 0, "got %s", hex);
	}
}

/* ct_equal: equal buffers, a difference at each end, and n == 0. */
static void
test_ct_equal(void)
{
	uint8_t a[32], b[32];
	int ok = 1;

	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b));
	check("ct_equal_same", ct_equal(a, b, sizeof(a)) == 1, "said differ");
	for (size_t i = 0; i < sizeof(a); i++) {
		b[i] ^= 0x01;
		ok &= ct_equal(a, b, sizeof(a)) == 0;
		b[i] ^= 0x01;
	}
	check("ct_equal_any_byte_differs", ok, "missed a difference");
	check("ct_equal_empty", ct_equal(a, b, 0) == 1, "empty differs");
}

static void
test_hex(void)
{
	static const uint8_t bytes[] = {0x00, 0x0f, 0xa5, 0xff};
	char out[9];

	sha256_hex(bytes, sizeof(bytes), out);
	checkf("hex_lower_case", strcmp(out, "000fa5ff") == 0, "got %s", out);
}

int
main(void)
{
	test_digests();
	test_million_a();
	test_pieces_equal_whole();
	test_hmac_rfc4231();
	test_ct_equal();
	test_hex();
	return check_status();
}
