/*
 * tz.c: IANA time zones without the C library's TZ machinery. A zone is
 * read once from its TZif file under /usr/share/zoneinfo (the 64-bit
 * section of version 2+ files, the 32-bit one of version 1 files) into an
 * immutable struct tz, so any number of threads may share it. Times after
 * the last transition in the file follow the POSIX TZ string in its footer
 * ("CET-1CEST,M3.5.0,M10.5.0/3"), which matters because "slim" tzdata
 * files list no transitions past the present. Leap-second records are
 * ignored ("right/" zones are refused). This file never calls setenv,
 * tzset or localtime.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "civil.h"
#include "tz.h"
#include "xalloc.h"

#define TZ_DIR		"/usr/share/zoneinfo"
#define TZ_NAME_MAX	128
#define TZ_FILE_MAX	(512 * 1024)
#define TZ_ABBR_MAX	16
#define TZ_SECS_MAX	((int64_t)1 << 43)

struct tz_type {
	int32_t		 off;		/* seconds east of UTC */
	int		 isdst;
	char		 abbr[TZ_ABBR_MAX];
};

/* The date part of a POSIX TZ rule: Jn, n or Mm.w.d. */
struct tz_date {
	char		 kind;		/* 'J', 'n' or 'M' */
	int		 day;		/* Jn and n: the day; M: weekday */
	int		 week;		/* M only, 1..5 (5 = last) */
	int		 month;		/* M only, 1..12 */
	long		 secs;		/* local time of day, may exceed 24h */
};

struct tz_rule {
	struct tz_type	 std;
	struct tz_type	 dst;
	int		 has_dst;
	struct tz_date	 start;		/* in standard time */
	struct tz_date	 end;		/* in daylight time */
};

struct tz {
	char		 name[TZ_NAME_MAX];
	int64_t		*trans;		/* transition instants, ascending */
	unsigned char	*idx;		/* type in effect from trans[i] */
	size_t		 ntrans;
	struct tz_type	*types;
	size_t		 ntypes;
	struct tz_rule	 rule;
	int		 has_rule;
};

/* --- POSIX TZ strings ------------------------------------------------ */

static int
parse_abbr(const char **pp, char *out)
{
	const char *p = *pp;
	size_t n = 0;

	if (*p == '<') {
		p++;
		while (*p != '>' && *p != '\0') {
			if (n + 1 >= TZ_ABBR_MAX)
				return -1;
			out[n++] = *p++;
		}
		if (*p != '>')
			return -1;
		p++;
	} else {
		while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
			if (n + 1 >= TZ_ABBR_MAX)
				return -1;
			out[n++] = *p++;
		}
	}
	if (n < 3)
		return -1;
	out[n] = '\0';
	*pp = p;
	return 0;
}

static int
parse_num(const char **pp, int min, int max, int *out)
{
	const char *p = *pp;
	int v = 0;

	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p++ - '0');
		if (v > max)
			return -1;
	}
	if (v < min)
		return -1;
	*out = v;
	*pp = p;
	return 0;
}

/* [+-]hh[:mm[:ss]] with hours up to maxh, into seconds. */
static int
parse_hms(const char **pp, int maxh, long *out)
{
	const char *p = *pp;
	int sign = 1, h, m = 0, s = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (parse_num(&p, 0, maxh, &h) == -1)
		return -1;
	if (*p == ':') {
		p++;
		if (parse_num(&p, 0, 59, &m) == -1)
			return -1;
		if (*p == ':') {
			p++;
			if (parse_num(&p, 0, 59, &s) == -1)
				return -1;
		}
	}
	*out = sign * ((long)h * 3600 + m * 60 + s);
	*pp = p;
	return 0;
}

static int
parse_date(const char **pp, struct tz_date *d)
{
	const char *p = *pp;

	memset(d, 0, sizeof(*d));
	d->secs = 7200;
	if (*p == 'J') {
		p++;
		d->kind = 'J';
		if (parse_num(&p, 1, 365, &d->day) == -1)
			return -1;
	} else if (*p == 'M') {
		p++;
		d->kind = 'M';
		if (parse_num(&p, 1, 12, &d->month) == -1 || *p++ != '.' ||
		    parse_num(&p, 1, 5, &d->week) == -1 || *p++ != '.' ||
		    parse_num(&p, 0, 6, &d->day) == -1)
			return -1;
	} else {
		d->kind = 'n';
		if (parse_num(&p, 0, 365, &d->day) == -1)
			return -1;
	}
	if (*p == '/') {
		p++;
		/* RFC 8536 allows -167..167 hours here. */
		if (parse_hms(&p, 167, &d->secs) == -1)
			return -1;
	}
	*pp = p;
	return 0;
}

