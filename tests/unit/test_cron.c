/*
 * test_cron.c: cron parsing, next fire times and descriptions
 * (lib/cron.c). The fire-time table covers UTC, Europe/Amsterdam and
 * America/New_York, including the 2026 and 2027 DST gap and overlap days:
 * with an hour field of "*" or a step every instant whose local time
 * matches fires (both copies of a repeated hour, nothing in a gap); with
 * fixed hours a nonexistent local time fires once when the gap ends and a
 * repeated one once, at its first occurrence. When Python's croniter is
 * installed, a few hundred random expressions are cross-checked against it
 * in UTC. One line per case; exit 1 on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "cron.h"
#include "timefmt.h"
#include "tz.h"

static int64_t
ms(const char *rfc3339)
{
	int64_t v = 0;

	if (timefmt_parse(rfc3339, &v) != SL_OK) {
		fprintf(stderr, "bad test time %s\n", rfc3339);
		exit(2);
	}
	return v;
}

/*
 * Each case: after "after", the expression fires at each of "fires" in
 * turn (every following one is cron_next of the one before). NULL ends
 * the list; "none" means cron_next returns -1.
 */
static const struct {
	const char	*name;
	const char	*zone;
	const char	*expr;
	const char	*after;
	const char	*fires[5];
} nexts[] = {
	{ "utc_every_15", "UTC", "*/15 * * * *", "2026-01-01T00:07:30Z",
	    { "2026-01-01T00:15:00.000Z", "2026-01-01T00:30:00.000Z",
	    "2026-01-01T00:45:00.000Z", "2026-01-01T01:00:00.000Z" } },
	{ "utc_strictly_after", "UTC", "0 6 * * *", "2026-05-05T06:00:00Z",
	    { "2026-05-06T06:00:00.000Z" } },
	{ "utc_just_before", "UTC", "15 0 * * *", "2026-01-01T00:14:59.999Z",
	    { "2026-01-01T00:15:00.000Z", "2026-01-02T00:15:00.000Z" } },
	{ "utc_range_step", "UTC", "1-10/3 * * * *", "2026-01-01T00:00:00Z",
	    { "2026-01-01T00:01:00.000Z", "2026-01-01T00:04:00.000Z",
	    "2026-01-01T00:07:00.000Z", "2026-01-01T00:10:00.000Z",
	    "2026-01-01T01:01:00.000Z" } },
	{ "utc_start_step", "UTC", "5/20 * * * *", "2026-01-01T00:00:00Z",
	    { "2026-01-01T00:05:00.000Z", "2026-01-01T00:25:00.000Z",
	    "2026-01-01T00:45:00.000Z", "2026-01-01T01:05:00.000Z" } },
	{ "utc_list", "UTC", "0 8,12,17 * * *", "2026-01-01T09:00:00Z",
	    { "2026-01-01T12:00:00.000Z", "2026-01-01T17:00:00.000Z",
	    "2026-01-02T08:00:00.000Z" } },
	{ "utc_names", "UTC", "0 12 * JAN,jul mon-FRI", "2026-01-30T13:00:00Z",
	    { "2026-07-01T12:00:00.000Z", "2026-07-02T12:00:00.000Z",
	    "2026-07-03T12:00:00.000Z", "2026-07-06T12:00:00.000Z" } },
	{ "utc_sunday_7", "UTC", "0 0 * * 7", "2026-01-01T00:00:00Z",
	    { "2026-01-04T00:00:00.000Z", "2026-01-11T00:00:00.000Z" } },
	{ "utc_weekday_range_to_7", "UTC", "0 0 * * 5-7",
	    "2026-01-01T00:00:00Z",
	    { "2026-01-02T00:00:00.000Z", "2026-01-03T00:00:00.000Z",
	    "2026-01-04T00:00:00.000Z", "2026-01-09T00:00:00.000Z" } },
	/* OR rule: the 10th, or any Monday. */
	{ "utc_or_rule", "UTC", "0 0 10 * 1", "2026-06-02T00:00:00Z",
	    { "2026-06-08T00:00:00.000Z", "2026-06-10T00:00:00.000Z",
	    "2026-06-15T00:00:00.000Z" } },
	/* Only one day field restricted: both must match (AND). */
	{ "utc_dom_only", "UTC", "0 0 10 * *", "2026-06-02T00:00:00Z",
	    { "2026-06-10T00:00:00.000Z", "2026-07-10T00:00:00.000Z" } },
	{ "utc_dow_only", "UTC", "0 0 * * 1", "2026-01-01T00:00:00Z",
	    { "2026-01-05T00:00:00.000Z", "2026-01-12T00:00:00.000Z" } },
	/* A full range counts as unrestricted, so this means Mondays. */
	{ "utc_full_dom_range_is_star", "UTC", "0 0 1-31 * 1",
	    "2026-01-01T00:00:00Z", { "2026-01-05T00:00:00.000Z" } },
	{ "utc_feb_29", "UTC", "0 0 29 2 *", "2026-01-01T00:00:00Z",
	    { "2028-02-29T00:00:00.000Z", "2032-02-29T00:00:00.000Z" } },
	{ "utc_feb_30_never", "UTC", "0 0 30 2 *", "2026-01-01T00:00:00Z",
	    { "none" } },
	{ "utc_apr_31_never", "UTC", "0 0 31 4 *", "2026-01-01T00:00:00Z",
	    { "none" } },
	{ "utc_31st", "UTC", "0 0 31 * *", "2026-01-31T00:00:00Z",
	    { "2026-03-31T00:00:00.000Z", "2026-05-31T00:00:00.000Z" } },
	{ "utc_year_end", "UTC", "59 23 31 12 *", "2026-06-01T00:00:00Z",
	    { "2026-12-31T23:59:00.000Z", "2027-12-31T23:59:00.000Z" } },
	{ "macro_hourly", "UTC", "@hourly", "2026-01-01T00:00:00Z",
	    { "2026-01-01T01:00:00.000Z", "2026-01-01T02:00:00.000Z" } },
	{ "macro_daily", "UTC", "@daily", "2026-01-01T00:00:00Z",
	    { "2026-01-02T00:00:00.000Z" } },
	{ "macro_midnight", "UTC", "@midnight", "2026-01-01T12:00:00Z",
	    { "2026-01-02T00:00:00.000Z" } },
	{ "macro_weekly", "UTC", "@weekly", "2026-01-01T00:00:00Z",
	    { "2026-01-04T00:00:00.000Z", "2026-01-11T00:00:00.000Z" } },
	{ "macro_monthly", "UTC", "@monthly", "2026-01-01T00:00:00Z",
	    { "2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z" } },
	{ "macro_yearly", "UTC", "@yearly", "2026-01-01T00:00:00Z",
	    { "2027-01-01T00:00:00.000Z", "2028-01-01T00:00:00.000Z" } },
	{ "macro_annually", "UTC", "@ANNUALLY", "2026-06-01T00:00:00Z",
	    { "2027-01-01T00:00:00.000Z" } },
	{ "utc_before_epoch", "UTC", "0 0 1 1 *", "1969-06-01T00:00:00Z",
	    { "1970-01-01T00:00:00.000Z" } },

	/* Europe/Amsterdam: CET, CEST from 2026-03-29 01:00Z to 10-25
	 * 01:00Z, and 2027-03-28 to 2027-10-31. */
	{ "ams_weekdays", "Europe/Amsterdam", "0 6 * * 1-5",
	    "2026-11-27T05:00:00Z", { "2026-11-30T05:00:00.000Z",
	    "2026-12-01T05:00:00.000Z" } },
	{ "ams_summer", "Europe/Amsterdam", "0 6 * * *",
	    "2026-07-01T00:00:00Z", { "2026-07-01T04:00:00.000Z" } },
	/* Spring forward: 02:30 does not exist, fires at 03:00 CEST. */
	{ "ams_gap_2026", "Europe/Amsterdam", "30 2 * * *",
	    "2026-03-28T12:00:00Z", { "2026-03-29T01:00:00.000Z",
	    "2026-03-30T00:30:00.000Z" } },
	{ "ams_gap_2027", "Europe/Amsterdam", "0 2 * * *",
	    "2027-03-27T12:00:00Z", { "2027-03-28T01:00:00.000Z",
	    "2027-03-29T00:00:00.000Z" } },
	/* Every 15 minutes across the gap (the hour field is "*", so real
	 * time): 02:00..02:45 do not exist and do not fire; 03:00 CEST does. */
	{ "ams_gap_every_15", "Europe/Amsterdam", "*/15 * * * *",
	    "2026-03-29T00:40:00Z", { "2026-03-29T00:45:00.000Z",
	    "2026-03-29T01:00:00.000Z", "2026-03-29T01:15:00.000Z" } },
	{ "ams_gap_hourly", "Europe/Amsterdam", "0 * * * *",
	    "2026-03-28T23:30:00Z", { "2026-03-29T00:00:00.000Z",
	    "2026-03-29T01:00:00.000Z", "2026-03-29T02:00:00.000Z" } },
	/* Fall back, fixed hour: 02:30 happens twice, fires at the first
	 * only. */
	{ "ams_overlap_2026", "Europe/Amsterdam", "30 2 * * *",
	    "2026-10-24T12:00:00Z", { "2026-10-25T00:30:00.000Z",
	    "2026-10-26T01:30:00.000Z" } },
	{ "ams_overlap_2027", "Europe/Amsterdam", "45 2 * * 0",
	    "2027-10-30T00:00:00Z", { "2027-10-31T00:45:00.000Z",
	    "2027-11-07T01:45:00.000Z" } },
	/* Hour "*": 02:00 CEST and 02:00 CET both fire. */
	{ "ams_overlap_hourly", "Europe/Amsterdam", "0 * * * *",
	    "2026-10-24T23:30:00Z", { "2026-10-25T00:00:00.000Z",
	    "2026-10-25T01:00:00.000Z", "2026-10-25T02:00:00.000Z" } },
	/* Starting inside the second 02:xx hour goes on through it. */
	{ "ams_overlap_from_second", "Europe/Amsterdam", "*/15 * * * *",
	    "2026-10-25T01:10:00Z", { "2026-10-25T01:15:00.000Z",
	    "2026-10-25T01:30:00.000Z", "2026-10-25T01:45:00.000Z",
	    "2026-10-25T02:00:00.000Z" } },
	/* Starting late in the first 02:xx hour: its last minutes, then the
	 * second 02:xx hour from its start. */
	{ "ams_overlap_from_first", "Europe/Amsterdam", "* * * * *",
	    "2026-10-25T00:58:00Z", { "2026-10-25T00:59:00.000Z",
	    "2026-10-25T01:00:00.000Z", "2026-10-25T01:01:00.000Z" } },
	/* Fixed hour, every 15 minutes in it: the first 02:xx hour only. */
	{ "ams_overlap_fixed_hour_steps", "Europe/Amsterdam", "*/15 2 * * *",
	    "2026-10-25T00:40:00Z", { "2026-10-25T00:45:00.000Z",
	    "2026-10-26T01:00:00.000Z" } },
	/* A step in the hour field counts as real time. */
	{ "ams_overlap_hour_step", "Europe/Amsterdam", "0 */2 * * *",
	    "2026-10-24T23:30:00Z", { "2026-10-25T00:00:00.000Z",
	    "2026-10-25T01:00:00.000Z", "2026-10-25T03:00:00.000Z" } },
	/* So does a range covering every hour; a narrower one is fixed. */
	{ "ams_overlap_full_range", "Europe/Amsterdam", "0 0-23 * * *",
	    "2026-10-24T23:30:00Z", { "2026-10-25T00:00:00.000Z",
	    "2026-10-25T01:00:00.000Z" } },
	{ "ams_overlap_range_fixed", "Europe/Amsterdam", "0 1-3 * * *",
	    "2026-10-24T22:30:00Z", { "2026-10-24T23:00:00.000Z",
	    "2026-10-25T00:00:00.000Z", "2026-10-25T02:00:00.000Z" } },
	/* Hour "*" in the gap: 02:30 does not exist and does not fire. */
	{ "ams_gap_real_time", "Europe/Amsterdam", "30 * * * *",
	    "2026-03-29T00:00:00Z", { "2026-03-29T00:30:00.000Z",
	    "2026-03-29T01:30:00.000Z" } },
	/* Past 2037: the zone's footer rules. */
	{ "ams_gap_2040", "Europe/Amsterdam", "30 2 * * *",
	    "2040-03-24T12:00:00Z", { "2040-03-25T01:00:00.000Z",
	    "2040-03-26T00:30:00.000Z" } },

	/* America/New_York: EST, EDT from 2026-03-08 07:00Z to 11-01
	 * 06:00Z, and 2027-03-14 to 2027-11-07. */
	{ "nyc_weekdays", "America/New_York", "0 9 * * mon-fri",
	    "2026-01-02T15:00:00Z", { "2026-01-05T14:00:00.000Z" } },
	{ "nyc_gap_2026", "America/New_York", "30 2 * * *",
	    "2026-03-07T12:00:00Z", { "2026-03-08T07:00:00.000Z",
	    "2026-03-09T06:30:00.000Z" } },
	{ "nyc_gap_2027", "America/New_York", "15 2 * * *",
	    "2027-03-13T12:00:00Z", { "2027-03-14T07:00:00.000Z",
	    "2027-03-15T06:15:00.000Z" } },
	{ "nyc_overlap_2026", "America/New_York", "30 1 * * *",
	    "2026-10-31T12:00:00Z", { "2026-11-01T05:30:00.000Z",
	    "2026-11-02T06:30:00.000Z" } },
	{ "nyc_overlap_2027", "America/New_York", "0 1 * * *",
	    "2027-11-06T12:00:00Z", { "2027-11-07T05:00:00.000Z",
	    "2027-11-08T06:00:00.000Z" } },
	{ "nyc_overlap_every_30", "America/New_York", "*/30 * * * *",
	    "2026-11-01T05:10:00Z", { "2026-11-01T05:30:00.000Z",
	    "2026-11-01T06:00:00.000Z", "2026-11-01T06:30:00.000Z",
	    "2026-11-01T07:00:00.000Z" } },
	{ "nyc_feb_29_local", "America/New_York", "0 0 29 2 *",
	    "2026-01-01T00:00:00Z", { "2028-02-29T05:00:00.000Z" } },

	/* Lord Howe shifts by 30 minutes: 02:00-02:29 do not exist. */
	{ "lord_howe_half_hour_gap", "Australia/Lord_Howe", "15 2 * * *",
	    "2026-10-03T00:00:00Z", { "2026-10-03T15:30:00.000Z",
	    "2026-10-04T15:15:00.000Z" } },
	{ "lord_howe_half_hour_overlap", "Australia/Lord_Howe", "45 1 * * *",
	    "2026-04-04T00:00:00Z", { "2026-04-04T14:45:00.000Z",
	    "2026-04-05T15:15:00.000Z" } },
	/* Samoa skipped 2011-12-30 entirely: its noon fires at midnight of
	 * the 31st, when the missing day ends. */
	{ "apia_skipped_day", "Pacific/Apia", "0 12 30 12 *",
	    "2011-12-01T00:00:00Z", { "2011-12-30T10:00:00.000Z" } },
};

