/*
 * cron.c: five-field cron expressions ("minute hour day-of-month month
 * day-of-week") parsed into bit sets, and the next fire time in an IANA
 * zone (tz.c). Fields take "*", numbers, ranges "a-b", lists "a,b", steps
 * "*" "/n", "a-b/n" and "a/n" (a to the field's end), month names JAN..DEC
 * and weekday names SUN..SAT (7 is also Sunday). The @yearly, @annually,
 * @monthly, @weekly, @daily, @midnight and @hourly macros are accepted.
 * When both day fields are restricted (their set is not every value) a
 * day matches if EITHER matches, as in Vixie cron; otherwise both must.
 *
 * cron_next walks local wall-clock time field by field (month, day, hour,
 * minute) and maps each matching local time to the instants it names.
 * Around DST changes it follows cronie/Vixie cron, by the hour field:
 *
 * - An hour field that repeats ("*", any step such as "*" "/2", "1/3" or
 *   "0-23/2", or a list or range that covers every hour) runs in real
 *   time: every instant whose local time matches fires. A local time
 *   that occurs twice fires at both occurrences; one that does not exist
 *   never fires.
 * - Any other hour field (one hour, a list, a range without a step) names
 *   fixed times of day: a local time that occurs twice fires once, at its
 *   first occurrence; one that does not exist (the spring-forward gap)
 *   fires once, at the first instant after the gap.
 *
 * cronie decides by whether the minute or hour field starts with "*";
 * here only the hour field counts, so "*" "/15 2 * * *" fires four times,
 * not eight, in a repeated 02:00 hour, and a full range such as "0-23"
 * repeats like "*". The walk is bounded to five years and assumes a
 * zone's offset changes at most once in two days. Nothing here touches
 * TZ or localtime.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "cron.h"
#include "xalloc.h"

#define CRON_EXPR_MAX	256
#define CRON_YEARS	5
#define CRON_MS_MIN	(-62135596800000LL)	/* 0001-01-01 */
#define CRON_MS_MAX	(253402300799999LL)	/* 9999-12-31 */

enum cron_field {
	F_MIN,
	F_HOUR,
	F_DOM,
	F_MON,
	F_DOW,
	F_MAX
};

struct cron {
	uint64_t	 bits[F_MAX];	/* bit v set when value v matches */
	int		 restricted[F_MAX];
	int		 real_time;	/* the hour field repeats: see above */
	char		*expr;
};

static const struct {
	const char	*name;
	int		 min, max;
} fields[F_MAX] = {
	[F_MIN] = { "minute", 0, 59 },
	[F_HOUR] = { "hour", 0, 23 },
	[F_DOM] = { "day of month", 1, 31 },
	[F_MON] = { "month", 1, 12 },
	[F_DOW] = { "day of week", 0, 7 },
};

static const char *const month_names[] = { "JAN", "FEB", "MAR", "APR",
    "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC" };
static const char *const dow_names[] = { "SUN", "MON", "TUE", "WED", "THU",
    "FRI", "SAT" };

static const struct {
	const char	*macro;
	const char	*expr;
} macros[] = {
	{ "@yearly", "0 0 1 1 *" },
	{ "@annually", "0 0 1 1 *" },
	{ "@monthly", "0 0 1 * *" },
	{ "@weekly", "0 0 * * 0" },
	{ "@daily", "0 0 * * *" },
	{ "@midnight", "0 0 * * *" },
	{ "@hourly", "0 * * * *" },
};

static uint64_t
range_bits(int lo, int hi)
{
	uint64_t b = 0;

	for (int v = lo; v <= hi; v++)
		b |= (uint64_t)1 << v;
	return b;
}

