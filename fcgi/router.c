/*
 * router.c: the route table and nothing else but the checks every route
 * shares, in this order: path (400 when malformed: "..", "%2F", "//",
 * bad escapes; 404 when unknown) and method (405 with Allow, which names
 * HEAD wherever it names GET; HEAD is served as GET, nginx drops the
 * body), role from REMOTE_USER (401 without a known user, 403 naming
 * the role needed), query parameters (400 for unknown ones), and for
 * mutating methods the JSON content type (415; the CSRF defence, since
 * browsers resend Basic credentials on their own) and the body size
 * (413), and last the path's placeholders, each by the one validator of
 * its type (see placeholders[] below). Only then does the handler run, with the
 * decoded placeholder values in r->arg in path order.
 * tests/api/openapi_covers_routes.sh reads this table: keep one route per
 * line, as {"METHOD", "/api/path", ...}; a placeholder is named after its
 * type, and openapi.json names its path parameter the same.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "flowdef.h"
#include "ids.h"
#include "reply.h"
#include "request.h"
#include "router.h"
#include "xalloc.h"

/* The types of path placeholders; a route writes one as "{flow}". */
enum placeholder {
	PH_FLOW,
	PH_RUN,
	PH_TASK,
	PH_WORKER,
	PH_REPO,
	PH_MAX
};

/*
 * Task names come from validated definitions, and the log route builds
 * a file name from one: letters, digits, "_", "." and "-", not starting
 * with ".", at most 128 bytes.
 */
static int
task_name_valid(const char *s)
{
	return *s != '\0' && *s != '.' && strlen(s) <= 128 &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-") == strlen(s);
}

/* Worker names are the workers table's; only their length is bounded. */
static int
worker_name_valid(const char *s)
{
	return strlen(s) <= API_WORKER_NAME_MAX;
}

/* One validator and one wording per placeholder type. */
static const struct {
	const char *name;		/* as written in a route's path */
	int (*valid)(const char *);
	const char *what;		/* for the message */
	const char *rule;
} placeholders[PH_MAX] = {
	[PH_FLOW] = {"flow", flowdef_name_valid, "flow name",
	    "[a-z0-9][a-z0-9_.-]{0,63}"},
	[PH_RUN] = {"run", ids_valid, "run id",
	    "26 letters and digits of Crockford's base32"},
	[PH_TASK] = {"task", task_name_valid, "task name",
	    "letters, digits, \"_\", \".\" and \"-\", at most 128"},
	[PH_WORKER] = {"worker", worker_name_valid, "worker name",
	    "at most 128 bytes"},
	[PH_REPO] = {"repo", flowdef_name_valid, "repository name",
	    "[a-z0-9][a-z0-9_.-]{0,63}"},
};

struct route {
	const char *method;
	const char *path;	/* "{type}" segments are captured in order */
	api_handler *handler;
	enum role min_role;	/* ROLE_NONE: no authentication */
	const char *query;	/* allowed query parameters, comma-separated */
};

