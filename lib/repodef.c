/*
 * repodef.c: checks a flow repository's settings before anything stores
 * them or hands them to git: the URL (an absolute path, file://, https://,
 * ssh:// or scp-like user@host:path; never an option, git's
 * "transport::address" form, control characters or https credentials,
 * which belong in the token), the ref (a plain branch or tag name), the
 * flow folder (relative, never climbing out, normalised to end in "/"),
 * the polling interval, the pip environment (PIP_* keys only) and the
 * three secrets. It stores nothing and reads no file. Messages name the
 * field first ("url: ..."), as every 400 of the API does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "repodef.h"
#include "xalloc.h"

#define URL_MAX 2048
#define REF_MAX 255
#define PATH_MAX_LEN 1024
#define ENV_MAX_KEYS 32
#define ENV_VALUE_MAX 4096

static const char *const secret_names[REPODEF_SECRET_MAX] = {
	[REPODEF_WEBHOOK_SECRET] = "webhook_secret",
	[REPODEF_TOKEN] = "token",
	[REPODEF_SSH_KEY] = "ssh_key",
};

/* The longest value each secret may have. */
static const size_t secret_max[REPODEF_SECRET_MAX] = {
	[REPODEF_WEBHOOK_SECRET] = 1024,
	[REPODEF_TOKEN] = 4096,
	[REPODEF_SSH_KEY] = 32768,
};

static const char host_chars[] = "abcdefghijklmnopqrstuvwxyz"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-";

/* The secret's key in a PUT body and its column in the repos table. */
const char *
repodef_secret_name(enum repodef_secret which)
{
	return secret_names[which];
}

/* Returns 1 when the n bytes at s hold a control character or NUL. */
static int
has_control(const char *s, size_t n, int newlines_ok)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (newlines_ok && (c == '\n' || c == '\r'))
			continue;
		if (c < 0x20 || c == 0x7f)
			return 1;
	}
	return 0;
}

/* Returns 1 when some part of s (after "/", ":", "@" or at the start)
 * begins with "-", which git could take for an option. */
static int
has_dash_part(const char *s)
{
	if (*s == '-')
		return 1;
	for (; *s != '\0'; s++)
		if (strchr("/:@", s[0]) != NULL && s[1] == '-')
			return 1;
	return 0;
}

/*
 * Checks the host (and :port) of an https:// or ssh:// URL's authority,
 * the n bytes at a, where ssh may name a user ("git@host").
 */
static int
authority_valid(const char *a, size_t n, int user_ok, char *why,
    size_t whysz)
{
	const char *at = memchr(a, '@', n), *colon;
	size_t hn;

	if (at != NULL && !user_ok) {
		snprintf(why, whysz, "must not carry credentials; give the "
		    "token in \"token\"");
		return 0;
	}
	if (at != NULL) {
		if (memchr(a, ':', (size_t)(at - a)) != NULL) {
			snprintf(why, whysz, "must not carry a password");
			return 0;
		}
		n -= (size_t)(at + 1 - a);
		a = at + 1;
	}
	colon = memchr(a, ':', n);
	hn = colon ? (size_t)(colon - a) : n;
	if (hn == 0 || strspn(a, host_chars) < hn) {
		snprintf(why, whysz, "has no valid host name");
		return 0;
	}
	if (colon != NULL && (n - hn < 2 || strspn(colon + 1, "0123456789") <
	    n - hn - 1)) {
		snprintf(why, whysz, "has a port that is not a number");
		return 0;
	}
	return 1;
}

/* Checks the rest of a "scheme://" URL: authority (unless file://), then
 * a path that begins with "/". */
static int
scheme_url_valid(const char *rest, int file, int user_ok, char *why,
    size_t whysz)
{
	const char *slash = strchr(rest, '/');

	if (file) {
		if (*rest != '/') {
			snprintf(why, whysz, "file:// must be followed by an "
			    "absolute path (file:///srv/repo.git)");
			return 0;
		}
		return 1;
	}
	if (slash == NULL || slash[1] == '\0') {
		snprintf(why, whysz, "has no repository path after the host");
		return 0;
	}
	return authority_valid(rest, (size_t)(slash - rest), user_ok, why,
	    whysz);
}