/* Parses one value (number or name) at *pp. */
static int
parse_value(const char **pp, enum cron_field f, int *out, char *why,
    size_t whysz)
{
	const char *p = *pp;
	long v;
	char *end;

	if (isalpha((unsigned char)*p)) {
		const char *const *names = f == F_MON ? month_names :
		    f == F_DOW ? dow_names : NULL;
		int n = f == F_MON ? 12 : 7;

		for (int i = 0; names != NULL && i < n; i++)
			if (strncasecmp(p, names[i], 3) == 0 &&
			    !isalpha((unsigned char)p[3])) {
				*out = f == F_MON ? i + 1 : i;
				*pp = p + 3;
				return 0;
			}
		snprintf(why, whysz, "%s: unknown name \"%.*s\"",
		    fields[f].name, (int)strcspn(p, ",-/"), p);
		return -1;
	}
	if (!isdigit((unsigned char)*p)) {
		snprintf(why, whysz, "%s: expected a number at \"%s\"",
		    fields[f].name, p);
		return -1;
	}
	v = strtol(p, &end, 10);
	if (v < fields[f].min || v > fields[f].max) {
		snprintf(why, whysz, "%s: %.*s is out of range %d-%d",
		    fields[f].name, (int)(end - p), p, fields[f].min,
		    fields[f].max);
		return -1;
	}
	*out = (int)v;
	*pp = end;
	return 0;
}

/* Parses one comma-separated element: "*", "a", "a-b", each with "/n". */
static int
parse_element(const char *p, enum cron_field f, uint64_t *bits, char *why,
    size_t whysz)
{
	const char *start = p;
	int lo, hi, step = 1;
	long s;
	char *end;

	if (*p == '*') {
		lo = fields[f].min;
		hi = f == F_DOW ? 6 : fields[f].max;
		p++;
	} else {
		if (parse_value(&p, f, &lo, why, whysz) == -1)
			return -1;
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_value(&p, f, &hi, why, whysz) == -1)
				return -1;
			if (hi < lo) {
				snprintf(why, whysz, "%s: range %d-%d runs "
				    "backwards", fields[f].name, lo, hi);
				return -1;
			}
		} else if (*p == '/') {
			hi = f == F_DOW ? 6 : fields[f].max;
		}
	}
	if (*p == '/') {
		p++;
		if (!isdigit((unsigned char)*p)) {
			snprintf(why, whysz, "%s: a step needs a number",
			    fields[f].name);
			return -1;
		}
		s = strtol(p, &end, 10);
		if (s < 1 || s > fields[f].max) {
			snprintf(why, whysz, "%s: step %.*s is out of range "
			    "1-%d", fields[f].name, (int)(end - p), p,
			    fields[f].max);
			return -1;
		}
		step = (int)s;
		p = end;
	}
	if (*p != '\0') {
		snprintf(why, whysz, "%s: unexpected \"%s\"", fields[f].name,
		    p);
		return -1;
	}
	if (lo > hi) {
		/* "7/5" in day of week: 7 is Sunday, but past Saturday. */
		snprintf(why, whysz, "%s: \"%s\" matches no value",
		    fields[f].name, start);
		return -1;
	}
	for (int v = lo; v <= hi; v += step)
		*bits |= (uint64_t)1 << (f == F_DOW && v == 7 ? 0 : v);
	return 0;
}

/*
 * The one place that says which schedules run in real time across DST
 * changes (see the top of this file): those whose hour field is written
 * with "*" or a step, or whose hours are every hour.
 */
static int
hour_repeats(int star_or_step, int restricted)
{
	return star_or_step || !restricted;
}

static int
parse_field(char *text, enum cron_field f, struct cron *c, char *why,
    size_t whysz)
{
	char *elem, *save = NULL;
	uint64_t all;
	/* Read before strtok_r cuts the text; see hour_repeats. */
	int star_or_step = strpbrk(text, "*/") != NULL;

	if (text[0] == ',' || text[strlen(text) - 1] == ',' ||
	    strstr(text, ",,") != NULL) {
		snprintf(why, whysz, "%s: empty list element", fields[f].name);
		return -1;
	}
	for (elem = strtok_r(text, ",", &save); elem != NULL;
	    elem = strtok_r(NULL, ",", &save))
		if (parse_element(elem, f, &c->bits[f], why, whysz) == -1)
			return -1;
	all = range_bits(fields[f].min, f == F_DOW ? 6 : fields[f].max);
	c->restricted[f] = c->bits[f] != all;
	if (f == F_HOUR)
		c->real_time = hour_repeats(star_or_step, c->restricted[f]);
	return 0;
}

