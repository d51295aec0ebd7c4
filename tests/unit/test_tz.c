/*
 * test_tz.c: time zones from TZif files (lib/tz.c). Checks UTC offsets
 * at and around known transitions (from the files' own tables and, after
 * 2037, from their POSIX TZ footers), local-time fields, refused names,
 * hand-made TZif files (version 1, footer-only version 2 "slim" files
 * with unusual rules), and, when zic is installed, that "slim" builds of
 * the system tzdata agree with the installed "fat" files every half hour
 * from 1970 to 2060. One line per case; exit 1 on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "timefmt.h"
#include "tz.h"

static int64_t
secs(const char *rfc3339)
{
	int64_t ms = 0;

	if (timefmt_parse(rfc3339, &ms) != SL_OK) {
		fprintf(stderr, "bad test time %s\n", rfc3339);
		exit(2);
	}
	return ms / 1000;
}

static const struct {
	const char	*zone;
	const char	*at;
	long		 off;
} offsets[] = {
	{ "UTC", "2026-03-29T01:00:00Z", 0 },
	{ "Etc/UTC", "1950-01-01T00:00:00Z", 0 },
	{ "Europe/Amsterdam", "2026-01-15T12:00:00Z", 3600 },
	{ "Europe/Amsterdam", "2026-07-01T12:00:00Z", 7200 },
	{ "Europe/Amsterdam", "2026-03-29T00:59:59Z", 3600 },
	{ "Europe/Amsterdam", "2026-03-29T01:00:00Z", 7200 },
	{ "Europe/Amsterdam", "2026-10-25T00:59:59Z", 7200 },
	{ "Europe/Amsterdam", "2026-10-25T01:00:00Z", 3600 },
	{ "Europe/Amsterdam", "2027-03-28T01:00:00Z", 7200 },
	{ "Europe/Amsterdam", "2027-10-31T01:00:00Z", 3600 },
	{ "Europe/Amsterdam", "1900-01-01T00:00:00Z", 1172 },
	/* Past 2037: the footer "CET-1CEST,M3.5.0,M10.5.0/3". */
	{ "Europe/Amsterdam", "2040-03-25T00:59:59Z", 3600 },
	{ "Europe/Amsterdam", "2040-03-25T01:00:00Z", 7200 },
	{ "Europe/Amsterdam", "2040-10-28T00:59:59Z", 7200 },
	{ "Europe/Amsterdam", "2040-10-28T01:00:00Z", 3600 },
	{ "Europe/Amsterdam", "2100-07-01T00:00:00Z", 7200 },
	{ "America/New_York", "1800-01-01T00:00:00Z", -17762 },
	{ "America/New_York", "2026-03-08T06:59:59Z", -18000 },
	{ "America/New_York", "2026-03-08T07:00:00Z", -14400 },
	{ "America/New_York", "2026-11-01T05:59:59Z", -14400 },
	{ "America/New_York", "2026-11-01T06:00:00Z", -18000 },
	{ "America/New_York", "2027-03-14T07:00:00Z", -14400 },
	{ "America/New_York", "2027-11-07T06:00:00Z", -18000 },
	{ "America/New_York", "2050-03-13T06:59:59Z", -18000 },
	{ "America/New_York", "2050-03-13T07:00:00Z", -14400 },
	/* Southern hemisphere: DST spans the new year. */
	{ "Australia/Sydney", "2026-01-15T00:00:00Z", 39600 },
	{ "Australia/Sydney", "2026-07-15T00:00:00Z", 36000 },
	{ "Australia/Sydney", "2045-04-01T15:59:59Z", 39600 },
	{ "Australia/Sydney", "2045-04-01T16:00:00Z", 36000 },
	{ "Australia/Sydney", "2045-09-30T15:59:59Z", 36000 },
	{ "Australia/Sydney", "2045-09-30T16:00:00Z", 39600 },
	/* Negative DST: winter is the "daylight" time. */
	{ "Europe/Dublin", "2026-01-15T00:00:00Z", 0 },
	{ "Europe/Dublin", "2026-07-15T00:00:00Z", 3600 },
	{ "Europe/Dublin", "2040-03-25T00:59:59Z", 0 },
	{ "Europe/Dublin", "2040-03-25T01:00:00Z", 3600 },
	{ "Europe/Dublin", "2040-10-28T00:59:59Z", 3600 },
	{ "Europe/Dublin", "2040-10-28T01:00:00Z", 0 },
	/* Transitions at negative local hours ("M3.5.0/-1"). */
	{ "America/Nuuk", "2030-03-31T00:59:59Z", -7200 },
	{ "America/Nuuk", "2030-03-31T01:00:00Z", -3600 },
	{ "America/Nuuk", "2030-10-27T00:59:59Z", -3600 },
	{ "America/Nuuk", "2030-10-27T01:00:00Z", -7200 },
	/* Odd offsets and a skipped day. */
	{ "Asia/Kathmandu", "2026-01-15T00:00:00Z", 20700 },
	{ "America/St_Johns", "2026-01-15T00:00:00Z", -12600 },
	{ "Asia/Tehran", "2026-07-01T00:00:00Z", 12600 },
	{ "Pacific/Apia", "2011-12-30T09:59:59Z", -36000 },
	{ "Pacific/Apia", "2011-12-30T10:00:00Z", 50400 },
};

