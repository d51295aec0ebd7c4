/*
 * local_store.c: what `sluicectl run --local` (cmd_local.c) keeps in its
 * temporary database: a flow's definition as version 1, the flow paused
 * (so the scheduler starts no scheduled run of it), one PENDING manual
 * run with the first attempt of every task PENDING -- the rows
 * POST /api/flows/{flow}/runs makes, for the real scheduler to claim --
 * and reading back the run and its attempts while it runs. The writes
 * are one transaction; no audit event is kept (the database is thrown
 * away with the run).
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "json.h"
#include "local_store.h"
#include "timefmt.h"
#include "xalloc.h"

static const char sql_insert_flow[] =
    "INSERT INTO flows (name, version, paused, archived, created_at,"
    " updated_at) VALUES (:name, 1, 1, 0, :now, :now)";
static const char sql_insert_version[] =
    "INSERT INTO flow_versions (flow, version, definition, created_by,"
    " created_at, source) VALUES (:name, 1, :definition, 'sluicectl',"
    " :now, :source)";
static const char sql_insert_run[] =
    "INSERT INTO runs (id, flow, flow_version, state, parameters, trigger,"
    " created_by, scheduled_for, created_at, updated_at)"
    " VALUES (:id, :flow, 1, 'PENDING', :params, 'manual', 'sluicectl',"
    " :now, :now, :now)";
static const char sql_insert_attempt[] =
    "INSERT INTO task_runs (run_id, task, attempt, state, created_at,"
    " updated_at) VALUES (:id, :task, 1, 'PENDING', :now, :now)";
static const char sql_run[] =
    "SELECT state, reason FROM runs WHERE id = :id";
static const char sql_attempts[] =
    "SELECT task, attempt, state, reason, exit_code FROM task_runs"
    " WHERE run_id = :id"
    " ORDER BY coalesce(started_at, ended_at, created_at), task, attempt";

/* What local_store_run writes. */
struct new_run {
	struct json_object *def;
	const char *params;
	const char *source;
	char *id;
};

/* Inside the write transaction: the flow, its version, the run and its
 * first attempts. */
static enum sl_status
insert_all(struct db *db, void *arg)
{
	struct new_run *nr = arg;
	struct json_object *tasks = jsonx_get(nr->def, "tasks");
	const char *name = jsonx_get_str(nr->def, "name");
	int64_t now = timefmt_now_ms();
	enum sl_status s;
	size_t n = json_object_array_length(tasks);

	if ((s = db_run(db, sql_insert_flow, DB_TEXT(":name", name),
	    DB_INT(":now", now))) != SL_OK ||
	    (s = db_run(db, sql_insert_version, DB_TEXT(":name", name),
	    DB_TEXT(":definition", jsonx_text(nr->def)),
	    DB_INT(":now", now), DB_TEXT(":source", nr->source))) != SL_OK ||
	    (s = db_run(db, sql_insert_run, DB_TEXT(":id", nr->id),
	    DB_TEXT(":flow", name), DB_TEXT(":params", nr->params),
	    DB_INT(":now", now))) != SL_OK)
		return s;
	for (size_t i = 0; i < n && s == SL_OK; i++)
		s = db_run(db, sql_insert_attempt, DB_TEXT(":id", nr->id),
		    DB_TEXT(":task", jsonx_get_str(
		    json_object_array_get_idx(tasks, i), "name")),
		    DB_INT(":now", now));
	return s;
}

/*
 * Stores normalised definition def (from the file source) as a paused
 * flow and a PENDING run of it with the bound parameters params (JSON
 * text). id receives the run's id. Returns SL_OK or the failure (logged
 * by db.c).
 */
enum sl_status
local_store_run(struct db *db, struct json_object *def, const char *params,
    const char *source, char id[IDS_LEN])
{
	struct new_run nr = { def, params, source, id };

	ids_new(timefmt_now_ms(), id);
	return db_write(db, insert_all, &nr);
}

/* Copies column col of st, or NULL when it is NULL. */
static char *
col_dup(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? NULL : xstrdup(db_col_text(st, col));
}

/* What local_store_view reads, and where to. */
struct view_read {
	const char *id;
	struct local_view *out;
};

/* Inside the read transaction: the attempts, then the run. */
static enum sl_status
read_view(struct db *db, void *arg)
{
	struct view_read *vr = arg;
	struct local_view *v = vr->out;
	struct local_attempt *a;
	struct db_stmt st;
	enum sl_status s;
	size_t cap = 0;

	db_prepare(db, &st, sql_attempts);
	db_bind_text(&st, ":id", vr->id);
	while (db_step(&st)) {
		if (v->n == cap) {
			cap = cap ? 2 * cap : 8;
			v->v = xrealloc(v->v, cap * sizeof(*v->v));
		}
		a = &v->v[v->n++];
		a->task = xstrdup(db_col_text(&st, 0));
		a->attempt = (int)db_col_int(&st, 1);
		if (states_task_parse(db_col_text(&st, 2), &a->state) != SL_OK)
			a->state = TASK_PENDING;
		a->reason = col_dup(&st, 3);
		a->exit_code = db_col_null(&st, 4) ? -1 :
		    (int)db_col_int(&st, 4);
	}
	if ((s = db_finish(&st)) != SL_OK)
		return s;
	db_prepare(db, &st, sql_run);
	db_bind_text(&st, ":id", vr->id);
	if (db_step(&st)) {
		if (states_run_parse(db_col_text(&st, 0), &v->state) != SL_OK)
			v->state = RUN_PENDING;
		v->reason = col_dup(&st, 1);
	}
	return db_finish(&st);
}

/*
 * Reads run id and its attempts into out (release it with
 * local_view_fini, also after a failure). Returns SL_OK or the failure
 * (SL_BUSY when the database stayed locked; try again).
 */
enum sl_status
local_store_view(struct db *db, const char *id, struct local_view *out)
{
	struct view_read vr = { id, out };

	memset(out, 0, sizeof(*out));
	out->state = RUN_PENDING;
	return db_read(db, read_view, &vr);
}

/* Releases what v holds; v is left empty. */
void
local_view_fini(struct local_view *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->v[i].task);
		free(v->v[i].reason);
	}
	free(v->v);
	free(v->reason);
	memset(v, 0, sizeof(*v));
}
