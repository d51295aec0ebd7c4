/*
 * reply.h: every reply sluice-api sends (see reply.c). Handlers never pick
 * HTTP status numbers: they reply_ok/created/accepted/no_content on
 * success and reply_fail with an enum sl_status on failure; request.c and
 * router.c use reply_error for the HTTP-only errors.
 */
#ifndef SLUICE_FCGI_REPLY_H
#define SLUICE_FCGI_REPLY_H

#include <json-c/json.h>
#include <stddef.h>

#include "api.h"
#include "status.h"

enum reply_err {
	RE_INVALID,		/* 400 invalid */
	RE_UNAUTHORIZED,	/* 401 unauthorized */
	RE_FORBIDDEN,		/* 403 forbidden */
	RE_NOT_FOUND,		/* 404 not_found */
	RE_METHOD,		/* 405 method_not_allowed */
	RE_CONFLICT,		/* 409 conflict */
	RE_TOO_LARGE,		/* 413 too_large */
	RE_MEDIA,		/* 415 unsupported_media_type */
	RE_INTERNAL,		/* 500 internal */
	RE_BUSY,		/* 503 busy */
	RE_MAX
};

void reply_header(struct req *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void reply_ok(struct req *r, struct json_object *obj);
void reply_page(struct req *r, struct json_object *items, const char *cursor);
void reply_created(struct req *r, struct json_object *obj);
void reply_accepted(struct req *r, struct json_object *obj);
void reply_no_content(struct req *r);
void reply_unavailable(struct req *r, struct json_object *obj);
void reply_text(struct req *r, const char *ctype, const char *data,
    size_t len);
void reply_auth(struct req *r, const char *user);
void reply_fail(struct req *r, enum sl_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void reply_error(struct req *r, enum reply_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void reply_send(struct req *r);

#endif
