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
#include "dbraw.h"
#include "flowdef.h"
#include "json.h"
#include "reply.h"
#include "request.h"
#include "sqlx.h"
#include "timefmt.h"
#include "tz.h"
#include "wake.h"
#include "xalloc.h"

#define NEXT_RUNS 5
#define RECENT_RUNS 10

static const char sql_flow[] =
    "SELECT version, paused, archived, created_at, updated_at"
    " FROM flows WHERE name = :name";
static const char sql_def[] =
    "SELECT definition FROM flow_versions"
    " WHERE flow = :name AND version = :version";
static const char sql_versions[] =
    "SELECT version, created_by, created_at FROM flow_versions"
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
static const char sql_insert_flow[] =
    "INSERT INTO flows (name, version, paused, archived, created_at,"
    " updated_at) VALUES (:name, 1, 0, 0, :now, :now)";
static const char sql_insert_version[] =
    "INSERT INTO flow_versions (flow, version, definition, created_by,"
    " created_at) VALUES (:name, :version, :definition, :by, :now)";
static const char sql_set_version[] =
    "UPDATE flows SET version = :version, archived = 0, updated_at = :now"
    " WHERE name = :name";
static const char sql_set_paused[] =
    "UPDATE flows SET paused = :paused, updated_at = :now"
    " WHERE name = :name";
static const char sql_archive[] =
    "UPDATE flows SET archived = 1, updated_at = :now WHERE name = :name";

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
 * Builds the full view of flow name with the definition of version (0:
 * current). Returns SL_OK and a new object in *out, or a status with why.
 */
static enum sl_status
flow_detail(struct db *db, const char *name, int64_t version,
    struct json_object **out, char *why, size_t whysz)
{
	sqlite3_stmt *st = NULL;
	struct json_object *obj = NULL, *def = NULL, *arr;
	enum sl_status s = SL_DB;
	int64_t current;
	int paused, archived, rc;
	char *desc = NULL;

	*out = NULL;
	snprintf(why, whysz, "cannot read flow \"%s\"", name);
	if ((st = dbraw_prepare(db, sql_flow)) == NULL)
		goto out;
	dbraw_bind_text(st, ":name", name);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		s = rc == SQLITE_DONE ? not_found(name, why, whysz) :
		    dbraw_status(db, rc);
		goto out;
	}
	obj = json_object_new_object();
	current = sqlite3_column_int64(st, 0);
	paused = sqlite3_column_int(st, 1);
	archived = sqlite3_column_int(st, 2);
	jsonx_add_str(obj, "name", name);
	jsonx_add_int(obj, "version", version ? version : current);
	jsonx_add_int(obj, "current_version", current);
	sqlx_add_bool(obj, "paused", st, 1);
	sqlx_add_bool(obj, "archived", st, 2);
	sqlx_add_time(obj, "created_at", st, 3);
	sqlx_add_time(obj, "updated_at", st, 4);
	sqlite3_finalize(st);

	if ((st = dbraw_prepare(db, sql_def)) == NULL)
		goto out;
	dbraw_bind_text(st, ":name", name);
	dbraw_bind_int64(st, ":version", version ? version : current);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		if (rc == SQLITE_DONE) {
			snprintf(why, whysz, "flow \"%s\" has no version "
			    "%lld", name, (long long)version);
			s = SL_NOTFOUND;
		} else
			s = dbraw_status(db, rc);
		goto out;
	}
	def = sqlx_json(st, 0);
	sqlite3_finalize(st);
	copy_key(obj, "description", def);
	copy_key(obj, "schedule", def);
	arr = json_object_new_array();
	if (!paused && !archived)
		schedule_times(def, timefmt_now_ms(), NEXT_RUNS, arr, &desc);
	else
		schedule_times(def, 0, 0, NULL, &desc);
	json_object_object_add(obj, "next_runs", arr);
	jsonx_add_str(obj, "schedule_description", desc);
	json_object_object_add(obj, "definition", json_object_get(def));

	if ((st = dbraw_prepare(db, sql_versions)) == NULL)
		goto out;
	dbraw_bind_text(st, ":name", name);
	arr = json_object_new_array();
	json_object_object_add(obj, "versions", arr);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct json_object *v = json_object_new_object();

		sqlx_add_int(v, "version", st, 0);
		sqlx_add_text(v, "created_by", st, 1);
		sqlx_add_time(v, "created_at", st, 2);
		json_object_array_add(arr, v);
	}
	if ((s = dbraw_status(db, rc)) != SL_OK)
		goto out;
	*out = obj;
	obj = NULL;
	s = SL_OK;
out:
	sqlite3_finalize(st);
	json_object_put(obj);
	json_object_put(def);
	free(desc);
	return s;
}

