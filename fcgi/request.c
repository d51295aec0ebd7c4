/*
 * request.c: everything sluice-api reads from a request: FastCGI params,
 * the decoded path segments, query parameters (unknown or repeated ones are
 * refused, so a typo never silently changes a result), the body (capped at
 * API_BODY_MAX, checked against CONTENT_LENGTH before reading), JSON
 * bodies (only through jsonx_parse), and the caller's role from the users
 * table. It does not decide what a route may do; router.c does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "reply.h"
#include "request.h"
#include "xalloc.h"

static const char sql_role[] = "SELECT role FROM users WHERE name = :name";

/* Returns the FastCGI param name, or NULL when absent or empty. */
const char *
req_param(struct req *r, const char *name)
{
	const char *v = FCGX_GetParam(name, r->fr->envp);

	return v && *v ? v : NULL;
}

/*
 * Prepares r for the accepted request fr. Borrowed pointers live until
 * FCGX_Finish_r; owned ones are released by req_free.
 */
void
req_init(struct req *r, struct ctx *ctx, struct db *db, FCGX_Request *fr)
{
	memset(r, 0, sizeof(*r));
	r->ctx = ctx;
	r->db = db;
	r->fr = fr;
	r->method = req_param(r, "REQUEST_METHOD");
	/* HEAD is GET without the body, which nginx leaves out. */
	if (r->method == NULL || strcmp(r->method, "HEAD") == 0)
		r->method = "GET";
	r->user = req_param(r, "REMOTE_USER");
	r->addr = req_param(r, "REMOTE_ADDR");
	r->status = 500;
}