static void
test_next(void)
{
	char why[256], detail[512], buf[TIMEFMT_LEN];

	for (size_t i = 0; i < sizeof(nexts) / sizeof(nexts[0]); i++) {
		struct cron *c = cron_parse(nexts[i].expr, why, sizeof(why));
		struct tz *tz = tz_load(nexts[i].zone, why, sizeof(why));
		int64_t t = ms(nexts[i].after);
		int ok = c != NULL && tz != NULL;

		detail[0] = '\0';
		if (!ok)
			snprintf(detail, sizeof(detail), "%s", why);
		for (int k = 0; ok && k < 5 && nexts[i].fires[k]; k++) {
			const char *want = nexts[i].fires[k];

			t = cron_next(c, tz, t);
			if (strcmp(want, "none") == 0) {
				ok = t == -1;
			} else {
				ok = t != -1 && strcmp(timefmt_rfc3339(t, buf),
				    want) == 0;
			}
			if (!ok)
				snprintf(detail, sizeof(detail), "fire %d: got "
				    "%s, want %s", k + 1, t == -1 ? "none" :
				    timefmt_rfc3339(t, buf), want);
		}
		check(nexts[i].name, ok, detail);
		cron_free(c);
		tz_free(tz);
	}
}

/*
 * Every minute across a whole DST year: one fire per minute of UTC time,
 * through both copies of the repeated hour of the fall-back night; the
 * gap hour of the spring-forward night loses no instants at all.
 */
