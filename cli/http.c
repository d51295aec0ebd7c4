/*
 * http.c: sluicectl's libcurl client for the Sluice API. It owns the
 * connection settings and nothing about any resource:
 *   - base URL $SLUICE_URL, default https://127.0.0.1:${SLUICE_PORT:-8443};
 *   - Basic credentials $SLUICE_USER / $SLUICE_PASSWORD, or what they
 *     leave unset from ~/.netrc's entry for the URL's host (cli/netrc.c);
 *     never prompted, never printed, and never sent in clear text to
 *     another machine: http:// is refused unless the host is this one;
 *   - TLS is always verified: for a host on this machine against the
 *     self-signed certificate of the Sluice found by cli/cafind.c
 *     ($SLUICE_DATA's, the one serving the port, or ./data's), else
 *     against the system CAs; --insecure turns verification off;
 *   - request bodies are JSON with Content-Type: application/json, which
 *     the API demands on every mutating request.
 * API errors ({"error":{"code","message"}}) are printed by http_fail as
 * "sluicectl: <code>: <message>". Failures are enum sl_status: SL_IO for
 * the transport, and for an API error the status its HTTP code stands
 * for (http_status).
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cafind.h"
#include "cli.h"
#include "http.h"
#include "json.h"
#include "netrc.h"
#include "xalloc.h"

#define HTTP_CONNECT_TIMEOUT_S 10L
#define HTTP_TIMEOUT_S 120L

struct http {
	CURL *curl;
	char *base;		/* without a trailing slash */
	char *user;
	char *password;
	char *cafile;		/* NULL: system CAs */
	char *looked;		/* local URL: certificates not found, or NULL */
	int local;		/* the URL's host is this machine */
	int insecure;		/* skip TLS verification */
};

/* What http_open needs to know of the base URL. */
struct url_parts {
	char *host;		/* without brackets; curl_free */
	char *port;		/* given or the scheme's; curl_free */
	int local;		/* 127.0.0.1, ::1 or localhost */
	int plain;		/* the scheme is http */
};

/* Splits url into *u (url_parts_fini releases it). */
static void
url_parts_init(struct url_parts *u, const char *url)
{
	CURLU *cu = curl_url();
	char *scheme = NULL;
	size_t n;

	memset(u, 0, sizeof(*u));
	if (cu == NULL || curl_url_set(cu, CURLUPART_URL, url, 0) !=
	    CURLUE_OK) {
		curl_url_cleanup(cu);
		return;
	}
	curl_url_get(cu, CURLUPART_HOST, &u->host, 0);
	curl_url_get(cu, CURLUPART_PORT, &u->port, CURLU_DEFAULT_PORT);
	if (curl_url_get(cu, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK)
		u->plain = strcasecmp(scheme, "http") == 0;
	if (u->host != NULL && u->host[0] == '[' &&
	    (n = strlen(u->host)) > 1 && u->host[n - 1] == ']') {
		memmove(u->host, u->host + 1, n - 2);
		u->host[n - 2] = '\0';
	}
	if (u->host != NULL)
		u->local = strcmp(u->host, "127.0.0.1") == 0 ||
		    strcasecmp(u->host, "localhost") == 0 ||
		    strcmp(u->host, "::1") == 0;
	curl_free(scheme);
	curl_url_cleanup(cu);
}

static void
url_parts_fini(struct url_parts *u)
{
	curl_free(u->host);
	curl_free(u->port);
}

/* The netrc file sluicectl reads: ~/.netrc. Caller frees. */
static char *
netrc_path(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if ((home == NULL || *home == '\0') &&
	    (pw = getpwuid(geteuid())) != NULL)
		home = pw->pw_dir;
	return xasprintf("%s/.netrc", home ? home : "");
}

/*
 * Sets h's user and password: $SLUICE_USER and $SLUICE_PASSWORD, or what
 * either lacks from ~/.netrc's entry for host (one with that user when
 * SLUICE_USER is set). Returns SL_OK, or SL_INVALID after printing what
 * is missing.
 */
static enum sl_status
credentials(struct http *h, const char *host)
{
	const char *user = getenv("SLUICE_USER");
	const char *pw = getenv("SLUICE_PASSWORD");
	struct netrc_login l = { NULL, NULL };
	char *path = NULL, why[512];
	enum sl_status s = SL_OK;

	user = user && *user ? user : NULL;
	pw = pw && *pw ? pw : NULL;
	if (user == NULL || pw == NULL) {
		path = netrc_path();
		s = netrc_find(path, host ? host : "", user, &l, why,
		    sizeof(why));
	}
	if (s == SL_INVALID)
		cli_err("%s", why);
	if (s != SL_OK) {
		cli_err("set SLUICE_USER and SLUICE_PASSWORD to talk to the "
		    "API, or put \"machine %s login USER password PASSWORD\" "
		    "in %s", host ? host : "HOST", path);
		free(path);
		return SL_INVALID;
	}
	h->user = xstrdup(user ? user : l.login);
	h->password = xstrdup(pw ? pw : l.password);
	if (path != NULL)
		netrc_login_fini(&l);
	free(path);
	return SL_OK;
}

/*
 * Reads the environment and makes a client; insecure skips TLS
 * verification. Returns it (http_close releases it) or NULL after printing
 * what is missing.
 */
struct http *
http_open(int insecure)
{
	const char *url = getenv("SLUICE_URL"), *port = getenv("SLUICE_PORT");
	struct url_parts u;
	struct http *h;
	size_t n;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		cli_err("cannot initialise libcurl");
		return NULL;
	}
	h = xcalloc(1, sizeof(*h));
	h->insecure = insecure;
	if (url != NULL && *url != '\0')
		h->base = xstrdup(url);
	else
		h->base = xasprintf("https://127.0.0.1:%s",
		    port && *port ? port : "8443");
	n = strlen(h->base);
	while (n > 0 && h->base[n - 1] == '/')
		h->base[--n] = '\0';
	url_parts_init(&u, h->base);
	h->local = u.local;
	if (u.plain && !u.local) {
		cli_err("SLUICE_URL %s: use https:// (http would send the "
		    "password in clear text)", h->base);
		goto fail;
	}
	if (credentials(h, u.host) != SL_OK)
		goto fail;
	if (u.local && !u.plain && !insecure)
		h->cafile = cafind_local(u.port, &h->looked);
	if ((h->curl = curl_easy_init()) == NULL) {
		cli_err("cannot initialise libcurl");
		goto fail;
	}
	url_parts_fini(&u);
	return h;
fail:
	url_parts_fini(&u);
	http_close(h);
	return NULL;
}

