/*
 * api_flows.c: the flow resource: list, get (any version), put (create
 * or new version, validated by lib/flowdef.c), patch (pause) and delete
 * (archive; runs and logs stay). Every change runs in one BEGIN IMMEDIATE
 * transaction together with its audit event. Schedules are shown as next
 * fire times computed with lib/cron.c in the flow's time zone; paused or
 * archived flows have none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"
#include "db.h"
#include "flowdef.h"
#include "flowstore.h"
#include "json.h"
#include "redact.h"
#include "reply.h"
#include "request.h"
#include "sqlx.h"
#include "timefmt.h"
#include "tz.h"
#include "wake.h"

#define NEXT_RUNS 5
#define RECENT_RUNS 10

static const char sql_flow[] =
    "SELECT version, paused, archived, created_at, updated_at, repo"
    " FROM flows WHERE name = :name";
static const char sql_def[] =
    "SELECT definition FROM flow_versions"
    " WHERE flow = :name AND version = :version";
static const char sql_versions[] =
    "SELECT version, created_by, created_at, repo, commit_id,"
    " commit_subject, source FROM flow_versions"
    " WHERE flow = :name ORDER BY version DESC";
static const char sql_list[] =
    "SELECT f.name, f.version, f.paused, f.archived, v.definition,"
    " f.created_at, f.updated_at"
    " FROM flows f JOIN flow_versions v"
    " ON v.flow = f.name AND v.version = f.version"
    " WHERE (:archived OR f.archived = 0)"
    " AND (:cursor IS NULL OR f.name > :cursor)"
    " ORDER BY f.name LIMIT :limit";
static const char sql_recent[] =
    "SELECT id, state, created_at FROM runs WHERE flow = :flow"
    " AND state != 'SCHEDULED' ORDER BY id DESC LIMIT :limit";
static const char sql_set_paused[] =
    "UPDATE flows SET paused = :paused, updated_at = :now"
    " WHERE name = :name";

/*
 * Computes up to n fire times of def's schedule after after_ms, appending
 * them to arr (if not NULL); returns the first or -1. *desc (if not NULL)
 * gets cron_describe's words, or NULL without a schedule; caller frees.
 */
static int64_t
schedule_times(struct json_object *def, int64_t after_ms, int n,
    struct json_object *arr, char **desc)
{
	struct json_object *sch = jsonx_get(def, "schedule");
	const char *expr = jsonx_get_str(sch, "cron");
	const char *zone = jsonx_get_str(sch, "timezone");
	struct cron *c = NULL;
	struct tz *tz = NULL;
	char why[256];
	int64_t first = -1, t = after_ms;

	if (desc != NULL)
		*desc = NULL;
	if (expr == NULL || (c = cron_parse(expr, why, sizeof(why))) == NULL)
		goto out;
	if (desc != NULL)
		*desc = cron_describe(c);
	if ((tz = tz_load(zone ? zone : "UTC", why, sizeof(why))) == NULL)
		goto out;
	for (int i = 0; i < n; i++) {
		char buf[TIMEFMT_LEN];

		if ((t = cron_next(c, tz, t)) < 0)
			break;
		if (i == 0)
			first = t;
		if (arr != NULL)
			json_object_array_add(arr, json_object_new_string(
			    timefmt_rfc3339(t, buf)));
	}
out:
	cron_free(c);
	tz_free(tz);
	return first;
}

/* Adds obj[key] = def[key] (a new reference), or null. */
static void
copy_key(struct json_object *obj, const char *key, struct json_object *def)
{
	json_object_object_add(obj, key, json_object_get(jsonx_get(def, key)));
}

/* Returns the 404 message for name into why. */
static enum sl_status
not_found(const char *name, char *why, size_t whysz)
{
	snprintf(why, whysz, "flow \"%s\" not found", name);
	return SL_NOTFOUND;
}

/*
 * Starts the view of flow name from its flows row: name, version (the
 * asked one, 0: current), current_version, flags and times. *current gets
 * the current version, *live whether it is neither paused nor archived.
 * Returns SL_OK and a new object in *out, or a status with why.
 */