static void
test_every_minute_year(void)
{
	char why[256], detail[256], buf[TIMEFMT_LEN];
	struct cron *c = cron_parse("* * * * *", why, sizeof(why));
	struct tz *tz = tz_load("Europe/Amsterdam", why, sizeof(why));
	int64_t t = ms("2026-01-01T00:00:00Z");
	int64_t end = ms("2027-01-01T00:00:00Z");
	long n = 0, bad = 0;

	while (t < end && !bad) {
		int64_t next = cron_next(c, tz, t);

		if (next != t + 60000)
			bad = 1;
		else
			t = next;
		n++;
	}
	snprintf(detail, sizeof(detail), "wrong step after %ld fires at %s",
	    n, timefmt_rfc3339(t, buf));
	check("every_minute_2026_amsterdam", !bad && n == 525600,
	    detail);
	cron_free(c);
	tz_free(tz);
}

/* Instants far outside the calendar give -1, not overflow. */
static void
test_extremes(void)
{
	char why[256];
	struct cron *c = cron_parse("* * * * *", why, sizeof(why));
	struct tz *tz = tz_load("Europe/Amsterdam", why, sizeof(why));

	check("next_int64_max", cron_next(c, tz, INT64_MAX) == -1, "not -1");
	check("next_int64_min", cron_next(c, tz, INT64_MIN) == -1, "not -1");
	check("next_year_9999", cron_next(c, tz, ms("9999-12-31T23:58:00Z"))
	    == ms("9999-12-31T23:59:00Z"), "wrong");
	cron_free(c);
	tz_free(tz);
}

static void
test_too_long(void)
{
	char expr[400], why[256];
	struct cron *c;

	memset(expr, 0, sizeof(expr));
	strcpy(expr, "0 0 ");
	while (strlen(expr) < 300)
		strcat(expr, "1,");
	strcat(expr, "1 * *");
	c = cron_parse(expr, why, sizeof(why));
	check("refuse_too_long", c == NULL && strstr(why, "longer than 255"),
	    c ? "accepted" : why);
	cron_free(c);
}

