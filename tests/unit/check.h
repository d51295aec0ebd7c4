/*
 * check.h: the one reporting helper of the unit test programs. Each case
 * prints one line: "ok <name>", "FAIL <name>: <detail>", or "skip <name>:
 * <why>" for a case that could not run here (a missing tool); tests/run.sh
 * lists skipped cases apart, since a skip proves nothing. A program
 * returns check_status() from main: 1 when any case failed, 77 (skipped)
 * when every case was skipped, else 0. Included by exactly one file per
 * program, so the static state is that program's.
 */
#ifndef SLUICE_TEST_CHECK_H
#define SLUICE_TEST_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static struct {
	int passed, failed, skipped;
} check_counts;

static void
check(const char *name, int ok, const char *detail)
{
	if (ok) {
		check_counts.passed++;
		printf("ok %s\n", name);
	} else {
		check_counts.failed++;
		printf("FAIL %s: %s\n", name, detail ? detail : "");
	}
}

/* check() with the detail given as printf arguments. */
__attribute__((format(printf, 3, 4)))
static inline void
checkf(const char *name, int ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		check(name, 1, NULL);
		return;
	}
	check_counts.failed++;
	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Reports a case that cannot run here, and why; never counted as passed. */
static inline void
check_skip(const char *name, const char *why)
{
	check_counts.skipped++;
	printf("skip %s: %s\n", name, why);
}

static int
check_status(void)
{
	printf("# %d passed, %d failed, %d skipped\n", check_counts.passed,
	    check_counts.failed, check_counts.skipped);
	if (check_counts.failed > 0)
		return 1;
	if (check_counts.passed == 0 && check_counts.skipped > 0)
		return 77;
	return 0;
}

#endif
