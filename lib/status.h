/*
 * status.h: the one status enum callers use when they must tell failure
 * causes apart. fcgi/reply.c alone maps it to HTTP statuses.
 */
#ifndef SLUICE_STATUS_H
#define SLUICE_STATUS_H

enum sl_status {
	SL_OK = 0,
	SL_INVALID,	/* the caller's input is wrong (400) */
	SL_NOTFOUND,	/* the named object does not exist (404) */
	SL_CONFLICT,	/* the object's state forbids it (409) */
	SL_GONE,	/* it existed but is no longer there or readable (410) */
	SL_BUSY,	/* the database stayed locked (503) */
	SL_FULL,	/* the disk holding the data is full (503) */
	SL_IO,		/* a file or socket failed (500) */
	SL_DB,		/* SQLite failed unexpectedly (500) */
	/* The HTTP edge's own refusals (sluice-api only): */
	SL_UNAUTHORIZED,	/* no known user (401) */
	SL_FORBIDDEN,	/* the user's role may not (403) */
	SL_METHOD,	/* the method is not allowed on the path (405) */
	SL_TOO_LARGE,	/* the input is over its size limit (413) */
	SL_MEDIA,	/* the input's media type is not accepted (415) */
	SL_STATUS_MAX
};

#endif
