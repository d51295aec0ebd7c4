/*
 * flowdef.c: the one validator of flow definitions (DESIGN.md "Flow
 * definition"), used by sluice-api, sluicectl and the scheduler, plus run
 * parameter binding and {{params.X}} substitution. Validation is strict:
 * unknown keys are refused at every level, every refusal names the field
 * path and the reason ("tasks[1].depends_on[0]: no task named \"x\""), and
 * the result is a NEW normalised object in a fixed key order with every
 * optional field present:
 *
 *   name, description (""), parameters ({}: each {type, default (null
 *   when required), description ("")}), schedule (null, or {cron,
 *   timezone ("UTC"), catchup (false), max_lateness_s (null = no limit)}),
 *   pool ("default"), max_concurrent_runs (1), timeout_s (null), notify
 *   (null, or {on (["FAILED","CRASHED"]), webhook}), tasks (each {name,
 *   command, workdir (null), env ({}), retries (0), retry_delay_s (0),
 *   retry_backoff (1.0), retry_jitter_s (0), timeout_s (null), depends_on
 *   ([])}).
 *
 * An explicit JSON null is treated like an absent optional field, so a
 * normalised definition validates to itself. This file never touches the
 * database or the file system (except tzdata, through tz.c).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"
#include "flowdef.h"
#include "json.h"
#include "states.h"
#include "timefmt.h"
#include "tz.h"
#include "xalloc.h"

#define FD_NAME_MAX		64
#define FD_PARAM_MAX		100
#define FD_TASK_MAX		100
#define FD_ARGV_MAX		1000
#define FD_ENV_MAX		256
#define FD_STR_MAX		65536
#define FD_DESC_MAX		4096
#define FD_PATH_MAX		4096
#define FD_URL_MAX		2048
#define FD_TIMEOUT_MAX		604800
#define FD_LATENESS_MAX		(366 * 86400)
/*
 * Bound parameters reach every task as one environment string,
 * SLUICE_PARAMS=<json>, and Linux refuses exec when one string exceeds
 * MAX_ARG_STRLEN (128 KiB); keep a margin.
 */
#define FD_PARAMS_JSON_MAX	(128 * 1024 - 64)

/* Field paths are short: "tasks[12].command[3]". */
#define FD_FIELD_LEN		160

static const char *const top_keys[] = { "name", "description", "parameters",
    "schedule", "pool", "max_concurrent_runs", "timeout_s", "notify",
    "tasks", NULL };
static const char *const param_keys[] = { "type", "default", "description",
    NULL };
static const char *const schedule_keys[] = { "cron", "timezone", "catchup",
    "max_lateness_s", NULL };
static const char *const notify_keys[] = { "on", "webhook", NULL };
static const char *const task_keys[] = { "name", "command", "workdir", "env",
    "retries", "retry_delay_s", "retry_backoff", "retry_jitter_s",
    "timeout_s", "depends_on", NULL };
static const char *const param_types[] = { "string", "integer", "number",
    "boolean", NULL };

/* Writes "path: reason" into why and returns -1. */
static int
fail(char *why, size_t whysz, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(char *why, size_t whysz, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(why, whysz, "%s: %s", path, msg);
	return -1;
}

/* Marks a name that messages cut at 64 bytes: "..." or "". */
static const char *
cut(const char *s)
{
	return strlen(s) > 64 ? "..." : "";
}

/* Builds "parent.key" (or "key" at the top) into out. */
static void
join(char *out, size_t outsz, const char *parent, const char *key)
{
	size_t n = 0;

	for (; *parent != '\0' && n + 1 < outsz; parent++)
		out[n++] = *parent;
	if (n > 0 && n + 1 < outsz)
		out[n++] = '.';
	for (size_t k = 0; key[k] != '\0' && k < 64 && n + 1 < outsz; k++)
		out[n++] = key[k];
	out[n] = '\0';
}

static int
in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

/* Refuses obj unless it is an object whose keys are all in allowed. */
static int
check_object(struct json_object *obj, const char *path,
    const char *const *allowed, char *why, size_t whysz)
{
	char field[FD_FIELD_LEN];

	if (!json_object_is_type(obj, json_type_object))
		return fail(why, whysz, path[0] ? path : "definition",
		    "must be a JSON object");
	json_object_object_foreach(obj, key, val) {
		(void)val;
		if (!in_list(allowed, key)) {
			join(field, sizeof(field), path, key);
			return fail(why, whysz, field, "unknown field");
		}
	}
	return 0;
}

/* Returns obj[key] (borrowed), or NULL when it is absent or null. */
static struct json_object *
field(struct json_object *obj, const char *key)
{
	return jsonx_get(obj, key);
}

/*
 * Checks that v is a string of at most max bytes without NUL bytes (and
 * not empty unless allow_empty). Returns the string (borrowed) or NULL.
 */
static const char *
get_str(struct json_object *v, const char *path, size_t max, int allow_empty,
    char *why, size_t whysz)
{
	const char *s;
	size_t len;

	if (!json_object_is_type(v, json_type_string)) {
		fail(why, whysz, path, "must be a string");
		return NULL;
	}
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (strlen(s) != len) {
		fail(why, whysz, path, "must not contain NUL characters");
		return NULL;
	}
	if (len == 0 && !allow_empty) {
		fail(why, whysz, path, "must not be empty");
		return NULL;
	}
	if (len > max) {
		fail(why, whysz, path, "must be at most %zu bytes long", max);
		return NULL;
	}
	return s;
}

/* Checks that v is an integer in min..max. */
static int
get_int(struct json_object *v, const char *path, int64_t min, int64_t max,
    int64_t *out, char *why, size_t whysz)
{
	int64_t n;

	if (!jsonx_is_int(v))
		return fail(why, whysz, path, "must be an integer from %lld "
		    "to %lld", (long long)min, (long long)max);
	n = json_object_get_int64(v);
	if (n < min || n > max)
		return fail(why, whysz, path, "must be from %lld to %lld, "
		    "not %lld", (long long)min, (long long)max, (long long)n);
	*out = n;
	return 0;
}

static int
is_number(struct json_object *v)
{
	return json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double);
}