/*
 * Parses expr: five fields separated by blanks, or one of the @ macros.
 * Returns a new struct the caller frees with cron_free, or NULL with a
 * message naming the field in why.
 */
struct cron *
cron_parse(const char *expr, char *why, size_t whysz)
{
	struct cron *c = NULL;
	char buf[CRON_EXPR_MAX], *tok[F_MAX + 1], *save = NULL, *t;
	const char *src = expr;
	size_t n = 0;
	int i;

	if (expr == NULL || strlen(expr) >= CRON_EXPR_MAX) {
		snprintf(why, whysz, "cron expression is missing or longer "
		    "than %d characters", CRON_EXPR_MAX - 1);
		return NULL;
	}
	while (isspace((unsigned char)*src))
		src++;
	if (*src == '@') {
		size_t len = strcspn(src, " \t\r\n");
		const char *rest = src + len;

		while (isspace((unsigned char)*rest))
			rest++;
		for (i = 0; i < (int)(sizeof(macros) / sizeof(macros[0])); i++)
			if (strlen(macros[i].macro) == len &&
			    strncasecmp(src, macros[i].macro, len) == 0)
				break;
		if (i == (int)(sizeof(macros) / sizeof(macros[0])) ||
		    *rest != '\0') {
			snprintf(why, whysz, "unknown cron macro \"%.*s\" (use "
			    "@hourly, @daily, @weekly, @monthly or @yearly)",
			    (int)len, src);
			return NULL;
		}
		src = macros[i].expr;
	}
	snprintf(buf, sizeof(buf), "%s", src);
	for (t = strtok_r(buf, " \t\r\n", &save); t != NULL;
	    t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == F_MAX) {
			n++;
			break;
		}
		tok[n++] = t;
	}
	if (n != F_MAX) {
		snprintf(why, whysz, "a cron expression has 5 fields (minute "
		    "hour day-of-month month day-of-week), not %s%zu",
		    n > F_MAX ? "more than " : "", n > F_MAX ? n - 1 : n);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	for (i = 0; i < F_MAX; i++)
		if (parse_field(tok[i], (enum cron_field)i, c, why, whysz)
		    == -1) {
			cron_free(c);
			return NULL;
		}
	c->expr = xstrdup(expr);
	return c;
}

/* Releases c; NULL is fine. */
void
cron_free(struct cron *c)
{
	if (c == NULL)
		return;
	free(c->expr);
	free(c);
}

static int
has(const struct cron *c, enum cron_field f, int v)
{
	return (c->bits[f] >> v) & 1;
}

static int
day_matches(const struct cron *c, int64_t y, int m, int d)
{
	int wd = (int)((civil_days_from_date(y, m, d) % 7 + 11) % 7);
	int dom = has(c, F_DOM, d), dow = has(c, F_DOW, wd);

	if (c->restricted[F_DOM] && c->restricted[F_DOW])
		return dom || dow;
	return dom && dow;
}

/* Local wall-clock time as fields, minute resolution. */
struct wall {
	int64_t	y;
	int	m, d, h, mi;
};

static int64_t
wall_secs(const struct wall *w)
{
	return civil_days_from_date(w->y, w->m, w->d) * 86400 + w->h * 3600 +
	    w->mi * 60;
}

static void
next_day(struct wall *w)
{
	w->h = w->mi = 0;
	if (++w->d > civil_month_days(w->y, w->m)) {
		w->d = 1;
		if (++w->m > 12) {
			w->m = 1;
			w->y++;
		}
	}
}