static enum sl_status
flow_row(struct db *db, const char *name, int64_t version,
    struct json_object **out, int64_t *current, int *live, char *why,
    size_t whysz)
{
	struct json_object *obj;
	struct db_stmt st;
	enum sl_status s;

	*out = NULL;
	db_prepare(db, &st, sql_flow);
	db_bind_text(&st, ":name", name);
	if (!db_step(&st)) {
		if ((s = db_finish(&st)) == SL_OK)
			return not_found(name, why, whysz);
		return s;
	}
	obj = json_object_new_object();
	*current = db_col_int(&st, 0);
	*live = !db_col_int(&st, 1) && !db_col_int(&st, 2);
	jsonx_add_str(obj, "name", name);
	jsonx_add_int(obj, "version", version ? version : *current);
	jsonx_add_int(obj, "current_version", *current);
	sqlx_add_bool(obj, "paused", &st, 1);
	sqlx_add_bool(obj, "archived", &st, 2);
	sqlx_add_time(obj, "created_at", &st, 3);
	sqlx_add_time(obj, "updated_at", &st, 4);
	sqlx_add_text(obj, "repo", &st, 5);
	if ((s = db_finish(&st)) != SL_OK) {
		json_object_put(obj);
		return s;
	}
	*out = obj;
	return SL_OK;
}

/*
 * Loads version of flow's normalised definition into *def (a new object
 * the caller puts). Returns SL_OK, SL_NOTFOUND when there is no such
 * version, or SL_DB (also for a definition that does not parse). Shared
 * by every handler that needs a stored definition.
 */
enum sl_status
api_flows_load_def(struct db *db, const char *flow, int64_t version,
    struct json_object **def)
{
	struct db_stmt st;
	enum sl_status s;
	int row;

	*def = NULL;
	db_prepare(db, &st, sql_def);
	db_bind_all(&st, DB_TEXT(":name", flow), DB_INT(":version", version));
	if ((row = db_step(&st)) != 0)
		*def = sqlx_json(&st, 0);
	if ((s = db_finish(&st)) == SL_OK && !row)
		s = SL_NOTFOUND;
	else if (s == SL_OK && *def == NULL)
		s = SL_DB;
	if (s != SL_OK) {
		json_object_put(*def);
		*def = NULL;
	}
	return s;
}

/* Adds obj["versions"]: flow name's versions, newest first, each with
 * where it came from (repository, commit, subject, file; null for the
 * API's). */
static enum sl_status
add_versions(struct db *db, const char *name, struct json_object *obj)
{
	struct json_object *arr = json_object_new_array();
	struct db_stmt st;

	json_object_object_add(obj, "versions", arr);
	db_prepare(db, &st, sql_versions);
	db_bind_text(&st, ":name", name);
	while (db_step(&st)) {
		struct json_object *v = json_object_new_object();

		sqlx_add_int(v, "version", &st, 0);
		sqlx_add_text(v, "created_by", &st, 1);
		sqlx_add_time(v, "created_at", &st, 2);
		sqlx_add_text(v, "repo", &st, 3);
		sqlx_add_text(v, "commit", &st, 4);
		sqlx_add_text(v, "subject", &st, 5);
		sqlx_add_text(v, "source", &st, 6);
		json_object_array_add(arr, v);
	}
	return db_finish(&st);
}

/* Adds def's description, schedule and next_runs (when live) to obj. */
static void
add_schedule(struct json_object *obj, struct json_object *def, int live)
{
	struct json_object *arr = json_object_new_array();
	char *desc = NULL;

	copy_key(obj, "description", def);
	copy_key(obj, "schedule", def);
	if (live)
		schedule_times(def, timefmt_now_ms(), NEXT_RUNS, arr, &desc);
	else
		schedule_times(def, 0, 0, NULL, &desc);
	json_object_object_add(obj, "next_runs", arr);
	jsonx_add_str(obj, "schedule_description", desc);
	free(desc);
}

/*
 * Builds the full view of flow name with the definition of version (0:
 * current), as a user with role may see it (redact.c). Returns SL_OK and
 * a new object in *out, or a status with why.
 */
static enum sl_status
flow_detail(struct db *db, const char *name, int64_t version,
    enum role role, struct json_object **out, char *why, size_t whysz)
{
	struct json_object *obj = NULL, *def = NULL;
	enum sl_status s;
	int64_t current;
	int live;