static const struct {
	const char	*name;
	const char	*expr;
	const char	*msg;
} refusals[] = {
	{ "refuse_empty", "", "5 fields" },
	{ "refuse_blank", "   ", "5 fields" },
	{ "refuse_four_fields", "* * * *", "not 4" },
	{ "refuse_six_fields", "0 * * * * *", "more than 5" },
	{ "refuse_minute_60", "60 * * * *", "minute: 60 is out of range 0-59" },
	{ "refuse_hour_24", "0 24 * * *", "hour: 24 is out of range 0-23" },
	{ "refuse_dom_0", "0 0 0 * *", "day of month: 0 is out of range" },
	{ "refuse_dom_32", "0 0 32 * *", "day of month: 32 is out of range" },
	{ "refuse_month_0", "0 0 * 0 *", "month: 0 is out of range 1-12" },
	{ "refuse_month_13", "0 0 * 13 *", "month: 13 is out of range" },
	{ "refuse_dow_8", "0 0 * * 8", "day of week: 8 is out of range 0-7" },
	{ "refuse_step_0", "*/0 * * * *", "minute: step 0 is out of range" },
	{ "refuse_step_empty", "*/ * * * *", "minute: a step needs a number" },
	{ "refuse_backwards", "30-10 * * * *", "minute: range 30-10 runs "
	    "backwards" },
	{ "refuse_backwards_names", "0 0 * * FRI-MON", "day of week: range "
	    "5-1 runs backwards" },
	{ "refuse_garbage", "a b c d e", "minute: unknown name \"a\"" },
	{ "refuse_unknown_month", "0 0 * FOO *", "month: unknown name "
	    "\"FOO\"" },
	{ "refuse_long_name", "0 0 * * MONDAY", "day of week: unknown name" },
	{ "refuse_name_in_hour", "0 MON * * *", "hour: unknown name" },
	{ "refuse_reboot", "@reboot", "unknown cron macro \"@reboot\"" },
	{ "refuse_macro_extra", "@daily 5", "unknown cron macro" },
	{ "refuse_empty_list", "1,,2 * * * *", "minute: empty list element" },
	{ "refuse_trailing_comma", "1, * * * *", "minute: empty list element" },
	{ "refuse_open_range", "1- * * * *", "minute: expected a number" },
	{ "refuse_double_range", "1-2-3 * * * *", "minute: unexpected \"-3\"" },
	{ "refuse_negative", "-1 * * * *", "minute: expected a number" },
	{ "refuse_huge", "99999999999999999999 * * * *", "out of range" },
	{ "refuse_dow_7_step", "6 1 * 3 7/5", "day of week: \"7/5\" matches "
	    "no value" },
	{ "refuse_question", "0 0 ? * *", "day of month: expected a number" },
};

static void
test_refusals(void)
{
	char why[256], detail[300];

	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		struct cron *c;

		why[0] = '\0';
		c = cron_parse(refusals[i].expr, why, sizeof(why));
		snprintf(detail, sizeof(detail), "%s", c ? "accepted" : why);
		check(refusals[i].name, c == NULL &&
		    strstr(why, refusals[i].msg) != NULL, detail);
		cron_free(c);
	}
	check("refuse_null", cron_parse(NULL, why, sizeof(why)) == NULL, why);
}

static const struct {
	const char	*expr;
	const char	*want;
} descs[] = {
	{ "0 6 * * 1-5", "at 06:00 on Monday through Friday" },
	{ "*/15 * * * *", "every 15 minutes" },
	{ "* * * * *", "every minute" },
	{ "0 * * * *", "every hour" },
	{ "20 * * * *", "every hour at minute 20" },
	{ "5 */2 * * *", "every 2 hours at minute 5" },
	{ "@daily", "at 00:00 every day" },
	{ "30 2 1 * *", "at 02:30 on day 1 of the month" },
	{ "0 0 1,15 * *", "at 00:00 on days 1 and 15 of the month" },
	{ "0 9 * * 1,3,5", "at 09:00 on Monday, Wednesday and Friday" },
	{ "0 9 * * sat,sun", "at 09:00 on Sunday and Saturday" },
	{ "0 0 1 1 *", "at 00:00 on day 1 of January" },
	{ "0 8,20 * * *", "at 08:00 and 20:00 every day" },
	{ "0 7 * 6-8 *", "at 07:00 in June, July and August" },
	{ "0 7 * 6 1-5", "at 07:00 on Monday through Friday in June" },
	{ "*/15 9-17 * * 1-5", "every 15 minutes from 09:00 through 17:45 "
	    "on Monday through Friday" },
	{ "* 22-23,0-1 * * *", "* 22-23,0-1 * * *" },
	{ "* 8-18 * * *", "every minute from 08:00 through 18:59" },
	{ "0 0 13 * 5", "0 0 13 * 5" },
	{ "1-10/3 * * * *", "1-10/3 * * * *" },
};

static void
test_describe(void)
{
	char why[256], name[96], detail[300];

	for (size_t i = 0; i < sizeof(descs) / sizeof(descs[0]); i++) {
		struct cron *c = cron_parse(descs[i].expr, why, sizeof(why));
		char *d = c ? cron_describe(c) : NULL;

		snprintf(name, sizeof(name), "describe_%s", descs[i].expr);
		snprintf(detail, sizeof(detail), "got \"%s\"", d ? d : why);
		check(name, d != NULL && strcmp(d, descs[i].want) == 0, detail);
		free(d);
		cron_free(c);
	}
}

/* --- golden DST nights (issue 9 point 7) -------------------------------- */

/*
 * The four 2027 change nights, from local 00:00 to local 06:00. Amsterdam
 * on 03-28 skips 02:00-02:59 (CET +1 to CEST +2 at 01:00Z) and on 10-31
 * shows 02:00-02:59 twice, CEST then CET (at 01:00Z). New York on 03-14
 * skips 02:00-02:59 (EST -5 to EDT -4 at 07:00Z) and on 11-07 shows
 * 01:00-01:59 twice, EDT then EST (at 06:00Z).
 */
enum night {
	AMS_SPRING,
	AMS_AUTUMN,
	NYC_SPRING,
	NYC_AUTUMN,
	NIGHT_MAX
};