static void
next_minute(struct wall *w)
{
	if (++w->mi > 59) {
		w->mi = 0;
		if (++w->h > 23)
			next_day(w);
	}
}

/*
 * Moves w forward to the first matching wall time at or after w. Returns
 * 0, or -1 when none comes before year limit_y.
 */
static int
find_wall(const struct cron *c, struct wall *w, int64_t limit_y)
{
	while (w->y <= limit_y) {
		if (!has(c, F_MON, w->m)) {
			w->d = 1;
			w->h = w->mi = 0;
			if (++w->m > 12) {
				w->m = 1;
				w->y++;
			}
			continue;
		}
		if (!day_matches(c, w->y, w->m, w->d)) {
			next_day(w);
			continue;
		}
		if (!has(c, F_HOUR, w->h)) {
			w->mi = 0;
			if (++w->h > 23)
				next_day(w);
			continue;
		}
		if (!has(c, F_MIN, w->mi)) {
			next_minute(w);
			continue;
		}
		return 0;
	}
	return -1;
}

/*
 * Fills out with the instants, ascending, whose local time is local (wall
 * seconds as if they were UTC) and returns how many there are: 1, 2 when
 * a change back repeats the local time, 0 when a change forward skips it.
 */
static int
wall_instants(const struct tz *tz, int64_t local, int64_t out[3])
{
	int64_t days[3] = { -2, 0, 2 };
	int n = 0;

	for (int i = 0; i < 3; i++) {
		long off = tz_offset_at(tz, local + days[i] * 86400);
		int64_t t = local - off;
		int k;

		if (tz_offset_at(tz, t) != off)
			continue;
		for (k = 0; k < n && out[k] != t; k++)
			;
		if (k == n)
			out[n++] = t;
	}
	for (int i = 1; i < n; i++)
		for (int k = i; k > 0 && out[k - 1] > out[k]; k--) {
			int64_t x = out[k];

			out[k] = out[k - 1];
			out[k - 1] = x;
		}
	return n;
}

/*
 * Returns the instant at which the DST gap that skips local time local
 * ends: the first instant whose offset differs from the one before it.
 */