/* Adds last_run and recent_runs (newest first, not SCHEDULED) of flow. */
static enum sl_status
add_recent(struct db *db, const char *flow, struct json_object *item)
{
	sqlite3_stmt *st = dbraw_prepare(db, sql_recent);
	struct json_object *states = json_object_new_array(), *last = NULL;
	int rc;

	json_object_object_add(item, "recent_runs", states);
	if (st == NULL) {
		json_object_object_add(item, "last_run", NULL);
		return SL_DB;
	}
	dbraw_bind_text(st, ":flow", flow);
	dbraw_bind_int64(st, ":limit", RECENT_RUNS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (last == NULL) {
			last = json_object_new_object();
			sqlx_add_text(last, "id", st, 0);
			sqlx_add_text(last, "state", st, 1);
			sqlx_add_time(last, "created_at", st, 2);
		}
		json_object_array_add(states,
		    json_object_new_string(dbraw_col_text(st, 1)));
	}
	json_object_object_add(item, "last_run", last);
	sqlite3_finalize(st);
	return dbraw_status(db, rc);
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
void
api_flows_list(struct req *r)
{
	struct json_object *items = NULL;
	sqlite3_stmt *st = NULL;
	enum sl_status s = SL_DB;
	int64_t limit, n = 0, now = timefmt_now_ms();
	int archived, rc;
	char *last = NULL;

	if (req_limit(r, &limit) == -1 ||
	    req_query_bool(r, "archived", &archived) == -1)
		return;
	if ((st = dbraw_prepare(r->db, sql_list)) == NULL)
		goto out;
	dbraw_bind_int64(st, ":archived", archived);
	dbraw_bind_text(st, ":cursor", req_query(r, "cursor"));
	dbraw_bind_int64(st, ":limit", limit + 1);
	items = json_object_new_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct json_object *item, *def;
		const char *name = dbraw_col_text(st, 0);
		int64_t next = -1;
		char *desc = NULL;

		if (++n > limit)
			break;
		free(last);
		last = xstrdup(name);
		item = json_object_new_object();
		def = sqlx_json(st, 4);
		jsonx_add_str(item, "name", name);
		copy_key(item, "description", def);
		sqlx_add_int(item, "version", st, 1);
		sqlx_add_bool(item, "paused", st, 2);
		sqlx_add_bool(item, "archived", st, 3);
		copy_key(item, "schedule", def);
		if (!sqlite3_column_int(st, 2) && !sqlite3_column_int(st, 3))
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
		if ((s = add_recent(r->db, name, item)) != SL_OK) {
			json_object_put(item);
			goto out;
		}
		json_object_array_add(items, item);
	}
	if (rc != SQLITE_ROW && (s = dbraw_status(r->db, rc)) != SL_OK)
		goto out;
	reply_page(r, items, n > limit ? last : NULL);
	items = NULL;
	s = SL_OK;
out:
	if (s != SL_OK)
		reply_fail(r, s, "cannot list flows");
	sqlite3_finalize(st);
	json_object_put(items);
	free(last);
}

/*
 * GET /api/flows/{name}?version=N (viewer)
 * The flow with its definition (of version N, default the current one),
 * version, current_version, paused, archived, created_at, updated_at,
 * schedule, schedule_description, next_runs (next 5 fire times, UTC;
 * empty when paused, archived or unscheduled) and versions (newest first).
 * 200; 400 bad version; 404 unknown flow or version.
 */
void
api_flows_get(struct req *r)
{
	struct json_object *obj;
	enum sl_status s;
	int64_t version;
	char why[256];

	if (!flowdef_name_valid(r->arg[0])) {
		reply_fail(r, SL_NOTFOUND, "flow \"%.64s%s\" not found "
		    "(not a valid flow name)", r->arg[0],
		    strlen(r->arg[0]) > 64 ? "..." : "");
		return;
	}
	if (req_query_int(r, "version", 0, 1, INT32_MAX, &version) == -1)
		return;
	s = flow_detail(r->db, r->arg[0], version, &obj, why, sizeof(why));
	if (s != SL_OK)
		reply_fail(r, s, "%s", why);
	else
		reply_ok(r, obj);
}

/*
 * Stores def (normalised) as flow name's next version inside the open
 * transaction. *created is set when the flow is new; *version gets the
 * version now current. An identical definition makes no new version (an
 * archived flow is still un-archived).
 */
