/*
 * api_workers.c: the worker resource: list the schedulers (and later
 * remote workers) with their heartbeat, load and limits, and let an admin
 * pause one or change its concurrency limit. A worker is online when its
 * last heartbeat is younger than API_ONLINE_MS. Changes are audited and
 * wake the schedulers, which read their row on every loop.
 */
#include "db.h"
#include "json.h"
#include "reply.h"
#include "request.h"
#include "sqlx.h"
#include "timefmt.h"
#include "wake.h"

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
worker_json(struct db_stmt *st, int64_t now)
{
	struct json_object *o = json_object_new_object();
	int64_t beat = db_col_int(st, 5);

	sqlx_add_text(o, "name", st, 0);
	sqlx_add_text(o, "pool", st, 1);
	sqlx_add_text(o, "host", st, 2);
	sqlx_add_int(o, "pid", st, 3);
	json_object_object_add(o, "online", json_object_new_boolean(
	    !db_col_null(st, 5) &&
	    beat >= now - API_ONLINE_MS));
	sqlx_add_time(o, "started_at", st, 4);
	sqlx_add_time(o, "last_heartbeat", st, 5);
	sqlx_add_int(o, "running", st, 6);
	sqlx_add_int(o, "concurrency_limit", st, 7);
	sqlx_add_bool(o, "paused", st, 8);
	return o;
}

/* The list item of the current row of sql_list; arg is the time now. */
static enum sl_status
worker_item(struct req *r, struct db_stmt *st, void *arg,
    struct json_object **item)
{
	(void)r;
	*item = worker_json(st, *(int64_t *)arg);
	return SL_OK;
}

/*
 * GET /api/workers?limit=&cursor= (viewer)
 * Workers by name: name, pool, host, pid, online, started_at,
 * last_heartbeat, running, concurrency_limit, paused.
 * 200 {"items":[...],"next_cursor":name|null}; 400 bad parameter.
 */
enum sl_status
api_workers_list(struct req *r)
{
	struct db_stmt st;
	enum sl_status s;
	int64_t limit, now = timefmt_now_ms();

	if ((s = req_limit(r, &limit)) != SL_OK)
		return s;
	db_prepare(r->db, &st, sql_list);
	db_bind_text(&st, ":cursor", req_query(r, "cursor"));
	return reply_page(r, &st, limit, 0, worker_item, &now, "workers");
}

/* What PATCH /api/workers/{worker} changes, for patch_work. */
struct patch {
	struct req *r;
	const char *name;
	struct json_object *body, *paused, *limit;
};

/*
 * Inside the write transaction: applies p's changes and its audit event.
 * SL_NOTFOUND when the worker has no row.
 */
static enum sl_status
patch_work(struct db *db, void *arg)
{
	struct patch *p = arg;
	struct db_stmt st;
	enum sl_status s;

	db_prepare(db, &st, sql_update);
	db_bind_text(&st, ":name", p->name);
	if (p->paused != NULL)
		db_bind_int(&st, ":paused", json_object_get_boolean(p->paused));
	else
		db_bind_null(&st, ":paused");
	if (p->limit != NULL)
		db_bind_int(&st, ":limit", json_object_get_int64(p->limit));
	else
		db_bind_null(&st, ":limit");
	if ((s = db_done(&st)) != SL_OK)
		return s;
	if (db_changes(db) == 0)
		return SL_NOTFOUND;
	return req_audit(p->r, "worker.patch", "worker", p->name, p->body);
}

/* Replies 200 with worker name as it is now. */
static enum sl_status
reply_worker(struct req *r, const char *name)
{
	struct db_stmt st;

	db_prepare(r->db, &st, sql_get);
	db_bind_text(&st, ":name", name);
	if (!db_step(&st)) {
		db_finish(&st);
		return reply_fail(r, SL_DB, "cannot change worker \"%s\"",
		    name);
	}
	reply_ok(r, worker_json(&st, timefmt_now_ms()));
	db_finish(&st);
	return SL_OK;
}

/*
 * PATCH /api/workers/{worker} (admin), body {"paused": bool,
 * "concurrency_limit": 1..1000} (at least one)
 * A paused worker claims no new runs; running ones continue.
 * 200 worker; 400 bad body; 404 unknown worker; 503 busy.
 */
enum sl_status
api_workers_patch(struct req *r)
{
	struct patch p = {.r = r, .name = r->arg[0]};
	struct json_object *body, *paused, *limit;
	const char *name = p.name;
	enum sl_status s;

	if ((s = req_json_object(r, 0, &body)) != SL_OK)
		return s;
	if ((s = req_check_keys(r, body, "paused,concurrency_limit",
	    "body")) != SL_OK)
		goto out;
	paused = jsonx_get(body, "paused");
	limit = jsonx_get(body, "concurrency_limit");
	if (paused == NULL && limit == NULL) {
		s = reply_fail(r, SL_INVALID, "body: give paused and/or "
		    "concurrency_limit");
		goto out;
	}
	if (paused != NULL && !json_object_is_type(paused,
	    json_type_boolean)) {
		s = reply_fail(r, SL_INVALID, "paused: expected boolean, got "
		    "%s", req_type_name(paused));
		goto out;
	}
	if (limit != NULL && (!jsonx_is_int(limit) ||
	    json_object_get_int64(limit) < 1 ||
	    json_object_get_int64(limit) > 1000)) {
		s = reply_fail(r, SL_INVALID, "concurrency_limit: expected an "
		    "integer from 1 to 1000, got %s", jsonx_is_int(limit) ?
		    json_object_to_json_string(limit) : req_type_name(limit));
		goto out;
	}
	p.body = body;
	p.paused = paused;
	p.limit = limit;
	if ((s = db_write(r->db, patch_work, &p)) == SL_NOTFOUND)
		reply_fail(r, s, "worker \"%s\" not found", name);
	else if (s != SL_OK)
		reply_fail(r, s, "cannot change worker \"%s\"", name);
	else {
		wake_schedulers();
		s = reply_worker(r, name);
	}
out:
	json_object_put(body);
	return s;
}