static const struct {
	const char	*name;
	const char	*zone;
	const char	*from;		/* local 00:00 */
	const char	*to;		/* local 06:00 */
} nights[NIGHT_MAX] = {
	[AMS_SPRING] = { "ams_2027_03_28", "Europe/Amsterdam",
	    "2027-03-27T23:00:00Z", "2027-03-28T04:00:00Z" },
	[AMS_AUTUMN] = { "ams_2027_10_31", "Europe/Amsterdam",
	    "2027-10-30T22:00:00Z", "2027-10-31T05:00:00Z" },
	[NYC_SPRING] = { "nyc_2027_03_14", "America/New_York",
	    "2027-03-14T05:00:00Z", "2027-03-14T10:00:00Z" },
	[NYC_AUTUMN] = { "nyc_2027_11_07", "America/New_York",
	    "2027-11-07T04:00:00Z", "2027-11-07T11:00:00Z" },
};

/*
 * Every fire in a night's window, as UTC "HH:MM" (of the window's first
 * day, or the next after 23:59). The "*" and step hours fire in real time,
 * so "*" "/15" is every quarter hour of UTC on every night; fixed hours
 * fire once.
 *
 * "croniter" is what croniter 1.3.5 (Debian 12, with zoneinfo) answers
 * when asked for the next fire after the window's start less one second
 * and then after each of our fires; NULL where it agrees throughout. It
 * differs in four ways:
 * - Repeated hour, "*" or step hours: croniter never fires in the second
 *   copy. After the first copy's last fire it jumps past the second one
 *   (Amsterdam 00:45Z -> 02:00Z, so 01:00-01:45Z are lost), and asked
 *   from inside the second copy it answers a time before the one asked
 *   about (01:00Z -> 00:15Z). cronie fires both copies, as we do.
 * - Repeated hour, New York: croniter also fires the fixed 02:00 and
 *   02:30, which follow the repeated 01:xx and occur once, an hour late
 *   (08:00Z and 08:30Z, i.e. 03:00 and 03:30 EST).
 * - Gap, fixed hour: croniter moves a nonexistent 02:30 one hour on, to
 *   03:30 summer time; cronie and we fire at the gap's end, 03:00.
 * - Gap, step hours: croniter fires "0 *" "/2 * * *" at 03:00 CEST for the
 *   nonexistent 02:00; in real time there is no 02:00, and the next even
 *   hour is 04:00 CEST (02:00Z).
 * It agrees on every night for the fixed times that exist once or whose
 * first copy is meant (02:00 and 02:30 in Amsterdam's autumn, 01:00 and
 * 01:30 in New York's), on "*" hours across both gaps, and on "0 2" in
 * the gaps (02:00 moved on one hour is 03:00, the gap's end).
 */
static const struct {
	enum night	 night;
	const char	*expr;
	const char	*fires;
	const char	*croniter;	/* its answers; NULL: the same */
} goldens[] = {
	{ AMS_SPRING, "*/15 * * * *",
	    "23:00 23:15 23:30 23:45 00:00 00:15 00:30 00:45 01:00 "
	    "01:15 01:30 01:45 02:00 02:15 02:30 02:45 03:00 03:15 "
	    "03:30 03:45",
	    NULL },
	{ AMS_SPRING, "0 * * * *", "23:00 00:00 01:00 02:00 03:00", NULL },
	{ AMS_SPRING, "30 * * * *", "23:30 00:30 01:30 02:30 03:30", NULL },
	{ AMS_SPRING, "0 */2 * * *", "23:00 02:00", "23:00 01:00" },
	/* 02:30 does not exist: once, at 03:00 CEST (01:00Z). */
	{ AMS_SPRING, "30 2 * * *", "01:00", "01:30" },
	{ AMS_SPRING, "0 2 * * *", "01:00", NULL },
	{ AMS_SPRING, "30 1 * * *", "00:30", NULL },
	{ AMS_SPRING, "*/15 2 * * *", "01:00", NULL },
	{ AMS_AUTUMN, "*/15 * * * *",
	    "22:00 22:15 22:30 22:45 23:00 23:15 23:30 23:45 00:00 "
	    "00:15 00:30 00:45 01:00 01:15 01:30 01:45 02:00 02:15 "
	    "02:30 02:45 03:00 03:15 03:30 03:45 04:00 04:15 04:30 "
	    "04:45",
	    "22:00 22:15 22:30 22:45 23:00 23:15 23:30 23:45 00:00 "
	    "00:15 00:30 00:45 02:00 00:15 00:30 00:45 02:00 02:15 "
	    "02:30 02:45 03:00 03:15 03:30 03:45 04:00 04:15 04:30 "
	    "04:45" },
	{ AMS_AUTUMN, "0 * * * *",
	    "22:00 23:00 00:00 01:00 02:00 03:00 04:00",
	    "22:00 23:00 00:00 02:00 02:00 03:00 04:00" },
	{ AMS_AUTUMN, "30 * * * *",
	    "22:30 23:30 00:30 01:30 02:30 03:30 04:30",
	    "22:30 23:30 00:30 02:30 02:30 03:30 04:30" },
	{ AMS_AUTUMN, "0 */2 * * *",
	    "22:00 00:00 01:00 03:00",
	    "22:00 00:00 03:00 03:00" },
	/* 02:30 happens twice: once, at the first (CEST). */
	{ AMS_AUTUMN, "30 2 * * *", "00:30", NULL },
	{ AMS_AUTUMN, "0 2 * * *", "00:00", NULL },
	{ AMS_AUTUMN, "30 1 * * *", "23:30", NULL },
	{ AMS_AUTUMN, "*/15 2 * * *", "00:00 00:15 00:30 00:45", NULL },
	{ NYC_SPRING, "*/15 * * * *",
	    "05:00 05:15 05:30 05:45 06:00 06:15 06:30 06:45 07:00 "
	    "07:15 07:30 07:45 08:00 08:15 08:30 08:45 09:00 09:15 "
	    "09:30 09:45",
	    NULL },
	{ NYC_SPRING, "0 * * * *", "05:00 06:00 07:00 08:00 09:00", NULL },
	{ NYC_SPRING, "30 * * * *", "05:30 06:30 07:30 08:30 09:30", NULL },
	/* 02:30 does not exist: once, at 03:00 EDT (07:00Z). */
	{ NYC_SPRING, "30 2 * * *", "07:00", "07:30" },
	{ NYC_SPRING, "0 2 * * *", "07:00", NULL },
	{ NYC_SPRING, "30 1 * * *", "06:30", NULL },
	{ NYC_AUTUMN, "*/15 * * * *",
	    "04:00 04:15 04:30 04:45 05:00 05:15 05:30 05:45 06:00 "
	    "06:15 06:30 06:45 07:00 07:15 07:30 07:45 08:00 08:15 "
	    "08:30 08:45 09:00 09:15 09:30 09:45 10:00 10:15 10:30 "
	    "10:45",
	    "04:00 04:15 04:30 04:45 05:00 05:15 05:30 05:45 07:00 "
	    "05:15 05:30 05:45 07:00 07:15 07:30 07:45 08:00 08:15 "
	    "08:30 08:45 09:00 09:15 09:30 09:45 10:00 10:15 10:30 "
	    "10:45" },
	{ NYC_AUTUMN, "0 * * * *",
	    "04:00 05:00 06:00 07:00 08:00 09:00 10:00",
	    "04:00 05:00 07:00 07:00 08:00 09:00 10:00" },
	{ NYC_AUTUMN, "30 * * * *",
	    "04:30 05:30 06:30 07:30 08:30 09:30 10:30",
	    "04:30 05:30 07:30 07:30 08:30 09:30 10:30" },
	/* New York repeats 01:xx, not 02:xx: 02:30 EST is 07:30Z. */
	{ NYC_AUTUMN, "30 2 * * *", "07:30", "08:30" },
	{ NYC_AUTUMN, "0 2 * * *", "07:00", "08:00" },
	/* 01:30 happens twice: once, at the first (EDT). */
	{ NYC_AUTUMN, "30 1 * * *", "05:30", NULL },
	{ NYC_AUTUMN, "0 1 * * *", "05:00", NULL },
};