static enum sl_status
store(struct req *r, const char *name, const char *text, int *created,
    int64_t *version)
{
	sqlite3_stmt *st = NULL;
	struct json_object *detail = json_object_new_object();
	enum sl_status s = SL_DB;
	int64_t now = timefmt_now_ms(), current = 0;
	int archived = 0, rc, same = 0;

	*created = 0;
	if ((st = dbraw_prepare(r->db, sql_flow)) == NULL)
		goto out;
	dbraw_bind_text(st, ":name", name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		current = sqlite3_column_int64(st, 0);
		archived = sqlite3_column_int(st, 2);
	} else if ((s = dbraw_status(r->db, rc)) != SL_OK)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	if (current > 0) {
		if ((st = dbraw_prepare(r->db, sql_def)) == NULL)
			goto out;
		dbraw_bind_text(st, ":name", name);
		dbraw_bind_int64(st, ":version", current);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    strcmp(dbraw_col_text(st, 0), text) == 0)
			same = 1;
		sqlite3_finalize(st);
		st = NULL;
	} else {
		*created = 1;
		st = dbraw_prepare(r->db, sql_insert_flow);
		if (st != NULL) {
			dbraw_bind_text(st, ":name", name);
			dbraw_bind_int64(st, ":now", now);
		}
		if ((s = sqlx_done(r->db, st)) != SL_OK)
			goto out;
	}
	*version = same ? current : current + 1;
	if (same && !archived) {
		s = SL_OK;	/* nothing changed, nothing to record */
		goto out;
	}
	if (!same) {
		st = dbraw_prepare(r->db, sql_insert_version);
		if (st != NULL) {
			dbraw_bind_text(st, ":name", name);
			dbraw_bind_int64(st, ":version", *version);
			dbraw_bind_text(st, ":definition", text);
			dbraw_bind_text(st, ":by", r->user);
			dbraw_bind_int64(st, ":now", now);
		}
		if ((s = sqlx_done(r->db, st)) != SL_OK)
			goto out;
	}
	st = dbraw_prepare(r->db, sql_set_version);
	if (st != NULL) {
		dbraw_bind_text(st, ":name", name);
		dbraw_bind_int64(st, ":version", *version);
		dbraw_bind_int64(st, ":now", now);
	}
	if ((s = sqlx_done(r->db, st)) != SL_OK)
		goto out;
	st = NULL;
	jsonx_add_int(detail, "version", *version);
	if (archived)
		json_object_object_add(detail, "unarchived",
		    json_object_new_boolean(1));
	s = req_audit(r, "flow.put", "flow", name, detail);
out:
	sqlite3_finalize(st);
	json_object_put(detail);
	return s;
}

/*
 * PUT /api/flows/{name} (admin), body: a flow definition
 * Validates the definition (its "name", if present, must equal the path's)
 * and stores it as a new version; un-archives an archived flow. An
 * identical definition makes no new version.
 * 201 created (flow view); 200 replaced; 400 invalid definition or name;
 * 415 not JSON; 413 too large; 503 busy.
 */
void
api_flows_put(struct req *r)
{
	struct json_object *def = NULL, *norm = NULL, *obj;
	const char *name = r->arg[0], *given;
	enum sl_status s;
	char why[512];
	int created = 0;
	int64_t version = 0;

	if (!flowdef_name_valid(name)) {
		reply_fail(r, SL_INVALID, "name: \"%.64s%s\" is not a valid "
		    "flow name ([a-z0-9][a-z0-9_.-]{0,63})", name,
		    strlen(name) > 64 ? "..." : "");
		return;
	}
	if ((def = req_json_object(r, 0)) == NULL)
		return;
	if (jsonx_get(def, "name") != NULL) {
		given = jsonx_get_str(def, "name");
		if (given == NULL || strcmp(given, name) != 0) {
			reply_fail(r, SL_INVALID, "name: the definition's name "
			    "must equal the name in the path (\"%s\")", name);
			goto out;
		}
	} else
		jsonx_add_str(def, "name", name);
	if ((norm = flowdef_validate(def, why, sizeof(why))) == NULL) {
		reply_fail(r, SL_INVALID, "%s", why);
		goto out;
	}
	if ((s = db_begin_write(r->db)) == SL_OK &&
	    (s = store(r, name, jsonx_text(norm), &created, &version)) ==
	    SL_OK)
		s = db_commit(r->db);
	if (s != SL_OK) {
		dbraw_rollback(r->db);
		reply_fail(r, s, "cannot store flow \"%s\"", name);
		goto out;
	}
	wake_schedulers();
	if ((s = flow_detail(r->db, name, 0, &obj, why, sizeof(why))) !=
	    SL_OK)
		reply_fail(r, s, "%s", why);
	else if (created)
		reply_created(r, obj);
	else
		reply_ok(r, obj);
out:
	json_object_put(def);
	json_object_put(norm);
}

/*
 * Runs one UPDATE of flow name (sql with :name, :now and, if paused >= 0,
 * :paused) and its audit event in one transaction. The flow must exist;
 * archived ones are refused when refuse_archived is set. *changed is
 * cleared when the update would change nothing (no audit then).
 */
