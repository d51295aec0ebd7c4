/* civil.h: proleptic Gregorian calendar arithmetic (see civil.c). */
#ifndef SLUICE_CIVIL_H
#define SLUICE_CIVIL_H

#include <stdint.h>

int64_t civil_days_from_date(int64_t y, int m, int d);
void civil_date_from_days(int64_t days, int64_t *y, int *m, int *d);
int civil_is_leap(int64_t y);
int civil_month_days(int64_t y, int m);
int64_t civil_floor_div(int64_t a, int64_t b);

#endif
