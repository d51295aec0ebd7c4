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
	SL_BUSY,	/* the database stayed locked (503) */
	SL_IO,		/* a file or socket failed (500) */
	SL_DB,		/* SQLite failed unexpectedly (500) */
	SL_STATUS_MAX
};

#endif