static enum sl_status
update(struct req *r, const char *sql, const char *action, int paused,
    int refuse_archived, int *changed, char *why, size_t whysz)
{
	const char *name = r->arg[0];
	struct json_object *detail = NULL;
	sqlite3_stmt *st = NULL;
	enum sl_status s;
	int rc;

	*changed = 1;
	if ((s = db_begin_write(r->db)) != SL_OK)
		goto out;
	s = SL_DB;
	if ((st = dbraw_prepare(r->db, sql_flow)) == NULL)
		goto out;
	dbraw_bind_text(st, ":name", name);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		s = rc == SQLITE_DONE ? not_found(name, why, whysz) :
		    dbraw_status(r->db, rc);
		goto out;
	}
	if (sqlite3_column_int(st, 2) && refuse_archived) {
		snprintf(why, whysz, "flow \"%s\" is archived; PUT its "
		    "definition to restore it", name);
		s = SL_CONFLICT;
		goto out;
	}
	if ((paused >= 0 && sqlite3_column_int(st, 1) == paused) ||
	    (paused < 0 && sqlite3_column_int(st, 2))) {
		*changed = 0;
		s = SL_OK;
		goto out;
	}
	sqlite3_finalize(st);
	if ((st = dbraw_prepare(r->db, sql)) != NULL) {
		dbraw_bind_text(st, ":name", name);
		dbraw_bind_int64(st, ":now", timefmt_now_ms());
		if (paused >= 0)
			dbraw_bind_int64(st, ":paused", paused);
	}
	s = sqlx_done(r->db, st);
	st = NULL;
	if (s != SL_OK)
		goto out;
	if (paused >= 0) {
		detail = json_object_new_object();
		json_object_object_add(detail, "paused",
		    json_object_new_boolean(paused));
	}
	if ((s = req_audit(r, action, "flow", name, detail)) != SL_OK)
		goto out;
	s = db_commit(r->db);
out:
	sqlite3_finalize(st);
	json_object_put(detail);
	dbraw_rollback(r->db);
	if (s != SL_OK && s != SL_NOTFOUND && s != SL_CONFLICT)
		snprintf(why, whysz, "cannot change flow \"%s\"", name);
	return s;
}

/*
 * PATCH /api/flows/{name} (admin), body {"paused": bool}
 * Pauses or resumes the flow's schedule (manual runs still start).
 * 200 flow view; 400 bad body; 404 unknown flow; 409 archived; 503 busy.
 */
void
api_flows_patch(struct req *r)
{
	struct json_object *body, *v, *obj;
	enum sl_status s;
	char why[256];
	int changed;

	if (!flowdef_name_valid(r->arg[0])) {
		reply_fail(r, SL_NOTFOUND, "flow \"%.64s\" not found",
		    r->arg[0]);
		return;
	}
	if ((body = req_json_object(r, 0)) == NULL)
		return;
	if (req_check_keys(r, body, "paused", "body") == -1)
		goto out;
	v = jsonx_get(body, "paused");
	if (v == NULL || !json_object_is_type(v, json_type_boolean)) {
		reply_fail(r, SL_INVALID, "paused: expected boolean, got %s",
		    v ? req_type_name(v) : "nothing");
		goto out;
	}
	s = update(r, sql_set_paused, "flow.patch",
	    json_object_get_boolean(v) ? 1 : 0, 1, &changed, why,
	    sizeof(why));
	if (s == SL_OK)
		s = flow_detail(r->db, r->arg[0], 0, &obj, why, sizeof(why));
	if (s != SL_OK) {
		reply_fail(r, s, "%s", why);
		goto out;
	}
	if (changed)
		wake_schedulers();
	reply_ok(r, obj);
out:
	json_object_put(body);
}

/*
 * DELETE /api/flows/{name} (admin), no body
 * Archives the flow: hidden from GET /api/flows (unless archived=true),
 * no new runs; its runs and logs are kept. Archiving twice is fine.
 * 204; 404 unknown flow; 503 busy.
 */
void
api_flows_delete(struct req *r)
{
	enum sl_status s;
	char why[256];
	int changed;

	if (!flowdef_name_valid(r->arg[0])) {
		reply_fail(r, SL_NOTFOUND, "flow \"%.64s\" not found",
		    r->arg[0]);
		return;
	}
	if (r->body_len > 0) {
		reply_fail(r, SL_INVALID, "DELETE takes no body");
		return;
	}
	s = update(r, sql_archive, "flow.delete", -1, 0, &changed, why,
	    sizeof(why));
	if (s != SL_OK) {
		reply_fail(r, s, "%s", why);
		return;
	}
	if (changed)
		wake_schedulers();
	reply_no_content(r);
}