/* Checks an scp-like "user@host:path". */
static int
scp_url_valid(const char *url, char *why, size_t whysz)
{
	const char *at = strchr(url, '@'), *colon = strchr(url, ':');
	size_t un;

	if (at == NULL || colon == NULL || colon < at ||
	    memchr(url, '/', (size_t)(colon - url)) != NULL) {
		snprintf(why, whysz, "expected an absolute path, file://, "
		    "https://, ssh:// or user@host:path URL");
		return 0;
	}
	un = (size_t)(at - url);
	if (un == 0 || strspn(url, host_chars) < un) {
		snprintf(why, whysz, "has no valid user name before \"@\"");
		return 0;
	}
	if (colon == at + 1 || strspn(at + 1, host_chars) <
	    (size_t)(colon - at - 1)) {
		snprintf(why, whysz, "has no valid host name");
		return 0;
	}
	if (colon[1] == '\0') {
		snprintf(why, whysz, "has no repository path after \":\"");
		return 0;
	}
	return 1;
}

/*
 * Returns 1 when url is a repository URL git may be given, else 0 with
 * the reason (without the field name) in why.
 */
int
repodef_url_valid(const char *url, char *why, size_t whysz)
{
	size_t n = strlen(url);

	if (n == 0 || n > URL_MAX) {
		snprintf(why, whysz, "must be 1 to %d bytes", URL_MAX);
		return 0;
	}
	if (has_control(url, n, 0) || strpbrk(url, " \t\\") != NULL) {
		snprintf(why, whysz, "must not contain spaces, backslashes or "
		    "control characters");
		return 0;
	}
	if (has_dash_part(url)) {
		snprintf(why, whysz, "no part may begin with \"-\"");
		return 0;
	}
	if (strstr(url, "::") != NULL) {
		snprintf(why, whysz, "git's transport::address form is not "
		    "allowed");
		return 0;
	}
	if (*url == '/')
		return 1;
	if (strncmp(url, "file://", 7) == 0)
		return scheme_url_valid(url + 7, 1, 0, why, whysz);
	if (strncmp(url, "https://", 8) == 0)
		return scheme_url_valid(url + 8, 0, 0, why, whysz);
	if (strncmp(url, "ssh://", 6) == 0)
		return scheme_url_valid(url + 6, 0, 1, why, whysz);
	if (strstr(url, "://") != NULL) {
		snprintf(why, whysz, "only file://, https:// and ssh:// URLs "
		    "are allowed");
		return 0;
	}
	return scp_url_valid(url, why, whysz);
}

/*
 * Returns 1 when ref is a branch or tag name git takes as is (letters,
 * digits, ".", "_", "-" and "/" between parts; no "..", no part starting
 * with "." or "-", not ending in ".lock"), else 0 with why.
 */
