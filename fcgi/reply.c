/*
 * reply.c: builds and sends replies. It alone maps enum sl_status to a
 * status line and the error body {"error":{"code","message"}}, in one
 * table. A reply is assembled in struct req and
 * written by reply_send once the handler returns, so a handler that fails
 * half-way can still replace its reply with an error. Every reply carries
 * Cache-Control: no-store and X-Content-Type-Options: nosniff.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "reply.h"
#include "xalloc.h"

/*
 * The one mapping of a status to the HTTP error: status line, error code,
 * the message used when the handler gave none, and the Retry-After
 * seconds of an error worth retrying (0: none). SL_OK here means a
 * handler that failed to reply: a programmer error, answered 500.
 */
static const struct {
	int status;
	const char *reason;
	const char *code;
	const char *generic;
	int retry_after_s;
} errs[SL_STATUS_MAX] = {
	[SL_OK] = {500, "Internal Server Error", "internal", "no reply"},
	[SL_INVALID] = {400, "Bad Request", "invalid", "invalid request"},
	[SL_NOTFOUND] = {404, "Not Found", "not_found", "not found"},
	[SL_CONFLICT] = {409, "Conflict", "conflict", "conflict"},
	[SL_GONE] = {410, "Gone", "gone", "no longer available"},
	[SL_BUSY] = {503, "Service Unavailable", "busy", "database busy", 1},
	[SL_FULL] = {503, "Service Unavailable", "storage_full",
	    "the disk holding the data directory is full; free space", 30},
	[SL_IO] = {500, "Internal Server Error", "internal", "I/O error"},
	[SL_DB] = {500, "Internal Server Error", "internal",
	    "database error"},
	[SL_UNAUTHORIZED] = {401, "Unauthorized", "unauthorized",
	    "authentication required"},
	[SL_FORBIDDEN] = {403, "Forbidden", "forbidden", "forbidden"},
	[SL_METHOD] = {405, "Method Not Allowed", "method_not_allowed",
	    "method not allowed"},
	[SL_TOO_LARGE] = {413, "Content Too Large", "too_large",
	    "request too large"},
	[SL_MEDIA] = {415, "Unsupported Media Type", "unsupported_media_type",
	    "unsupported media type"},
};

/* Starts a new reply with status, dropping any body made so far. */
static void
reset(struct req *r, int status)
{
	buf_fini(&r->out);
	r->status = status;
	r->replied = 1;
	r->failed = SL_OK;	/* reply_fail sets it again after this */
}

/* Adds a response header; name and value must not contain CR or LF. */
void
reply_header(struct req *r, const char *name, const char *fmt, ...)
{
	va_list ap;
	char val[512];

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (strpbrk(val, "\r\n") != NULL || strpbrk(name, "\r\n:") != NULL) {
		log_warnx("reply_header: refused header %s", name);
		return;
	}
	buf_printf(&r->hdrs, "%s: %s\r\n", name, val);
}

static void
json_reply(struct req *r, int status, struct json_object *obj)
{
	reset(r, status);
	buf_str(&r->out, jsonx_text(obj));
	buf_str(&r->out, "\n");
	json_object_put(obj);
	reply_header(r, "Content-Type", "application/json");
}

/* Replies 200 with obj as JSON; takes obj's reference. Returns SL_OK. */
enum sl_status
reply_ok(struct req *r, struct json_object *obj)
{
	json_reply(r, 200, obj);
	return SL_OK;
}

/*
 * Replies 200 with one page of a list: every row of st (prepared, with
 * everything bound but :limit) up to limit, each made an item by
 * item(r, st, arg, &obj). st asks for limit + 1 rows (bound here to
 * :limit), so a row beyond limit means there is a next page, and
 * next_cursor is then the text of column cursor_col of the last item's
 * row (null on the last page): {"items": [...], "next_cursor": ...}.
 * st is finished here. When a step or an item fails, replies the
 * failure ("cannot list <what>") instead. Returns the status.
 */
enum sl_status
reply_page(struct req *r, struct db_stmt *st, int64_t limit, int cursor_col,
    reply_item_fn *item, void *arg, const char *what)
{
	struct json_object *items = json_object_new_array(), *obj, *o;
	enum sl_status s = SL_OK;
	char *cursor = NULL;
	int64_t n = 0;

	db_bind_int(st, ":limit", limit + 1);
	while (s == SL_OK && db_step(st)) {
		if (++n > limit)
			break;
		o = NULL;
		s = item(r, st, arg, &o);
		if (o != NULL)
			json_object_array_add(items, o);
		/* After the item: reading an integer as text converts it. */
		free(cursor);
		cursor = xstrdup(db_col_text(st, cursor_col));
	}
	if (db_finish(st) != SL_OK && s == SL_OK)
		s = st->err;
	if (s != SL_OK) {
		json_object_put(items);
		free(cursor);
		return reply_fail(r, s, "cannot list %s", what);
	}
	obj = json_object_new_object();
	json_object_object_add(obj, "items", items);
	jsonx_add_str(obj, "next_cursor", n > limit ? cursor : NULL);
	json_reply(r, 200, obj);
	free(cursor);
	return SL_OK;
}

