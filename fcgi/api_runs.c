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

#include "db.h"
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

/* A column of the version a run ran, where it came from. */
#define RUN_VERSION(col) "(SELECT " col " FROM flow_versions v" \
    " WHERE v.flow = runs.flow AND v.version = runs.flow_version)"
#define RUN_COLS "id, flow, flow_version, state, parameters, trigger," \
    " created_by, created_at, scheduled_for, started_at, ended_at, reason," \
    " retry_count, rerun_of, worker, cancel_requested, " \
    RUN_VERSION("repo") ", " RUN_VERSION("commit_id") ", " \
    RUN_VERSION("commit_subject")
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
    C_RERUN_OF, C_WORKER, C_CANCEL, C_REPO, C_COMMIT, C_SUBJECT };

/* The commit a run's version came from, {repo, id, subject}, or NULL
 * (JSON null) for a version stored through the API. */
static struct json_object *
commit_json(struct db_stmt *st)
{
	struct json_object *c;

	if (db_col_null(st, C_COMMIT))
		return NULL;
	c = json_object_new_object();
	sqlx_add_text(c, "repo", st, C_REPO);
	sqlx_add_text(c, "id", st, C_COMMIT);
	sqlx_add_text(c, "subject", st, C_SUBJECT);
	return c;
}

/* Builds the run object of the current row of a RUN_COLS statement. */
static struct json_object *
run_json(struct db_stmt *st, int64_t now)
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
	if (db_col_null(st, C_STARTED))
		json_object_object_add(o, "duration_s", NULL);
	else {
		int64_t end = db_col_null(st, C_ENDED) ? now :
		    db_col_int(st, C_ENDED);
		int64_t ms = end - db_col_int(st, C_STARTED);

		jsonx_add_double(o, "duration_s",
		    (double)(ms > 0 ? ms : 0) / 1000);
	}
	sqlx_add_text(o, "reason", st, C_REASON);
	sqlx_add_int(o, "retry_count", st, C_RETRIES);
	sqlx_add_text(o, "rerun_of", st, C_RERUN_OF);
	sqlx_add_text(o, "worker", st, C_WORKER);
	sqlx_add_bool(o, "cancel_requested", st, C_CANCEL);
	json_object_object_add(o, "commit", commit_json(st));
	return o;
}

/* Every attempt of run id's tasks, ordered by task and attempt. */
static enum sl_status
attempts_of(struct db *db, const char *id, struct json_object *all)
{
	struct db_stmt st;

	db_prepare(db, &st, sql_tasks);
	db_bind_text(&st, ":id", id);
	while (db_step(&st)) {
		struct json_object *a = json_object_new_object();

		sqlx_add_text(a, "task", &st, 0);
		sqlx_add_int(a, "attempt", &st, 1);
		sqlx_add_text(a, "state", &st, 2);
		sqlx_add_time(a, "started_at", &st, 3);
		sqlx_add_time(a, "ended_at", &st, 4);
		sqlx_add_int(a, "exit_code", &st, 5);
		sqlx_add_int(a, "signal", &st, 6);
		sqlx_add_int(a, "log_size", &st, 7);
		sqlx_add_text(a, "reason", &st, 8);
		json_object_array_add(all, a);
	}
	return db_finish(&st);
}

/*
 * Builds task td's view: its name, depends_on, its attempts from all
 * (every attempt of the run) and its latest attempt's state and times.
 */
static struct json_object *
task_json(struct json_object *td, struct json_object *all)
{
	static const char *const latest[] = { "state", "attempt",
	    "depends_on", "started_at", "ended_at", "exit_code", "log_size",
	    "reason" };
	struct json_object *t = json_object_new_object();
	struct json_object *atts = json_object_new_array();
	struct json_object *last = NULL;
	const char *name = jsonx_get_str(td, "name");

	jsonx_add_str(t, "name", name);
	for (size_t k = 0; name != NULL && k < json_object_array_length(all);
	    k++) {
		struct json_object *a = json_object_array_get_idx(all, k);

		if (strcmp(jsonx_get_str(a, "task"), name) != 0)
			continue;
		json_object_array_add(atts, json_object_get(a));
		last = a;
	}
	for (size_t i = 0; i < sizeof(latest) / sizeof(latest[0]); i++) {
		/* depends_on is the definition's; the rest the attempt's. */
		struct json_object *from = strcmp(latest[i], "depends_on") ?
		    last : td;

		json_object_object_add(t, latest[i],
		    json_object_get(jsonx_get(from, latest[i])));
	}
	json_object_object_add(t, "attempts", atts);
	return t;
}

