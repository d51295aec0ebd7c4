/*
 * dbraw.h: TRANSITIONAL. The old raw-statement helpers, kept only while
 * the callers move to db.h's statement type; deleted when none is left.
 */
#ifndef SLUICE_DBRAW_H
#define SLUICE_DBRAW_H

#include <sqlite3.h>
#include <stdint.h>

#include "db.h"

sqlite3 *db_raw(struct db *db);
enum sl_status db_begin_write(struct db *db);
enum sl_status db_commit(struct db *db);
void dbraw_rollback(struct db *db);
enum sl_status dbraw_status(struct db *db, int rc);
sqlite3_stmt *dbraw_prepare(struct db *db, const char *sql);
int dbraw_bind_text(sqlite3_stmt *st, const char *name, const char *v);
int dbraw_bind_int64(sqlite3_stmt *st, const char *name, int64_t v);
int dbraw_bind_null(sqlite3_stmt *st, const char *name);
const char *dbraw_col_text(sqlite3_stmt *st, int col);

#endif
