/*
 * sqlx.c: helpers for the API handlers' statements: run a statement that
 * returns no rows, and copy columns into JSON objects with SQL NULL
 * becoming JSON null. Column values are copied, so results outlive the
 * statement.
 */
#include <string.h>

#include "dbraw.h"
#include "json.h"
#include "sqlx.h"

/*
 * Steps st (prepared on db; NULL means the prepare failed) to completion
 * and finalizes it. Returns SL_OK or the database status.
 */
enum sl_status
sqlx_done(struct db *db, sqlite3_stmt *st)
{
	enum sl_status s;
	int rc;

	if (st == NULL)
		return SL_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	s = dbraw_status(db, rc);
	sqlite3_finalize(st);
	return s;
}

/* Sets obj[key] to integer column col, or null. */
void
sqlx_add_int(struct json_object *obj, const char *key, sqlite3_stmt *st,
    int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		json_object_object_add(obj, key, NULL);
	else
		jsonx_add_int(obj, key, sqlite3_column_int64(st, col));
}

/* Sets obj[key] to text column col, or null. */
void
sqlx_add_text(struct json_object *obj, const char *key, sqlite3_stmt *st,
    int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		json_object_object_add(obj, key, NULL);
	else
		json_object_object_add(obj, key, json_object_new_string_len(
		    dbraw_col_text(st, col), sqlite3_column_bytes(st, col)));
}

/* Sets obj[key] to the ms-time column col as RFC 3339, or null. */
void
sqlx_add_time(struct json_object *obj, const char *key, sqlite3_stmt *st,
    int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		json_object_object_add(obj, key, NULL);
	else
		jsonx_add_time(obj, key, sqlite3_column_int64(st, col));
}

/* Sets obj[key] to integer column col as a boolean. */
void
sqlx_add_bool(struct json_object *obj, const char *key, sqlite3_stmt *st,
    int col)
{
	json_object_object_add(obj, key,
	    json_object_new_boolean(sqlite3_column_int64(st, col) != 0));
}

/*
 * Parses JSON text column col (written by us, so valid) into a new object
 * the caller owns; NULL column or unparsable text gives NULL (JSON null).
 */
struct json_object *
sqlx_json(sqlite3_stmt *st, int col)
{
	char why[128];

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	return jsonx_parse(dbraw_col_text(st, col),
	    (size_t)sqlite3_column_bytes(st, col), why, sizeof(why));
}
