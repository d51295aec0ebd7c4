/* timefmt.h: clock and RFC 3339 UTC conversion (see timefmt.c). */
#ifndef SLUICE_TIMEFMT_H
#define SLUICE_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* Large enough for "2026-11-29T19:00:47.123Z" and a NUL. */
#define TIMEFMT_LEN 32

int64_t timefmt_now_ms(void);
int64_t timefmt_mono_ms(void);
char *timefmt_rfc3339(int64_t ms, char buf[TIMEFMT_LEN]);
enum sl_status timefmt_parse(const char *s, int64_t *ms);

#endif