/* A new object holding the same scalar value as v. */
static struct json_object *
copy_scalar(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		return json_object_new_string_len(json_object_get_string(v),
		    json_object_get_string_len(v));
	case json_type_int:
		return json_object_new_int64(json_object_get_int64(v));
	case json_type_double:
		return jsonx_new_double(json_object_get_double(v));
	case json_type_boolean:
		return json_object_new_boolean(json_object_get_boolean(v));
	default:
		return NULL;
	}
}

/* Returns 1 when s matches [a-z0-9][a-z0-9_.-]{0,63}. */
int
flowdef_name_valid(const char *name)
{
	size_t n;

	if (name == NULL)
		return 0;
	n = strlen(name);
	if (n == 0 || n > FD_NAME_MAX ||
	    !((name[0] >= 'a' && name[0] <= 'z') ||
	    (name[0] >= '0' && name[0] <= '9')))
		return 0;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

/* [A-Za-z_][A-Za-z0-9_]* of at most max bytes (env and parameter names). */
static int
ident_valid(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || isdigit((unsigned char)s[0]))
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_") == n;
}

/*
 * Looks at a "{{" at p. Returns 1 for a well-formed {{params.NAME}} (with
 * optional blanks inside the braces), setting *name, *len and *end (just
 * past "}}"); 0 when it is not a params reference at all (left as is);
 * -1 when it starts like one but is malformed.
 */
static int
template_at(const char *p, const char **name, size_t *len, const char **end)
{
	const char *q = p + 2, *n;

	while (*q == ' ')
		q++;
	if (strncmp(q, "params.", 7) != 0)
		return 0;
	n = q += 7;
	while (isalnum((unsigned char)*q) || *q == '_')
		q++;
	*name = n;
	*len = (size_t)(q - n);
	while (*q == ' ')
		q++;
	if (strncmp(q, "}}", 2) != 0 || *len == 0 ||
	    isdigit((unsigned char)*n))
		return -1;
	*end = q + 2;
	return 1;
}

/* Checks every {{params.X}} in arg against the declared parameters. */
static int
check_templates(const char *arg, struct json_object *params,
    const char *path, char *why, size_t whysz)
{
	const char *p = arg, *name, *end;
	size_t len;
	char buf[FD_NAME_MAX + 1];
	int r;

	while ((p = strstr(p, "{{")) != NULL) {
		r = template_at(p, &name, &len, &end);
		if (r == 0) {
			p += 2;
			continue;
		}
		if (r == -1)
			return fail(why, whysz, path, "malformed parameter "
			    "reference (write {{params.NAME}})");
		if (len <= FD_NAME_MAX)
			snprintf(buf, sizeof(buf), "%.*s", (int)len, name);
		if (len > FD_NAME_MAX || jsonx_get(params, buf) == NULL)
			return fail(why, whysz, path, "{{params.%.*s}} names "
			    "no declared parameter", (int)(len > 64 ? 64 :
			    len), name);
		p = end;
	}
	return 0;
}

static int
type_matches(const char *type, struct json_object *v)
{
	if (strcmp(type, "string") == 0)
		return json_object_is_type(v, json_type_string);
	if (strcmp(type, "integer") == 0)
		return jsonx_is_int(v);
	if (strcmp(type, "number") == 0)
		return is_number(v);
	return json_object_is_type(v, json_type_boolean);
}

static const char *
type_article(const char *type)
{
	return strcmp(type, "integer") == 0 ? "an" : "a";
}