	*out = NULL;
	snprintf(why, whysz, "cannot read flow \"%s\"", name);
	s = flow_row(db, name, version, &obj, &current, &live, why, whysz);
	if (s != SL_OK)
		return s;
	s = api_flows_load_def(db, name, version ? version : current, &def);
	if (s == SL_NOTFOUND)
		snprintf(why, whysz, "flow \"%s\" has no version %lld", name,
		    (long long)version);
	if (s != SL_OK)
		goto out;
	add_schedule(obj, def, live);
	redact_flow_def(def, role);
	json_object_object_add(obj, "definition", json_object_get(def));
	if ((s = add_versions(db, name, obj)) != SL_OK)
		goto out;
	*out = obj;
	obj = NULL;
out:
	json_object_put(obj);
	json_object_put(def);
	return s;
}

/* Adds last_run and recent_runs (newest first, not SCHEDULED) of flow. */
static enum sl_status
add_recent(struct db *db, const char *flow, struct json_object *item)
{
	struct json_object *states = json_object_new_array(), *last = NULL;
	struct db_stmt st;

	json_object_object_add(item, "recent_runs", states);
	db_prepare(db, &st, sql_recent);
	db_bind_text(&st, ":flow", flow);
	db_bind_int(&st, ":limit", RECENT_RUNS);
	while (db_step(&st)) {
		if (last == NULL) {
			last = json_object_new_object();
			sqlx_add_text(last, "id", &st, 0);
			sqlx_add_text(last, "state", &st, 1);
			sqlx_add_time(last, "created_at", &st, 2);
		}
		json_object_array_add(states,
		    json_object_new_string(db_col_text(&st, 1)));
	}
	json_object_object_add(item, "last_run", last);
	return db_finish(&st);
}

/*
 * The list item of the current row of sql_list, with its recent runs;
 * arg is the time now.
 */
static enum sl_status
flow_item(struct req *r, struct db_stmt *st, void *arg,
    struct json_object **out)
{
	int64_t now = *(int64_t *)arg;
	struct json_object *item = json_object_new_object();
	struct json_object *def = sqlx_json(st, 4);
	int64_t next = -1;
	char *desc = NULL;

	sqlx_add_text(item, "name", st, 0);
	copy_key(item, "description", def);
	sqlx_add_int(item, "version", st, 1);
	sqlx_add_bool(item, "paused", st, 2);
	sqlx_add_bool(item, "archived", st, 3);
	copy_key(item, "schedule", def);
	if (!db_col_int(st, 2) && !db_col_int(st, 3))
		next = schedule_times(def, now, 1, NULL, &desc);
	else
		schedule_times(def, 0, 0, NULL, &desc);
	jsonx_add_str(item, "schedule_description", desc);
	free(desc);
	if (next >= 0)
		jsonx_add_time(item, "next_run", next);
	else
		json_object_object_add(item, "next_run", NULL);
	sqlx_add_time(item, "created_at", st, 5);
	sqlx_add_time(item, "updated_at", st, 6);
	json_object_put(def);
	*out = item;
	return add_recent(r->db, db_col_text(st, 0), item);
}

/*
 * GET /api/flows?archived=&limit=&cursor= (viewer)
 * Flows by name: name, description, version, paused, archived, schedule,
 * schedule_description, next_run, last_run {id,state,created_at} and
 * recent_runs (states, newest first), both leaving out runs still
 * SCHEDULED. archived=true includes archived flows. cursor is the last
 * name of the previous page.
 * 200 {"items":[...],"next_cursor":name|null}; 400 bad parameter.
 */
enum sl_status
api_flows_list(struct req *r)
{
	struct db_stmt st;
	enum sl_status s;
	int64_t limit, now = timefmt_now_ms();
	int archived;

	if ((s = req_limit(r, &limit)) != SL_OK ||
	    (s = req_query_bool(r, "archived", &archived)) != SL_OK)
		return s;
	db_prepare(r->db, &st, sql_list);
	db_bind_int(&st, ":archived", archived);
	db_bind_text(&st, ":cursor", req_query(r, "cursor"));
	return reply_page(r, &st, limit, 0, flow_item, &now, "flows");
}