/*
 * Fills out with the fires of golden g as "HH:MM" words, and at[] with
 * the instants (ms) each was asked for after: at[0] is the window's start
 * less one second, at[k] the k-th fire. Returns the number of fires, or
 * -1 with out holding the reason.
 */
static int
golden_fires(size_t g, int64_t *at, int atmax, char *out, size_t outsz)
{
	char why[256], buf[TIMEFMT_LEN];
	const char *zone = nights[goldens[g].night].zone;
	struct cron *c = cron_parse(goldens[g].expr, why, sizeof(why));
	struct tz *tz = tz_load(zone, why, sizeof(why));
	int64_t t = ms(nights[goldens[g].night].from) - 1000;
	int64_t end = ms(nights[goldens[g].night].to);
	int n = 0;

	out[0] = '\0';
	if (c == NULL || tz == NULL) {
		snprintf(out, outsz, "%s", why);
		n = -1;
	}
	while (n >= 0 && n < atmax) {
		size_t len = strlen(out);

		at[n] = t;
		if ((t = cron_next(c, tz, t)) < 0 || t >= end)
			break;
		snprintf(out + len, outsz - len, "%s%.5s", n ? " " : "",
		    timefmt_rfc3339(t, buf) + 11);
		n++;
	}
	cron_free(c);
	tz_free(tz);
	return n;
}

static void
test_golden(void)
{
	char name[96], got[1024], detail[1200];
	int64_t at[40];

	for (size_t g = 0; g < sizeof(goldens) / sizeof(goldens[0]); g++) {
		int n = golden_fires(g, at, 40, got, sizeof(got));

		snprintf(name, sizeof(name), "golden_%s_%s",
		    nights[goldens[g].night].name, goldens[g].expr);
		snprintf(detail, sizeof(detail), "got \"%s\"", got);
		check(name, n > 0 && strcmp(got, goldens[g].fires) == 0,
		    detail);
	}
}

/* --- cross-check with a brute-force search around DST changes ---------- */

/*
 * An expression made of explicit value sets, so the test can match wall
 * times on its own: each field is "*" or a comma list.
 */
struct sets {
	uint64_t	bits[5];
	int		restricted[5];
	int		real_time;	/* the hour field is "*" */
	char		expr[256];
};

static void
random_sets(struct sets *s)
{
	static const int lo[5] = { 0, 0, 1, 1, 0 }, hi[5] = { 59, 23, 31, 12,
	    6 };
	size_t len = 0;

	memset(s, 0, sizeof(*s));
	for (int f = 0; f < 5; f++) {
		/* Day and month fields are mostly "*" so fires come often. */
		int star = f >= 2 ? rand() % 4 != 0 : rand() % 5 == 0;
		int n = 1 + rand() % 4;

		if (len > 0)
			s->expr[len++] = ' ';
		if (star) {
			s->bits[f] = 0;
			for (int v = lo[f]; v <= hi[f]; v++)
				s->bits[f] |= (uint64_t)1 << v;
			s->expr[len++] = '*';
			s->real_time |= f == 1;
			continue;
		}
		for (int i = 0; i < n; i++) {
			/* Hours near the changes, minutes on common marks. */
			int v = f == 1 ? rand() % 4 : f == 0 ? (rand() % 2 ?
			    15 * (rand() % 4) : rand() % 60) :
			    lo[f] + rand() % (hi[f] - lo[f] + 1);

			s->bits[f] |= (uint64_t)1 << v;
			len += (size_t)snprintf(s->expr + len,
			    sizeof(s->expr) - len, "%s%d", i ? "," : "", v);
		}
		s->restricted[f] = 1;
	}
	s->expr[len] = '\0';
}

static int
sets_match(const struct sets *s, const struct tm *tm)
{
	int dom = (s->bits[2] >> tm->tm_mday) & 1;
	int dow = (s->bits[4] >> tm->tm_wday) & 1;
	int day = s->restricted[2] && s->restricted[4] &&
	    s->bits[4] != 0x7f && s->bits[2] != 0xfffffffeULL ?
	    dom || dow : dom && dow;

	return ((s->bits[0] >> tm->tm_min) & 1) &&
	    ((s->bits[1] >> tm->tm_hour) & 1) &&
	    ((s->bits[3] >> (tm->tm_mon + 1)) & 1) && day;
}

/* Wall-clock seconds shown at instant t. */
static int64_t
wall_at(const struct tz *tz, int64_t t)
{
	return t + tz_offset_at(tz, t);
}

/*
 * Whether the definition says "fire" at UTC minute t. With hour "*" (real
 * time): the wall time shown matches. With fixed hours: it matches and
 * was not shown before (first occurrence), or t ends a gap in which some
 * skipped wall minute matches.
 */
