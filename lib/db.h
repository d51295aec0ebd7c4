/*
 * db.h: the one way to reach SQLite (see db.c): a connection, a statement
 * that remembers its first error, and transactions run as functions.
 */
#ifndef SLUICE_DB_H
#define SLUICE_DB_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

struct db;
struct sqlite3_stmt;

/*
 * A prepared statement on caller storage. err is the first failure of
 * prepare, bind, step or column read; once set, every later call on the
 * statement does nothing, and db_finish returns it. Fields are db.c's.
 */
struct db_stmt {
	struct db *db;
	struct sqlite3_stmt *h;
	enum sl_status err;
};

/*
 * One named parameter's value, for db_bind_all and db_run: write them as
 * DB_TEXT(":name", s) (NULL binds NULL), DB_INT(":n", v) and
 * DB_INT_OR_NULL(":n", v, present).
 */
struct db_arg {
	const char *name;
	enum { DB_ARG_TEXT, DB_ARG_INT, DB_ARG_NULL } type;
	const char *text;
	int64_t i;
};

#define DB_TEXT(n, v) \
	((struct db_arg){ .name = (n), .type = DB_ARG_TEXT, .text = (v) })
#define DB_INT(n, v) \
	((struct db_arg){ .name = (n), .type = DB_ARG_INT, .i = (v) })
#define DB_INT_OR_NULL(n, v, present) \
	((struct db_arg){ .name = (n), .i = (v), \
	    .type = (present) ? DB_ARG_INT : DB_ARG_NULL })
#define DB_ARGS(...) (const struct db_arg[]){ __VA_ARGS__ }, \
	sizeof((const struct db_arg[]){ __VA_ARGS__ }) / sizeof(struct db_arg)

/* Binds every parameter of the statement: db_bind_all(&st, DB_TEXT(...),
 * DB_INT(...), ...). */
#define db_bind_all(st, ...) db_bind_args((st), DB_ARGS(__VA_ARGS__))
/* Prepares, binds every parameter, steps to the end and finishes. */
#define db_run(db, sql, ...) db_run_args((db), (sql), DB_ARGS(__VA_ARGS__))

/* A unit of work run inside one transaction by db_write or db_read. */
typedef enum sl_status db_work_fn(struct db *db, void *arg);

struct db *db_open(const char *path);
void db_close(struct db *db);
enum sl_status db_exec(struct db *db, const char *sql);
enum sl_status db_write(struct db *db, db_work_fn *fn, void *arg);
enum sl_status db_read(struct db *db, db_work_fn *fn, void *arg);
const char *db_errmsg(struct db *db);
int db_in_transaction(struct db *db);
int64_t db_changes(struct db *db);
int64_t db_last_rowid(struct db *db);

void db_prepare(struct db *db, struct db_stmt *st, const char *sql);
void db_bind_text(struct db_stmt *st, const char *name, const char *v);
void db_bind_textn(struct db_stmt *st, const char *name, const char *v,
    size_t len);
void db_bind_int(struct db_stmt *st, const char *name, int64_t v);
void db_bind_double(struct db_stmt *st, const char *name, double v);
void db_bind_null(struct db_stmt *st, const char *name);
void db_bind_args(struct db_stmt *st, const struct db_arg *a, size_t n);
enum sl_status db_run_args(struct db *db, const char *sql,
    const struct db_arg *a, size_t n);
int db_step(struct db_stmt *st);
void db_reset(struct db_stmt *st);
enum sl_status db_finish(struct db_stmt *st);
enum sl_status db_done(struct db_stmt *st);
enum sl_status db_first_int(struct db_stmt *st, int64_t *out);

int64_t db_col_int(struct db_stmt *st, int col);
double db_col_double(struct db_stmt *st, int col);
const char *db_col_text(struct db_stmt *st, int col);
size_t db_col_bytes(struct db_stmt *st, int col);
int db_col_null(struct db_stmt *st, int col);

#endif
