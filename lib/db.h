/* db.h: SQLite connection and statement helpers (see db.c). */
#ifndef SLUICE_DB_H
#define SLUICE_DB_H

#include <sqlite3.h>
#include <stdint.h>

#include "status.h"

sqlite3 *db_open(const char *path);
void db_close(sqlite3 *db);
enum sl_status db_begin_write(sqlite3 *db);
enum sl_status db_commit(sqlite3 *db);
void db_rollback(sqlite3 *db);
enum sl_status db_status(sqlite3 *db, int rc);
int db_exec(sqlite3 *db, const char *sql);
sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql);
int db_bind_text(sqlite3_stmt *st, const char *name, const char *v);
int db_bind_int64(sqlite3_stmt *st, const char *name, int64_t v);
int db_bind_null(sqlite3_stmt *st, const char *name);
const char *db_col_text(sqlite3_stmt *st, int col);

#endif
