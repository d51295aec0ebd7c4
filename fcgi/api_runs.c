/*
 * api_runs.c: the run resource: start a run of a flow, list and get runs
 * (with their task attempts), cancel, retry (failed tasks again, same
 * run) and rerun (a new run of the same version and parameters). Every
 * change is one BEGIN IMMEDIATE transaction with its audit event, checked
 * against lib/states.c, and followed by wake_schedulers() once committed.
 * The scheduler owns everything after PENDING; a running run is only
 * marked CANCELLING here, and the scheduler stops its processes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbraw.h"
#include "flowdef.h"
#include "ids.h"
#include "json.h"
#include "reply.h"
#include "request.h"
#include "sqlx.h"
#include "states.h"
#include "timefmt.h"
#include "wake.h"
#include "xalloc.h"

#define RUN_COLS "id, flow, flow_version, state, parameters, trigger," \
    " created_by, created_at, scheduled_for, started_at, ended_at, reason," \
    " retry_count, rerun_of, worker, cancel_requested"
#define RUN_PAGE " AND (:cursor IS NULL OR id < :cursor)" \
    " ORDER BY id DESC LIMIT :limit"

static const char sql_run[] =
    "SELECT " RUN_COLS " FROM runs WHERE id = :id";
static const char sql_list_all[] =
    "SELECT " RUN_COLS " FROM runs WHERE 1" RUN_PAGE;
static const char sql_list_flow[] =
    "SELECT " RUN_COLS " FROM runs WHERE flow = :flow" RUN_PAGE;
static const char sql_list_state[] =
    "SELECT " RUN_COLS " FROM runs WHERE state = :state" RUN_PAGE;
static const char sql_list_both[] =
    "SELECT " RUN_COLS " FROM runs WHERE flow = :flow AND state = :state"
    RUN_PAGE;
static const char sql_tasks[] =
    "SELECT task, attempt, state, started_at, ended_at, exit_code, signal,"
    " log_size, reason FROM task_runs WHERE run_id = :id"
    " ORDER BY task, attempt";
static const char sql_latest[] =
    "SELECT t.task, t.attempt, t.state FROM task_runs t"
    " WHERE t.run_id = :id AND t.attempt = (SELECT max(attempt)"
    " FROM task_runs WHERE run_id = t.run_id AND task = t.task)";
static const char sql_flow[] =
    "SELECT version, archived FROM flows WHERE name = :name";
static const char sql_def[] =
    "SELECT definition FROM flow_versions"
    " WHERE flow = :name AND version = :version";
static const char sql_insert_run[] =
    "INSERT INTO runs (id, flow, flow_version, state, parameters, trigger,"
    " created_by, scheduled_for, rerun_of, created_at, updated_at)"
    " VALUES (:id, :flow, :version, 'PENDING', :params, :trigger, :by,"
    " :now, :rerun_of, :now, :now)";
static const char sql_insert_attempt[] =
    "INSERT INTO task_runs (run_id, task, attempt, state, created_at,"
    " updated_at) VALUES (:id, :task, :attempt, 'PENDING', :now, :now)";
static const char sql_cancel_now[] =
    "UPDATE runs SET state = 'CANCELLED', cancel_requested = 1,"
    " ended_at = :now, updated_at = :now, reason = :reason WHERE id = :id";
static const char sql_cancel_tasks[] =
    "UPDATE task_runs SET state = 'CANCELLED', ended_at = :now,"
    " updated_at = :now, reason = :reason"
    " WHERE run_id = :id AND state IN " STATES_SQL_TASK_WAITING;
static const char sql_cancelling[] =
    "UPDATE runs SET state = 'CANCELLING', cancel_requested = 1,"
    " updated_at = :now WHERE id = :id";
static const char sql_retry[] =
    "UPDATE runs SET state = 'PENDING', retry_count = retry_count + 1,"
    " ended_at = NULL, cancel_requested = 0, reason = NULL, worker = NULL,"
    " notified = 0, updated_at = :now WHERE id = :id";

/* The columns of RUN_COLS, in order. */
enum { C_ID, C_FLOW, C_VERSION, C_STATE, C_PARAMS, C_TRIGGER, C_BY,
    C_CREATED, C_SCHEDULED, C_STARTED, C_ENDED, C_REASON, C_RETRIES,
    C_RERUN_OF, C_WORKER, C_CANCEL };