/*
 * GET /api/flows/{flow}?version=N (viewer)
 * The flow with its definition (of version N, default the current one),
 * version, current_version, paused, archived, created_at, updated_at,
 * repo (the repository it belongs to, or null), schedule,
 * schedule_description, next_runs (next 5 fire times, UTC; empty when
 * paused, archived or unscheduled) and versions (newest first: version,
 * created_by, created_at, repo, commit, subject, source).
 * 200; 400 bad version; 404 unknown flow or version.
 */
enum sl_status
api_flows_get(struct req *r)
{
	struct json_object *obj;
	enum sl_status s;
	int64_t version;
	char why[256];

	if ((s = req_query_int(r, "version", 0, 1, INT32_MAX, &version)) !=
	    SL_OK)
		return s;
	s = flow_detail(r->db, r->arg[0], version, r->role, &obj, why,
	    sizeof(why));
	if (s != SL_OK)
		return reply_fail(r, s, "%s", why);
	return reply_ok(r, obj);
}

/* A PUT of a flow definition, for store. */
/* Inside the write transaction: flowstore_put for the API. */
static enum sl_status
store(struct db *db, void *arg)
{
	return flowstore_put(db, arg);
}

/*
 * PUT /api/flows/{flow} (admin), body: a flow definition
 * Validates the definition (its "name", if present, must equal the path's)
 * and stores it as a new version; un-archives an archived flow. An
 * identical definition makes no new version.
 * 201 created (flow view); 200 replaced; 400 invalid definition or name;
 * 415 not JSON; 413 too large; 503 busy.
 */
enum sl_status
api_flows_put(struct req *r)
{
	struct json_object *def = NULL, *norm = NULL, *obj;
	struct flow_put p = {.name = r->arg[0], .actor = r->user,
	    .address = r->addr};
	const char *name = r->arg[0], *given;
	enum sl_status s;
	char why[512];

	if ((s = req_json_object(r, 0, &def)) != SL_OK)
		return s;
	if (jsonx_get(def, "name") != NULL) {
		given = jsonx_get_str(def, "name");
		if (given == NULL || strcmp(given, name) != 0) {
			s = reply_fail(r, SL_INVALID, "name: the definition's "
			    "name must equal the name in the path (\"%s\")",
			    name);
			goto out;
		}
	} else
		jsonx_add_str(def, "name", name);
	if ((norm = flowdef_validate(def, why, sizeof(why))) == NULL ||
	    flowdef_workdirs_absolute(norm, why, sizeof(why)) != 0) {
		s = reply_fail(r, SL_INVALID, "%s", why);
		goto out;
	}
	p.text = jsonx_text(norm);
	if ((s = db_write(r->db, store, &p)) == SL_CONFLICT) {
		reply_fail(r, s, "flow \"%s\" comes from repository \"%s\": "
		    "change its file there (git stays the truth)", name,
		    p.owner);
		goto out;
	} else if (s != SL_OK) {
		reply_fail(r, s, "cannot store flow \"%s\"", name);
		goto out;
	}
	wake_schedulers();
	if ((s = flow_detail(r->db, name, 0, r->role, &obj, why,
	    sizeof(why))) != SL_OK)
		reply_fail(r, s, "%s", why);
	else if (p.created)
		reply_created(r, obj);
	else
		reply_ok(r, obj);
out:
	json_object_put(def);
	json_object_put(norm);
	return s;
}

/* A pause or resume of one flow, for set_paused. */
struct pause {
	struct req *r;
	int paused;
	int changed;		/* out: 0 when nothing would change */
	char why[256];		/* out: why it failed */
};

/*
 * Inside the write transaction: sets flow r->arg[0]'s paused flag and
 * records its audit event. The flow must exist and not be archived.
 * c->changed is cleared when it already was so (no audit then).
 */
