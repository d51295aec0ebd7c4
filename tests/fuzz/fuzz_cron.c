/*
 * fuzz_cron.c: libFuzzer target for cron_parse, cron_next and
 * cron_describe (lib/cron.c). Any accepted expression must describe
 * itself and give fire times strictly after the start, in UTC and in a
 * zone with DST. Build and run with `make -f tests/fuzz/fuzz.mk fuzz`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"
#include "tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tz *zones[2];
	char why[256], *expr, *desc;
	struct cron *c;

	if (zones[0] == NULL) {
		zones[0] = tz_load("UTC", why, sizeof(why));
		zones[1] = tz_load("Europe/Amsterdam", why, sizeof(why));
	}
	expr = malloc(size + 1);
	memcpy(expr, data, size);
	expr[size] = '\0';
	c = cron_parse(expr, why, sizeof(why));
	if (c != NULL) {
		desc = cron_describe(c);
		if (desc == NULL || desc[0] == '\0')
			__builtin_trap();
		free(desc);
		for (int z = 0; z < 2; z++) {
			/* 2026-03-29 00:00Z, near a DST gap. */
			int64_t t = 1774742400000LL;

			if (zones[z] == NULL)
				continue;
			for (int k = 0; k < 3 && t != -1; k++) {
				int64_t next = cron_next(c, zones[z], t);

				if (next != -1 && (next <= t || next % 1000 ||
				    next > t + 6LL * 366 * 86400000))
					__builtin_trap();
				t = next;
			}
		}
		cron_free(c);
	}
	free(expr);
	return 0;
}
