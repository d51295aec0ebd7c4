/*
 * civil.c: calendar arithmetic without time zones, shared by tz.c (POSIX
 * TZ rules) and cron.c (walking local dates). Dates are proleptic
 * Gregorian with months 1..12; days count from 1970-01-01. The day/date
 * conversions are Howard Hinnant's public-domain civil algorithms, exact
 * for every int64 year that fits.
 */
#include "civil.h"

/* Returns the days since 1970-01-01 of y-m-d. */
int64_t
civil_days_from_date(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse of civil_days_from_date. */
void
civil_date_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp, z = days + 719468;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Returns 1 when y is a leap year. */
int
civil_is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Returns the number of days in month m (1..12) of year y. */
int
civil_month_days(int64_t y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };

	return m == 2 && civil_is_leap(y) ? 29 : days[m - 1];
}

/* Returns a / b rounded toward negative infinity (b != 0). */
int64_t
civil_floor_div(int64_t a, int64_t b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}