static const struct route routes[] = {
	{"GET", "/api/health", api_health, ROLE_NONE, ""},
	{"GET", "/api/me", api_me, ROLE_VIEWER, ""},
	{"GET", "/api/openapi.json", api_openapi, ROLE_VIEWER, ""},
	{"GET", "/api/metrics", api_metrics, ROLE_VIEWER, ""},
	{"GET", "/api/flows", api_flows_list, ROLE_VIEWER,
	    "archived,limit,cursor"},
	{"GET", "/api/flows/{flow}", api_flows_get, ROLE_VIEWER, "version"},
	{"PUT", "/api/flows/{flow}", api_flows_put, ROLE_ADMIN, ""},
	{"PATCH", "/api/flows/{flow}", api_flows_patch, ROLE_ADMIN, ""},
	{"DELETE", "/api/flows/{flow}", api_flows_delete, ROLE_ADMIN, ""},
	{"POST", "/api/flows/{flow}/runs", api_runs_create, ROLE_OPERATOR, ""},
	{"GET", "/api/runs", api_runs_list, ROLE_VIEWER,
	    "flow,state,limit,cursor"},
	{"GET", "/api/runs/{run}", api_runs_get, ROLE_VIEWER, ""},
	{"POST", "/api/runs/{run}/cancel", api_runs_cancel, ROLE_OPERATOR, ""},
	{"POST", "/api/runs/{run}/retry", api_runs_retry, ROLE_OPERATOR, ""},
	{"POST", "/api/runs/{run}/rerun", api_runs_rerun, ROLE_OPERATOR, ""},
	{"GET", "/api/runs/{run}/tasks/{task}/log", api_logs_get, ROLE_VIEWER,
	    "offset,attempt,limit,download"},
	{"GET", "/api/workers", api_workers_list, ROLE_VIEWER, "limit,cursor"},
	{"PATCH", "/api/workers/{worker}", api_workers_patch, ROLE_ADMIN, ""},
	{"GET", "/api/events", api_events_list, ROLE_VIEWER,
	    "actor,object_type,object_id,action,limit,cursor"},
	{"GET", "/api/repos", api_repos_list, ROLE_VIEWER, "limit,cursor"},
	{"GET", "/api/repos/{repo}", api_repos_get, ROLE_VIEWER, ""},
	{"PUT", "/api/repos/{repo}", api_repos_put, ROLE_ADMIN, ""},
	{"DELETE", "/api/repos/{repo}", api_repos_delete, ROLE_ADMIN, ""},
	{"POST", "/api/repos/{repo}/sync", api_repos_sync, ROLE_ADMIN, ""},
	/* Public: the handler checks the repository's signature. */
	{"POST", "/api/repos/{repo}/webhook", api_repos_webhook, ROLE_NONE, ""},
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* The placeholder type written as tok ("{flow}"); unknown is a bug. */
static enum placeholder
placeholder_type(const char *tok)
{
	size_t n = strlen(tok) - 2;

	for (int i = 0; i < PH_MAX; i++)
		if (strlen(placeholders[i].name) == n &&
		    strncmp(tok + 1, placeholders[i].name, n) == 0)
			return (enum placeholder)i;
	assert(!"unknown placeholder type in the route table");
	return PH_MAX;
}

/*
 * Matches segs against pattern; on success (returns 1) stores, when args
 * is not NULL, copies of the "{type}" segments in args (the caller frees
 * them) and their types in types.
 */
static int
match(const char *pattern, char **segs, int nseg, char **args,
    enum placeholder *types)
{
	char *pat = xstrdup(pattern), *save = NULL, *tok;
	int i = 0, na = 0, ok = 1;

	for (tok = strtok_r(pat, "/", &save); tok != NULL;
	    tok = strtok_r(NULL, "/", &save), i++) {
		if (i >= nseg) {
			ok = 0;
			break;
		}
		if (tok[0] == '{') {
			assert(na < API_MAX_ARGS);
			if (args != NULL) {
				args[na] = xstrdup(segs[i]);
				types[na] = placeholder_type(tok);
			}
			na++;
		} else if (strcmp(tok, segs[i]) != 0) {
			ok = 0;
			break;
		}
	}
	if (i != nseg)
		ok = 0;
	free(pat);
	return ok;
}

/*
 * Checks the captured placeholders r->arg[0..] of the given types. A
 * malformed one names no object that can exist: 404, except in PUT,
 * which creates the object under that name and so refuses the name (400).
 */
static enum sl_status
check_placeholders(struct req *r, const enum placeholder *types)
{
	for (int i = 0; i < API_MAX_ARGS && r->arg[i] != NULL; i++) {
		const char *v = r->arg[i];

		if (placeholders[types[i]].valid(v))
			continue;
		return reply_fail(r, strcmp(r->method, "PUT") == 0 ?
		    SL_INVALID : SL_NOTFOUND, "%s: \"%.64s%s\" is not a valid "
		    "%s (%s)", placeholders[types[i]].name, v,
		    strlen(v) > 64 ? "..." : "", placeholders[types[i]].what,
		    placeholders[types[i]].rule);
	}
	return SL_OK;
}

static int
mutating(const char *method)
{
	return !strcmp(method, "POST") || !strcmp(method, "PUT") ||
	    !strcmp(method, "PATCH") || !strcmp(method, "DELETE");
}

/*
 * Returns 1 for "application/json" with at most a "charset=utf-8"
 * parameter, in any letter case.
 */
static int
json_content_type(const char *ct)
{
	const char *p;
	size_t n;

	if (ct == NULL)
		return 0;
	n = strcspn(ct, ";");
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (n != 16 || strncasecmp(ct, "application/json", 16) != 0)
		return 0;
	p = ct + strcspn(ct, ";");
	if (*p == '\0')
		return 1;
	p++;
	p += strspn(p, " \t");
	return strcasecmp(p, "charset=utf-8") == 0 ||
	    strcasecmp(p, "charset=\"utf-8\"") == 0;
}

/*
 * Finds the route for r's method and the path segs. Returns it, or NULL
 * after replying 405 (with Allow; another method has the path) or 404.
 * Allow names HEAD after GET, since HEAD is served wherever GET is.
 */
static const struct route *
find_route(struct req *r, char **segs, int nseg)
{
	char allow[64] = "";

	for (size_t i = 0; i < NROUTES; i++) {
		if (!match(routes[i].path, segs, nseg, NULL, NULL))
			continue;
		if (strcmp(routes[i].method, r->method) == 0)
			return &routes[i];
		if (strstr(allow, routes[i].method) == NULL)
			snprintf(allow + strlen(allow), sizeof(allow) -
			    strlen(allow), "%s%s%s", *allow ? ", " : "",
			    routes[i].method,
			    strcmp(routes[i].method, "GET") ? "" : ", HEAD");
	}
	if (*allow == '\0') {
		reply_fail(r, SL_NOTFOUND, "no such API path");
		return NULL;
	}
	reply_fail(r, SL_METHOD, "%s is not allowed here; allowed: %s",
	    r->method, allow);
	reply_header(r, "Allow", "%s", allow);
	return NULL;
}

/* Checks that r's user may use rt: 401 without a known user, 403 without
 * the role. */
static enum sl_status
check_role(struct req *r, const struct route *rt)
{
	enum sl_status s;

	if (rt->min_role == ROLE_NONE)
		return SL_OK;
	if ((s = req_load_role(r)) != SL_OK)
		return s;
	if (r->user == NULL || r->role == ROLE_NONE)
		return reply_fail(r, SL_UNAUTHORIZED, "authentication "
		    "required");
	if (!roles_allow(r->role, rt->min_role, strcmp(r->method, "GET") == 0))
		return reply_fail(r, SL_FORBIDDEN, "%s %s needs role %s; user "
		    "\"%s\" is %s", r->method, rt->path,
		    roles_name(rt->min_role), r->user, roles_name(r->role));
	return SL_OK;
}

/*
 * For mutating methods: the JSON content type (415) and the body (413
 * when too large).
 */
static enum sl_status
check_body(struct req *r)
{
	if (!mutating(r->method))
		return SL_OK;
	if (!json_content_type(req_param(r, "CONTENT_TYPE")))
		return reply_fail(r, SL_MEDIA, "%s needs Content-Type: "
		    "application/json", r->method);
	return req_read_body(r);
}

/*
 * Routes r to its handler after the shared checks. Returns the handler's
 * status, or the failed check's (replied); reply_send sends the reply.
 */
enum sl_status
router_dispatch(struct req *r)
{
	char *segs[REQ_MAX_SEGS] = {0};
	enum placeholder types[API_MAX_ARGS];
	const struct route *rt;
	enum sl_status s;
	int nseg;

	nseg = req_split_path(r, segs, REQ_MAX_SEGS);
	if (nseg == -1 && r->path_error != NULL)
		s = reply_fail(r, SL_INVALID, "malformed path: %s",
		    r->path_error);
	else if (nseg < 2 || strcmp(segs[0], "api") != 0)
		s = reply_fail(r, SL_NOTFOUND, "no such API path");
	else if ((rt = find_route(r, segs, nseg)) == NULL)
		s = r->failed;
	else {
		match(rt->path, segs, nseg, r->arg, types);
		if ((s = check_role(r, rt)) == SL_OK &&
		    (s = req_parse_query(r, rt->query)) == SL_OK &&
		    (s = check_body(r)) == SL_OK &&
		    (s = check_placeholders(r, types)) == SL_OK)
			s = rt->handler(r);
	}
	for (int k = 0; k < REQ_MAX_SEGS; k++)
		free(segs[k]);
	return s;
}
