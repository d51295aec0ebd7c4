/*
 * cron.h: five-field cron expressions (lists, ranges, steps, month and
 * weekday names, @hourly/@daily/@weekly/@monthly/@yearly; day-of-month and
 * day-of-week OR-ed when both are restricted) evaluated in an IANA time
 * zone. Across DST changes, as in cronie: with an hour field of "*" or a
 * step, every instant whose local time matches fires (a repeated hour
 * twice, a skipped one never); with fixed hours, a repeated local time
 * fires once, at its first occurrence, and a skipped one once, when the
 * gap ends. See cron.c.
 */
#ifndef SLUICE_CRON_H
#define SLUICE_CRON_H

#include <stddef.h>
#include <stdint.h>

#include "tz.h"

struct cron;

/* Parses expr; returns a new struct the caller frees, or NULL with why. */
struct cron *cron_parse(const char *expr, char *why, size_t whysz);
void cron_free(struct cron *c);
/*
 * Returns the first fire time strictly after after_ms (ms since the epoch,
 * UTC), or -1 when there is none within five years.
 */
int64_t cron_next(const struct cron *c, const struct tz *tz,
    int64_t after_ms);
/* Describes expr in words ("at 06:00 on Monday through Friday"); caller frees. */
char *cron_describe(const struct cron *c);

#endif