static int
validate_parameters(struct json_object *in, struct json_object *out,
    char *why, size_t whysz)
{
	char path[FD_FIELD_LEN], sub[FD_FIELD_LEN];
	int count = 0;

	if (!json_object_is_type(in, json_type_object))
		return fail(why, whysz, "parameters", "must be a JSON object "
		    "of {\"NAME\": {\"type\": ...}}");
	json_object_object_foreach(in, name, spec) {
		struct json_object *p, *v;
		const char *type, *desc = "";

		snprintf(path, sizeof(path), "parameters.%.64s", name);
		if (++count > FD_PARAM_MAX)
			return fail(why, whysz, "parameters", "at most %d "
			    "parameters are allowed", FD_PARAM_MAX);
		if (!ident_valid(name, FD_NAME_MAX))
			return fail(why, whysz, path, "a parameter name must "
			    "match [A-Za-z_][A-Za-z0-9_]{0,63}");
		if (check_object(spec, path, param_keys, why, whysz) == -1)
			return -1;
		join(sub, sizeof(sub), path, "type");
		if ((v = field(spec, "type")) == NULL)
			return fail(why, whysz, sub, "required (string, "
			    "integer, number or boolean)");
		if ((type = get_str(v, sub, 16, 0, why, whysz)) == NULL)
			return -1;
		if (!in_list(param_types, type))
			return fail(why, whysz, sub, "must be \"string\", "
			    "\"integer\", \"number\" or \"boolean\", not "
			    "\"%s\"", type);
		join(sub, sizeof(sub), path, "default");
		v = field(spec, "default");
		if (v != NULL && !type_matches(type, v))
			return fail(why, whysz, sub, "must be %s %s, like the "
			    "parameter's type", type_article(type), type);
		if (v != NULL && json_object_is_type(v, json_type_string) &&
		    get_str(v, sub, FD_STR_MAX, 1, why, whysz) == NULL)
			return -1;
		join(sub, sizeof(sub), path, "description");
		if (field(spec, "description") != NULL &&
		    (desc = get_str(field(spec, "description"), sub,
		    FD_DESC_MAX, 1, why, whysz)) == NULL)
			return -1;
		p = json_object_new_object();
		jsonx_add_str(p, "type", type);
		json_object_object_add(p, "default", v ? copy_scalar(v) : NULL);
		jsonx_add_str(p, "description", desc);
		json_object_object_add(out, name, p);
	}
	return 0;
}

/*
 * Returns 1 when c never fires in the five years cron_next looks ahead,
 * in zone tz (NULL: UTC): such a schedule is a mistake ("0 0 31 2 *").
 * When UTC cannot be loaded the check is skipped.
 */
static int
never_fires(const struct cron *c, const struct tz *tz)
{
	struct tz *utc = NULL;
	char err[128];
	int never;

	if (tz == NULL && (tz = utc = tz_load("UTC", err, sizeof(err))) ==
	    NULL)
		return 0;
	never = cron_next(c, tz, timefmt_now_ms()) == -1;
	tz_free(utc);
	return never;
}

static struct json_object *
validate_schedule(struct json_object *in, char *why, size_t whysz)
{
	struct json_object *out = NULL, *v;
	struct cron *c = NULL;
	struct tz *tz = NULL;
	const char *expr, *zone = "UTC";
	char err[256];
	int64_t lateness = 0;
	int catchup = 0, has_lateness = 0;

	if (check_object(in, "schedule", schedule_keys, why, whysz) == -1)
		goto out;
	if ((v = field(in, "cron")) == NULL) {
		fail(why, whysz, "schedule.cron", "required (e.g. "
		    "\"0 6 * * 1-5\")");
		goto out;
	}
	if ((expr = get_str(v, "schedule.cron", 256, 0, why, whysz)) == NULL)
		goto out;
	if ((c = cron_parse(expr, err, sizeof(err))) == NULL) {
		fail(why, whysz, "schedule.cron", "%s", err);
		goto out;
	}
	if ((v = field(in, "timezone")) != NULL) {
		if ((zone = get_str(v, "schedule.timezone", 128, 0, why,
		    whysz)) == NULL)
			goto out;
		if ((tz = tz_load(zone, err, sizeof(err))) == NULL) {
			fail(why, whysz, "schedule.timezone", "%s (use an IANA "
			    "name such as \"Europe/Amsterdam\" or \"UTC\")",
			    err);
			goto out;
		}
	}
	if (never_fires(c, tz)) {
		fail(why, whysz, "schedule.cron", "\"%s\" matches no date "
		    "in the next five years (a day the month never has, such "
		    "as 31 February?)", expr);
		goto out;
	}
	if ((v = field(in, "catchup")) != NULL) {
		if (!json_object_is_type(v, json_type_boolean)) {
			fail(why, whysz, "schedule.catchup", "must be true or "
			    "false");
			goto out;
		}
		catchup = json_object_get_boolean(v);
	}
	if ((v = field(in, "max_lateness_s")) != NULL) {
		if (get_int(v, "schedule.max_lateness_s", 0, FD_LATENESS_MAX,
		    &lateness, why, whysz) == -1)
			goto out;
		has_lateness = 1;
	}
	out = json_object_new_object();
	jsonx_add_str(out, "cron", expr);
	jsonx_add_str(out, "timezone", zone);
	json_object_object_add(out, "catchup",
	    json_object_new_boolean(catchup));
	json_object_object_add(out, "max_lateness_s",
	    has_lateness ? json_object_new_int64(lateness) : NULL);
out:
	cron_free(c);
	tz_free(tz);
	return out;
}