/*
 * Parses a POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3" or
 * "<+0330>-3:30". Returns 0, or -1 when it is malformed. POSIX offsets
 * count west of Greenwich; they are stored as seconds east.
 */
static int
parse_posix(const char *s, struct tz_rule *r)
{
	const char *p = s;
	long off;

	memset(r, 0, sizeof(*r));
	if (parse_abbr(&p, r->std.abbr) == -1 || parse_hms(&p, 24, &off) == -1)
		return -1;
	r->std.off = (int32_t)-off;
	if (*p == '\0')
		return 0;
	if (parse_abbr(&p, r->dst.abbr) == -1)
		return -1;
	r->has_dst = 1;
	r->dst.isdst = 1;
	r->dst.off = r->std.off + 3600;
	if (*p != ',' && *p != '\0') {
		if (parse_hms(&p, 24, &off) == -1)
			return -1;
		r->dst.off = (int32_t)-off;
	}
	if (*p == '\0') {
		/* The POSIX default: US rules since 2007. */
		p = ",M3.2.0,M11.1.0";
	}
	if (*p++ != ',' || parse_date(&p, &r->start) == -1 || *p++ != ',' ||
	    parse_date(&p, &r->end) == -1 || *p != '\0')
		return -1;
	return 0;
}

/* Local midnight of a rule date in year y, as days since the epoch. */
static int64_t
rule_day(const struct tz_date *d, int64_t y)
{
	int64_t first;
	int wd, md;

	switch (d->kind) {
	case 'J':
		/* 1..365, February 29 never counted. */
		return civil_days_from_date(y, 1, 1) + d->day - 1 +
		    (civil_is_leap(y) && d->day >= 60);
	case 'n':
		return civil_days_from_date(y, 1, 1) + d->day;
	default:
		first = civil_days_from_date(y, d->month, 1);
		/* 1970-01-01 was a Thursday (4). */
		wd = (int)((first % 7 + 11) % 7);
		md = (d->day - wd + 7) % 7 + 1 + (d->week - 1) * 7;
		while (md > civil_month_days(y, d->month))
			md -= 7;
		return first + md - 1;
	}
}

static const struct tz_type *
rule_type(const struct tz_rule *r, int64_t t)
{
	int64_t y, start, end;
	int m, d;

	if (!r->has_dst)
		return &r->std;
	civil_date_from_days(civil_floor_div(t + r->std.off, 86400), &y, &m, &d);
	start = rule_day(&r->start, y) * 86400 + r->start.secs - r->std.off;
	end = rule_day(&r->end, y) * 86400 + r->end.secs - r->dst.off;
	if (start < end)
		return t >= start && t < end ? &r->dst : &r->std;
	return t >= end && t < start ? &r->std : &r->dst;
}

/* --- TZif files ------------------------------------------------------ */

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_counts {
	uint32_t isut, isstd, leap, time, type, chars;
};

static int
read_counts(const unsigned char *p, size_t len, struct tzif_counts *c)
{
	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return -1;
	c->isut = be32(p + 20);
	c->isstd = be32(p + 24);
	c->leap = be32(p + 28);
	c->time = be32(p + 32);
	c->type = be32(p + 36);
	c->chars = be32(p + 40);
	if (c->type == 0 || c->type > 256 || c->chars > 4096 ||
	    c->time > 100000 || c->leap > 10000 || c->isut > 256 ||
	    c->isstd > 256)
		return -1;
	return 0;
}

static size_t
block_size(const struct tzif_counts *c, size_t tsz)
{
	return c->time * tsz + c->time + c->type * 6 + c->chars +
	    c->leap * (tsz + 4) + c->isstd + c->isut;
}