/* Builds the run object of the current row of a RUN_COLS statement. */
static struct json_object *
run_json(sqlite3_stmt *st, int64_t now)
{
	struct json_object *o = json_object_new_object();
	struct json_object *params = sqlx_json(st, C_PARAMS);

	sqlx_add_text(o, "id", st, C_ID);
	sqlx_add_text(o, "flow", st, C_FLOW);
	sqlx_add_int(o, "flow_version", st, C_VERSION);
	sqlx_add_text(o, "state", st, C_STATE);
	json_object_object_add(o, "parameters",
	    params ? params : json_object_new_object());
	sqlx_add_text(o, "trigger", st, C_TRIGGER);
	sqlx_add_text(o, "created_by", st, C_BY);
	sqlx_add_time(o, "created_at", st, C_CREATED);
	sqlx_add_time(o, "scheduled_for", st, C_SCHEDULED);
	sqlx_add_time(o, "started_at", st, C_STARTED);
	sqlx_add_time(o, "ended_at", st, C_ENDED);
	if (sqlite3_column_type(st, C_STARTED) == SQLITE_NULL)
		json_object_object_add(o, "duration_s", NULL);
	else {
		int64_t end = sqlite3_column_type(st, C_ENDED) == SQLITE_NULL ?
		    now : sqlite3_column_int64(st, C_ENDED);
		int64_t ms = end - sqlite3_column_int64(st, C_STARTED);

		json_object_object_add(o, "duration_s",
		    json_object_new_double((double)(ms > 0 ? ms : 0) / 1000));
	}
	sqlx_add_text(o, "reason", st, C_REASON);
	sqlx_add_int(o, "retry_count", st, C_RETRIES);
	sqlx_add_text(o, "rerun_of", st, C_RERUN_OF);
	sqlx_add_text(o, "worker", st, C_WORKER);
	sqlx_add_bool(o, "cancel_requested", st, C_CANCEL);
	return o;
}

/* Loads version's normalised definition of flow; NULL if missing. */
static struct json_object *
load_def(struct db *db, const char *flow, int64_t version, enum sl_status *s)
{
	sqlite3_stmt *st = dbraw_prepare(db, sql_def);
	struct json_object *def = NULL;
	int rc;

	*s = SL_DB;
	if (st == NULL)
		return NULL;
	dbraw_bind_text(st, ":name", flow);
	dbraw_bind_int64(st, ":version", version);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (def = sqlx_json(st, 0)) != NULL)
		*s = SL_OK;
	else if (rc == SQLITE_DONE)
		*s = SL_NOTFOUND;
	else if (rc != SQLITE_ROW)
		*s = dbraw_status(db, rc);
	sqlite3_finalize(st);
	return def;
}

/*
 * Adds "tasks" to run object o: the tasks of def in definition order,
 * each with its latest attempt's state and times and every attempt.
 */
static enum sl_status
add_tasks(struct db *db, const char *id, struct json_object *def,
    struct json_object *o)
{
	struct json_object *tasks = json_object_new_array(), *all;
	struct json_object *defs = jsonx_get(def, "tasks");
	sqlite3_stmt *st = dbraw_prepare(db, sql_tasks);
	enum sl_status s = SL_DB;
	size_t n = json_object_is_type(defs, json_type_array) ?
	    json_object_array_length(defs) : 0;
	int rc;

