/*
 * test_timefmt.c: RFC 3339 formatting and parsing (lib/timefmt.c): round
 * trips over a wide range of instants (including before 1970), offsets,
 * fractions, and inputs that must be refused. One line per case; exit 1
 * on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "timefmt.h"

static const struct {
	int64_t		 ms;
	const char	*text;
} formats[] = {
	{ 0, "1970-01-01T00:00:00.000Z" },
	{ 1, "1970-01-01T00:00:00.001Z" },
	{ -1, "1969-12-31T23:59:59.999Z" },
	{ -1000, "1969-12-31T23:59:59.000Z" },
	{ -1001, "1969-12-31T23:59:58.999Z" },
	{ 1798743647123LL, "2026-12-31T19:00:47.123Z" },
	{ 1830297600000LL, "2028-01-01T00:00:00.000Z" },
	{ 1835481599999LL, "2028-02-29T23:59:59.999Z" },
	{ 253402300799999LL, "9999-12-31T23:59:59.999Z" },
};

static void
test_format(void)
{
	char buf[TIMEFMT_LEN], name[64], detail[128];

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		snprintf(name, sizeof(name), "format_%s", formats[i].text);
		timefmt_rfc3339(formats[i].ms, buf);
		snprintf(detail, sizeof(detail), "got %s", buf);
		check(name, strcmp(buf, formats[i].text) == 0, detail);
	}
}

static const struct {
	const char	*text;
	int64_t		 ms;
} parses[] = {
	{ "1970-01-01T00:00:00Z", 0 },
	{ "1970-01-01T00:00:00.000Z", 0 },
	{ "2026-12-31T19:00:47.123Z", 1798743647123LL },
	{ "2026-12-31t19:00:47.123z", 1798743647123LL },
	{ "2026-12-31 19:00:47.123Z", 1798743647123LL },
	/* Fractions: shorter scale up, longer are truncated to ms. */
	{ "2026-12-31T19:00:47.1Z", 1798743647100LL },
	{ "2026-12-31T19:00:47.12Z", 1798743647120LL },
	{ "2026-12-31T19:00:47.123999Z", 1798743647123LL },
	/* Offsets: local time minus the offset is UTC. */
	{ "2026-12-31T20:00:47.123+01:00", 1798743647123LL },
	{ "2026-12-31T14:00:47.123-05:00", 1798743647123LL },
	{ "2027-01-01T00:30:47.123+05:30", 1798743647123LL },
	{ "2026-12-31T19:00:47.123+00:00", 1798743647123LL },
	{ "2026-12-31T19:00:47.123-00:00", 1798743647123LL },
	{ "1969-12-31T23:59:59.999Z", -1 },
	{ "2028-02-29T23:59:59.999Z", 1835481599999LL },
};

static void
test_parse(void)
{
	char name[80], detail[128];

	for (size_t i = 0; i < sizeof(parses) / sizeof(parses[0]); i++) {
		int64_t ms = 42;
		enum sl_status r = timefmt_parse(parses[i].text, &ms);

		snprintf(name, sizeof(name), "parse_%s", parses[i].text);
		snprintf(detail, sizeof(detail), "returned %d, ms %lld", (int)r,
		    (long long)ms);
		check(name, r == SL_OK && ms == parses[i].ms, detail);
	}
}

static const char *const bad[] = {
	"",
	"2026",
	"2026-12-31",
	"2026-12-31T19:00:47",		/* no zone */
	"2026-12-31T19:00Z",		/* no seconds */
	"2026-12-31T19:00:47.Z",	/* empty fraction */
	"2026-12-31T19:00:47+0100",	/* offset without colon */
	"2026-12-31T19:00:47+01",
	"2026-12-31T19:00:47Zjunk",
	"2026-12-31T19:00:47Z ",
	" 2026-12-31T19:00:47Z",
	"2026-13-01T00:00:00Z",
	"2026-00-01T00:00:00Z",
	"2026-01-00T00:00:00Z",
	"2026-01-32T00:00:00Z",
	"2026-02-29T00:00:00Z",		/* not a leap year */
	"2026-02-30T00:00:00Z",
	"2026-04-31T00:00:00Z",
	"2026-01-01T24:00:00Z",
	"2026-01-01T23:60:00Z",
	"2026-01-01T23:59:61Z",
	"2026-01-01T00:00:00+24:00",
	"2026-01-01T00:00:00+01:60",
	"2026/01/01T00:00:00Z",
	"20260101T000000Z",
	"2026-1-01T00:00:00Z",
	"abcd-ef-ghTij:kl:mnZ",
	"-026-01-01T00:00:00Z",
};

static void
test_bad(void)
{
	char name[80], detail[80];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t ms = 42;
		enum sl_status r = timefmt_parse(bad[i], &ms);

		snprintf(name, sizeof(name), "refuse_\"%s\"", bad[i]);
		snprintf(detail, sizeof(detail), "accepted as %lld",
		    (long long)ms);
		check(name, r == SL_INVALID, detail);
	}
}

/* Format then parse gives the same instant, over a wide random range. */
static void
test_round_trip(void)
{
	char buf[TIMEFMT_LEN], detail[128];
	int bad_n = 0;

	srand(1);
	detail[0] = '\0';
	for (int i = 0; i < 200000 && !bad_n; i++) {
		/* About -300 to +8000 years around the epoch, in ms. */
		int64_t ms = ((int64_t)rand() << 20 ^ rand()) %
		    250000000000000LL - 10000000000000LL, back = 0;

		timefmt_rfc3339(ms, buf);
		if (timefmt_parse(buf, &back) != SL_OK || back != ms) {
			bad_n = 1;
			snprintf(detail, sizeof(detail), "%lld -> %s -> %lld",
			    (long long)ms, buf, (long long)back);
		}
	}
	check("round_trip_random", !bad_n, detail);
}

static void
test_clocks(void)
{
	int64_t now = timefmt_now_ms(), m1 = timefmt_mono_ms(), m2;

	/* After 2025-01-01 and before 2100: a real clock in ms. */
	check("now_ms_plausible", now > 1735689600000LL &&
	    now < 4102444800000LL, "clock not in milliseconds");
	m2 = timefmt_mono_ms();
	check("mono_ms_monotonic", m2 >= m1, "went backwards");
}

int
main(void)
{
	test_format();
	test_parse();
	test_bad();
	test_round_trip();
	test_clocks();
	return check_status();
}