/* Releases h (NULL is fine), wiping the password. */
void
http_close(struct http *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	if (h->password != NULL) {
		explicit_bzero(h->password, strlen(h->password));
		free(h->password);
	}
	free(h->user);
	free(h->base);
	free(h->cafile);
	free(h->looked);
	free(h);
	curl_global_cleanup();
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_reply *r = arg;
	size_t n = size * nmemb;

	r->body = xrealloc(r->body, r->len + n + 1);
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* Returns the value of header line h if it is named name, else NULL. */
static const char *
header_value(const char *h, size_t n, const char *name, size_t *vlen)
{
	size_t k = strlen(name);
	const char *v, *end = h + n;

	if (n <= k || strncasecmp(h, name, k) != 0 || h[k] != ':')
		return NULL;
	for (v = h + k + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
	    end[-1] == ' '))
		end--;
	*vlen = (size_t)(end - v);
	return v;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_reply *r = arg;
	size_t n = size * nmemb, vlen;
	const char *v;
	char num[32];

	if ((v = header_value(data, n, "X-Log-Next-Offset", &vlen)) != NULL &&
	    vlen < sizeof(num)) {
		memcpy(num, v, vlen);
		num[vlen] = '\0';
		r->next_offset = strtoll(num, NULL, 10);
	} else if ((v = header_value(data, n, "X-Log-Attempt",
	    &vlen)) != NULL && vlen < sizeof(num)) {
		memcpy(num, v, vlen);
		num[vlen] = '\0';
		r->attempt = strtoll(num, NULL, 10);
	} else if ((v = header_value(data, n, "X-Log-Complete",
	    &vlen)) != NULL)
		r->complete = vlen == 4 && strncasecmp(v, "true", 4) == 0;
	return n;
}

/* Says why the server's certificate was not trusted and what to do. */
static void
untrusted(const struct http *h)
{
	if (h->cafile != NULL)
		cli_err("the server's certificate is not the one in %s: set "
		    "SLUICE_DATA to the data directory of the Sluice at %s, "
		    "or use --insecure to skip the check", h->cafile, h->base);
	else if (h->local)
		cli_err("no certificate of the Sluice at %s was found (tried "
		    "%s): set SLUICE_DATA to its data directory, or use "
		    "--insecure to skip the check", h->base,
		    h->looked ? h->looked : "nothing");
	else
		cli_err("the server's certificate was not trusted; use "
		    "--insecure to skip the check");
}

/*
 * Sends method path (path starts with "/api/", already escaped) with an
 * optional JSON body and fills r, which the caller releases with
 * http_reply_fini even on failure. Returns SL_OK when a reply arrived,
 * whatever its status, or SL_IO after printing the transport error.
 */
