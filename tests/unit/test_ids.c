/*
 * test_ids.c: run ids (lib/ids.c): 26 Crockford base-32 characters, the
 * first ten encoding the creation time, so ids made later sort later;
 * 100,000 ids made in one millisecond are all different; ids_valid
 * accepts exactly that shape. One line per case; exit 1 on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ids.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* Decodes the 48-bit time part. */
static int64_t
id_time(const char *id)
{
	int64_t t = 0;

	for (int i = 0; i < 10; i++)
		t = t * 32 + (strchr(alphabet, id[i]) - alphabet);
	return t;
}

static void
test_shape(void)
{
	char id[IDS_LEN], detail[64];
	int ok = 1;

	for (int i = 0; i < 1000 && ok; i++) {
		ids_new(1798743647123LL + i, id);
		ok = strlen(id) == 26 && strspn(id, alphabet) == 26 &&
		    ids_valid(id);
	}
	snprintf(detail, sizeof(detail), "bad id %s", id);
	check("shape_26_crockford", ok, detail);
	ids_new(1798743647123LL, id);
	snprintf(detail, sizeof(detail), "time part of %s is %lld", id,
	    (long long)id_time(id));
	check("time_part_decodes", id_time(id) == 1798743647123LL, detail);
	ids_new(0, id);
	check("epoch_time_part", strncmp(id, "0000000000", 10) == 0, id);
	ids_new((1LL << 48) - 1, id);
	check("max_time_part", strncmp(id, "7ZZZZZZZZZ", 10) == 0, id);
}

static int
cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void
test_sortable(void)
{
	char prev[IDS_LEN], id[IDS_LEN], detail[128];
	int ok = 1;

	/* Milliseconds apart, and across a character boundary. */
	ids_new(1798743647000LL, prev);
	for (int64_t t = 1798743647001LL; t < 1798743657000LL && ok; t += 7) {
		ids_new(t, id);
		if (strcmp(prev, id) >= 0) {
			ok = 0;
			snprintf(detail, sizeof(detail), "%s !< %s", prev, id);
		}
		memcpy(prev, id, IDS_LEN);
	}
	check("sortable_by_time", ok, ok ? "" : detail);
	ids_new(31, prev);
	ids_new(32, id);
	check("sortable_carry", strcmp(prev, id) < 0, id);
	ids_new(1798743647123LL, prev);
	ids_new(1798743647123LL + 86400000LL * 365 * 30, id);
	check("sortable_decades", strcmp(prev, id) < 0, id);
}

static void
test_unique(void)
{
	enum { N = 100000 };
	char (*ids)[IDS_LEN] = calloc(N, IDS_LEN), detail[80] = "";
	int dup = 0;

	for (int i = 0; i < N; i++)
		ids_new(1798743647123LL, ids[i]);
	qsort(ids, N, IDS_LEN, cmp);
	for (int i = 1; i < N && !dup; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0) {
			dup = 1;
			snprintf(detail, sizeof(detail), "duplicate %s",
			    ids[i]);
		}
	check("unique_100k_same_ms", !dup, detail);
	/* The random part uses all 32 symbols in every position. */
	{
		unsigned seen[26] = { 0 };
		int all = 1;

		for (int i = 0; i < N; i++)
			for (int k = 10; k < 26; k++)
				seen[k] |= 1u << (strchr(alphabet, ids[i][k]) -
				    alphabet);
		for (int k = 10; k < 26; k++)
			all &= seen[k] == 0xffffffffu;
		check("random_part_spread", all, "a position never varies");
	}
	free(ids);
}

static void
test_valid(void)
{
	static const struct {
		const char	*s;
		int		 want;
	} cases[] = {
		{ "01KB7A3SKQ0000000000000000", 1 },
		{ "7ZZZZZZZZZZZZZZZZZZZZZZZZZ", 1 },
		{ "", 0 },
		{ "01KB7A3SKQ000000000000000", 0 },
		{ "01KB7A3SKQ00000000000000000", 0 },
		{ "01kb7a3skq0000000000000000", 0 },
		{ "01KB7A3SKQ000000000000000I", 0 },
		{ "01KB7A3SKQ000000000000000L", 0 },
		{ "01KB7A3SKQ000000000000000O", 0 },
		{ "01KB7A3SKQ000000000000000U", 0 },
		{ "01KB7A3SKQ00000000000000-0", 0 },
		{ "../../../../../../etc/pass", 0 },
	};
	char name[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "valid_\"%s\"", cases[i].s);
		check(name, ids_valid(cases[i].s) == cases[i].want,
		    "wrong answer");
	}
	check("valid_null", ids_valid(NULL) == 0, "accepted NULL");
}

int
main(void)
{
	test_shape();
	test_sortable();
	test_unique();
	test_valid();
	return check_status();
}