	json_object_object_add(o, "tasks", tasks);
	if (st == NULL)
		return SL_DB;
	/* Every attempt, grouped by task afterwards. */
	all = json_object_new_array();
	dbraw_bind_text(st, ":id", id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct json_object *a = json_object_new_object();

		sqlx_add_text(a, "task", st, 0);
		sqlx_add_int(a, "attempt", st, 1);
		sqlx_add_text(a, "state", st, 2);
		sqlx_add_time(a, "started_at", st, 3);
		sqlx_add_time(a, "ended_at", st, 4);
		sqlx_add_int(a, "exit_code", st, 5);
		sqlx_add_int(a, "signal", st, 6);
		sqlx_add_int(a, "log_size", st, 7);
		sqlx_add_text(a, "reason", st, 8);
		json_object_array_add(all, a);
	}
	if ((s = dbraw_status(db, rc)) != SL_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct json_object *td = json_object_array_get_idx(defs, i);
		struct json_object *t = json_object_new_object();
		struct json_object *atts = json_object_new_array();
		struct json_object *last = NULL;
		const char *name = jsonx_get_str(td, "name");

		jsonx_add_str(t, "name", name);
		for (size_t k = 0; name != NULL &&
		    k < json_object_array_length(all); k++) {
			struct json_object *a = json_object_array_get_idx(all,
			    k);

			if (strcmp(jsonx_get_str(a, "task"), name) != 0)
				continue;
			json_object_array_add(atts, json_object_get(a));
			last = a;
		}
		json_object_object_add(t, "state", json_object_get(
		    jsonx_get(last, "state")));
		json_object_object_add(t, "attempt", json_object_get(
		    jsonx_get(last, "attempt")));
		json_object_object_add(t, "depends_on", json_object_get(
		    jsonx_get(td, "depends_on")));
		json_object_object_add(t, "started_at", json_object_get(
		    jsonx_get(last, "started_at")));
		json_object_object_add(t, "ended_at", json_object_get(
		    jsonx_get(last, "ended_at")));
		json_object_object_add(t, "exit_code", json_object_get(
		    jsonx_get(last, "exit_code")));
		json_object_object_add(t, "log_size", json_object_get(
		    jsonx_get(last, "log_size")));
		json_object_object_add(t, "reason", json_object_get(
		    jsonx_get(last, "reason")));
		json_object_object_add(t, "attempts", atts);
		json_object_array_add(tasks, t);
	}
	/* The per-attempt "task" key only served the grouping. */
	for (size_t k = 0; k < json_object_array_length(all); k++)
		json_object_object_del(json_object_array_get_idx(all, k),
		    "task");
	s = SL_OK;
out:
	sqlite3_finalize(st);
	json_object_put(all);
	return s;
}

/*
 * Builds the full run id with its tasks. Returns SL_OK and a new object
 * in *out, or a status with why.
 */
static enum sl_status
run_detail(struct db *db, const char *id, struct json_object **out,
    char *why, size_t whysz)
{
	sqlite3_stmt *st = dbraw_prepare(db, sql_run);
	struct json_object *o = NULL, *def = NULL;
	enum sl_status s = SL_DB;
	char *flow = NULL;
	int64_t version;
	int rc;

	*out = NULL;
	snprintf(why, whysz, "cannot read run %s", id);
	if (st == NULL)
		goto out;
	dbraw_bind_text(st, ":id", id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		if (rc == SQLITE_DONE) {
			snprintf(why, whysz, "run %s not found", id);
			s = SL_NOTFOUND;
		} else
			s = dbraw_status(db, rc);
		goto out;
	}
	o = run_json(st, timefmt_now_ms());
	flow = xstrdup(dbraw_col_text(st, C_FLOW));
	version = sqlite3_column_int64(st, C_VERSION);
	def = load_def(db, flow, version, &s);
	if (s != SL_OK)
		goto out;
	if ((s = add_tasks(db, id, def, o)) != SL_OK)
		goto out;
	*out = o;
	o = NULL;
out:
	sqlite3_finalize(st);
	json_object_put(o);
	json_object_put(def);
	free(flow);
	return s;
}

