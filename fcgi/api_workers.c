/*
 * api_workers.c: the worker resource: list the schedulers (and later
 * remote workers) with their heartbeat, load and limits, and let an admin
 * pause one or change its concurrency limit. A worker is online when its
 * last heartbeat is younger than API_ONLINE_MS. Changes are audited and
 * wake the schedulers, which read their row on every loop.
 */
#include <stdio.h>
#include <string.h>

#include "dbraw.h"
#include "json.h"
#include "reply.h"
#include "request.h"
#include "sqlx.h"
#include "timefmt.h"
#include "wake.h"

#define WORKER_NAME_MAX 128

static const char sql_list[] =
    "SELECT name, pool, host, pid, started_at, last_heartbeat, running,"
    " concurrency_limit, paused FROM workers"
    " WHERE (:cursor IS NULL OR name > :cursor) ORDER BY name LIMIT :limit";
static const char sql_get[] =
    "SELECT name, pool, host, pid, started_at, last_heartbeat, running,"
    " concurrency_limit, paused FROM workers WHERE name = :name";
static const char sql_update[] =
    "UPDATE workers SET paused = coalesce(:paused, paused),"
    " concurrency_limit = coalesce(:limit, concurrency_limit)"
    " WHERE name = :name";

static struct json_object *
worker_json(sqlite3_stmt *st, int64_t now)
{
	struct json_object *o = json_object_new_object();
	int64_t beat = sqlite3_column_int64(st, 5);

	sqlx_add_text(o, "name", st, 0);
	sqlx_add_text(o, "pool", st, 1);
	sqlx_add_text(o, "host", st, 2);
	sqlx_add_int(o, "pid", st, 3);
	json_object_object_add(o, "online", json_object_new_boolean(
	    sqlite3_column_type(st, 5) != SQLITE_NULL &&
	    beat >= now - API_ONLINE_MS));
	sqlx_add_time(o, "started_at", st, 4);
	sqlx_add_time(o, "last_heartbeat", st, 5);
	sqlx_add_int(o, "running", st, 6);
	sqlx_add_int(o, "concurrency_limit", st, 7);
	sqlx_add_bool(o, "paused", st, 8);
	return o;
}

/*
 * GET /api/workers?limit=&cursor= (viewer)
 * Workers by name: name, pool, host, pid, online, started_at,
 * last_heartbeat, running, concurrency_limit, paused.
 * 200 {"items":[...],"next_cursor":name|null}; 400 bad parameter.
 */
void
api_workers_list(struct req *r)
{
	struct json_object *items = NULL;
	sqlite3_stmt *st;
	int64_t limit, n = 0, now = timefmt_now_ms();
	char last[WORKER_NAME_MAX + 1] = "";
	int rc;

	if (req_limit(r, &limit) == -1)
		return;
	if ((st = dbraw_prepare(r->db, sql_list)) == NULL) {
		reply_fail(r, SL_DB, "cannot list workers");
		return;
	}
	dbraw_bind_text(st, ":cursor", req_query(r, "cursor"));
	dbraw_bind_int64(st, ":limit", limit + 1);
	items = json_object_new_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (++n > limit)
			break;
		snprintf(last, sizeof(last), "%s", dbraw_col_text(st, 0));
		json_object_array_add(items, worker_json(st, now));
	}
	if (rc != SQLITE_ROW && dbraw_status(r->db, rc) != SL_OK) {
		reply_fail(r, dbraw_status(r->db, rc), "cannot list workers");
		goto out;
	}
	reply_page(r, items, n > limit ? last : NULL);
	items = NULL;
out:
	sqlite3_finalize(st);
	json_object_put(items);
}

/*
 * PATCH /api/workers/{name} (admin), body {"paused": bool,
 * "concurrency_limit": 1..1000} (at least one)
 * A paused worker claims no new runs; running ones continue.
 * 200 worker; 400 bad body; 404 unknown worker; 503 busy.
 */
void
api_workers_patch(struct req *r)
{
	const char *name = r->arg[0];
	struct json_object *body, *paused, *limit, *o = NULL;
	sqlite3_stmt *st = NULL;
	enum sl_status s;
	int rc;

	if (strlen(name) > WORKER_NAME_MAX) {
		reply_fail(r, SL_NOTFOUND, "worker not found");
		return;
	}
	if ((body = req_json_object(r, 0)) == NULL)
		return;
	if (req_check_keys(r, body, "paused,concurrency_limit", "body") == -1)
		goto out;
	paused = jsonx_get(body, "paused");
	limit = jsonx_get(body, "concurrency_limit");
	if (paused == NULL && limit == NULL) {
		reply_fail(r, SL_INVALID, "body: give paused and/or "
		    "concurrency_limit");
		goto out;
	}
	if (paused != NULL && !json_object_is_type(paused,
	    json_type_boolean)) {
		reply_fail(r, SL_INVALID, "paused: expected boolean, got %s",
		    req_type_name(paused));
		goto out;
	}
	if (limit != NULL && (!jsonx_is_int(limit) ||
	    json_object_get_int64(limit) < 1 ||
	    json_object_get_int64(limit) > 1000)) {
		reply_fail(r, SL_INVALID, "concurrency_limit: expected an "
		    "integer from 1 to 1000, got %s", jsonx_is_int(limit) ?
		    json_object_to_json_string(limit) : req_type_name(limit));
		goto out;
	}
	if ((s = db_begin_write(r->db)) != SL_OK)
		goto fail;
	s = SL_DB;
	if ((st = dbraw_prepare(r->db, sql_update)) == NULL)
		goto fail;
	dbraw_bind_text(st, ":name", name);
	if (paused != NULL)
		dbraw_bind_int64(st, ":paused", json_object_get_boolean(paused));
	else
		dbraw_bind_null(st, ":paused");
	if (limit != NULL)
		dbraw_bind_int64(st, ":limit", json_object_get_int64(limit));
	else
		dbraw_bind_null(st, ":limit");
	rc = sqlite3_step(st);
	if ((s = dbraw_status(r->db, rc)) != SL_OK)
		goto fail;
	if (sqlite3_changes(db_raw(r->db)) == 0) {
		dbraw_rollback(r->db);
		reply_fail(r, SL_NOTFOUND, "worker \"%s\" not found", name);
		goto out;
	}
	if ((s = req_audit(r, "worker.patch", "worker", name, body)) != SL_OK ||
	    (s = db_commit(r->db)) != SL_OK)
		goto fail;
	wake_schedulers();
	sqlite3_finalize(st);
	if ((st = dbraw_prepare(r->db, sql_get)) == NULL) {
		s = SL_DB;
		goto fail;
	}
	dbraw_bind_text(st, ":name", name);
	if (sqlite3_step(st) != SQLITE_ROW) {
		s = SL_DB;
		goto fail;
	}
	o = worker_json(st, timefmt_now_ms());
	reply_ok(r, o);
	goto out;
fail:
	dbraw_rollback(r->db);
	reply_fail(r, s, "cannot change worker \"%s\"", name);
out:
	sqlite3_finalize(st);
	json_object_put(body);
}
