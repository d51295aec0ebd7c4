/*
 * xalloc.c: malloc wrappers that log and abort when memory runs out.
 * Sluice does not thread out-of-memory through every call path; every
 * other failure is handled by the caller. Results are owned by the caller
 * and released with free().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

static void
oom(size_t n)
{
	log_warnx("xalloc: out of memory allocating %zu bytes", n);
	abort();
}

/* Returns n bytes of uninitialised memory; never NULL. */
void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

/* Returns count*size zeroed bytes; never NULL. */
void *
xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);

	if (p == NULL)
		oom(count * size);
	return p;
}

/* Resizes p to n bytes; never NULL. */
void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

/* Returns a copy of s; never NULL. */
char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		oom(strlen(s) + 1);
	return p;
}

/* Returns a copy of at most n bytes of s, NUL-terminated; never NULL. */
char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		oom(n + 1);
	return p;
}

/* Returns a newly formatted string; never NULL. */
char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p = NULL;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (r < 0)
		oom(strlen(fmt));
	return p;
}