/* Replies with the detail of run id (status 200, 201 or 202 by how). */
static void
reply_run(struct req *r, const char *id, int how)
{
	struct json_object *o;
	enum sl_status s;
	char why[256];

	if ((s = run_detail(r->db, id, &o, why, sizeof(why))) != SL_OK)
		reply_fail(r, s, "%s", why);
	else if (how == 201)
		reply_created(r, o);
	else if (how == 202)
		reply_accepted(r, o);
	else
		reply_ok(r, o);
}

/*
 * Inside the open transaction, inserts a PENDING run of flow's version
 * (definition def) with the bound parameters (JSON text) and a PENDING
 * first attempt of every task, and its audit event. id receives the new
 * run's id.
 */
static enum sl_status
insert_run(struct req *r, const char *flow, int64_t version,
    struct json_object *def, const char *params, const char *trigger,
    const char *rerun_of, char id[IDS_LEN])
{
	struct json_object *tasks = jsonx_get(def, "tasks"), *detail;
	int64_t now = timefmt_now_ms();
	sqlite3_stmt *st;
	enum sl_status s;
	size_t n;

	ids_new(now, id);
	if ((st = dbraw_prepare(r->db, sql_insert_run)) != NULL) {
		dbraw_bind_text(st, ":id", id);
		dbraw_bind_text(st, ":flow", flow);
		dbraw_bind_int64(st, ":version", version);
		dbraw_bind_text(st, ":params", params);
		dbraw_bind_text(st, ":trigger", trigger);
		dbraw_bind_text(st, ":by", r->user);
		dbraw_bind_int64(st, ":now", now);
		dbraw_bind_text(st, ":rerun_of", rerun_of);
	}
	if ((s = sqlx_done(r->db, st)) != SL_OK)
		return s;
	n = json_object_is_type(tasks, json_type_array) ?
	    json_object_array_length(tasks) : 0;
	for (size_t i = 0; i < n; i++) {
		const char *task = jsonx_get_str(
		    json_object_array_get_idx(tasks, i), "name");

		if ((st = dbraw_prepare(r->db, sql_insert_attempt)) != NULL) {
			dbraw_bind_text(st, ":id", id);
			dbraw_bind_text(st, ":task", task);
			dbraw_bind_int64(st, ":attempt", 1);
			dbraw_bind_int64(st, ":now", now);
		}
		if ((s = sqlx_done(r->db, st)) != SL_OK)
			return s;
	}
	detail = json_object_new_object();
	jsonx_add_str(detail, "flow", flow);
	jsonx_add_int(detail, "flow_version", version);
	if (rerun_of != NULL)
		jsonx_add_str(detail, "rerun_of", rerun_of);
	s = req_audit(r, rerun_of ? "run.rerun" : "run.create", "run", id,
	    detail);
	json_object_put(detail);
	return s;
}

/*
 * Reads flow's current version and archived flag inside the transaction.
 * Unknown flows are SL_NOTFOUND and archived ones SL_CONFLICT, with why.
 */
static enum sl_status
live_flow(struct req *r, const char *flow, int64_t *version, char *why,
    size_t whysz)
{
	sqlite3_stmt *st = dbraw_prepare(r->db, sql_flow);
	enum sl_status s = SL_DB;
	int rc;

	snprintf(why, whysz, "cannot read flow \"%s\"", flow);
	if (st == NULL)
		return SL_DB;
	dbraw_bind_text(st, ":name", flow);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int(st, 1)) {
		snprintf(why, whysz, "flow \"%s\" is archived", flow);
		s = SL_CONFLICT;
	} else if (rc == SQLITE_ROW) {
		*version = sqlite3_column_int64(st, 0);
		s = SL_OK;
	} else if (rc == SQLITE_DONE) {
		snprintf(why, whysz, "flow \"%s\" not found", flow);
		s = SL_NOTFOUND;
	} else
		s = dbraw_status(r->db, rc);
	sqlite3_finalize(st);
	return s;
}

/*
 * POST /api/flows/{name}/runs (operator), body {"parameters": {...}}
 * (optional; missing parameters take their defaults)
 * Starts a run of the flow's current version: PENDING, trigger manual.
 * 201 run; 400 bad parameters; 404 unknown flow; 409 archived; 503 busy.
 */