static int
url_valid(const char *url)
{
	const char *host;

	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return 0;
	if (*host == '\0' || *host == '/' || *host == '?' || *host == '#' ||
	    *host == ':' || *host == '@')
		return 0;
	for (const char *p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return 0;
	return 1;
}

static struct json_object *
validate_notify(struct json_object *in, char *why, size_t whysz)
{
	struct json_object *out = NULL, *on = NULL, *v;
	const char *url;
	char path[FD_FIELD_LEN];
	unsigned seen = 0;
	size_t i, n;

	if (check_object(in, "notify", notify_keys, why, whysz) == -1)
		goto out;
	if ((v = field(in, "webhook")) == NULL) {
		fail(why, whysz, "notify.webhook", "required (an http:// or "
		    "https:// URL)");
		goto out;
	}
	if ((url = get_str(v, "notify.webhook", FD_URL_MAX, 0, why,
	    whysz)) == NULL)
		goto out;
	if (!url_valid(url)) {
		fail(why, whysz, "notify.webhook", "must be an http:// or "
		    "https:// URL with a host and no spaces");
		goto out;
	}
	on = json_object_new_array();
	if ((v = field(in, "on")) == NULL) {
		json_object_array_add(on, json_object_new_string("FAILED"));
		json_object_array_add(on, json_object_new_string("CRASHED"));
	} else if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) == 0) {
		fail(why, whysz, "notify.on", "must be a non-empty array of "
		    "run states (COMPLETED, FAILED, CANCELLED, CRASHED)");
		goto out;
	} else {
		for (i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(v, i);
			enum run_state st;
			const char *s;

			snprintf(path, sizeof(path), "notify.on[%zu]", i);
			if ((s = get_str(e, path, 32, 0, why, whysz)) == NULL)
				goto out;
			if (states_run_parse(s, &st) != SL_OK ||
			    !states_run_terminal(st)) {
				fail(why, whysz, path, "\"%s\" is not a final "
				    "run state (COMPLETED, FAILED, CANCELLED, "
				    "CRASHED)", s);
				goto out;
			}
			if (seen & (1u << st)) {
				fail(why, whysz, path, "\"%s\" is listed twice",
				    s);
				goto out;
			}
			seen |= 1u << st;
			json_object_array_add(on, json_object_new_string(s));
		}
	}
	out = json_object_new_object();
	json_object_object_add(out, "on", on);
	on = NULL;
	jsonx_add_str(out, "webhook", url);
out:
	json_object_put(on);
	return out;
}

static struct json_object *
validate_command(struct json_object *in, const char *tpath,
    struct json_object *params, char *why, size_t whysz)
{
	struct json_object *out = NULL;
	char path[FD_FIELD_LEN];
	size_t i, n;

	snprintf(path, sizeof(path), "%s.command", tpath);
	if (in == NULL) {
		fail(why, whysz, path, "required (an argv array such as "
		    "[\"python3\", \"job.py\"])");
		return NULL;
	}
	if (json_object_is_type(in, json_type_string)) {
		fail(why, whysz, path, "must be an array of strings, not a "
		    "string; use an argv array, e.g. [\"sh\", \"-c\", "
		    "\"...\"] for a shell command");
		return NULL;
	}
	if (!json_object_is_type(in, json_type_array) ||
	    (n = json_object_array_length(in)) == 0) {
		fail(why, whysz, path, "must be a non-empty array of strings");
		return NULL;
	}
	if (n > FD_ARGV_MAX) {
		fail(why, whysz, path, "at most %d arguments are allowed",
		    FD_ARGV_MAX);
		return NULL;
	}
	out = json_object_new_array();
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(in, i);
		const char *s;

		snprintf(path, sizeof(path), "%s.command[%zu]", tpath, i);
		s = get_str(e, path, FD_STR_MAX, i > 0, why, whysz);
		if (s == NULL ||
		    check_templates(s, params, path, why, whysz) == -1) {
			json_object_put(out);
			return NULL;
		}
		json_object_array_add(out, json_object_new_string(s));
	}
	return out;
}

static struct json_object *
validate_env(struct json_object *in, const char *tpath, char *why,
    size_t whysz)
{
	struct json_object *out;
	char path[FD_FIELD_LEN];
	int count = 0;

	snprintf(path, sizeof(path), "%s.env", tpath);
	if (!json_object_is_type(in, json_type_object)) {
		fail(why, whysz, path, "must be an object of \"NAME\": "
		    "\"value\" strings");
		return NULL;
	}
	out = json_object_new_object();
	json_object_object_foreach(in, name, v) {
		const char *s;

		snprintf(path, sizeof(path), "%s.env.%.64s", tpath, name);
		if (++count > FD_ENV_MAX) {
			fail(why, whysz, path, "at most %d variables are "
			    "allowed", FD_ENV_MAX);
			goto bad;
		}
		if (!ident_valid(name, 128)) {
			fail(why, whysz, path, "a variable name must match "
			    "[A-Za-z_][A-Za-z0-9_]*");
			goto bad;
		}
		if (strncmp(name, "SLUICE_", 7) == 0) {
			fail(why, whysz, path, "SLUICE_* variables are set by "
			    "Sluice and cannot be overridden");
			goto bad;
		}
		if ((s = get_str(v, path, FD_STR_MAX, 1, why, whysz)) == NULL)
			goto bad;
		jsonx_add_str(out, name, s);
	}
	return out;
bad:
	json_object_put(out);
	return NULL;
}

