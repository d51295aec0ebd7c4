/* sqlx.h: small statement helpers the API handlers share (see sqlx.c). */
#ifndef SLUICE_FCGI_SQLX_H
#define SLUICE_FCGI_SQLX_H

#include <json-c/json.h>
#include "dbraw.h"

#include "status.h"

enum sl_status sqlx_done(struct db *db, sqlite3_stmt *st);
void sqlx_add_int(struct json_object *obj, const char *key,
    sqlite3_stmt *st, int col);
void sqlx_add_text(struct json_object *obj, const char *key,
    sqlite3_stmt *st, int col);
void sqlx_add_time(struct json_object *obj, const char *key,
    sqlite3_stmt *st, int col);
void sqlx_add_bool(struct json_object *obj, const char *key,
    sqlite3_stmt *st, int col);
struct json_object *sqlx_json(sqlite3_stmt *st, int col);

#endif