static void
test_offsets(void)
{
	char why[256], name[128], detail[256];

	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		struct tz *tz = tz_load(offsets[i].zone, why, sizeof(why));
		long got;

		snprintf(name, sizeof(name), "offset_%s_%s", offsets[i].zone,
		    offsets[i].at);
		if (tz == NULL) {
			check(name, 0, why);
			continue;
		}
		got = tz_offset_at(tz, secs(offsets[i].at));
		snprintf(detail, sizeof(detail), "got %ld, want %ld", got,
		    offsets[i].off);
		check(name, got == offsets[i].off, detail);
		tz_free(tz);
	}
}

static void
test_localtime(void)
{
	char why[256], detail[256];
	struct tz *tz = tz_load("Europe/Amsterdam", why, sizeof(why));
	struct tm tm;

	if (tz == NULL) {
		check("localtime_load", 0, why);
		return;
	}
	check("tz_name", strcmp(tz_name(tz), "Europe/Amsterdam") == 0,
	    tz_name(tz));
	/* The two 02:30s of 2026-10-25. */
	tz_localtime(tz, secs("2026-10-25T00:30:00Z"), &tm);
	snprintf(detail, sizeof(detail), "%d-%d-%d %d:%d:%d wday %d yday %d "
	    "dst %d off %ld %s", tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, tm.tm_wday, tm.tm_yday, tm.tm_isdst,
	    tm.tm_gmtoff, tm.tm_zone);
	check("localtime_first_0230", tm.tm_year == 126 && tm.tm_mon == 9 &&
	    tm.tm_mday == 25 && tm.tm_hour == 2 && tm.tm_min == 30 &&
	    tm.tm_sec == 0 && tm.tm_wday == 0 && tm.tm_yday == 297 &&
	    tm.tm_isdst == 1 && tm.tm_gmtoff == 7200 &&
	    strcmp(tm.tm_zone, "CEST") == 0, detail);
	tz_localtime(tz, secs("2026-10-25T01:30:59Z"), &tm);
	snprintf(detail, sizeof(detail), "%d:%d:%d dst %d off %ld %s",
	    tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_isdst, tm.tm_gmtoff,
	    tm.tm_zone);
	check("localtime_second_0230", tm.tm_hour == 2 && tm.tm_min == 30 &&
	    tm.tm_sec == 59 && tm.tm_isdst == 0 && tm.tm_gmtoff == 3600 &&
	    strcmp(tm.tm_zone, "CET") == 0, detail);
	/* New year's eve crossing a year boundary in local time. */
	tz_localtime(tz, secs("2026-12-31T23:00:00Z"), &tm);
	snprintf(detail, sizeof(detail), "%d-%d-%d %d wday %d yday %d",
	    tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_wday,
	    tm.tm_yday);
	check("localtime_new_year", tm.tm_year == 127 && tm.tm_mon == 0 &&
	    tm.tm_mday == 1 && tm.tm_hour == 0 && tm.tm_wday == 5 &&
	    tm.tm_yday == 0, detail);
	/* Far outside the calendar: clamped, no overflow. */
	tz_localtime(tz, INT64_MAX, &tm);
	check("localtime_int64_max", tm.tm_year > 270000 &&
	    tz_offset_at(tz, INT64_MAX) == 3600 &&
	    tz_offset_at(tz, INT64_MIN) == 1172, "wrong");
	/* Before the epoch. */
	tz_localtime(tz, secs("1969-12-31T23:59:59Z"), &tm);
	snprintf(detail, sizeof(detail), "%d-%d-%d %d:%d:%d wday %d",
	    tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, tm.tm_wday);
	check("localtime_before_epoch", tm.tm_year == 70 && tm.tm_mon == 0 &&
	    tm.tm_mday == 1 && tm.tm_hour == 0 && tm.tm_min == 59 &&
	    tm.tm_sec == 59 && tm.tm_wday == 4, detail);
	tz_free(tz);
}

