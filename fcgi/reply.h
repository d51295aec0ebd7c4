/*
 * reply.h: every reply sluice-api sends (see reply.c). Handlers never pick
 * HTTP status numbers: they reply_ok/created/accepted/no_content/page on
 * success and return SL_OK, or return a failure status, usually as
 * `return reply_fail(r, status, "message")`. reply_send maps a status no
 * one described to a generic message.
 */
#ifndef SLUICE_FCGI_REPLY_H
#define SLUICE_FCGI_REPLY_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "db.h"
#include "status.h"

void reply_header(struct req *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
enum sl_status reply_ok(struct req *r, struct json_object *obj);
/* Makes the list item *item (a new object) of st's current row. */
typedef enum sl_status reply_item_fn(struct req *r, struct db_stmt *st,
    void *arg, struct json_object **item);

enum sl_status reply_page(struct req *r, struct db_stmt *st, int64_t limit,
    int cursor_col, reply_item_fn *item, void *arg, const char *what);
enum sl_status reply_created(struct req *r, struct json_object *obj);
enum sl_status reply_accepted(struct req *r, struct json_object *obj);
enum sl_status reply_no_content(struct req *r);
enum sl_status reply_unavailable(struct req *r, struct json_object *obj);
enum sl_status reply_text(struct req *r, const char *ctype, const char *data,
    size_t len);
enum sl_status reply_auth(struct req *r, const char *user);
enum sl_status reply_fail(struct req *r, enum sl_status s, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
void reply_send(struct req *r, enum sl_status s);

#endif