/* Releases everything r owns; r may be reused after req_init. */
void
req_free(struct req *r)
{
	for (int i = 0; i < API_MAX_ARGS; i++)
		free(r->arg[i]);
	for (int i = 0; i < r->nq; i++) {
		free(r->q[i].key);
		free(r->q[i].val);
	}
	free(r->q);
	free(r->body);
	buf_fini(&r->hdrs);
	buf_fini(&r->out);
	memset(r, 0, sizeof(*r));
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decodes n bytes of s ('+' is a space when plus is set). Returns
 * a new string, or NULL when an escape is malformed or decodes to NUL.
 */
static char *
pct_decode(const char *s, size_t n, int plus)
{
	char *out = xmalloc(n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi, lo;

			if (n - i < 3)
				goto bad;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				goto bad;
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else if (plus && s[i] == '+') {
			*o++ = ' ';
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

/*
 * Splits the request path (REQUEST_URI without its query, else
 * DOCUMENT_URI) into at most max decoded segments stored in segs, which
 * the caller frees. Returns the count, or -1 when the path is malformed
 * (bad escape, empty segment, "." or "..", a decoded '/'; r->path_error
 * then says which) or has more than max segments (r->path_error NULL: no
 * route is that deep).
 */
int
req_split_path(struct req *r, char **segs, int max)
{
	const char *uri = req_param(r, "REQUEST_URI"), *p, *end, *slash;
	int n = 0;

	r->path_error = NULL;
	if (uri == NULL)
		uri = req_param(r, "DOCUMENT_URI");
	if (uri == NULL || *uri != '/') {
		r->path_error = "the path must start with \"/\"";
		return -1;
	}
	end = uri + strcspn(uri, "?#");
	p = uri + 1;
	while (p < end) {
		char *seg;

		slash = memchr(p, '/', (size_t)(end - p));
		if (slash == NULL)
			slash = end;
		if (n == max)
			goto bad;
		seg = pct_decode(p, (size_t)(slash - p), 0);
		if (seg == NULL) {
			r->path_error = "bad %-escape (or %00) in the path";
			goto bad;
		}
		segs[n++] = seg;
		if (*seg == '\0' && slash != end) {
			r->path_error = "empty segment (\"//\") in the path";
			goto bad;
		}
		if (strchr(seg, '/')) {
			r->path_error = "encoded \"/\" (%2F) inside a path "
			    "segment";
			goto bad;
		}
		if (!strcmp(seg, ".") || !strcmp(seg, "..")) {
			r->path_error = "\".\" or \"..\" segment in the path";
			goto bad;
		}
		p = slash + 1;
	}
	/* A trailing slash ("/api/flows/") leaves an empty last segment. */
	if (n > 0 && *segs[n - 1] == '\0') {
		free(segs[--n]);
		segs[n] = NULL;
	}
	return n;
bad:
	while (n > 0) {
		free(segs[--n]);
		segs[n] = NULL;
	}
	return -1;
}

static int
in_list(const char *list, const char *key)
{
	size_t n = strlen(key);
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ",");

		if (len == n && strncmp(p, key, n) == 0)
			return 1;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

/*
 * Parses QUERY_STRING. allowed is a comma-separated list of the route's
 * parameter names. Unknown, repeated or badly escaped parameters are
 * SL_INVALID (replied). Returns SL_OK or that.
 */
enum sl_status
req_parse_query(struct req *r, const char *allowed)
{
	const char *qs = req_param(r, "QUERY_STRING"), *p;

	if (qs == NULL)
		return SL_OK;
	for (p = qs; *p;) {
		size_t len = strcspn(p, "&"), klen;
		const char *eq;
		char *key, *val;

		if (len == 0) {
			p++;
			continue;
		}
		eq = memchr(p, '=', len);
		klen = eq ? (size_t)(eq - p) : len;
		key = pct_decode(p, klen, 1);
		val = eq ? pct_decode(eq + 1, len - klen - 1, 1) : xstrdup("");
		if (key == NULL || val == NULL) {
			free(key);
			free(val);
			return reply_fail(r, SL_INVALID, "malformed query "
			    "string");
		}
		r->q = xrealloc(r->q, sizeof(*r->q) * (size_t)(r->nq + 1));
		r->q[r->nq].key = key;
		r->q[r->nq].val = val;
		r->nq++;
		if (!in_list(allowed, key))
			return reply_fail(r, SL_INVALID, "unknown query "
			    "parameter \"%.64s\"%s%s", key, *allowed ?
			    "; allowed: " : " (this route takes none)",
			    allowed);
		for (int i = 0; i < r->nq - 1; i++)
			if (strcmp(r->q[i].key, key) == 0)
				return reply_fail(r, SL_INVALID, "query "
				    "parameter \"%s\" given more than once",
				    key);
		p += len;
		if (*p == '&')
			p++;
	}
	return SL_OK;
}

/* Returns the decoded value of query parameter key (borrowed) or NULL. */
const char *
req_query(struct req *r, const char *key)
{
	for (int i = 0; i < r->nq; i++)
		if (strcmp(r->q[i].key, key) == 0)
			return r->q[i].val;
	return NULL;
}

/*
 * Reads integer query parameter key into *out (def when absent). Values
 * that are not decimal integers within [min, max] are answered 400 naming
 * the parameter (SL_INVALID, replied). Returns SL_OK or that.
 */
enum sl_status
req_query_int(struct req *r, const char *key, int64_t def, int64_t min,
    int64_t max, int64_t *out)
{
	const char *v = req_query(r, key);
	char *end;
	long long n;

	if (v == NULL) {
		*out = def;
		return SL_OK;
	}
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < min || n > max ||
	    strspn(v, "-0123456789") != strlen(v))
		return reply_fail(r, SL_INVALID, "%s: must be an integer from "
		    "%lld to %lld", key, (long long)min, (long long)max);
	*out = n;
	return SL_OK;
}

/*
 * Reads boolean query parameter key ("true"/"false"/"1"/"0"; absent is
 * false). Returns SL_OK or SL_INVALID (replied).
 */
enum sl_status
req_query_bool(struct req *r, const char *key, int *out)
{
	const char *v = req_query(r, key);

	*out = 0;
	if (v == NULL || !strcmp(v, "false") || !strcmp(v, "0"))
		return SL_OK;
	if (!strcmp(v, "true") || !strcmp(v, "1")) {
		*out = 1;
		return SL_OK;
	}
	return reply_fail(r, SL_INVALID, "%s: must be true or false", key);
}

/* Reads the list parameter "limit" (1..500, default 50); as req_query_int. */
enum sl_status
req_limit(struct req *r, int64_t *limit)
{
	return req_query_int(r, "limit", API_LIMIT_DEFAULT, 1, API_LIMIT_MAX,
	    limit);
}

/*
 * Reads the body: exactly CONTENT_LENGTH bytes, refused with 413 before
 * reading when over API_BODY_MAX (SL_TOO_LARGE). Returns SL_OK or the
 * failure (replied).
 */
enum sl_status
req_read_body(struct req *r)
{
	const char *cl = req_param(r, "CONTENT_LENGTH");
	unsigned long long n;
	char *end;
	size_t got = 0;

	if (cl == NULL)
		return SL_OK;
	errno = 0;
	n = strtoull(cl, &end, 10);
	if (*end != '\0' || errno != 0 || cl[0] == '-')
		return reply_fail(r, SL_INVALID, "invalid Content-Length");
	if (n > API_BODY_MAX)
		return reply_fail(r, SL_TOO_LARGE, "request body is larger "
		    "than %d bytes", API_BODY_MAX);
	r->body = xmalloc((size_t)n + 1);
	while (got < n) {
		int k = FCGX_GetStr(r->body + got, (int)(n - got), r->fr->in);

		if (k <= 0)
			break;
		got += (size_t)k;
	}
	r->body[got] = '\0';
	r->body_len = got;
	if (got < n)
		return reply_fail(r, SL_INVALID, "request body shorter than "
		    "Content-Length");
	return SL_OK;
}

/*
 * Looks up REMOTE_USER's role. Returns SL_OK (r->role set, ROLE_NONE when
 * the user is absent or has no row) or the database's failure (replied).
 */
enum sl_status
req_load_role(struct req *r)
{
	struct db_stmt st;
	enum sl_status s;

	r->role = ROLE_NONE;
	if (r->user == NULL)
		return SL_OK;
	db_prepare(r->db, &st, sql_role);
	db_bind_text(&st, ":name", r->user);
	if (db_step(&st))
		roles_parse(db_col_text(&st, 0), &r->role);
	if ((s = db_finish(&st)) != SL_OK)
		return reply_fail(r, s, "cannot read users");
	return SL_OK;
}

/*
 * Parses the body as a JSON object into *out (a new object the caller
 * puts). An empty body is an empty object when optional is set. Returns
 * SL_OK, or SL_INVALID (replied; *out NULL).
 */
enum sl_status
req_json_object(struct req *r, int optional, struct json_object **out)
{
	char why[256];
	struct json_object *obj;
	enum sl_status s;

	*out = NULL;
	if (r->body_len == 0) {
		if (!optional)
			return reply_fail(r, SL_INVALID, "a JSON object body "
			    "is required");
		*out = json_object_new_object();
		return SL_OK;
	}
	obj = jsonx_parse(r->body, r->body_len, why, sizeof(why));
	if (obj == NULL)
		return reply_fail(r, SL_INVALID, "%s", why);
	if (!json_object_is_type(obj, json_type_object)) {
		s = reply_fail(r, SL_INVALID, "body: expected object, got %s",
		    req_type_name(obj));
		json_object_put(obj);
		return s;
	}
	*out = obj;
	return SL_OK;
}

/*
 * For routes that take no body: refuses any but an empty one or {}.
 * Returns SL_OK or SL_INVALID (replied).
 */
enum sl_status
req_empty_body(struct req *r)
{
	struct json_object *body;
	enum sl_status s;

	if ((s = req_json_object(r, 1, &body)) != SL_OK)
		return s;
	s = req_check_keys(r, body, "", "body");
	json_object_put(body);
	return s;
}

/*
 * Refuses keys of obj not in the comma-separated list allowed, naming the
 * first one (where prefixes the message, e.g. "body"). Returns SL_OK or
 * SL_INVALID (replied).
 */
enum sl_status
req_check_keys(struct req *r, struct json_object *obj, const char *allowed,
    const char *where)
{
	json_object_object_foreach(obj, key, val) {
		(void)val;
		if (!in_list(allowed, key))
			return reply_fail(r, SL_INVALID, "%s: unknown key "
			    "\"%.64s\"", where, key);
	}
	return SL_OK;
}

/* Names v's JSON type for messages ("integer", "string", "null"...). */
const char *
req_type_name(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null: return "null";
	case json_type_boolean: return "boolean";
	case json_type_double: return "number";
	case json_type_int: return "integer";
	case json_type_object: return "object";
	case json_type_array: return "array";
	case json_type_string: return "string";
	}
	return "unknown";
}

/*
 * Records the caller's change of object type/id as action in the audit
 * trail (who from REMOTE_USER, from which address), inside the caller's
 * open write transaction. detail (may be NULL) is borrowed. Returns the
 * database status.
 */
enum sl_status
req_audit(struct req *r, const char *action, const char *type,
    const char *id, struct json_object *detail)
{
	struct audit_event ev = {
		.actor = r->user,
		.action = action,
		.object_type = type,
		.object_id = id,
		.address = r->addr,
		.detail = detail ? jsonx_text(detail) : NULL,
	};

	return audit_record(r->db, &ev);
}