static const struct {
	const char	*name;
	const char	*zone;
	const char	*msg;
} refusals[] = {
	{ "refuse_dotdot", "../../etc/passwd", "invalid time zone name" },
	{ "refuse_inner_dotdot", "Europe/../../etc/passwd",
	    "invalid time zone name" },
	{ "refuse_absolute", "/etc/localtime", "invalid time zone name" },
	{ "refuse_empty", "", "invalid time zone name" },
	{ "refuse_semicolon", "Europe/Amsterdam;id", "invalid time zone name" },
	{ "refuse_space", "Europe/ Amsterdam", "invalid time zone name" },
	{ "refuse_dot", "zone.tab", "invalid time zone name" },
	{ "refuse_trailing_slash", "Europe/", "invalid time zone name" },
	{ "refuse_right", "right/UTC", "invalid time zone name" },
	{ "refuse_unknown", "Europe/Amsterdm", "unknown time zone "
	    "\"Europe/Amsterdm\"" },
	{ "refuse_directory", "Europe", "unknown time zone" },
	{ "refuse_not_tzif", "leapseconds", "not a valid TZif file" },
};

static void
test_refusals(void)
{
	char why[256], detail[300];

	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		struct tz *tz;

		why[0] = '\0';
		tz = tz_load(refusals[i].zone, why, sizeof(why));
		snprintf(detail, sizeof(detail), "%s", tz ? "loaded" : why);
		/* leapseconds may be absent; then "unknown" is right too. */
		check(refusals[i].name, tz == NULL && (strstr(why,
		    refusals[i].msg) != NULL || (i == sizeof(refusals) /
		    sizeof(refusals[0]) - 1 && strstr(why, "unknown"))),
		    detail);
		tz_free(tz);
	}
	check("refuse_null", tz_load(NULL, why, sizeof(why)) == NULL, why);
}

/* --- hand-made TZif files --------------------------------------------- */

struct buf {
	unsigned char	 b[4096];
	size_t		 n;
};