void
api_runs_create(struct req *r)
{
	struct json_object *body = NULL, *given, *def = NULL, *bound = NULL;
	const char *flow = r->arg[0];
	enum sl_status s;
	char why[512], id[IDS_LEN];
	int64_t version = 0;

	if (!flowdef_name_valid(flow)) {
		reply_fail(r, SL_NOTFOUND, "flow \"%.64s%s\" not found (not "
		    "a valid flow name)", flow, strlen(flow) > 64 ? "..." : "");
		return;
	}
	if ((body = req_json_object(r, 1)) == NULL)
		return;
	if (req_check_keys(r, body, "parameters", "body") == -1)
		goto out;
	given = jsonx_get(body, "parameters");
	if (given != NULL && !json_object_is_type(given, json_type_object)) {
		reply_fail(r, SL_INVALID, "parameters: expected object, got "
		    "%s", req_type_name(given));
		goto out;
	}
	if ((s = db_begin_write(r->db)) != SL_OK) {
		snprintf(why, sizeof(why), "database busy");
		goto fail;
	}
	if ((s = live_flow(r, flow, &version, why, sizeof(why))) != SL_OK)
		goto fail;
	if ((def = load_def(r->db, flow, version, &s)) == NULL) {
		snprintf(why, sizeof(why), "cannot read flow \"%s\"", flow);
		goto fail;
	}
	if (flowdef_bind_params(def, given, &bound, why, sizeof(why)) != 0) {
		s = SL_INVALID;
		goto fail;
	}
	s = insert_run(r, flow, version, def, jsonx_text(bound), "manual",
	    NULL, id);
	if (s == SL_OK)
		s = db_commit(r->db);
	if (s != SL_OK) {
		snprintf(why, sizeof(why), "cannot start a run of \"%s\"",
		    flow);
		goto fail;
	}
	wake_schedulers();
	reply_run(r, id, 201);
	goto out;
fail:
	dbraw_rollback(r->db);
	reply_fail(r, s, "%s", why);
out:
	json_object_put(body);
	json_object_put(def);
	json_object_put(bound);
}

/*
 * GET /api/runs?flow=&state=&limit=&cursor= (viewer)
 * Runs newest first, without their tasks. cursor is next_cursor of the
 * previous page (a run id).
 * 200 {"items":[...],"next_cursor":id|null}; 400 bad parameter.
 */
void
api_runs_list(struct req *r)
{
	const char *flow = req_query(r, "flow"), *state = req_query(r, "state");
	const char *cursor = req_query(r, "cursor"), *sql;
	struct json_object *items = NULL;
	sqlite3_stmt *st = NULL;
	enum run_state rs;
	int64_t limit, n = 0, now = timefmt_now_ms();
	char last[IDS_LEN] = "";
	int rc;

	if (req_limit(r, &limit) == -1)
		return;
	if (flow != NULL && !flowdef_name_valid(flow)) {
		reply_fail(r, SL_INVALID, "flow: \"%.64s%s\" is not a valid "
		    "flow name", flow, strlen(flow) > 64 ? "..." : "");
		return;
	}
	if (state != NULL && states_run_parse(state, &rs) == -1) {
		reply_fail(r, SL_INVALID, "state: \"%.32s\" is not a run state "
		    "(SCHEDULED, PENDING, RUNNING, CANCELLING, COMPLETED, "
		    "FAILED, CANCELLED, CRASHED)", state);
		return;
	}
	if (cursor != NULL && !ids_valid(cursor)) {
		reply_fail(r, SL_INVALID, "cursor: not a run id");
		return;
	}
	sql = flow && state ? sql_list_both : flow ? sql_list_flow :
	    state ? sql_list_state : sql_list_all;
	if ((st = dbraw_prepare(r->db, sql)) == NULL) {
		reply_fail(r, SL_DB, "cannot list runs");
		return;
	}
	if (flow != NULL)
		dbraw_bind_text(st, ":flow", flow);
	if (state != NULL)
		dbraw_bind_text(st, ":state", state);
	dbraw_bind_text(st, ":cursor", cursor);
	dbraw_bind_int64(st, ":limit", limit + 1);
	items = json_object_new_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (++n > limit)
			break;
		snprintf(last, sizeof(last), "%s", dbraw_col_text(st, C_ID));
		json_object_array_add(items, run_json(st, now));
	}
	if (rc != SQLITE_ROW && dbraw_status(r->db, rc) != SL_OK) {
		reply_fail(r, dbraw_status(r->db, rc), "cannot list runs");
		goto out;
	}
	reply_page(r, items, n > limit ? last : NULL);
	items = NULL;