/*
 * Adds "tasks" to run object o: the tasks of def in definition order,
 * each with its latest attempt's state and times and every attempt.
 */
static enum sl_status
add_tasks(struct db *db, const char *id, struct json_object *def,
    struct json_object *o)
{
	struct json_object *tasks = json_object_new_array();
	struct json_object *all = json_object_new_array();
	struct json_object *defs = jsonx_get(def, "tasks");
	enum sl_status s;
	size_t n = json_object_is_type(defs, json_type_array) ?
	    json_object_array_length(defs) : 0;

	json_object_object_add(o, "tasks", tasks);
	if ((s = attempts_of(db, id, all)) != SL_OK)
		goto out;
	for (size_t i = 0; i < n; i++)
		json_object_array_add(tasks, task_json(
		    json_object_array_get_idx(defs, i), all));
	/* The per-attempt "task" key only served the grouping. */
	for (size_t k = 0; k < json_object_array_length(all); k++)
		json_object_object_del(json_object_array_get_idx(all, k),
		    "task");
out:
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
	struct json_object *o = NULL, *def = NULL;
	struct db_stmt st;
	enum sl_status s;
	char *flow = NULL;
	int64_t version = 0;

	*out = NULL;
	snprintf(why, whysz, "cannot read run %s", id);
	db_prepare(db, &st, sql_run);
	db_bind_text(&st, ":id", id);
	if (db_step(&st)) {
		o = run_json(&st, timefmt_now_ms());
		flow = xstrdup(db_col_text(&st, C_FLOW));
		version = db_col_int(&st, C_VERSION);
	}
	if ((s = db_finish(&st)) == SL_OK && o == NULL) {
		snprintf(why, whysz, "run %s not found", id);
		s = SL_NOTFOUND;
	}
	if (s != SL_OK)
		goto out;
	if ((s = api_flows_load_def(db, flow, version, &def)) != SL_OK ||
	    (s = add_tasks(db, id, def, o)) != SL_OK)
		goto out;
	*out = o;
	o = NULL;
out:
	json_object_put(o);
	json_object_put(def);
	free(flow);
	return s;
}

/* Replies with the detail of run id (status 200, 201 or 202 by how). */
static enum sl_status
reply_run(struct req *r, const char *id, int how)
{
	struct json_object *o;
	enum sl_status s;
	char why[256];

	if ((s = run_detail(r->db, id, &o, why, sizeof(why))) != SL_OK)
		return reply_fail(r, s, "%s", why);
	if (how == 201)
		return reply_created(r, o);
	if (how == 202)
		return reply_accepted(r, o);
	return reply_ok(r, o);
}