/* Adds integer field key of task t to out, or def when absent. */
static int
task_int(struct json_object *t, struct json_object *out, const char *tpath,
    const char *key, int64_t min, int64_t max, int64_t def, char *why,
    size_t whysz)
{
	struct json_object *v = field(t, key);
	char path[FD_FIELD_LEN];
	int64_t n = def;

	join(path, sizeof(path), tpath, key);
	if (v != NULL && get_int(v, path, min, max, &n, why, whysz) == -1)
		return -1;
	jsonx_add_int(out, key, n);
	return 0;
}

/* Reads task tpath's name, unique among names (where it is added as
 * task i). Returns it (borrowed from t) or NULL with why. */
static const char *
task_name(struct json_object *t, const char *tpath, size_t i,
    struct json_object *names, char *why, size_t whysz)
{
	char path[FD_FIELD_LEN];
	struct json_object *v = field(t, "name");
	const char *name;

	join(path, sizeof(path), tpath, "name");
	if (v == NULL) {
		fail(why, whysz, path, "required");
		return NULL;
	}
	if ((name = get_str(v, path, 256, 0, why, whysz)) == NULL)
		return NULL;
	if (!flowdef_name_valid(name)) {
		fail(why, whysz, path, "\"%.64s%s\" must match "
		    "[a-z0-9][a-z0-9_.-]{0,63}", name, cut(name));
		return NULL;
	}
	if (jsonx_get(names, name) != NULL) {
		fail(why, whysz, path, "another task is already named \"%s\"",
		    name);
		return NULL;
	}
	json_object_object_add(names, name, json_object_new_int64((int64_t)i));
	return name;
}

/* Returns 1 when relative path p has a ".." component (leaves its root). */
static int
climbs_out(const char *p)
{
	size_t n;

	while (*p != '\0') {
		n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 1;
		p += n + (p[n] == '/');
	}
	return 0;
}

/*
 * Adds task tpath's workdir (null, absolute, or relative to the flow's
 * repository root, never climbing out of it) to out.
 */
static int
task_workdir(struct json_object *t, struct json_object *out,
    const char *tpath, char *why, size_t whysz)
{
	char path[FD_FIELD_LEN];
	struct json_object *v = field(t, "workdir");
	const char *workdir = NULL;

	join(path, sizeof(path), tpath, "workdir");
	if (v != NULL) {
		if ((workdir = get_str(v, path, FD_PATH_MAX, 0, why, whysz)) ==
		    NULL)
			return -1;
		if (workdir[0] != '/' && climbs_out(workdir)) {
			fail(why, whysz, path, "a relative path must stay "
			    "inside the repository (no \"..\")");
			return -1;
		}
	}
	jsonx_add_str(out, "workdir", workdir);
	return 0;
}

int
flowdef_workdirs_absolute(struct json_object *def, char *why, size_t whysz)
{
	struct json_object *tasks = jsonx_get(def, "tasks");
	const char *w;
	char path[FD_FIELD_LEN];
	size_t i, n = tasks ? json_object_array_length(tasks) : 0;

	for (i = 0; i < n; i++) {
		w = jsonx_get_str(json_object_array_get_idx(tasks, i),
		    "workdir");
		if (w == NULL || w[0] == '/')
			continue;
		snprintf(path, sizeof(path), "tasks[%zu].workdir", i);
		return fail(why, whysz, path, "must be an absolute path "
		    "(starting with /): a relative one is resolved against "
		    "the flow's repository, by a repository sync or by "
		    "sluicectl apply");
	}
	return 0;
}

/* Adds task tpath's retry fields and timeout_s to out. */
static int
task_retry(struct json_object *t, struct json_object *out, const char *tpath,
    char *why, size_t whysz)
{
	char path[FD_FIELD_LEN];
	struct json_object *v;
	double backoff = 1.0;
	int64_t timeout = 0;

	if (task_int(t, out, tpath, "retries", 0, 100, 0, why, whysz) == -1 ||
	    task_int(t, out, tpath, "retry_delay_s", 0, 86400, 0, why,
	    whysz) == -1)
		return -1;
	join(path, sizeof(path), tpath, "retry_backoff");
	if ((v = field(t, "retry_backoff")) != NULL) {
		if (!is_number(v) || json_object_get_double(v) < 1.0 ||
		    json_object_get_double(v) > 10.0) {
			fail(why, whysz, path, "must be a number from 1.0 to "
			    "10.0");
			return -1;
		}
		backoff = json_object_get_double(v);
	}
	jsonx_add_double(out, "retry_backoff", backoff);
	if (task_int(t, out, tpath, "retry_jitter_s", 0, 3600, 0, why,
	    whysz) == -1)
		return -1;
	join(path, sizeof(path), tpath, "timeout_s");
	if ((v = field(t, "timeout_s")) != NULL && get_int(v, path, 1,
	    FD_TIMEOUT_MAX, &timeout, why, whysz) == -1)
		return -1;
	json_object_object_add(out, "timeout_s",
	    v ? json_object_new_int64(timeout) : NULL);
	return 0;
}