int
repodef_ref_valid(const char *ref, char *why, size_t whysz)
{
	size_t n = strlen(ref);

	if (n == 0 || n > REF_MAX || strspn(ref, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/-") != n) {
		snprintf(why, whysz, "must be 1 to %d letters, digits, \".\", "
		    "\"_\", \"-\" and \"/\"", REF_MAX);
		return 0;
	}
	if (*ref == '-' || *ref == '.' || *ref == '/' || ref[n - 1] == '/' ||
	    ref[n - 1] == '.' || strstr(ref, "..") || strstr(ref, "//") ||
	    strstr(ref, "/.") || strstr(ref, "/-") ||
	    (n >= 5 && strcmp(ref + n - 5, ".lock") == 0)) {
		snprintf(why, whysz, "is not a plain git branch or tag name "
		    "(no \"..\", no part beginning with \".\" or \"-\", no "
		    "\"/\" at either end)");
		return 0;
	}
	return 1;
}

/*
 * Normalises the flow folder path: relative to the repository's root,
 * "." parts and repeated "/" dropped, ending in "/" (the root itself is
 * "./"). Returns a new string the caller frees, or NULL with why for an
 * absolute path, a ".." part, a part beginning with "-", or characters
 * other than letters, digits, ".", "_", "-", " " and "/".
 */
char *
repodef_path_normalise(const char *path, char *why, size_t whysz)
{
	size_t n = strlen(path);
	char *out, *copy, *save = NULL, *part;

	if (n > PATH_MAX_LEN || strspn(path, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._- /") != n) {
		snprintf(why, whysz, "must be at most %d letters, digits, "
		    "\".\", \"_\", \"-\", spaces and \"/\"", PATH_MAX_LEN);
		return NULL;
	}
	if (*path == '/') {
		snprintf(why, whysz, "must be relative to the repository's "
		    "root, not absolute");
		return NULL;
	}
	out = xcalloc(1, n + 3);
	copy = xstrdup(path);
	for (part = strtok_r(copy, "/", &save); part != NULL;
	    part = strtok_r(NULL, "/", &save)) {
		if (strcmp(part, ".") == 0)
			continue;
		if (strcmp(part, "..") == 0 || *part == '-') {
			snprintf(why, whysz, "no part may be \"..\" or begin "
			    "with \"-\"");
			free(out);
			out = NULL;
			break;
		}
		strcat(strcat(out, part), "/");
	}
	free(copy);
	if (out != NULL && *out == '\0')
		strcpy(out, "./");
	return out;
}

/* Checks body's "env": an object of PIP_* keys with string values, and
 * stores its JSON text in d->env ("{}" when absent or null). */
static enum sl_status
parse_env(struct json_object *env, struct repodef *d, char *why,
    size_t whysz)
{
	int nkeys = 0;

	if (env == NULL) {
		d->env = xstrdup("{}");
		return SL_OK;
	}
	if (!json_object_is_type(env, json_type_object)) {
		snprintf(why, whysz, "env: expected an object of PIP_* "
		    "settings");
		return SL_INVALID;
	}
	json_object_object_foreach(env, key, val) {
		size_t kn = strlen(key), vn;

		if (++nkeys > ENV_MAX_KEYS || kn < 5 || kn > 64 ||
		    strncmp(key, "PIP_", 4) != 0 || strspn(key + 4,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != kn - 4) {
			snprintf(why, whysz, "env: \"%.64s\" is not allowed; "
			    "at most %d keys, each PIP_ and capitals, digits "
			    "or \"_\"", key, ENV_MAX_KEYS);
			return SL_INVALID;
		}
		vn = json_object_is_type(val, json_type_string) ?
		    (size_t)json_object_get_string_len(val) : 0;
		if (!json_object_is_type(val, json_type_string) ||
		    vn > ENV_VALUE_MAX ||
		    has_control(json_object_get_string(val), vn, 0)) {
			snprintf(why, whysz, "env.%s: expected a string of at "
			    "most %d bytes without control characters", key,
			    ENV_VALUE_MAX);
			return SL_INVALID;
		}
	}
	d->env = xstrdup(jsonx_text(env));
	return SL_OK;
}

/* Checks one secret of body: absent keeps it, null clears it, a string
 * sets it (an ssh key must be a PEM private key). */
static enum sl_status
parse_secret(struct json_object *body, enum repodef_secret which,
    struct repodef *d, char *why, size_t whysz)
{
	const char *name = secret_names[which];
	struct json_object *v;
	const char *s;
	size_t n;
	int key = which == REPODEF_SSH_KEY;

	if (!json_object_object_get_ex(body, name, &v)) {
		d->secret[which].how = REPODEF_KEEP;
		return SL_OK;
	}
	if (v == NULL) {
		d->secret[which].how = REPODEF_CLEAR;
		return SL_OK;
	}
	s = json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
	n = s ? (size_t)json_object_get_string_len(v) : 0;
	if (s == NULL || n == 0 || n > secret_max[which] ||
	    has_control(s, n, key)) {
		snprintf(why, whysz, "%s: expected null or a string of 1 to "
		    "%zu bytes without control characters", name,
		    secret_max[which]);
		return SL_INVALID;
	}
	if (key && (strncmp(s, "-----BEGIN ", 11) != 0 ||
	    strstr(s, "PRIVATE KEY-----") == NULL)) {
		snprintf(why, whysz, "%s: expected a private key in PEM form "
		    "(-----BEGIN ... PRIVATE KEY-----)", name);
		return SL_INVALID;
	}
	d->secret[which].how = REPODEF_SET;
	d->secret[which].value = s;
	return SL_OK;
}

/* Reads the optional string field key of body into *out (def if absent
 * or null). */
static enum sl_status
opt_string(struct json_object *body, const char *key, const char *def,
    const char **out, char *why, size_t whysz)
{
	struct json_object *v = jsonx_get(body, key);

	*out = def;
	if (v == NULL)
		return SL_OK;
	if (!json_object_is_type(v, json_type_string) ||
	    strlen(json_object_get_string(v)) !=
	    (size_t)json_object_get_string_len(v)) {
		snprintf(why, whysz, "%s: expected a string without NUL", key);
		return SL_INVALID;
	}
	*out = json_object_get_string(v);
	return SL_OK;
}

/* Checks body's interval_s: absent or null is the default, else 0 or
 * REPODEF_INTERVAL_MIN to REPODEF_INTERVAL_MAX. */
static enum sl_status
parse_interval(struct json_object *v, int64_t *out, char *why, size_t whysz)
{
	*out = REPODEF_INTERVAL_DEFAULT;
	if (v == NULL)
		return SL_OK;
	if (jsonx_is_int(v)) {
		*out = json_object_get_int64(v);
		if (*out == 0 || (*out >= REPODEF_INTERVAL_MIN &&
		    *out <= REPODEF_INTERVAL_MAX))
			return SL_OK;
	}
	snprintf(why, whysz, "interval_s: expected 0 (no polling) or an "
	    "integer from %d to %d", REPODEF_INTERVAL_MIN,
	    REPODEF_INTERVAL_MAX);
	return SL_INVALID;
}

/*
 * Checks the object body of PUT /api/repos/{name} (unknown keys are the
 * caller's to refuse) into d, whose borrowed strings live as long as
 * body. Defaults: ref "main", path "flows/", interval_s 60, env {}.
 * Returns SL_OK, or SL_INVALID with "field: reason" in why; d needs
 * repodef_fini either way.
 */
enum sl_status
repodef_parse(struct json_object *body, struct repodef *d, char *why,
    size_t whysz)
{
	char reason[256];
	const char *path;
	enum sl_status s;

	memset(d, 0, sizeof(*d));
	if ((s = opt_string(body, "url", NULL, &d->url, why, whysz)) != SL_OK)
		return s;
	if (d->url == NULL || !repodef_url_valid(d->url, reason,
	    sizeof(reason))) {
		snprintf(why, whysz, "url: %s", d->url ? reason : "required");
		return SL_INVALID;
	}
	if ((s = opt_string(body, "ref", "main", &d->ref, why, whysz)) !=
	    SL_OK)
		return s;
	if (!repodef_ref_valid(d->ref, reason, sizeof(reason))) {
		snprintf(why, whysz, "ref: %s", reason);
		return SL_INVALID;
	}
	if ((s = opt_string(body, "path", "flows/", &path, why, whysz)) !=
	    SL_OK)
		return s;
	if ((d->path = repodef_path_normalise(path, reason,
	    sizeof(reason))) == NULL) {
		snprintf(why, whysz, "path: %s", reason);
		return SL_INVALID;
	}
	if ((s = parse_interval(jsonx_get(body, "interval_s"), &d->interval_s,
	    why, whysz)) != SL_OK ||
	    (s = parse_env(jsonx_get(body, "env"), d, why, whysz)) != SL_OK)
		return s;
	for (int i = 0; i < REPODEF_SECRET_MAX; i++)
		if ((s = parse_secret(body, (enum repodef_secret)i, d, why,
		    whysz)) != SL_OK)
			return s;
	return SL_OK;
}

/* Releases what d owns; d may be reused after repodef_parse. */
void
repodef_fini(struct repodef *d)
{
	free(d->path);
	free(d->env);
	d->path = d->env = NULL;
}
