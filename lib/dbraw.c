/*
 * dbraw.c: TRANSITIONAL raw-statement helpers (see dbraw.h). Deleted once
 * every caller uses db.h's struct db_stmt and db_write.
 */
#include <assert.h>

#include "dbraw.h"
#include "log.h"

/* The connection's SQLite handle; db.c's struct db starts with it. */
sqlite3 *
db_raw(struct db *db)
{
	return *(sqlite3 **)db;
}

enum sl_status
dbraw_status(struct db *db, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return SL_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return SL_BUSY;
	case SQLITE_CONSTRAINT:
		return SL_CONFLICT;
	default:
		log_warnx("db: %s", sqlite3_errmsg(db_raw(db)));
		return SL_DB;
	}
}

enum sl_status
db_begin_write(struct db *db)
{
	return dbraw_status(db, sqlite3_exec(db_raw(db), "BEGIN IMMEDIATE",
	    NULL, NULL, NULL));
}

enum sl_status
db_commit(struct db *db)
{
	enum sl_status s;

	s = dbraw_status(db, sqlite3_exec(db_raw(db), "COMMIT", NULL, NULL,
	    NULL));
	if (s != SL_OK)
		dbraw_rollback(db);
	return s;
}

void
dbraw_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db_raw(db)))
		sqlite3_exec(db_raw(db), "ROLLBACK", NULL, NULL, NULL);
}

sqlite3_stmt *
dbraw_prepare(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db_raw(db), sql, -1, &st, NULL) != SQLITE_OK) {
		log_warnx("db_prepare: %s: %s", sqlite3_errmsg(db_raw(db)),
		    sql);
		return NULL;
	}
	return st;
}

static int
param_index(sqlite3_stmt *st, const char *name)
{
	int i = sqlite3_bind_parameter_index(st, name);

	assert(i != 0);
	return i;
}

int
dbraw_bind_text(sqlite3_stmt *st, const char *name, const char *v)
{
	int i = param_index(st, name);

	if (v == NULL)
		return sqlite3_bind_null(st, i) == SQLITE_OK ? 0 : -1;
	return sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) ==
	    SQLITE_OK ? 0 : -1;
}

int
dbraw_bind_int64(sqlite3_stmt *st, const char *name, int64_t v)
{
	return sqlite3_bind_int64(st, param_index(st, name), v) == SQLITE_OK ?
	    0 : -1;
}

int
dbraw_bind_null(sqlite3_stmt *st, const char *name)
{
	return sqlite3_bind_null(st, param_index(st, name)) == SQLITE_OK ?
	    0 : -1;
}

const char *
dbraw_col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? (const char *)t : "";
}
