/*
 * check.h: the one reporting helper of the unit test programs. Each case
 * prints "ok <name>" or "FAIL <name>: <detail>"; a program returns
 * check_status() from main, non-zero when any case failed. Included by
 * exactly one file per program, so the static state is that program's.
 */
#ifndef SLUICE_TEST_CHECK_H
#define SLUICE_TEST_CHECK_H

#include <stdio.h>

static int failures;

static void
check(const char *name, int ok, const char *detail)
{
	if (ok) {
		printf("ok %s\n", name);
	} else {
		failures++;
		printf("FAIL %s: %s\n", name, detail ? detail : "");
	}
}

static int
check_status(void)
{
	return failures ? 1 : 0;
}

#endif