enum sl_status
http_call(struct http *h, const char *method, const char *path,
    const char *body, struct http_reply *r)
{
	struct curl_slist *hdrs = NULL;
	char *url = xasprintf("%s%s", h->base, path);
	char err[CURL_ERROR_SIZE] = "";
	CURLcode cc;
	enum sl_status s = SL_IO;

	memset(r, 0, sizeof(*r));
	r->next_offset = -1;
	r->attempt = -1;
	r->body = xstrdup("");
	curl_easy_reset(h->curl);
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(h->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(h->curl, CURLOPT_USERNAME, h->user);
	curl_easy_setopt(h->curl, CURLOPT_PASSWORD, h->password);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "sluicectl");
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT,
	    HTTP_CONNECT_TIMEOUT_S);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, HTTP_TIMEOUT_S);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, r);
	if (h->insecure) {
		curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (h->cafile != NULL)
		curl_easy_setopt(h->curl, CURLOPT_CAINFO, h->cafile);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
	} else {
		if (body == NULL)
			body = "{}";
		hdrs = curl_slist_append(hdrs,
		    "Content-Type: application/json");
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE,
		    (long)strlen(body));
		curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, method);
	}
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
	cc = curl_easy_perform(h->curl);
	if (cc != CURLE_OK) {
		cli_err("%s %s: %s", method, url,
		    *err ? err : curl_easy_strerror(cc));
		if (cc == CURLE_PEER_FAILED_VERIFICATION)
			untrusted(h);
		goto out;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &r->status);
	s = SL_OK;
out:
	curl_slist_free_all(hdrs);
	free(url);
	return s;
}

/* Releases r's body (r itself is the caller's). */
void
http_reply_fini(struct http_reply *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

/* The status an HTTP error code stands for (the inverse of fcgi/reply.c). */
static enum sl_status
http_status(long code)
{
	switch (code) {
	case 400:
		return SL_INVALID;
	case 404:
		return SL_NOTFOUND;
	case 409:
		return SL_CONFLICT;
	case 503:
		return SL_BUSY;
	default:
		return SL_IO;
	}
}

/*
 * Prints the API's error from a non-2xx reply as "sluicectl: code:
 * message" (or the HTTP status when the body is not an API error).
 * Returns the status the reply's HTTP code stands for (never SL_OK), so
 * callers can `return http_fail(&r);`.
 */
enum sl_status
http_fail(const struct http_reply *r)
{
	struct json_object *o, *e;
	const char *code = NULL, *msg = NULL;
	char why[128];

	o = jsonx_parse(r->body, r->len, why, sizeof(why));
	if (o != NULL && (e = jsonx_get(o, "error")) != NULL) {
		code = jsonx_get_str(e, "code");
		msg = jsonx_get_str(e, "message");
	}
	if (code != NULL)
		cli_err("%s: %s", code, msg ? msg : "");
	else if (r->status == 401)
		cli_err("unauthorized: check SLUICE_USER and SLUICE_PASSWORD");
	else
		cli_err("HTTP %ld, and the reply is not a Sluice API error: "
		    "is SLUICE_URL right (https://HOST:PORT)?", r->status);
	json_object_put(o);
	return http_status(r->status);
}

/* Percent-escapes one path segment or query value; caller frees. */
char *
http_escape(struct http *h, const char *s)
{
	char *e = curl_easy_escape(h->curl, s, 0), *copy;

	if (e == NULL)
		return xstrdup("");
	copy = xstrdup(e);
	curl_free(e);
	return copy;
}

/*
 * Calls the API and parses a 2xx JSON reply into *out (the caller puts
 * it), keeping the reply itself in r (its exact bytes, for --json), which
 * the caller releases with http_reply_fini whatever the result. Returns
 * SL_OK, or the failure after printing the transport or API error (*out
 * NULL).
 */
enum sl_status
http_json_reply(struct http *h, const char *method, const char *path,
    const char *body, struct json_object **out, struct http_reply *r)
{
	char why[256];
	enum sl_status s;

	*out = NULL;
	if ((s = http_call(h, method, path, body, r)) != SL_OK)
		return s;
	if (r->status < 200 || r->status > 299)
		return http_fail(r);
	if (r->len == 0) {
		*out = json_object_new_object();
	} else if ((*out = jsonx_parse(r->body, r->len, why,
	    sizeof(why))) == NULL) {
		cli_err("%s %s: the reply is not JSON: %s", method, path, why);
		s = SL_IO;
	}
	return s;
}

/*
 * Calls the API and parses a 2xx JSON reply into *out (the caller puts
 * it). status (may be NULL) receives the HTTP status. Returns SL_OK, or
 * the failure after printing the transport or API error (*out NULL).
 */
enum sl_status
http_json(struct http *h, const char *method, const char *path,
    const char *body, struct json_object **out, long *status)
{
	struct http_reply r;
	enum sl_status s;

	s = http_json_reply(h, method, path, body, out, &r);
	if (status != NULL)
		*status = r.status;
	http_reply_fini(&r);
	return s;
}
