/*
 * sqlx.c: copies columns of the current row of a lib/db.h statement into
 * JSON objects, SQL NULL becoming JSON null, in the shapes the API
 * documents (times as RFC 3339, flags as booleans). Values are copied,
 * so results outlive the statement. Running statements is lib/db.c's job,
 * not this file's.
 */
#include "json.h"
#include "sqlx.h"

/* Sets obj[key] to integer column col, or null. */
void
sqlx_add_int(struct json_object *obj, const char *key, struct db_stmt *st,
    int col)
{
	if (db_col_null(st, col))
		json_object_object_add(obj, key, NULL);
	else
		jsonx_add_int(obj, key, db_col_int(st, col));
}

/* Sets obj[key] to text column col, or null. */
void
sqlx_add_text(struct json_object *obj, const char *key, struct db_stmt *st,
    int col)
{
	const char *t;

	if (db_col_null(st, col)) {
		json_object_object_add(obj, key, NULL);
		return;
	}
	t = db_col_text(st, col);
	json_object_object_add(obj, key, json_object_new_string_len(t,
	    (int)db_col_bytes(st, col)));
}

/* Sets obj[key] to the ms-time column col as RFC 3339, or null. */
void
sqlx_add_time(struct json_object *obj, const char *key, struct db_stmt *st,
    int col)
{
	if (db_col_null(st, col))
		json_object_object_add(obj, key, NULL);
	else
		jsonx_add_time(obj, key, db_col_int(st, col));
}

/* Sets obj[key] to integer column col as a boolean. */
void
sqlx_add_bool(struct json_object *obj, const char *key, struct db_stmt *st,
    int col)
{
	json_object_object_add(obj, key,
	    json_object_new_boolean(db_col_int(st, col) != 0));
}

/*
 * Parses JSON text column col (written by us, so valid) into a new object
 * the caller owns; NULL column or unparsable text gives NULL (JSON null).
 */
struct json_object *
sqlx_json(struct db_stmt *st, int col)
{
	const char *t;
	char why[128];

	if (db_col_null(st, col))
		return NULL;
	t = db_col_text(st, col);
	return jsonx_parse(t, db_col_bytes(st, col), why, sizeof(why));
}
