/* sqlx.h: copying statement columns into JSON for the handlers (sqlx.c). */
#ifndef SLUICE_FCGI_SQLX_H
#define SLUICE_FCGI_SQLX_H

#include <json-c/json.h>

#include "db.h"

void sqlx_add_int(struct json_object *obj, const char *key,
    struct db_stmt *st, int col);
void sqlx_add_text(struct json_object *obj, const char *key,
    struct db_stmt *st, int col);
void sqlx_add_time(struct json_object *obj, const char *key,
    struct db_stmt *st, int col);
void sqlx_add_bool(struct json_object *obj, const char *key,
    struct db_stmt *st, int col);
struct json_object *sqlx_json(struct db_stmt *st, int col);

#endif