out:
	sqlite3_finalize(st);
	json_object_put(items);
}

/* Checks the {id} path segment; replies 404 and returns -1 if malformed. */
static int
valid_id(struct req *r)
{
	if (ids_valid(r->arg[0]))
		return 0;
	reply_fail(r, SL_NOTFOUND, "run \"%.64s\" not found (not a run id)",
	    r->arg[0]);
	return -1;
}

/* Refuses any body but an empty one or {}. Returns 0 or -1 (replied). */
static int
empty_body(struct req *r)
{
	struct json_object *body = req_json_object(r, 1);
	int ret;

	if (body == NULL)
		return -1;
	ret = req_check_keys(r, body, "", "body");
	json_object_put(body);
	return ret;
}

/*
 * Reads run id's state (and optionally flow, version and parameters)
 * inside the transaction. SL_NOTFOUND with why when missing.
 */
static enum sl_status
read_run(struct req *r, const char *id, enum run_state *state,
    struct json_object **row, char *why, size_t whysz)
{
	sqlite3_stmt *st = dbraw_prepare(r->db, sql_run);
	enum sl_status s = SL_DB;
	int rc;

	snprintf(why, whysz, "cannot read run %s", id);
	if (st == NULL)
		return SL_DB;
	dbraw_bind_text(st, ":id", id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (states_run_parse(dbraw_col_text(st, C_STATE), state) == -1) {
			snprintf(why, whysz, "run %s has unknown state %s", id,
			    dbraw_col_text(st, C_STATE));
			s = SL_DB;
		} else
			s = SL_OK;
		if (row != NULL)
			*row = s == SL_OK ? run_json(st, 0) : NULL;
	} else if (rc == SQLITE_DONE) {
		snprintf(why, whysz, "run %s not found", id);
		s = SL_NOTFOUND;
	} else
		s = dbraw_status(r->db, rc);
	sqlite3_finalize(st);
	return s;
}

/*
 * GET /api/runs/{id} (viewer)
 * The run with its tasks in definition order: name, state, attempt,
 * depends_on, started_at, ended_at, exit_code, log_size, reason (of the
 * latest attempt) and attempts [{attempt, state, started_at, ended_at,
 * exit_code, signal, log_size, reason}].
 * 200; 404 unknown run.
 */
void
api_runs_get(struct req *r)
{
	if (valid_id(r) == 0)
		reply_run(r, r->arg[0], 200);
}

/* Runs sql (with :id, :now and optionally :reason) in the transaction. */
static enum sl_status
run_update(struct req *r, const char *sql, const char *id,
    const char *reason, int64_t now)
{
	sqlite3_stmt *st = dbraw_prepare(r->db, sql);

	if (st != NULL) {
		dbraw_bind_text(st, ":id", id);
		dbraw_bind_int64(st, ":now", now);
		if (reason != NULL)
			dbraw_bind_text(st, ":reason", reason);
	}
	return sqlx_done(r->db, st);
}

/*
 * POST /api/runs/{id}/cancel (operator), body empty or {}
 * A SCHEDULED or PENDING run is cancelled at once (200, state CANCELLED,
 * its waiting tasks CANCELLED). A RUNNING run becomes CANCELLING (202);
 * the scheduler stops its processes (SIGTERM, then SIGKILL) and finishes
 * it. Cancelling a CANCELLING run again is accepted (202).
 * 404 unknown run; 409 already finished; 503 busy.
 */