/* Validates task i except its depends_on names, which need every task. */
static struct json_object *
validate_task(struct json_object *t, size_t i, struct json_object *params,
    struct json_object *names, char *why, size_t whysz)
{
	struct json_object *out, *v, *sub;
	char tpath[32];
	const char *name;

	snprintf(tpath, sizeof(tpath), "tasks[%zu]", i);
	if (check_object(t, tpath, task_keys, why, whysz) == -1 ||
	    (name = task_name(t, tpath, i, names, why, whysz)) == NULL)
		return NULL;
	out = json_object_new_object();
	jsonx_add_str(out, "name", name);
	if ((sub = validate_command(field(t, "command"), tpath, params, why,
	    whysz)) == NULL)
		goto bad;
	json_object_object_add(out, "command", sub);
	if (task_workdir(t, out, tpath, why, whysz) == -1)
		goto bad;
	if ((v = field(t, "env")) == NULL)
		sub = json_object_new_object();
	else if ((sub = validate_env(v, tpath, why, whysz)) == NULL)
		goto bad;
	json_object_object_add(out, "env", sub);
	if (task_retry(t, out, tpath, why, whysz) == -1)
		goto bad;
	return out;
bad:
	json_object_put(out);
	return NULL;
}

/* Checks tasks[i].depends_on against names and adds it to out. */
static int
validate_depends(struct json_object *t, size_t i, struct json_object *out,
    struct json_object *names, char *why, size_t whysz)
{
	struct json_object *v = field(t, "depends_on"), *deps;
	char path[FD_FIELD_LEN];
	const char *self = jsonx_get_str(out, "name");
	size_t j, k, n;

	deps = json_object_new_array();
	json_object_object_add(out, "depends_on", deps);
	if (v == NULL)
		return 0;
	snprintf(path, sizeof(path), "tasks[%zu].depends_on", i);
	if (!json_object_is_type(v, json_type_array))
		return fail(why, whysz, path, "must be an array of task names");
	n = json_object_array_length(v);
	for (j = 0; j < n; j++) {
		const char *dep;

		snprintf(path, sizeof(path), "tasks[%zu].depends_on[%zu]", i,
		    j);
		if ((dep = get_str(json_object_array_get_idx(v, j), path, 256,
		    0, why, whysz)) == NULL)
			return -1;
		if (strcmp(dep, self) == 0)
			return fail(why, whysz, path, "a task cannot depend "
			    "on itself");
		if (jsonx_get(names, dep) == NULL)
			return fail(why, whysz, path, "no task named \"%.64s\"",
			    dep);
		for (k = 0; k < j; k++)
			if (strcmp(json_object_get_string(
			    json_object_array_get_idx(deps, k)), dep) == 0)
				return fail(why, whysz, path,
				    "\"%s\" is listed twice", dep);
		json_object_array_add(deps, json_object_new_string(dep));
	}
	return 0;
}

/*
 * Depth-first search for a dependency cycle among the n normalised tasks.
 * Returns 0, or -1 with the cycle written as "a -> b -> a" into why.
 */
static int
find_cycle(struct json_object *tasks, struct json_object *names, char *why,
    size_t whysz)
{
	size_t n = json_object_array_length(tasks), depth = 0, i;
	/* 0 unvisited, 1 on the stack, 2 done. */
	unsigned char *color = xcalloc(n, 1);
	size_t *stack = xcalloc(n, sizeof(*stack));
	size_t *next = xcalloc(n, sizeof(*next));
	int ret = 0;

	for (i = 0; i < n && ret == 0; i++) {
		if (color[i] != 0)
			continue;
		stack[0] = i;
		next[0] = 0;
		color[i] = 1;
		depth = 1;
		while (depth > 0 && ret == 0) {
			size_t u = stack[depth - 1];
			struct json_object *deps = jsonx_get(
			    json_object_array_get_idx(tasks, u), "depends_on");
			size_t v;

			if (next[depth - 1] >= json_object_array_length(deps)) {
				color[u] = 2;
				depth--;
				continue;
			}
			v = (size_t)json_object_get_int64(jsonx_get(names,
			    json_object_get_string(json_object_array_get_idx(
			    deps, next[depth - 1]++))));
			if (color[v] == 0) {
				color[v] = 1;
				stack[depth] = v;
				next[depth] = 0;
				depth++;
			} else if (color[v] == 1) {
				char msg[1024] = "";
				size_t k = depth, len;

				while (stack[k - 1] != v)
					k--;
				for (; k <= depth; k++) {
					len = strlen(msg);
					snprintf(msg + len, sizeof(msg) - len,
					    "%s -> ", jsonx_get_str(
					    json_object_array_get_idx(tasks,
					    stack[k - 1]), "name"));
				}
				len = strlen(msg);
				snprintf(msg + len, sizeof(msg) - len, "%s",
				    jsonx_get_str(json_object_array_get_idx(
				    tasks, v), "name"));
				ret = fail(why, whysz, "tasks", "dependency "
				    "cycle %s", msg);
			}
		}
	}
	free(color);
	free(stack);
	free(next);
	return ret;
}