/* Replies 201 Created with obj as JSON; takes obj's reference. */
enum sl_status
reply_created(struct req *r, struct json_object *obj)
{
	json_reply(r, 201, obj);
	return SL_OK;
}

/* Replies 202 Accepted with obj as JSON; takes obj's reference. */
enum sl_status
reply_accepted(struct req *r, struct json_object *obj)
{
	json_reply(r, 202, obj);
	return SL_OK;
}

/*
 * Replies 503 with obj as JSON (the health check's own shape, not an
 * error body); takes obj's reference.
 */
enum sl_status
reply_unavailable(struct req *r, struct json_object *obj)
{
	json_reply(r, 503, obj);
	return SL_OK;
}

/* Replies 204 No Content. */
enum sl_status
reply_no_content(struct req *r)
{
	reset(r, 204);
	return SL_OK;
}

/* Replies 200 with len bytes of data (copied) of type ctype. */
enum sl_status
reply_text(struct req *r, const char *ctype, const char *data, size_t len)
{
	reset(r, 200);
	buf_add(&r->out, data, len);
	reply_header(r, "Content-Type", "%s", ctype);
	return SL_OK;
}

/*
 * The credential verifier's success: 204 naming the user for nginx's
 * auth_request_set.
 */
enum sl_status
reply_auth(struct req *r, const char *user)
{
	reset(r, 204);
	reply_header(r, "X-Sluice-User", "%s", user);
	return SL_OK;
}

/*
 * Replies with the error for status s (its HTTP status and code, from the
 * one table above) and a printf-style message, replacing any reply made
 * so far. Returns s, so a handler can end with return reply_fail(...).
 */
enum sl_status
reply_fail(struct req *r, enum sl_status s, const char *fmt, ...)
{
	char msg[1024];
	struct json_object *body, *err;
	va_list ap;
	int e = s < SL_STATUS_MAX ? (int)s : SL_OK;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A full disk is not the handler's to explain: say it. */
	if (s == SL_FULL && strlen(msg) + 2 < sizeof(msg))
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), ": %s",
		    errs[e].generic);
	/* A handler may have added headers for a success reply; drop them. */
	buf_fini(&r->hdrs);
	if (s == SL_UNAUTHORIZED)
		reply_header(r, "WWW-Authenticate",
		    "Basic realm=\"Sluice\", charset=\"UTF-8\"");
	if (errs[e].retry_after_s > 0)
		reply_header(r, "Retry-After", "%d", errs[e].retry_after_s);
	body = json_object_new_object();
	err = json_object_new_object();
	jsonx_add_str(err, "code", errs[e].code);
	jsonx_add_str(err, "message", msg);
	json_object_object_add(body, "error", err);
	json_reply(r, errs[e].status, body);
	r->failed = s;
	return s;
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	default:
		for (int i = 0; i < SL_STATUS_MAX; i++)
			if (errs[i].status == status)
				return errs[i].reason;
		return "Unknown";
	}
}

/*
 * Writes the reply to the FastCGI stream; s is what the handler returned.
 * A failure the handler did not describe with reply_fail gets its
 * status's generic message here; a handler that returned SL_OK without
 * replying is a programmer error, answered 500 rather than left hanging.
 */
void
reply_send(struct req *r, enum sl_status s)
{
	FCGX_Stream *out = r->fr->out;
	int e = s < SL_STATUS_MAX ? (int)s : SL_OK;

	if (s != SL_OK && r->failed == SL_OK) {
		reply_fail(r, s, "%s", errs[e].generic);
	} else if (s == SL_OK && !r->replied) {
		log_warnx("reply_send: %s: handler sent no reply",
		    r->method ? r->method : "?");
		reply_fail(r, SL_OK, "no reply");
	}
	FCGX_FPrintF(out, "Status: %d %s\r\n", r->status, reason(r->status));
	FCGX_PutS("Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n", out);
	if (r->hdrs.len > 0)
		FCGX_PutStr(r->hdrs.p, (int)r->hdrs.len, out);
	if (r->status != 204)
		FCGX_FPrintF(out, "Content-Length: %lu\r\n",
		    (unsigned long)r->out.len);
	FCGX_PutS("\r\n", out);
	if (r->status != 204 && r->out.len > 0)
		FCGX_PutStr(r->out.p, (int)r->out.len, out);
}