/* Fills tz from one data block whose times are tsz (4 or 8) bytes. */
static int
read_block(struct tz *tz, const unsigned char *p, const struct tzif_counts *c,
    size_t tsz)
{
	const unsigned char *idx = p + c->time * tsz;
	const unsigned char *types = idx + c->time;
	const char *chars = (const char *)(types + c->type * 6);
	size_t i;

	tz->ntrans = c->time;
	tz->trans = xcalloc(c->time + 1, sizeof(*tz->trans));
	tz->idx = xcalloc(c->time + 1, 1);
	for (i = 0; i < c->time; i++) {
		tz->trans[i] = tsz == 8 ? be64(p + i * 8) :
		    (int32_t)be32(p + i * 4);
		if (i > 0 && tz->trans[i] <= tz->trans[i - 1])
			return -1;
		if (idx[i] >= c->type)
			return -1;
		tz->idx[i] = idx[i];
	}
	tz->ntypes = c->type;
	tz->types = xcalloc(c->type, sizeof(*tz->types));
	for (i = 0; i < c->type; i++) {
		const unsigned char *t = types + i * 6;
		unsigned ai = t[5];
		size_t n;

		tz->types[i].off = (int32_t)be32(t);
		tz->types[i].isdst = t[4] != 0;
		if (tz->types[i].off < -26 * 3600 ||
		    tz->types[i].off > 26 * 3600 || ai >= c->chars)
			return -1;
		n = strnlen(chars + ai, c->chars - ai);
		if (n >= TZ_ABBR_MAX)
			n = TZ_ABBR_MAX - 1;
		memcpy(tz->types[i].abbr, chars + ai, n);
		tz->types[i].abbr[n] = '\0';
	}
	return 0;
}

static int
parse_tzif(struct tz *tz, const unsigned char *buf, size_t len, char *why,
    size_t whysz)
{
	struct tzif_counts c;
	size_t off, sz;
	const unsigned char *foot, *nl;
	char footer[256];

	if (read_counts(buf, len, &c) == -1)
		goto bad;
	sz = block_size(&c, 4);
	if (buf[4] == '\0') {
		/* Version 1: 32-bit data only, no footer. */
		if (44 + sz > len || read_block(tz, buf + 44, &c, 4) == -1)
			goto bad;
		return 0;
	}
	off = 44 + sz;
	if (off > len || read_counts(buf + off, len - off, &c) == -1)
		goto bad;
	sz = block_size(&c, 8);
	if (off + 44 + sz > len || read_block(tz, buf + off + 44, &c, 8) == -1)
		goto bad;
	foot = buf + off + 44 + sz;
	if (foot < buf + len && *foot == '\n') {
		foot++;
		nl = memchr(foot, '\n', (size_t)(buf + len - foot));
		if (nl == NULL || (size_t)(nl - foot) >= sizeof(footer))
			goto bad;
		memcpy(footer, foot, (size_t)(nl - foot));
		footer[nl - foot] = '\0';
		if (footer[0] != '\0') {
			if (parse_posix(footer, &tz->rule) == -1)
				goto bad;
			tz->has_rule = 1;
		}
	}
	return 0;
bad:
	snprintf(why, whysz, "%s: not a valid TZif file", tz->name);
	return -1;
}