static int
validate_tasks(struct json_object *in, struct json_object *params,
    struct json_object *out, char *why, size_t whysz)
{
	struct json_object *names = json_object_new_object();
	size_t i, n;
	int ret = -1;

	if (in == NULL) {
		fail(why, whysz, "tasks", "required (a non-empty array of "
		    "tasks)");
		goto out;
	}
	if (!json_object_is_type(in, json_type_array) ||
	    (n = json_object_array_length(in)) == 0) {
		fail(why, whysz, "tasks", "must be a non-empty array of tasks");
		goto out;
	}
	if (n > FD_TASK_MAX) {
		fail(why, whysz, "tasks", "at most %d tasks are allowed",
		    FD_TASK_MAX);
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct json_object *t = validate_task(
		    json_object_array_get_idx(in, i), i, params, names, why,
		    whysz);

		if (t == NULL)
			goto out;
		json_object_array_add(out, t);
	}
	for (i = 0; i < n; i++)
		if (validate_depends(json_object_array_get_idx(in, i), i,
		    json_object_array_get_idx(out, i), names, why, whysz) == -1)
			goto out;
	ret = find_cycle(out, names, why, whysz);
out:
	json_object_put(names);
	return ret;
}

/*
 * Validates def against the flow-definition format. On success returns a
 * new normalised definition (see the top of this file) that the caller
 * puts; on failure returns NULL and writes "field.path: reason" into why.
 * def itself is never modified or referenced by the result.
 */
struct json_object *
flowdef_validate(struct json_object *def, char *why, size_t whysz)
{
	struct json_object *out = NULL, *v, *params = NULL, *sub;
	const char *name, *desc = "", *pool = "default";
	int64_t maxrun = 1, timeout = 0;

	if (check_object(def, "", top_keys, why, whysz) == -1)
		goto bad;
	if ((v = field(def, "name")) == NULL) {
		fail(why, whysz, "name", "required");
		goto bad;
	}
	if ((name = get_str(v, "name", 256, 0, why, whysz)) == NULL)
		goto bad;
	if (!flowdef_name_valid(name)) {
		fail(why, whysz, "name", "\"%.64s%s\" must match "
		    "[a-z0-9][a-z0-9_.-]{0,63}", name, cut(name));
		goto bad;
	}
	if ((v = field(def, "description")) != NULL &&
	    (desc = get_str(v, "description", FD_DESC_MAX, 1, why, whysz)) ==
	    NULL)
		goto bad;
	out = json_object_new_object();
	jsonx_add_str(out, "name", name);
	jsonx_add_str(out, "description", desc);
	params = json_object_new_object();
	json_object_object_add(out, "parameters", params);
	if ((v = field(def, "parameters")) != NULL &&
	    validate_parameters(v, params, why, whysz) == -1)
		goto bad;
	sub = NULL;
	if ((v = field(def, "schedule")) != NULL &&
	    (sub = validate_schedule(v, why, whysz)) == NULL)
		goto bad;
	json_object_object_add(out, "schedule", sub);
	if ((v = field(def, "pool")) != NULL) {
		if ((pool = get_str(v, "pool", 256, 0, why, whysz)) == NULL)
			goto bad;
		if (!flowdef_name_valid(pool)) {
			fail(why, whysz, "pool", "\"%.64s%s\" must match "
			    "[a-z0-9][a-z0-9_.-]{0,63}", pool, cut(pool));
			goto bad;
		}
	}
	jsonx_add_str(out, "pool", pool);
	if ((v = field(def, "max_concurrent_runs")) != NULL &&
	    get_int(v, "max_concurrent_runs", 1, 1000, &maxrun, why, whysz) ==
	    -1)
		goto bad;
	jsonx_add_int(out, "max_concurrent_runs", maxrun);
	if ((v = field(def, "timeout_s")) != NULL &&
	    get_int(v, "timeout_s", 1, FD_TIMEOUT_MAX, &timeout, why, whysz) ==
	    -1)
		goto bad;
	json_object_object_add(out, "timeout_s",
	    v ? json_object_new_int64(timeout) : NULL);
	sub = NULL;
	if ((v = field(def, "notify")) != NULL &&
	    (sub = validate_notify(v, why, whysz)) == NULL)
		goto bad;
	json_object_object_add(out, "notify", sub);
	sub = json_object_new_array();
	json_object_object_add(out, "tasks", sub);
	if (validate_tasks(field(def, "tasks"), params, sub, why, whysz) == -1)
		goto bad;
	return out;
bad:
	json_object_put(out);
	return NULL;
}