static void
put(struct buf *b, const void *p, size_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void
put32(struct buf *b, int64_t v)
{
	unsigned char x[4] = { (unsigned char)(v >> 24),
	    (unsigned char)(v >> 16), (unsigned char)(v >> 8),
	    (unsigned char)v };

	put(b, x, 4);
}

static void
put64(struct buf *b, int64_t v)
{
	put32(b, (int64_t)((uint64_t)v >> 32));
	put32(b, v & 0xffffffff);
}

static void
header(struct buf *b, char version, uint32_t timecnt, uint32_t typecnt,
    uint32_t charcnt)
{
	static const unsigned char zero[15];

	put(b, "TZif", 4);
	put(b, &version, 1);
	put(b, zero, 15);
	put32(b, 0);		/* isutcnt */
	put32(b, 0);		/* isstdcnt */
	put32(b, 0);		/* leapcnt */
	put32(b, timecnt);
	put32(b, typecnt);
	put32(b, charcnt);
}

/* One type per offset, named by abbrs ("A\0B\0"), given as offs. */
static void
types(struct buf *b, const int32_t *offs, const int *dst, int n)
{
	for (int i = 0; i < n; i++) {
		unsigned char x[2] = { (unsigned char)dst[i],
		    (unsigned char)(i * 4) };

		put32(b, offs[i]);
		put(b, x, 2);
	}
}

/* Writes a version-2 file with no transitions, only a footer. */
static int
write_slim(const char *path, const char *footer)
{
	struct buf b = { .n = 0 };
	int32_t off = 0;
	int dst = 0;
	FILE *f;

	header(&b, '2', 0, 1, 4);
	types(&b, &off, &dst, 1);
	put(&b, "XXX", 4);
	header(&b, '2', 0, 1, 4);
	types(&b, &off, &dst, 1);
	put(&b, "XXX", 4);
	put(&b, "\n", 1);
	put(&b, footer, strlen(footer));
	put(&b, "\n", 1);
	if ((f = fopen(path, "we")) == NULL)
		return -1;
	fwrite(b.b, 1, b.n, f);
	fclose(f);
	return 0;
}

static const struct {
	const char	*footer;
	const char	*at;
	long		 off;
} footers[] = {
	{ "CET-1CEST,M3.5.0,M10.5.0/3", "2026-03-29T00:59:59Z", 3600 },
	{ "CET-1CEST,M3.5.0,M10.5.0/3", "2026-03-29T01:00:00Z", 7200 },
	{ "CET-1CEST,M3.5.0,M10.5.0/3", "2026-10-25T00:59:59Z", 7200 },
	{ "CET-1CEST,M3.5.0,M10.5.0/3", "2026-10-25T01:00:00Z", 3600 },
	{ "EST5EDT,M3.2.0,M11.1.0", "2027-03-14T06:59:59Z", -18000 },
	{ "EST5EDT,M3.2.0,M11.1.0", "2027-03-14T07:00:00Z", -14400 },
	/* No rule given: the POSIX default, the US rules. */
	{ "EST5EDT", "2027-11-07T05:59:59Z", -14400 },
	{ "EST5EDT", "2027-11-07T06:00:00Z", -18000 },
	{ "<+0330>-3:30", "2026-07-01T00:00:00Z", 12600 },
	{ "<-03>3", "2026-07-01T00:00:00Z", -10800 },
	/* Jn counts 1..365 without February 29; n counts 0..365 with it. */
	{ "AAA-1BBB,J60/0,J300/0", "2028-02-29T12:00:00Z", 3600 },
	{ "AAA-1BBB,J60/0,J300/0", "2028-03-01T00:00:00Z", 7200 },
	{ "AAA-1BBB,59/0,300/0", "2028-02-28T22:59:59Z", 3600 },
	{ "AAA-1BBB,59/0,300/0", "2028-02-28T23:00:00Z", 7200 },
	/* Explicit DST offset and times with minutes. */
	{ "XST-10XDT-10:30,M10.1.0,M4.1.0", "2026-01-01T00:00:00Z", 37800 },
	{ "XST-10XDT-10:30,M10.1.0,M4.1.0", "2026-07-01T00:00:00Z", 36000 },
	/* DST all year (v3 extension). */
	{ "EST5EDT4,0/0,J365/25", "2026-07-01T00:00:00Z", -14400 },
	{ "EST5EDT4,0/0,J365/25", "2026-12-31T23:00:00Z", -14400 },
	{ "EST5EDT4,0/0,J365/25", "2027-01-01T12:00:00Z", -14400 },
};

static void
test_footers(void)
{
	char dir[] = "/tmp/sluice-tz.XXXXXX", path[64], why[256], name[160];
	char detail[256];

	if (mkdtemp(dir) == NULL) {
		check("footer_tmpdir", 0, "mkdtemp failed");
		return;
	}
	snprintf(path, sizeof(path), "%s/zone", dir);
	for (size_t i = 0; i < sizeof(footers) / sizeof(footers[0]); i++) {
		struct tz *tz;
		long got;

		snprintf(name, sizeof(name), "footer_%s_%s", footers[i].footer,
		    footers[i].at);
		if (write_slim(path, footers[i].footer) == -1 ||
		    (tz = tz_load_file(path, "zone", why, sizeof(why))) ==
		    NULL) {
			check(name, 0, why);
			continue;
		}
		got = tz_offset_at(tz, secs(footers[i].at));
		snprintf(detail, sizeof(detail), "got %ld, want %ld", got,
		    footers[i].off);
		check(name, got == footers[i].off, detail);
		tz_free(tz);
	}
	/* Malformed footers make the file invalid. */
	const char *bad[] = { "CET", "CET-1CEST,M3.5.0", "CET-1CEST,M13.5.0,"
	    "M10.5.0", "CET-1CEST,M3.6.0,M10.5.0", "CE-1", "<CET-1",
	    "CET-1CEST,J0,J100", "CET-1CEST,M3.5.0,M10.5.0/3x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tz *tz;

		snprintf(name, sizeof(name), "footer_refused_%s", bad[i]);
		write_slim(path, bad[i]);
		tz = tz_load_file(path, "zone", why, sizeof(why));
		check(name, tz == NULL && strstr(why, "not a valid TZif"),
		    tz ? "loaded" : why);
		tz_free(tz);
	}
	unlink(path);
	rmdir(dir);
}

/* A version-1 file: 32-bit times, no footer. */
static void
test_version1(void)
{
	char dir[] = "/tmp/sluice-tz.XXXXXX", path[64], why[256];
	struct buf b = { .n = 0 };
	int32_t offs[2] = { 3600, 7200 };
	int dst[2] = { 0, 1 };
	unsigned char idx[2] = { 1, 0 };
	struct tz *tz;
	FILE *f;

	if (mkdtemp(dir) == NULL) {
		check("tzif_v1_tmpdir", 0, "mkdtemp failed");
		return;
	}
	snprintf(path, sizeof(path), "%s/v1", dir);
	header(&b, '\0', 2, 2, 8);
	put32(&b, 1000000);
	put32(&b, 2000000);
	put(&b, idx, 2);
	types(&b, offs, dst, 2);
	put(&b, "AAA\0BBB", 8);
	f = fopen(path, "we");
	fwrite(b.b, 1, b.n, f);
	fclose(f);
	tz = tz_load_file(path, "v1", why, sizeof(why));
	check("tzif_v1", tz != NULL && tz_offset_at(tz, 0) == 3600 &&
	    tz_offset_at(tz, 999999) == 3600 &&
	    tz_offset_at(tz, 1000000) == 7200 &&
	    tz_offset_at(tz, 1999999) == 7200 &&
	    tz_offset_at(tz, 2000000) == 3600 &&
	    tz_offset_at(tz, 4000000000LL) == 3600, tz ? "wrong offset" : why);
	tz_free(tz);
	/* Truncated: refused, not read past the end. */
	f = fopen(path, "we");
	fwrite(b.b, 1, b.n - 5, f);
	fclose(f);
	tz = tz_load_file(path, "v1", why, sizeof(why));
	check("tzif_truncated", tz == NULL, "loaded");
	tz_free(tz);
	/* A version-2 file whose 32-bit block claims more than the file
	 * holds (found by fuzz_tzif): refused, not read past the end. */
	b.n = 0;
	header(&b, '2', 0, 1, 0);
	memcpy(b.b + 28, "\0\0\5\0", 4);
	put(&b, "\377\377\377\350\373\26\377", 8);
	f = fopen(path, "we");
	fwrite(b.b, 1, b.n, f);
	fclose(f);
	tz = tz_load_file(path, "v2", why, sizeof(why));
	check("tzif_v1_block_past_end", tz == NULL, "loaded");
	tz_free(tz);
	unlink(path);
	rmdir(dir);
}

/*
 * A version-2 file whose 64-bit section has transitions past 2038 (the
 * 32-bit section is empty, as zic writes it for such times), then a
 * footer that governs after the last transition.
 */
static void
test_version2_64bit(void)
{
	char dir[] = "/tmp/sluice-tz.XXXXXX", path[64], why[256];
	struct buf b = { .n = 0 };
	int32_t offs[2] = { -3600, 7200 };
	int dst[2] = { 0, 1 };
	unsigned char idx[2] = { 1, 0 };
	const char *footer = "\nAAA1\n";
	struct tz *tz;
	FILE *f;

	if (mkdtemp(dir) == NULL) {
		check("tzif_v2_tmpdir", 0, "mkdtemp failed");
		return;
	}
	snprintf(path, sizeof(path), "%s/v2", dir);
	header(&b, '2', 0, 1, 4);
	types(&b, offs, dst, 1);
	put(&b, "AAA", 4);
	header(&b, '2', 2, 2, 8);
	put64(&b, 5000000000LL);
	put64(&b, 6000000000LL);
	put(&b, idx, 2);
	types(&b, offs, dst, 2);
	put(&b, "AAA\0BBB", 8);
	put(&b, footer, strlen(footer));
	f = fopen(path, "we");
	fwrite(b.b, 1, b.n, f);
	fclose(f);
	tz = tz_load_file(path, "v2", why, sizeof(why));
	check("tzif_v2_64bit", tz != NULL && tz_offset_at(tz, 0) == -3600 &&
	    tz_offset_at(tz, 4999999999LL) == -3600 &&
	    tz_offset_at(tz, 5000000000LL) == 7200 &&
	    tz_offset_at(tz, 5999999999LL) == 7200 &&
	    tz_offset_at(tz, 6000000000LL) == -3600 &&
	    tz_offset_at(tz, 9000000000LL) == -3600, tz ? "wrong offset" :
	    why);
	tz_free(tz);
	unlink(path);
	rmdir(dir);
}

/*
 * Builds slim files from the system's tzdata.zi with zic and compares
 * them with the installed (fat) files: they differ only in whether the
 * years after the last listed rule change come from the table or from
 * the footer, so this checks the footer evaluation widely.
 */
static void
test_slim_vs_fat(void)
{
	static const char *const zones[] = { "Europe/Amsterdam",
	    "America/New_York", "Australia/Sydney", "Europe/Dublin",
	    "America/Nuuk", "Australia/Lord_Howe", "America/Santiago",
	    "Pacific/Chatham", "Asia/Tehran", "America/St_Johns",
	    "Africa/Casablanca", "Asia/Jerusalem" };
	char dir[] = "/tmp/sluice-zic.XXXXXX", cmd[256], path[128];
	char why[256], name[128], detail[256];

	if (access("/usr/sbin/zic", X_OK) != 0 ||
	    access("/usr/share/zoneinfo/tzdata.zi", R_OK) != 0) {
		check_skip("slim_vs_fat", "no zic or tzdata.zi");
		return;
	}
	if (mkdtemp(dir) == NULL) {
		check("slim_vs_fat_tmpdir", 0, "mkdtemp failed");
		return;
	}
	snprintf(cmd, sizeof(cmd), "/usr/sbin/zic -b slim -d %s "
	    "/usr/share/zoneinfo/tzdata.zi 2>/dev/null", dir);
	if (system(cmd) != 0) {
		check("slim_vs_fat_zic", 0, "zic failed");
		goto out;
	}
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		struct tz *fat = tz_load(zones[i], why, sizeof(why)), *slim;
		int64_t t, bad = 0;

		snprintf(name, sizeof(name), "slim_vs_fat_%s", zones[i]);
		snprintf(path, sizeof(path), "%s/%s", dir, zones[i]);
		slim = tz_load_file(path, zones[i], why, sizeof(why));
		if (fat == NULL || slim == NULL) {
			check(name, 0, why);
			tz_free(fat);
			tz_free(slim);
			continue;
		}
		for (t = 0; t < 2871763200LL && bad == 0; t += 1800)
			if (tz_offset_at(fat, t) != tz_offset_at(slim, t))
				bad = t;
		snprintf(detail, sizeof(detail), "differ at %lld: fat %ld slim "
		    "%ld", (long long)bad, tz_offset_at(fat, bad),
		    tz_offset_at(slim, bad));
		check(name, bad == 0, detail);
		tz_free(fat);
		tz_free(slim);
	}
out:
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

int
main(void)
{
	test_offsets();
	test_localtime();
	test_refusals();
	test_footers();
	test_version1();
	test_version2_64bit();
	test_slim_vs_fat();
	return check_status();
}