static enum sl_status
set_paused(struct db *db, void *arg)
{
	struct pause *c = arg;
	const char *name = c->r->arg[0];
	struct json_object *detail;
	struct db_stmt st;
	enum sl_status s;
	int paused = 0, archived = 0, row;

	db_prepare(db, &st, sql_flow);
	db_bind_text(&st, ":name", name);
	if ((row = db_step(&st)) != 0) {
		paused = (int)db_col_int(&st, 1);
		archived = (int)db_col_int(&st, 2);
	}
	if ((s = db_finish(&st)) != SL_OK)
		return s;
	if (!row)
		return not_found(name, c->why, sizeof(c->why));
	if (archived) {
		snprintf(c->why, sizeof(c->why), "flow \"%s\" is archived; "
		    "PUT its definition to restore it", name);
		return SL_CONFLICT;
	}
	if ((c->changed = paused != c->paused) == 0)
		return SL_OK;
	db_prepare(db, &st, sql_set_paused);
	db_bind_text(&st, ":name", name);
	db_bind_int(&st, ":now", timefmt_now_ms());
	db_bind_int(&st, ":paused", c->paused);
	if ((s = db_done(&st)) != SL_OK)
		return s;
	detail = json_object_new_object();
	json_object_object_add(detail, "paused",
	    json_object_new_boolean(c->paused));
	s = req_audit(c->r, "flow.patch", "flow", name, detail);
	json_object_put(detail);
	return s;
}

/*
 * PATCH /api/flows/{flow} (admin), body {"paused": bool}
 * Pauses or resumes the flow's schedule (manual runs still start).
 * 200 flow view; 400 bad body; 404 unknown flow; 409 archived; 503 busy.
 */
enum sl_status
api_flows_patch(struct req *r)
{
	struct json_object *body, *v, *obj;
	struct pause c = {.r = r};
	enum sl_status s;
	char why[256];

	if ((s = req_json_object(r, 0, &body)) != SL_OK)
		return s;
	if ((s = req_check_keys(r, body, "paused", "body")) != SL_OK)
		goto out;
	v = jsonx_get(body, "paused");
	if (v == NULL || !json_object_is_type(v, json_type_boolean)) {
		s = reply_fail(r, SL_INVALID, "paused: expected boolean, got "
		    "%s", v ? req_type_name(v) : "nothing");
		goto out;
	}
	c.paused = json_object_get_boolean(v) ? 1 : 0;
	if ((s = db_write(r->db, set_paused, &c)) != SL_OK) {
		if (s != SL_NOTFOUND && s != SL_CONFLICT)
			snprintf(c.why, sizeof(c.why), "cannot change flow "
			    "\"%s\"", r->arg[0]);
		reply_fail(r, s, "%s", c.why);
		goto out;
	}
	if ((s = flow_detail(r->db, r->arg[0], 0, r->role, &obj, why,
	    sizeof(why))) != SL_OK) {
		reply_fail(r, s, "%s", why);
		goto out;
	}
	if (c.changed)
		wake_schedulers();
	reply_ok(r, obj);
out:
	json_object_put(body);
	return s;
}

/* Inside the write transaction: flowstore_archive for the API. */
static enum sl_status
archive(struct db *db, void *arg)
{
	return flowstore_archive(db, arg);
}

/*
 * DELETE /api/flows/{flow} (admin), no body
 * Archives the flow: hidden from GET /api/flows (unless archived=true),
 * no new runs; its runs and logs are kept. Archiving twice is fine.
 * 204; 404 unknown flow; 409 it comes from a repository; 503 busy.
 */
enum sl_status
api_flows_delete(struct req *r)
{
	struct flow_archive a = {.name = r->arg[0], .actor = r->user,
	    .address = r->addr};
	enum sl_status s;

	if (r->body_len > 0)
		return reply_fail(r, SL_INVALID, "DELETE takes no body");
	s = db_write(r->db, archive, &a);
	if (s == SL_NOTFOUND)
		return reply_fail(r, s, "flow \"%s\" not found", a.name);
	if (s == SL_CONFLICT)
		return reply_fail(r, s, "flow \"%s\" comes from repository "
		    "\"%s\": delete its file there (git stays the truth)",
		    a.name, a.owner);
	if (s != SL_OK)
		return reply_fail(r, s, "cannot change flow \"%s\"", a.name);
	if (a.changed)
		wake_schedulers();
	return reply_no_content(r);
}