/* flowdef_bind_params's work: 0, or -1 with why. */
static int
bind_params(struct json_object *def, struct json_object *given,
    struct json_object **out, char *why, size_t whysz)
{
	struct json_object *decl = jsonx_get(def, "parameters"), *res = NULL;
	char path[FD_FIELD_LEN];

	*out = NULL;
	if (given != NULL && !json_object_is_type(given, json_type_object))
		return fail(why, whysz, "parameters", "must be a JSON object");
	if (given != NULL) {
		json_object_object_foreach(given, name, val) {
			struct json_object *spec = jsonx_get(decl, name);
			const char *type;

			snprintf(path, sizeof(path), "parameters.%.64s", name);
			if (spec == NULL)
				return fail(why, whysz, path, "the flow has no "
				    "such parameter");
			type = jsonx_get_str(spec, "type");
			if (val != NULL && (type == NULL ||
			    !type_matches(type, val)))
				return fail(why, whysz, path, "must be %s %s",
				    type ? type_article(type) : "a",
				    type ? type : "value");
			if (val != NULL &&
			    json_object_is_type(val, json_type_string) &&
			    get_str(val, path, FD_STR_MAX, 1, why, whysz) ==
			    NULL)
				return -1;
		}
	}
	res = json_object_new_object();
	if (json_object_is_type(decl, json_type_object)) {
		json_object_object_foreach(decl, name, spec) {
			struct json_object *v = jsonx_get(given, name);

			if (v == NULL)
				v = jsonx_get(spec, "default");
			if (v == NULL) {
				snprintf(path, sizeof(path),
				    "parameters.%.64s", name);
				json_object_put(res);
				return fail(why, whysz, path,
				    "required (it has no default)");
			}
			json_object_object_add(res, name, copy_scalar(v));
		}
	}
	if (strlen(jsonx_text(res)) > FD_PARAMS_JSON_MAX) {
		fail(why, whysz, "parameters", "%zu bytes as JSON, more than "
		    "the %d a task can receive (SLUICE_PARAMS is one "
		    "environment variable)", strlen(jsonx_text(res)),
		    FD_PARAMS_JSON_MAX);
		json_object_put(res);
		return -1;
	}
	*out = res;
	return 0;
}

/*
 * Checks run parameters given (NULL or JSON null means none) against the
 * normalised definition def: unknown names and wrong types are refused
 * (an integer is fine for a number parameter, not the reverse); missing or
 * null ones take their default, and one without a default is required.
 * All of them as JSON must fit FD_PARAMS_JSON_MAX bytes (they become
 * SLUICE_PARAMS). Returns SL_OK and a new object in *out (declared
 * order) that the caller puts, or SL_INVALID with why ("parameters.city:
 * required (it has no default)").
 */
enum sl_status
flowdef_bind_params(struct json_object *def, struct json_object *given,
    struct json_object **out, char *why, size_t whysz)
{
	return bind_params(def, given, out, why, whysz) == 0 ? SL_OK :
	    SL_INVALID;
}

/*
 * Substitutes every {{params.X}} in arg with the value of X in params
 * (bound parameters: strings as they are, numbers and booleans as JSON
 * text); other text, including other "{{", is kept. Returns a new string
 * the caller frees, or NULL with why when X is not in params or a
 * reference is malformed.
 */
char *
flowdef_render_arg(const char *arg, struct json_object *params, char *why,
    size_t whysz)
{
	const char *p = arg, *q, *name, *end;
	char *out = NULL, key[FD_NAME_MAX + 1];
	size_t len = 0, cap = strlen(arg) + 1, nlen;

	out = xmalloc(cap);
	while ((q = strstr(p, "{{")) != NULL) {
		struct json_object *v;
		const char *text;
		size_t tlen;
		int r = template_at(q, &name, &nlen, &end);

		if (r == 0)
			end = q + 2;
		if (r == -1 || (r == 1 && nlen > FD_NAME_MAX)) {
			snprintf(why, whysz, "malformed parameter reference in "
			    "\"%.64s\"", arg);
			free(out);
			return NULL;
		}
		if (r == 1) {
			snprintf(key, sizeof(key), "%.*s", (int)nlen, name);
			if ((v = jsonx_get(params, key)) == NULL) {
				snprintf(why, whysz, "{{params.%s}}: no such "
				    "parameter", key);
				free(out);
				return NULL;
			}
			text = json_object_is_type(v, json_type_string) ?
			    json_object_get_string(v) : jsonx_text(v);
			tlen = strlen(text);
		} else {
			text = q;
			tlen = 2;
		}
		/* Copy the literal part, then the value. */
		if (len + (size_t)(q - p) + tlen + strlen(end) + 1 > cap) {
			cap = len + (size_t)(q - p) + tlen + strlen(end) + 1;
			out = xrealloc(out, cap);
		}
		memcpy(out + len, p, (size_t)(q - p));
		len += (size_t)(q - p);
		memcpy(out + len, text, tlen);
		len += tlen;
		p = end;
	}
	if (len + strlen(p) + 1 > cap)
		out = xrealloc(out, cap = len + strlen(p) + 1);
	memcpy(out + len, p, strlen(p) + 1);
	return out;
}