static int64_t
gap_end(const struct tz *tz, int64_t local)
{
	long offs[3], lo_off, hi_off, before;
	int64_t lo, hi;

	for (int i = 0; i < 3; i++)
		offs[i] = tz_offset_at(tz, local + (i - 1) * 2 * 86400);
	lo_off = hi_off = offs[0];
	for (int i = 1; i < 3; i++) {
		if (offs[i] > hi_off)
			hi_off = offs[i];
		if (offs[i] < lo_off)
			lo_off = offs[i];
	}
	/* The change lies between local under the largest and the smallest
	 * offset. */
	lo = local - hi_off;
	hi = local - lo_off;
	before = tz_offset_at(tz, lo);
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;

		if (tz_offset_at(tz, mid) == before)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

/*
 * Returns the first instant (seconds) later than after_ms at which c fires
 * for matching local time local, by the rule at the top of this file, or
 * -1 when it fires at none.
 */
static int64_t
wall_fire(const struct cron *c, const struct tz *tz, int64_t local,
    int64_t after_ms)
{
	int64_t t[3];
	int n = wall_instants(tz, local, t);

	if (n == 0) {
		if (c->real_time)
			return -1;
		t[0] = gap_end(tz, local);
		n = 1;
	}
	if (!c->real_time)
		n = 1;		/* fixed hours: the first occurrence only */
	for (int i = 0; i < n; i++)
		if (t[i] * 1000 > after_ms)
			return t[i];
	return -1;
}

/*
 * Sets w to the first whole minute of wall time later than local (wall
 * seconds) and returns w's year.
 */
static int64_t
wall_after(int64_t local, struct wall *w)
{
	int64_t days = civil_floor_div(local, 86400);

	civil_date_from_days(days, &w->y, &w->m, &w->d);
	local -= days * 86400;
	w->h = (int)(local / 3600);
	w->mi = (int)(local / 60 % 60);
	next_minute(w);
	return w->y;
}

/*
 * Returns the first fire time of c in zone tz strictly after after_ms
 * (milliseconds since the epoch), in milliseconds, or -1 when there is
 * none within five years or after_ms is outside the years 1 to 9999.
 * Fire times are whole minutes of local time, except that a fixed-hour
 * fire inside a DST gap happens when the gap ends.
 */
int64_t
cron_next(const struct cron *c, const struct tz *tz, int64_t after_ms)
{
	int64_t after = civil_floor_div(after_ms, 1000), local_after;
	int64_t best = -1, limit_y;
	long low;
	struct wall w;

	/* Years 1 to 9999 only; this keeps the arithmetic in range. */
	if (after_ms < CRON_MS_MIN || after_ms > CRON_MS_MAX)
		return -1;

	/*
	 * A change back within the next two days shows wall times from
	 * after + low again, later than after: start the walk there. Among
	 * wall times up to after's own, any may give the earliest instant;
	 * past it, the first that gives one does (instants of a later wall
	 * time come after those of an earlier one in the same stretch).
	 */
	local_after = after + tz_offset_at(tz, after);
	low = tz_offset_at(tz, after);
	for (int i = 1; i <= 2; i++)
		if (tz_offset_at(tz, after + i * 86400) < low)
			low = tz_offset_at(tz, after + i * 86400);
	limit_y = wall_after(after + low, &w) + CRON_YEARS;
	for (;;) {
		int64_t local, t;

		if (find_wall(c, &w, limit_y) == -1)
			break;
		local = wall_secs(&w);
		t = wall_fire(c, tz, local, after_ms);
		if (t != -1 && (best == -1 || t < best))
			best = t;
		if (t != -1 && local > local_after)
			break;
		next_minute(&w);
	}
	return best == -1 ? -1 : best * 1000;
}

/* --- descriptions ---------------------------------------------------- */

static const char *const dow_full[] = { "Sunday", "Monday", "Tuesday",
    "Wednesday", "Thursday", "Friday", "Saturday" };
static const char *const month_full[] = { "January", "February", "March",
    "April", "May", "June", "July", "August", "September", "October",
    "November", "December" };

static void
append(char *out, size_t outsz, const char *s)
{
	size_t len = strlen(out);

	snprintf(out + len, outsz - len, "%s", s);
}

static int
count_bits(uint64_t b)
{
	return __builtin_popcountll(b);
}

static int
lowest(uint64_t b)
{
	return __builtin_ctzll(b);
}

/* Returns 1 when the set bits form one run lo..hi of at least 3. */
static int
contiguous(uint64_t b, int *lo, int *hi)
{
	*lo = lowest(b);
	*hi = 63 - __builtin_clzll(b);
	return count_bits(b) == *hi - *lo + 1 && *hi - *lo >= 2;
}

/* Appends "a, b and c" made of the names or numbers in b. */
static void
append_list(char *out, size_t outsz, uint64_t b, const char *const *names,
    int name_base)
{
	int n = count_bits(b), i = 0;
	size_t len;

	for (int v = 0; v < 64; v++) {
		if (!((b >> v) & 1))
			continue;
		len = strlen(out);
		if (i > 0)
			snprintf(out + len, outsz - len, "%s",
			    i == n - 1 ? " and " : ", ");
		len = strlen(out);
		if (names != NULL)
			snprintf(out + len, outsz - len, "%s",
			    names[v - name_base]);
		else
			snprintf(out + len, outsz - len, "%d", v);
		i++;
	}
}

static void
append_names(char *out, size_t outsz, uint64_t b, const char *const *names,
    int name_base)
{
	int lo, hi;
	size_t len = strlen(out);

	if (contiguous(b, &lo, &hi))
		snprintf(out + len, outsz - len, "%s through %s",
		    names[lo - name_base], names[hi - name_base]);
	else
		append_list(out, outsz, b, names, name_base);
}

/* Returns the step when b is {0, s, 2s, ...} up to max, s > 1, else 0. */
static int
step_of(uint64_t b, int max)
{
	int s;

	if (count_bits(b) < 2 || !(b & 1))
		return 0;
	s = lowest(b >> 1) + 1;
	for (int v = 0; v <= max; v++)
		if ((int)((b >> v) & 1) != (v % s == 0))
			return 0;
	return s;
}

/*
 * Describes c in words, e.g. "every 15 minutes" or "at 06:00 on Monday
 * through Friday". Expressions too irregular to say simply are returned
 * as written. The caller frees the result.
 */
char *
cron_describe(const struct cron *c)
{
	char out[1024] = "", days[1024] = "", step[32];
	uint64_t min = c->bits[F_MIN], hour = c->bits[F_HOUR];
	int s, lo, hi;

	/* The day part: "", " on Monday", " on day 1 of the month", ... */
	if (c->restricted[F_DOM] && c->restricted[F_DOW])
		return xstrdup(c->expr);
	if (c->restricted[F_DOW]) {
		snprintf(days, sizeof(days), " on ");
		append_names(days, sizeof(days), c->bits[F_DOW], dow_full, 0);
	} else if (c->restricted[F_DOM]) {
		snprintf(days, sizeof(days), " on day%s ",
		    count_bits(c->bits[F_DOM]) > 1 ? "s" : "");
		append_list(days, sizeof(days), c->bits[F_DOM], NULL, 0);
		if (!c->restricted[F_MON])
			append(days, sizeof(days), " of the month");
	}
	if (c->restricted[F_MON]) {
		append(days, sizeof(days), c->restricted[F_DOM] ? " of " :
		    " in ");
		append_list(days, sizeof(days), c->bits[F_MON], month_full, 1);
	}

	if (!c->restricted[F_MIN] && !c->restricted[F_HOUR])
		snprintf(out, sizeof(out), "every minute");
	else if ((s = step_of(min, 59)) != 0 && !c->restricted[F_HOUR])
		snprintf(out, sizeof(out), "every %d minutes", s);
	else if ((!c->restricted[F_MIN] || (s = step_of(min, 59)) != 0) &&
	    contiguous(hour, &lo, &hi)) {
		/* "every 15 minutes from 09:00 through 17:45" */
		if (c->restricted[F_MIN])
			snprintf(step, sizeof(step), "%d minutes", s);
		else
			snprintf(step, sizeof(step), "minute");
		snprintf(out, sizeof(out), "every %s from %02d:00 through "
		    "%02d:%02d", step, lo, hi, 63 - __builtin_clzll(min));
	} else if (count_bits(min) == 1 && !c->restricted[F_HOUR])
		snprintf(out, sizeof(out), lowest(min) == 0 ? "every hour" :
		    "every hour at minute %d", lowest(min));
	else if (count_bits(min) == 1 && (s = step_of(hour, 23)) != 0)
		snprintf(out, sizeof(out), "every %d hours at minute %d", s,
		    lowest(min));
	else if (count_bits(min) == 1 && count_bits(hour) <= 4) {
		int i = 0, n = count_bits(hour);

		snprintf(out, sizeof(out), "at ");
		for (int h = 0; h < 24; h++) {
			size_t len = strlen(out);

			if (!((hour >> h) & 1))
				continue;
			snprintf(out + len, sizeof(out) - len, "%s%02d:%02d",
			    i == 0 ? "" : i == n - 1 ? " and " : ", ", h,
			    lowest(min));
			i++;
		}
	} else
		return xstrdup(c->expr);
	if (days[0] == '\0' && strncmp(out, "at ", 3) == 0)
		append(out, sizeof(out), " every day");
	append(out, sizeof(out), days);
	return xstrdup(out);
}