static int
name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= TZ_NAME_MAX || name[0] == '/' ||
	    name[n - 1] == '/' || strstr(name, "..") != NULL ||
	    strstr(name, "//") != NULL || strncmp(name, "right/", 6) == 0)
		return 0;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_+-/") == n;
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	unsigned char *buf;
	struct stat st;
	size_t n, cap = TZ_FILE_MAX;

	if (f == NULL)
		return NULL;
	/* Regular files are read in one allocation of their size. */
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size < TZ_FILE_MAX)
		cap = (size_t)st.st_size + 1;
	buf = xmalloc(cap);
	n = fread(buf, 1, cap, f);
	if (ferror(f) || n == cap) {
		if (!ferror(f))
			errno = EFBIG;
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static struct tz *
tz_new(const char *name)
{
	struct tz *tz = xcalloc(1, sizeof(*tz));

	snprintf(tz->name, sizeof(tz->name), "%s", name);
	return tz;
}

static struct tz *
tz_utc(const char *name)
{
	struct tz *tz = tz_new(name);

	tz->ntypes = 1;
	tz->types = xcalloc(1, sizeof(*tz->types));
	snprintf(tz->types[0].abbr, TZ_ABBR_MAX, "UTC");
	return tz;
}

/*
 * Loads a zone from the TZif file at path; name is used in messages and
 * returned by tz_name. Returns a zone the caller frees with tz_free, or
 * NULL with why. Meant for tests and for zones outside TZ_DIR.
 */
struct tz *
tz_load_file(const char *path, const char *name, char *why, size_t whysz)
{
	struct tz *tz = NULL;
	unsigned char *buf;
	size_t len = 0;

	if ((buf = slurp(path, &len)) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR)
			snprintf(why, whysz, "unknown time zone \"%s\"", name);
		else
			snprintf(why, whysz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	tz = tz_new(name);
	if (parse_tzif(tz, buf, len, why, whysz) == -1) {
		tz_free(tz);
		tz = NULL;
	}
	free(buf);
	return tz;
}

/*
 * Loads zone name ("Europe/Amsterdam", "UTC") from /usr/share/zoneinfo.
 * Names with "..", a leading "/" or characters outside [A-Za-z0-9_+/-]
 * are refused. "UTC" and "Etc/UTC" work even without tzdata. Returns a
 * zone the caller frees with tz_free, or NULL with why.
 */
struct tz *
tz_load(const char *name, char *why, size_t whysz)
{
	struct tz *tz;
	char path[sizeof(TZ_DIR) + TZ_NAME_MAX + 1];

	if (name == NULL || !name_valid(name)) {
		snprintf(why, whysz, "invalid time zone name \"%.64s\"",
		    name ? name : "");
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s", TZ_DIR, name);
	tz = tz_load_file(path, name, why, whysz);
	if (tz == NULL && (strcmp(name, "UTC") == 0 ||
	    strcmp(name, "Etc/UTC") == 0))
		tz = tz_utc(name);
	return tz;
}

/* Releases tz; NULL is fine. */
void
tz_free(struct tz *tz)
{
	if (tz == NULL)
		return;
	free(tz->trans);
	free(tz->idx);
	free(tz->types);
	free(tz);
}

/* Returns the name tz was loaded with, borrowed for tz's lifetime. */
const char *
tz_name(const struct tz *tz)
{
	return tz->name;
}

static const struct tz_type *
type_at(const struct tz *tz, int64_t t)
{
	size_t lo, hi;

	/* Keep date arithmetic far from overflow (about ±300,000 years). */
	if (t > TZ_SECS_MAX)
		t = TZ_SECS_MAX;
	if (t < -TZ_SECS_MAX)
		t = -TZ_SECS_MAX;

	if (tz->ntrans == 0 || t < tz->trans[0]) {
		if (tz->ntrans == 0 && tz->has_rule)
			return rule_type(&tz->rule, t);
		return &tz->types[0];
	}
	if (t >= tz->trans[tz->ntrans - 1] && tz->has_rule)
		return rule_type(&tz->rule, t);
	/* The last transition at or before t. */
	lo = 0;
	hi = tz->ntrans;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (tz->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return &tz->types[tz->idx[lo]];
}

/* Returns the UTC offset in seconds (east positive) in effect at utc_secs. */
long
tz_offset_at(const struct tz *tz, int64_t utc_secs)
{
	return type_at(tz, utc_secs)->off;
}

/*
 * Fills *tm with the local time at utc_secs, including tm_wday, tm_yday,
 * tm_isdst, tm_gmtoff and tm_zone (borrowed for tz's lifetime). Times
 * beyond about 278,000 years from 1970 are clamped.
 */
void
tz_localtime(const struct tz *tz, int64_t utc_secs, struct tm *tm)
{
	const struct tz_type *ty;
	int64_t local, days, secs, y;
	int m, d;

	if (utc_secs > TZ_SECS_MAX)
		utc_secs = TZ_SECS_MAX;
	if (utc_secs < -TZ_SECS_MAX)
		utc_secs = -TZ_SECS_MAX;
	ty = type_at(tz, utc_secs);
	local = utc_secs + ty->off;

	days = civil_floor_div(local, 86400);
	secs = local - days * 86400;
	civil_date_from_days(days, &y, &m, &d);
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = (int)(y - 1900);
	tm->tm_mon = m - 1;
	tm->tm_mday = d;
	tm->tm_hour = (int)(secs / 3600);
	tm->tm_min = (int)(secs / 60 % 60);
	tm->tm_sec = (int)(secs % 60);
	tm->tm_wday = (int)((days % 7 + 11) % 7);
	tm->tm_yday = (int)(days - civil_days_from_date(y, 1, 1));
	tm->tm_isdst = ty->isdst;
	tm->tm_gmtoff = ty->off;
	tm->tm_zone = ty->abbr;
}
