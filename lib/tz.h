/*
 * tz.h: IANA time zones read from the system's tzdata (TZif files under
 * /usr/share/zoneinfo, including the POSIX-TZ footer for times past the
 * last transition), implemented in tz.c. Thread-safe: never touches the
 * TZ environment variable.
 */
#ifndef SLUICE_TZ_H
#define SLUICE_TZ_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct tz;

/* Loads zone name ("Europe/Amsterdam", "UTC"); NULL with why if unknown. */
struct tz *tz_load(const char *name, char *why, size_t whysz);
/* Loads a zone from a TZif file at path (tests, custom zones); see tz.c. */
struct tz *tz_load_file(const char *path, const char *name, char *why,
    size_t whysz);
/* The name the zone was loaded with, borrowed for the zone's lifetime. */
const char *tz_name(const struct tz *tz);
void tz_free(struct tz *tz);
/* UTC offset in seconds in effect at utc_secs. */
long tz_offset_at(const struct tz *tz, int64_t utc_secs);
/* Fills *tm with local time (tm_gmtoff set) at utc_secs. */
void tz_localtime(const struct tz *tz, int64_t utc_secs, struct tm *tm);

#endif
