/*
 * config.c: the one way every Sluice program reads a number from its
 * environment, so each refuses a bad value with the same words.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"

/*
 * Reads the integer variable name into *out: def when unset or empty.
 * Returns 0, or -1 with why when it is not an integer from min to max.
 */
int
config_int(const char *name, int64_t def, int64_t min, int64_t max,
    int64_t *out, char *why, size_t whysz)
{
	const char *v = getenv(name);
	char *end;
	long long n;

	*out = def;
	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max) {
		snprintf(why, whysz, "%s=%s: must be an integer from %lld to "
		    "%lld", name, v, (long long)min, (long long)max);
		return -1;
	}
	*out = n;
	return 0;
}