static int
brute_fires(const struct sets *s, const struct tz *tz, int64_t t)
{
	int64_t w = wall_at(tz, t), before = wall_at(tz, t - 1);
	struct tm tm;

	tz_localtime(tz, t, &tm);
	if (s->real_time)
		return sets_match(s, &tm);
	if (sets_match(s, &tm)) {
		int repeat = 0;

		for (int d = 1; d <= 4; d++)
			if (wall_at(tz, t - d * 1800) == w)
				repeat = 1;
		if (!repeat)
			return 1;
	}
	if (w > before + 1) {
		/* Wall minutes skipped by a gap ending at t. */
		for (int64_t m = (before / 60 + 1) * 60; m < w; m += 60) {
			struct tm g;
			time_t wall = (time_t)m;

			/* Wall seconds read as UTC give the wall fields. */
			gmtime_r(&wall, &g);
			if (sets_match(s, &g))
				return 1;
		}
	}
	return 0;
}

/*
 * Follows three fires of s in tz from after (seconds), comparing
 * cron_next with the brute-force search over the next three days.
 * Returns the number of fires compared, or -1 with detail filled.
 */
static int
brute_compare(const struct sets *s, const struct tz *tz, const char *zone,
    int64_t after, char *detail, size_t detailsz)
{
	char why[256], b1[TIMEFMT_LEN], b2[TIMEFMT_LEN], b3[TIMEFMT_LEN];
	struct cron *c = cron_parse(s->expr, why, sizeof(why));
	int64_t t = after;
	int n = 0;

	if (c == NULL) {
		snprintf(detail, detailsz, "%.200s: %.200s", s->expr, why);
		return -1;
	}
	for (int k = 0; k < 3; k++, n++) {
		int64_t got = cron_next(c, tz, t * 1000), want = -1;

		for (int64_t m = (t / 60 + 1) * 60; m < t + 3 * 86400;
		    m += 60)
			if (brute_fires(s, tz, m)) {
				want = m;
				break;
			}
		/* Nothing in the window: ours must not fire in it either. */
		if (want == -1 && (got == -1 || got / 1000 >= t + 3 * 86400))
			break;
		if (got != want * 1000) {
			snprintf(detail, detailsz, "%s \"%s\" after %s: got "
			    "%s, brute force says %s", zone, s->expr,
			    timefmt_rfc3339(t * 1000, b1), got < 0 ? "none" :
			    timefmt_rfc3339(got, b2), want < 0 ?
			    "none in 3 days" :
			    timefmt_rfc3339(want * 1000, b3));
			cron_free(c);
			return -1;
		}
		t = want;
	}
	cron_free(c);
	return n;
}

/* The instants in 2026 and 2027 at which tz's offset changes. */
static int
find_changes(const struct tz *tz, int64_t *out, int max)
{
	int n = 0;

	for (int64_t t = 1767225600; t < 1830297600 && n < max; t += 1800) {
		int64_t lo = t - 1800, hi = t;

		if (tz_offset_at(tz, t) == tz_offset_at(tz, lo))
			continue;
		while (hi - lo > 1) {
			int64_t mid = lo + (hi - lo) / 2;

			if (tz_offset_at(tz, mid) == tz_offset_at(tz, lo))
				lo = mid;
			else
				hi = mid;
		}
		out[n++] = hi;
	}
	return n;
}

static void
test_bruteforce_dst(void)
{
	static const char *const zones[] = { "Europe/Amsterdam",
	    "America/New_York", "Australia/Lord_Howe", "Australia/Sydney",
	    "America/Nuuk" };
	char why[256], detail[512] = "";
	int cases = 0, bad = 0;

	srand(42);
	for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]) && !bad; z++) {
		struct tz *tz = tz_load(zones[z], why, sizeof(why));
		int64_t changes[8];
		int nc;

		if (tz == NULL || (nc = find_changes(tz, changes, 8)) == 0) {
			check("bruteforce_dst", 0, tz ? "no DST changes" : why);
			tz_free(tz);
			return;
		}
		for (int i = 0; i < 120 && !bad; i++) {
			struct sets s;
			int64_t after = changes[rand() % nc] - 5 * 3600 +
			    rand() % (8 * 3600);
			int n;

			random_sets(&s);
			n = brute_compare(&s, tz, zones[z], after, detail,
			    sizeof(detail));
			if (n == -1)
				bad = 1;
			else
				cases += n;
		}
		tz_free(tz);
	}
	if (!bad)
		snprintf(detail, sizeof(detail), "%d fires", cases);
	check("bruteforce_dst", !bad && cases > 1000, detail);
}

/* --- cross-check with croniter ------------------------------------------ */

static const char *
find_python(void)
{
	static const char *const cands[] = { "/usr/bin/python3", "python3" };
	char cmd[128];

	for (size_t i = 0; i < 2; i++) {
		snprintf(cmd, sizeof(cmd), "%s -c 'import croniter' "
		    ">/dev/null 2>&1", cands[i]);
		if (system(cmd) == 0)
			return cands[i];
	}
	return NULL;
}

static void
random_field(char *out, size_t outsz, int lo, int hi)
{
	int a = lo + rand() % (hi - lo + 1), b = lo + rand() % (hi - lo + 1);
	int t;

	if (a > b) {
		t = a;
		a = b;
		b = t;
	}
	switch (rand() % 6) {
	case 0:
		snprintf(out, outsz, "*");
		break;
	case 1:
		snprintf(out, outsz, "%d", a);
		break;
	case 2:
		snprintf(out, outsz, "%d-%d", a, b);
		break;
	case 3:
		snprintf(out, outsz, "*/%d", 1 + rand() % (hi < 20 ? hi : 20));
		break;
	case 4:
		snprintf(out, outsz, "%d-%d/%d", a, b, 1 + rand() % 5);
		break;
	default:
		snprintf(out, outsz, "%d,%d", a, b);
		break;
	}
}