void
api_runs_cancel(struct req *r)
{
	const char *id = r->arg[0];
	struct json_object *detail = NULL;
	enum run_state state;
	enum sl_status s;
	int64_t now = timefmt_now_ms();
	char why[256], *reason = NULL;
	int how = 200;

	if (valid_id(r) == -1 || empty_body(r) == -1)
		return;
	if ((s = db_begin_write(r->db)) != SL_OK) {
		snprintf(why, sizeof(why), "database busy");
		goto fail;
	}
	if ((s = read_run(r, id, &state, NULL, why, sizeof(why))) != SL_OK)
		goto fail;
	if (state == RUN_CANCELLING) {
		dbraw_rollback(r->db);
		reply_run(r, id, 202);
		return;
	}
	if (states_run_terminal(state)) {
		snprintf(why, sizeof(why), "run %s is already %s; only "
		    "unfinished runs can be cancelled", id,
		    states_run_name(state));
		s = SL_CONFLICT;
		goto fail;
	}
	reason = xasprintf("cancelled by %s", r->user);
	if (state != RUN_RUNNING && states_run_can(state, RUN_CANCELLED)) {
		s = run_update(r, sql_cancel_now, id, reason, now);
		if (s == SL_OK)
			s = run_update(r, sql_cancel_tasks, id, reason, now);
	} else if (states_run_can(state, RUN_CANCELLING)) {
		s = run_update(r, sql_cancelling, id, NULL, now);
		how = 202;
	} else {
		snprintf(why, sizeof(why), "run %s is %s and cannot be "
		    "cancelled", id, states_run_name(state));
		s = SL_CONFLICT;
		goto fail;
	}
	detail = json_object_new_object();
	jsonx_add_str(detail, "from", states_run_name(state));
	if (s == SL_OK)
		s = req_audit(r, "run.cancel", "run", id, detail);
	if (s == SL_OK)
		s = db_commit(r->db);
	if (s != SL_OK) {
		snprintf(why, sizeof(why), "cannot cancel run %s", id);
		goto fail;
	}
	wake_schedulers();
	reply_run(r, id, how);
	goto out;
fail:
	dbraw_rollback(r->db);
	reply_fail(r, s, "%s", why);
out:
	json_object_put(detail);
	free(reason);
}

/*
 * POST /api/runs/{id}/retry (operator), body empty or {}
 * Runs again, in the same run, every task whose latest attempt failed,
 * was cancelled, crashed or was skipped (a new PENDING attempt); the run
 * goes back to PENDING with retry_count + 1.
 * 200 run; 404 unknown run; 409 not FAILED, CANCELLED or CRASHED, or the
 * flow is archived; 503 busy.
 */
