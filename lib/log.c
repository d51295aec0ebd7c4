/*
 * log.c: one line per message to stderr, prefixed with a UTC timestamp,
 * the program name and pid. log_warn and fatal append strerror(errno).
 * log_debug prints only when SLUICE_DEBUG is set in the environment.
 * fatal/fatalx exit the program and may be used only during startup.
 * Never pass passwords, Authorization headers or task env values here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static void
vlog(const char *level, int with_errno, const char *fmt, va_list ap)
{
	int saved = errno;
	char msg[2048], stamp[32];
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno)
		fprintf(stderr, "%s.%03ldZ %s[%d] %s: %s: %s\n", stamp,
		    (long)(tv.tv_usec / 1000), program_invocation_short_name,
		    (int)getpid(), level, msg, strerror(saved));
	else
		fprintf(stderr, "%s.%03ldZ %s[%d] %s: %s\n", stamp,
		    (long)(tv.tv_usec / 1000), program_invocation_short_name,
		    (int)getpid(), level, msg);
	errno = saved;
}

/* Logs a warning followed by strerror(errno). */
void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning", 1, fmt, ap);
	va_end(ap);
}

/* Logs a warning. */
void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning", 0, fmt, ap);
	va_end(ap);
}

/* Logs an informational message. */
void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("info", 0, fmt, ap);
	va_end(ap);
}

/* Logs a debug message when SLUICE_DEBUG is set. */
void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (getenv("SLUICE_DEBUG") == NULL)
		return;
	va_start(ap, fmt);
	vlog("debug", 0, fmt, ap);
	va_end(ap);
}

/* Logs with strerror(errno) and exits 1. Startup only. */
void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("fatal", 1, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Logs and exits 1. Startup only. */
void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("fatal", 0, fmt, ap);
	va_end(ap);
	exit(1);
}