static void
test_croniter(void)
{
	const char *py = find_python();
	char path[] = "/tmp/sluice-croniter.XXXXXX", cmd[256], line[256];
	char why[256], detail[512], buf[TIMEFMT_LEN];
	struct tz *utc = tz_load("UTC", why, sizeof(why));
	FILE *f, *p;
	int fd, n = 0, bad = 0;
	enum { N = 300 };
	static char exprs[N][192];
	static int64_t starts[N];

	if (py == NULL) {
		check_skip("croniter_cross_check", "croniter not installed");
		tz_free(utc);
		return;
	}
	srand(20261129);
	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL) {
		check("croniter_cross_check", 0, "mkstemp");
		tz_free(utc);
		return;
	}
	for (int i = 0; i < N; i++) {
		char fl[5][32];

		random_field(fl[0], 32, 0, 59);
		random_field(fl[1], 32, 0, 23);
		random_field(fl[2], 32, 1, 28);
		random_field(fl[3], 32, 1, 12);
		random_field(fl[4], 32, 0, 6);
		snprintf(exprs[i], sizeof(exprs[i]), "%s %s %s %s %s", fl[0],
		    fl[1], fl[2], fl[3], fl[4]);
		starts[i] = (int64_t)(1767225600 + rand() % 200000000) * 1000;
		fprintf(f, "%s\t%lld\n", exprs[i],
		    (long long)(starts[i] / 1000));
	}
	fclose(f);
	/* croniter prints the next fire time for each line, in UTC. */
	snprintf(cmd, sizeof(cmd), "%s -c 'import sys,croniter,datetime\n"
	    "for l in open(sys.argv[1]):\n"
	    " e,s=l.rstrip(\"\\n\").split(\"\\t\")\n"
	    " d=datetime.datetime.fromtimestamp(int(s),datetime.timezone.utc)\n"
	    " print(int(croniter.croniter(e,d).get_next(float)))' %s", py,
	    path);
	if ((p = popen(cmd, "r")) == NULL) {
		check("croniter_cross_check", 0, "popen");
		goto out;
	}
	while (n < N && fgets(line, sizeof(line), p) != NULL) {
		struct cron *c = cron_parse(exprs[n], why, sizeof(why));
		int64_t want = strtoll(line, NULL, 10) * 1000, got;

		got = c ? cron_next(c, utc, starts[n]) : -2;
		if (got != want && !bad) {
			char wbuf[TIMEFMT_LEN], gbuf[TIMEFMT_LEN];

			bad = 1;
			snprintf(detail, sizeof(detail), "\"%.96s\" after %s: "
			    "got %s, croniter says %s", exprs[n],
			    timefmt_rfc3339(starts[n], buf), got < 0 ? "none" :
			    timefmt_rfc3339(got, gbuf),
			    timefmt_rfc3339(want, wbuf));
		}
		cron_free(c);
		n++;
	}
	pclose(p);
	if (n != N && !bad) {
		bad = 1;
		snprintf(detail, sizeof(detail), "croniter answered %d of %d",
		    n, N);
	}
	check("croniter_cross_check", !bad, detail);
out:
	unlink(path);
	tz_free(utc);
}

/* --- golden nights against croniter ------------------------------------- */

/*
 * Writes one line "zone TAB expr TAB seconds" per question the golden
 * table asks croniter (see goldens), and each golden's count to counts.
 * Returns 0, or -1 when a golden cannot be computed.
 */
static int
croniter_dst_write(FILE *f, int *counts)
{
	char got[1024];
	int64_t at[40];

	for (size_t g = 0; g < sizeof(goldens) / sizeof(goldens[0]); g++) {
		int n = golden_fires(g, at, 40, got, sizeof(got));

		if (n <= 0)
			return -1;
		counts[g] = n;
		for (int k = 0; k < n; k++)
			fprintf(f, "%s\t%s\t%lld\n",
			    nights[goldens[g].night].zone, goldens[g].expr,
			    (long long)(at[k] / 1000));
	}
	return 0;
}

/* Reads croniter's n answers for golden g from p and checks them against
 * the recorded ones. */
static void
croniter_dst_compare(FILE *p, size_t g, int n)
{
	char line[64], got[1024] = "", name[96], detail[2200];
	char buf[TIMEFMT_LEN];
	const char *want = goldens[g].croniter ? goldens[g].croniter :
	    goldens[g].fires;

	for (int k = 0; k < n && fgets(line, sizeof(line), p) != NULL; k++) {
		size_t len = strlen(got);

		snprintf(got + len, sizeof(got) - len, "%s%.5s", k ? " " : "",
		    timefmt_rfc3339(strtoll(line, NULL, 10) * 1000, buf) + 11);
	}
	snprintf(name, sizeof(name), "croniter_%s_%s",
	    nights[goldens[g].night].name, goldens[g].expr);
	snprintf(detail, sizeof(detail), "croniter says \"%s\", recorded "
	    "\"%s\"", got, want);
	check(name, strcmp(got, want) == 0, detail);
}

/*
 * Asks croniter the golden table's questions in each night's zone and
 * checks that it agrees with us, or differs as recorded (croniter 1.3.5;
 * other versions are skipped).
 */
static void
test_croniter_dst(void)
{
	const char *py = find_python();
	char path[] = "/tmp/sluice-croniter-dst.XXXXXX", cmd[512], ver[64];
	int counts[sizeof(goldens) / sizeof(goldens[0])];
	FILE *f, *p = NULL;
	int fd, ret;

	if (py == NULL) {
		check_skip("croniter_dst", "croniter not installed");
		return;
	}
	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL) {
		check("croniter_dst", 0, "mkstemp");
		return;
	}
	ret = croniter_dst_write(f, counts);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s -c 'import sys,croniter,datetime\n"
	    "import zoneinfo,importlib.metadata as m\n"
	    "print(m.version(\"croniter\"))\n"
	    "for l in open(sys.argv[1]):\n"
	    " z,e,s=l.rstrip(\"\\n\").split(\"\\t\")\n"
	    " d=datetime.datetime.fromtimestamp(int(s),zoneinfo.ZoneInfo(z))\n"
	    " print(int(croniter.croniter(e,d).get_next(float)))' %s", py,
	    path);
	if (ret == -1 || (p = popen(cmd, "r")) == NULL) {
		check("croniter_dst", 0, ret == -1 ? "goldens fail" : "popen");
		goto out;
	}
	if (fgets(ver, sizeof(ver), p) == NULL || strcmp(ver, "1.3.5\n")) {
		check_skip("croniter_dst", "differences recorded for croniter "
		    "1.3.5 only");
		goto out;
	}
	for (size_t g = 0; g < sizeof(goldens) / sizeof(goldens[0]); g++)
		croniter_dst_compare(p, g, counts[g]);
out:
	if (p != NULL)
		pclose(p);
	unlink(path);
}

int
main(void)
{
	test_next();
	test_every_minute_year();
	test_golden();
	test_refusals();
	test_too_long();
	test_extremes();
	test_describe();
	test_bruteforce_dst();
	test_croniter();
	test_croniter_dst();
	return check_status();
}