void
api_runs_retry(struct req *r)
{
	const char *id = r->arg[0];
	struct json_object *row = NULL, *detail = NULL;
	sqlite3_stmt *st = NULL, *ins = NULL;
	enum run_state state;
	enum task_state ts;
	enum sl_status s;
	int64_t now = timefmt_now_ms(), version, count = 0;
	char why[256];
	int rc;

	if (valid_id(r) == -1 || empty_body(r) == -1)
		return;
	if ((s = db_begin_write(r->db)) != SL_OK) {
		snprintf(why, sizeof(why), "database busy");
		goto fail;
	}
	if ((s = read_run(r, id, &state, &row, why, sizeof(why))) != SL_OK)
		goto fail;
	if (!states_run_retryable(state) || !states_run_can(state,
	    RUN_PENDING)) {
		snprintf(why, sizeof(why), "run %s is %s; only FAILED, "
		    "CANCELLED or CRASHED runs can be retried", id,
		    states_run_name(state));
		s = SL_CONFLICT;
		goto fail;
	}
	if ((s = live_flow(r, jsonx_get_str(row, "flow"), &version, why,
	    sizeof(why))) != SL_OK)
		goto fail;
	s = SL_DB;
	snprintf(why, sizeof(why), "cannot retry run %s", id);
	if ((st = dbraw_prepare(r->db, sql_latest)) == NULL)
		goto fail;
	dbraw_bind_text(st, ":id", id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (states_task_parse(dbraw_col_text(st, 2), &ts) == -1 ||
		    !states_task_needs_retry(ts))
			continue;
		if ((ins = dbraw_prepare(r->db, sql_insert_attempt)) != NULL) {
			dbraw_bind_text(ins, ":id", id);
			dbraw_bind_text(ins, ":task", dbraw_col_text(st, 0));
			dbraw_bind_int64(ins, ":attempt",
			    sqlite3_column_int64(st, 1) + 1);
			dbraw_bind_int64(ins, ":now", now);
		}
		if ((s = sqlx_done(r->db, ins)) != SL_OK)
			goto fail;
		count++;
	}
	if ((s = dbraw_status(r->db, rc)) != SL_OK)
		goto fail;
	if (count == 0) {
		snprintf(why, sizeof(why), "run %s has no failed, cancelled, "
		    "crashed or skipped task to retry", id);
		s = SL_CONFLICT;
		goto fail;
	}
	if ((s = run_update(r, sql_retry, id, NULL, now)) != SL_OK)
		goto fail;
	detail = json_object_new_object();
	jsonx_add_str(detail, "from", states_run_name(state));
	jsonx_add_int(detail, "tasks", count);
	if ((s = req_audit(r, "run.retry", "run", id, detail)) != SL_OK ||
	    (s = db_commit(r->db)) != SL_OK)
		goto fail;
	wake_schedulers();
	reply_run(r, id, 200);
	goto out;
fail:
	dbraw_rollback(r->db);
	reply_fail(r, s, "%s", why);
out:
	sqlite3_finalize(st);
	json_object_put(row);
	json_object_put(detail);
}

/*
 * POST /api/runs/{id}/rerun (operator), body empty or {}
 * Starts a new run (trigger rerun, rerun_of = id) of the same flow
 * version with the same parameters. The original must have finished.
 * 201 new run; 404 unknown run; 409 original unfinished or flow archived;
 * 503 busy.
 */
void
api_runs_rerun(struct req *r)
{
	const char *id = r->arg[0], *flow;
	struct json_object *row = NULL, *def = NULL;
	enum run_state state;
	enum sl_status s;
	int64_t version, current;
	char why[256], nid[IDS_LEN];

	if (valid_id(r) == -1 || empty_body(r) == -1)
		return;
	if ((s = db_begin_write(r->db)) != SL_OK) {
		snprintf(why, sizeof(why), "database busy");
		goto fail;
	}
	if ((s = read_run(r, id, &state, &row, why, sizeof(why))) != SL_OK)
		goto fail;
	if (!states_run_terminal(state)) {
		snprintf(why, sizeof(why), "run %s is %s; only finished runs "
		    "can be rerun", id, states_run_name(state));
		s = SL_CONFLICT;
		goto fail;
	}
	flow = jsonx_get_str(row, "flow");
	version = json_object_get_int64(jsonx_get(row, "flow_version"));
	if ((s = live_flow(r, flow, &current, why, sizeof(why))) != SL_OK)
		goto fail;
	if ((def = load_def(r->db, flow, version, &s)) == NULL) {
		snprintf(why, sizeof(why), "cannot read flow \"%s\" version "
		    "%lld", flow, (long long)version);
		goto fail;
	}
	s = insert_run(r, flow, version, def,
	    jsonx_text(jsonx_get(row, "parameters")), "rerun", id, nid);
	if (s == SL_OK)
		s = db_commit(r->db);
	if (s != SL_OK) {
		snprintf(why, sizeof(why), "cannot rerun run %s", id);
		goto fail;
	}
	wake_schedulers();
	reply_run(r, nid, 201);
	goto out;
fail:
	dbraw_rollback(r->db);
	reply_fail(r, s, "%s", why);
out:
	json_object_put(row);
	json_object_put(def);
}