/* Inserts a PENDING attempt number attempt of run id's task. */
static enum sl_status
insert_attempt(struct db *db, const char *id, const char *task,
    int64_t attempt, int64_t now)
{
	struct db_stmt st;

	db_prepare(db, &st, sql_insert_attempt);
	db_bind_text(&st, ":id", id);
	db_bind_text(&st, ":task", task);
	db_bind_int(&st, ":attempt", attempt);
	db_bind_int(&st, ":now", now);
	return db_done(&st);
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
	struct db_stmt st;
	enum sl_status s;
	size_t n;

	ids_new(now, id);
	db_prepare(r->db, &st, sql_insert_run);
	db_bind_text(&st, ":id", id);
	db_bind_text(&st, ":flow", flow);
	db_bind_int(&st, ":version", version);
	db_bind_text(&st, ":params", params);
	db_bind_text(&st, ":trigger", trigger);
	db_bind_text(&st, ":by", r->user);
	db_bind_int(&st, ":now", now);
	db_bind_text(&st, ":rerun_of", rerun_of);
	if ((s = db_done(&st)) != SL_OK)
		return s;
	n = json_object_is_type(tasks, json_type_array) ?
	    json_object_array_length(tasks) : 0;
	for (size_t i = 0; i < n; i++) {
		const char *task = jsonx_get_str(
		    json_object_array_get_idx(tasks, i), "name");

		if ((s = insert_attempt(r->db, id, task, 1, now)) != SL_OK)
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
	struct db_stmt st;
	enum sl_status s;
	int row, archived = 0;

	snprintf(why, whysz, "cannot read flow \"%s\"", flow);
	db_prepare(r->db, &st, sql_flow);
	db_bind_text(&st, ":name", flow);
	if ((row = db_step(&st)) != 0) {
		*version = db_col_int(&st, 0);
		archived = (int)db_col_int(&st, 1);
	}
	if ((s = db_finish(&st)) != SL_OK)
		return s;
	if (row && archived) {
		snprintf(why, whysz, "flow \"%s\" is archived", flow);
		return SL_CONFLICT;
	}
	if (!row) {
		snprintf(why, whysz, "flow \"%s\" not found", flow);
		return SL_NOTFOUND;
	}
	return SL_OK;
}

/* A request to start a run, for create_work. */
struct create {
	struct req *r;
	const char *flow;
	struct json_object *given;	/* the body's parameters, or NULL */
	char id[IDS_LEN];		/* out: the new run */
	char why[512];			/* out: why it failed */
};

/* Inside the write transaction: starts a run of c->flow's current version. */
static enum sl_status
create_work(struct db *db, void *arg)
{
	struct create *c = arg;
	struct json_object *def = NULL, *bound = NULL;
	enum sl_status s;
	int64_t version = 0;

	s = live_flow(c->r, c->flow, &version, c->why, sizeof(c->why));
	if (s != SL_OK)
		return s;
	if ((s = api_flows_load_def(db, c->flow, version, &def)) != SL_OK) {
		snprintf(c->why, sizeof(c->why), "cannot read flow \"%s\"",
		    c->flow);
		return s;
	}
	if (flowdef_bind_params(def, c->given, &bound, c->why,
	    sizeof(c->why)) != SL_OK) {
		s = SL_INVALID;
	} else {
		/* Also the message when the commit fails. */
		snprintf(c->why, sizeof(c->why), "cannot start a run of "
		    "\"%s\"", c->flow);
		s = insert_run(c->r, c->flow, version, def, jsonx_text(bound),
		    "manual", NULL, c->id);
	}
	json_object_put(def);
	json_object_put(bound);
	return s;
}

/*
 * POST /api/flows/{flow}/runs (operator), body {"parameters": {...}}
 * (optional; missing parameters take their defaults)
 * Starts a run of the flow's current version: PENDING, trigger manual.
 * 201 run; 400 bad parameters; 404 unknown flow; 409 archived; 503 busy.
 */
enum sl_status
api_runs_create(struct req *r)
{
	struct create c = {.r = r, .flow = r->arg[0]};
	struct json_object *body = NULL;
	enum sl_status s;

	if ((s = req_json_object(r, 1, &body)) != SL_OK)
		return s;
	if ((s = req_check_keys(r, body, "parameters", "body")) != SL_OK)
		goto out;
	c.given = jsonx_get(body, "parameters");
	if (c.given != NULL && !json_object_is_type(c.given,
	    json_type_object)) {
		s = reply_fail(r, SL_INVALID, "parameters: expected object, "
		    "got %s", req_type_name(c.given));
		goto out;
	}
	snprintf(c.why, sizeof(c.why), "database busy");
	if ((s = db_write(r->db, create_work, &c)) != SL_OK) {
		reply_fail(r, s, "%s", c.why);
		goto out;
	}
	wake_schedulers();
	s = reply_run(r, c.id, 201);
out:
	json_object_put(body);
	return s;
}

/* The list item of the current row of a list query; arg is the time now. */
static enum sl_status
run_item(struct req *r, struct db_stmt *st, void *arg,
    struct json_object **item)
{
	(void)r;
	*item = run_json(st, *(int64_t *)arg);
	return SL_OK;
}

/*
 * GET /api/runs?flow=&state=&limit=&cursor= (viewer)
 * Runs newest first, without their tasks, each with the commit its
 * version came from ({repo, id, subject}, or null). cursor is
 * next_cursor of the previous page (a run id).
 * 200 {"items":[...],"next_cursor":id|null}; 400 bad parameter.
 */
enum sl_status
api_runs_list(struct req *r)
{
	const char *flow = req_query(r, "flow"), *state = req_query(r, "state");
	const char *cursor = req_query(r, "cursor"), *sql;
	struct db_stmt st;
	enum run_state rs;
	enum sl_status s;
	int64_t limit, now = timefmt_now_ms();

	if ((s = req_limit(r, &limit)) != SL_OK)
		return s;
	if (flow != NULL && !flowdef_name_valid(flow))
		return reply_fail(r, SL_INVALID, "flow: \"%.64s%s\" is not a "
		    "valid flow name", flow, strlen(flow) > 64 ? "..." : "");
	if (state != NULL && states_run_parse(state, &rs) != SL_OK)
		return reply_fail(r, SL_INVALID, "state: \"%.32s\" is not a "
		    "run state (SCHEDULED, PENDING, RUNNING, CANCELLING, "
		    "COMPLETED, FAILED, CANCELLED, CRASHED)", state);
	if (cursor != NULL && !ids_valid(cursor))
		return reply_fail(r, SL_INVALID, "cursor: not a run id");
	sql = flow && state ? sql_list_both : flow ? sql_list_flow :
	    state ? sql_list_state : sql_list_all;
	db_prepare(r->db, &st, sql);
	if (flow != NULL)
		db_bind_text(&st, ":flow", flow);
	if (state != NULL)
		db_bind_text(&st, ":state", state);
	db_bind_text(&st, ":cursor", cursor);
	return reply_page(r, &st, limit, C_ID, run_item, &now, "runs");
}

/*
 * Reads run id's state (and, when row is not NULL, the run object into
 * *row) inside the transaction. SL_NOTFOUND with why when missing.
 */
static enum sl_status
read_run(struct req *r, const char *id, enum run_state *state,
    struct json_object **row, char *why, size_t whysz)
{
	struct db_stmt st;
	enum sl_status s = SL_NOTFOUND;

	snprintf(why, whysz, "run %s not found", id);
	if (row != NULL)
		*row = NULL;
	db_prepare(r->db, &st, sql_run);
	db_bind_text(&st, ":id", id);
	if (db_step(&st)) {
		s = SL_OK;
		if (states_run_parse(db_col_text(&st, C_STATE), state) != SL_OK) {
			snprintf(why, whysz, "run %s has unknown state %s", id,
			    db_col_text(&st, C_STATE));
			s = SL_DB;
		} else if (row != NULL)
			*row = run_json(&st, 0);
	}
	if (db_finish(&st) != SL_OK) {
		snprintf(why, whysz, "cannot read run %s", id);
		s = st.err;
	}
	if (s != SL_OK && row != NULL) {
		json_object_put(*row);
		*row = NULL;
	}
	return s;
}

/*
 * GET /api/runs/{run} (viewer)
 * The run (with its version's commit {repo, id, subject} or null) and
 * its tasks in definition order: name, state, attempt,
 * depends_on, started_at, ended_at, exit_code, log_size, reason (of the
 * latest attempt) and attempts [{attempt, state, started_at, ended_at,
 * exit_code, signal, log_size, reason}].
 * 200; 404 unknown run.
 */
enum sl_status
api_runs_get(struct req *r)
{
	return reply_run(r, r->arg[0], 200);
}

/* Runs sql (with :id, :now and optionally :reason) in the transaction. */
static enum sl_status
run_update(struct db *db, const char *sql, const char *id,
    const char *reason, int64_t now)
{
	struct db_stmt st;

	db_prepare(db, &st, sql);
	db_bind_text(&st, ":id", id);
	db_bind_int(&st, ":now", now);
	if (reason != NULL)
		db_bind_text(&st, ":reason", reason);
	return db_done(&st);
}

/* A change of one run, for the cancel, retry and rerun work functions. */
struct act {
	struct req *r;
	const char *id;
	int how;		/* out: the reply's status (200, 201, 202) */
	char nid[IDS_LEN];	/* out: the rerun's new run */
	char why[256];		/* out: why it failed */
};

/*
 * Inside the write transaction: cancels run a->id at once (SCHEDULED or
 * PENDING) or marks it CANCELLING (RUNNING), with its audit event.
 */
static enum sl_status
cancel_work(struct db *db, void *arg)
{
	struct act *a = arg;
	struct json_object *detail;
	enum run_state state;
	enum sl_status s;
	int64_t now = timefmt_now_ms();
	char *reason;

	s = read_run(a->r, a->id, &state, NULL, a->why, sizeof(a->why));
	if (s != SL_OK)
		return s;
	a->how = 202;
	if (state == RUN_CANCELLING)
		return SL_OK;	/* again: nothing to change */
	if (states_run_terminal(state)) {
		snprintf(a->why, sizeof(a->why), "run %s is already %s; only "
		    "unfinished runs can be cancelled", a->id,
		    states_run_name(state));
		return SL_CONFLICT;
	}
	snprintf(a->why, sizeof(a->why), "cannot cancel run %s", a->id);
	if (state != RUN_RUNNING && states_run_can(state, RUN_CANCELLED)) {
		reason = xasprintf("cancelled by %s", a->r->user);
		s = run_update(db, sql_cancel_now, a->id, reason, now);
		if (s == SL_OK)
			s = run_update(db, sql_cancel_tasks, a->id, reason,
			    now);
		free(reason);
		a->how = 200;
	} else if (states_run_can(state, RUN_CANCELLING)) {
		s = run_update(db, sql_cancelling, a->id, NULL, now);
	} else {
		snprintf(a->why, sizeof(a->why), "run %s is %s and cannot be "
		    "cancelled", a->id, states_run_name(state));
		return SL_CONFLICT;
	}
	if (s != SL_OK)
		return s;
	detail = json_object_new_object();
	jsonx_add_str(detail, "from", states_run_name(state));
	s = req_audit(a->r, "run.cancel", "run", a->id, detail);
	json_object_put(detail);
	return s;
}

/*
 * Checks r's empty body, runs fn on a in a write transaction
 * and replies: the run (a->how), or why not.
 */
static enum sl_status
act_run(struct req *r, db_work_fn *fn, struct act *a)
{
	enum sl_status s;

	if ((s = req_empty_body(r)) != SL_OK)
		return s;
	snprintf(a->why, sizeof(a->why), "database busy");
	if ((s = db_write(r->db, fn, a)) != SL_OK)
		return reply_fail(r, s, "%s", a->why);
	wake_schedulers();
	return reply_run(r, *a->nid ? a->nid : a->id, a->how);
}

/*
 * POST /api/runs/{run}/cancel (operator), body empty or {}
 * A SCHEDULED or PENDING run is cancelled at once (200, state CANCELLED,
 * its waiting tasks CANCELLED). A RUNNING run becomes CANCELLING (202);
 * the scheduler stops its processes (SIGTERM, then SIGKILL) and finishes
 * it. Cancelling a CANCELLING run again is accepted (202).
 * 404 unknown run; 409 already finished; 503 busy.
 */
enum sl_status
api_runs_cancel(struct req *r)
{
	struct act a = {.r = r, .id = r->arg[0], .how = 200};

	return act_run(r, cancel_work, &a);
}

/*
 * Adds a new PENDING attempt of every task of run id whose latest
 * attempt needs a retry; *count gets how many.
 */
static enum sl_status
retry_tasks(struct db *db, const char *id, int64_t now, int64_t *count)
{
	struct db_stmt st;
	enum task_state ts;
	enum sl_status s = SL_OK;

	*count = 0;
	db_prepare(db, &st, sql_latest);
	db_bind_text(&st, ":id", id);
	while (s == SL_OK && db_step(&st)) {
		if (states_task_parse(db_col_text(&st, 2), &ts) != SL_OK ||
		    !states_task_needs_retry(ts))
			continue;
		s = insert_attempt(db, id, db_col_text(&st, 0),
		    db_col_int(&st, 1) + 1, now);
		(*count)++;
	}
	if (db_finish(&st) != SL_OK)
		return st.err;
	return s;
}

/*
 * Inside the write transaction: retries the failed tasks of run a->id
 * (a new attempt each) and puts the run back to PENDING, with its audit
 * event.
 */
static enum sl_status
retry_work(struct db *db, void *arg)
{
	struct act *a = arg;
	struct json_object *row = NULL, *detail = NULL;
	enum run_state state;
	enum sl_status s;
	int64_t now = timefmt_now_ms(), version, count = 0;

	s = read_run(a->r, a->id, &state, &row, a->why, sizeof(a->why));
	if (s != SL_OK)
		return s;
	if (!states_run_retryable(state) || !states_run_can(state,
	    RUN_PENDING)) {
		snprintf(a->why, sizeof(a->why), "run %s is %s; only FAILED, "
		    "CANCELLED or CRASHED runs can be retried", a->id,
		    states_run_name(state));
		s = SL_CONFLICT;
		goto out;
	}
	if ((s = live_flow(a->r, jsonx_get_str(row, "flow"), &version, a->why,
	    sizeof(a->why))) != SL_OK)
		goto out;
	snprintf(a->why, sizeof(a->why), "cannot retry run %s", a->id);
	if ((s = retry_tasks(db, a->id, now, &count)) != SL_OK)
		goto out;
	if (count == 0) {
		snprintf(a->why, sizeof(a->why), "run %s has no failed, "
		    "cancelled, crashed or skipped task to retry", a->id);
		s = SL_CONFLICT;
		goto out;
	}
	if ((s = run_update(db, sql_retry, a->id, NULL, now)) != SL_OK)
		goto out;
	detail = json_object_new_object();
	jsonx_add_str(detail, "from", states_run_name(state));
	jsonx_add_int(detail, "tasks", count);
	s = req_audit(a->r, "run.retry", "run", a->id, detail);
	snprintf(a->why, sizeof(a->why), "cannot retry run %s", a->id);
out:
	json_object_put(row);
	json_object_put(detail);
	return s;
}

/*
 * POST /api/runs/{run}/retry (operator), body empty or {}
 * Runs again, in the same run, every task whose latest attempt failed,
 * was cancelled, crashed or was skipped (a new PENDING attempt); the run
 * goes back to PENDING with retry_count + 1.
 * 200 run; 404 unknown run; 409 not FAILED, CANCELLED or CRASHED, or the
 * flow is archived; 503 busy.
 */
enum sl_status
api_runs_retry(struct req *r)
{
	struct act a = {.r = r, .id = r->arg[0], .how = 200};

	return act_run(r, retry_work, &a);
}

/*
 * Inside the write transaction: starts a new run of the same flow
 * version and parameters as finished run a->id; a->nid gets its id.
 */
static enum sl_status
rerun_work(struct db *db, void *arg)
{
	struct act *a = arg;
	struct json_object *row = NULL, *def = NULL;
	const char *flow;
	enum run_state state;
	enum sl_status s;
	int64_t version, current;

	s = read_run(a->r, a->id, &state, &row, a->why, sizeof(a->why));
	if (s != SL_OK)
		return s;
	if (!states_run_terminal(state)) {
		snprintf(a->why, sizeof(a->why), "run %s is %s; only finished "
		    "runs can be rerun", a->id, states_run_name(state));
		s = SL_CONFLICT;
		goto out;
	}
	flow = jsonx_get_str(row, "flow");
	version = json_object_get_int64(jsonx_get(row, "flow_version"));
	if ((s = live_flow(a->r, flow, &current, a->why, sizeof(a->why))) !=
	    SL_OK)
		goto out;
	if ((s = api_flows_load_def(db, flow, version, &def)) != SL_OK) {
		snprintf(a->why, sizeof(a->why), "cannot read flow \"%s\" "
		    "version %lld", flow, (long long)version);
		goto out;
	}
	snprintf(a->why, sizeof(a->why), "cannot rerun run %s", a->id);
	s = insert_run(a->r, flow, version, def,
	    jsonx_text(jsonx_get(row, "parameters")), "rerun", a->id, a->nid);
	a->how = 201;
out:
	json_object_put(row);
	json_object_put(def);
	return s;
}

/*
 * POST /api/runs/{run}/rerun (operator), body empty or {}
 * Starts a new run (trigger rerun, rerun_of = run) of the same flow
 * version with the same parameters. The original must have finished.
 * 201 new run; 404 unknown run; 409 original unfinished or flow archived;
 * 503 busy.
 */
enum sl_status
api_runs_rerun(struct req *r)
{
	struct act a = {.r = r, .id = r->arg[0], .how = 201};

	return act_run(r, rerun_work, &a);
}
