/*
 * timefmt.c: every time Sluice stores is an int64 count of milliseconds
 * since the Unix epoch, UTC. This file turns those into RFC 3339 strings
 * ("2026-11-29T19:00:47.123Z") for the API and parses them back. It never
 * touches the TZ environment variable, so it is safe in threads; local
 * time zones belong to tz.c and cron.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timefmt.h"

/* Returns wall-clock time in milliseconds since the epoch. */
int64_t
timefmt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Returns a monotonic clock in milliseconds, for measuring intervals. */
int64_t
timefmt_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Formats ms as RFC 3339 UTC with milliseconds into buf and returns buf.
 */
char *
timefmt_rfc3339(int64_t ms, char buf[TIMEFMT_LEN])
{
	time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	int frac = (int)(ms - (int64_t)secs * 1000);
	struct tm tm;
	size_t n;

	if (gmtime_r(&secs, &tm) == NULL) {
		snprintf(buf, TIMEFMT_LEN, "1970-01-01T00:00:00.000Z");
		return buf;
	}
	n = strftime(buf, TIMEFMT_LEN - 6, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, TIMEFMT_LEN - n, ".%03uZ", (unsigned)frac % 1000);
	return buf;
}

static int
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return 0;
}

static int
days_in_month(int y, int mo)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return mo == 2 && leap ? 29 : days[mo - 1];
}

static int
expect(const char **p, char c)
{
	if (**p != c && !(c == 'T' && (**p == 't' || **p == ' ')))
		return -1;
	(*p)++;
	return 0;
}

/*
 * Parses an RFC 3339 timestamp ("2026-11-29T19:00:47Z", optional fraction,
 * "Z" or "+hh:mm"/"-hh:mm" offset) into *ms. Returns SL_OK, or SL_INVALID
 * when s is not such a timestamp or names a day that does not exist (February 30).
 */
enum sl_status
timefmt_parse(const char *s, int64_t *ms)
{
	const char *p = s;
	int y, mo, d, h, mi, sec, frac = 0, oh = 0, om = 0, sign = 0;
	struct tm tm;

	if (digits(&p, 4, &y) || expect(&p, '-') || digits(&p, 2, &mo) ||
	    expect(&p, '-') || digits(&p, 2, &d) || expect(&p, 'T') ||
	    digits(&p, 2, &h) || expect(&p, ':') || digits(&p, 2, &mi) ||
	    expect(&p, ':') || digits(&p, 2, &sec))
		return SL_INVALID;
	if (*p == '.') {
		int scale = 100;

		p++;
		if (!isdigit((unsigned char)*p))
			return SL_INVALID;
		for (; isdigit((unsigned char)*p); p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		p++;
		if (digits(&p, 2, &oh) || expect(&p, ':') || digits(&p, 2, &om))
			return SL_INVALID;
	} else {
		return SL_INVALID;
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60 ||
	    oh > 23 || om > 59)
		return SL_INVALID;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*ms = ((int64_t)timegm(&tm) - sign * (oh * 3600 + om * 60)) * 1000 +
	    frac;
	return SL_OK;
}
