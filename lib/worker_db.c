/*
 * worker_db.c: the worker interface (worker.h) on the SQLite database,
 * for a scheduler running next to the server. It owns every SQL
 * statement the scheduler runs as a worker; the server duties (cron,
 * retention, recovery of dead workers' runs) stay in scheduler/.
 *
 * Rules a reader must know: every write runs inside BEGIN IMMEDIATE
 * (db_begin_write) and is short; nothing slow happens inside one. Writes
 * to a run are guarded by "worker = this worker" and writes to a running
 * attempt by "incarnation = this lease", so a run another scheduler took
 * over is never written again: the operation reports SL_NOTFOUND or
 * SL_CONFLICT instead. Claims are UPDATE ... WHERE state = <what we
 * read>, checked by changes(), so two schedulers sharing the database
 * never both take a run. Every state written is checked against
 * states.c. The handle borrows the connection; it does not close it.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbraw.h"
#include "states.h"
#include "json.h"
#include "log.h"
#include "timefmt.h"
#include "worker.h"
#include "xalloc.h"

/* Registration, heartbeat, settings. */
static const char sql_register[] =
    "INSERT INTO workers (name, pool, host, pid, incarnation, started_at,"
    " last_heartbeat, running, concurrency_limit, paused)"
    " VALUES (:name, :pool, :host, :pid, :inc, :now, :now, 0, :limit, 0)"
    " ON CONFLICT (name) DO UPDATE SET pool = :pool, host = :host,"
    " pid = :pid, incarnation = :inc, started_at = :now,"
    " last_heartbeat = :now, running = 0,"
    " concurrency_limit = CASE WHEN :set THEN :limit"
    "  ELSE concurrency_limit END";
static const char sql_beat[] =
    "UPDATE workers SET last_heartbeat = :now, running = :running"
    " WHERE name = :name AND incarnation = :inc";
static const char sql_reread[] =
    "SELECT incarnation, paused, concurrency_limit FROM workers"
    " WHERE name = :name";

/* Claiming. */
static const char sql_def[] =
    "SELECT definition FROM flow_versions"
    " WHERE flow = :flow AND version = :version";
static const char sql_candidates[] =
    "SELECT r.id, r.state, r.flow, r.flow_version, r.scheduled_for"
    " FROM runs r JOIN flows f ON f.name = r.flow"
    " WHERE r.state = 'PENDING' OR (r.state = 'SCHEDULED'"
    "  AND r.scheduled_for <= :now AND f.paused = 0 AND f.archived = 0)"
    " ORDER BY r.scheduled_for, r.id LIMIT :limit";
static const char sql_any_due[] =
    "SELECT 1 FROM runs WHERE state = 'PENDING'"
    " OR (state = 'SCHEDULED' AND scheduled_for <= :now) LIMIT 1";
static const char sql_active[] =
    "SELECT count(*) FROM runs WHERE flow = :flow"
    " AND state IN " STATES_SQL_RUN_ACTIVE;
static const char sql_later_due[] =
    "SELECT 1 FROM runs WHERE flow = :flow AND state = 'SCHEDULED'"
    " AND trigger = 'schedule' AND scheduled_for > :at"
    " AND scheduled_for <= :now LIMIT 1";
static const char sql_claim[] =
    "UPDATE runs SET state = 'RUNNING', worker = :w,"
    " started_at = COALESCE(started_at, :now), updated_at = :now"
    " WHERE id = :id AND state = :state";
static const char sql_cancel_run[] =
    "UPDATE runs SET state = 'CANCELLED', reason = :reason,"
    " ended_at = :now, updated_at = :now WHERE id = :id AND state = :state";
static const char sql_cancel_tasks[] =
    "UPDATE task_runs SET state = 'CANCELLED', reason = :reason,"
    " ended_at = :now, updated_at = :now WHERE run_id = :id"
    " AND state IN " STATES_SQL_TASK_WAITING;
static const char sql_orphan_cancels[] =
    "SELECT id FROM runs WHERE state = 'CANCELLING' AND worker IS NULL"
    " LIMIT 50";

/* Loading a run. */
static const char sql_run[] =
    "SELECT flow, flow_version, parameters, COALESCE(started_at, 0),"
    " cancel_requested, state FROM runs WHERE id = :id AND worker = :w";
static const char sql_attempts[] =
    "SELECT task, attempt, state, result, COALESCE(not_before, 0), pid,"
    " COALESCE(proc_start, 0), worker FROM task_runs"
    " WHERE run_id = :id ORDER BY task, attempt";

/* Attempts. */
static const char sql_insert_attempt[] =
    "INSERT OR IGNORE INTO task_runs (run_id, task, attempt, state,"
    " not_before, created_at, updated_at)"
    " VALUES (:id, :task, :attempt, :state, :not_before, :now, :now)";
static const char sql_crash_attempt[] =
    "UPDATE task_runs SET state = 'CRASHED', reason = :reason,"
    " ended_at = :now, updated_at = :now"
    " WHERE run_id = :id AND task = :task AND attempt = :attempt"
    " AND state = 'RUNNING'";
static const char sql_end_waiting[] =
    "UPDATE task_runs SET state = :state, reason = :reason,"
    " ended_at = :now, updated_at = :now"
    " WHERE run_id = :id AND task = :task AND attempt = :attempt"
    " AND state IN " STATES_SQL_TASK_WAITING
    " AND EXISTS (SELECT 1 FROM runs WHERE id = :id AND worker = :w)";
static const char sql_task_state[] =
    "SELECT t.state FROM task_runs t JOIN runs r ON r.id = t.run_id"
    " WHERE t.run_id = :id AND t.task = :task AND t.attempt = :attempt"
    " AND r.worker = :w";
static const char sql_fail_unstarted[] =
    "UPDATE task_runs SET state = 'FAILED', reason = :reason,"
    " worker = :w, incarnation = :inc, started_at = :now, ended_at = :now,"
    " updated_at = :now"
    " WHERE run_id = :id AND task = :task AND attempt = :attempt"
    " AND state IN " STATES_SQL_TASK_WAITING;
static const char sql_start[] =
    "UPDATE task_runs SET state = 'RUNNING', pid = :pid,"
    " proc_start = :proc_start, worker = :w, incarnation = :inc,"
    " started_at = :now, updated_at = :now, not_before = NULL"
    " WHERE run_id = :id AND task = :task AND attempt = :attempt"
    " AND state IN " STATES_SQL_TASK_WAITING
    " AND EXISTS (SELECT 1 FROM runs WHERE id = :id AND worker = :w"
    "  AND cancel_requested = 0 AND state = 'RUNNING')";
static const char sql_end_attempt[] =
    "UPDATE task_runs SET state = :state, exit_code = :exit_code,"
    " signal = :signal, result = :result, log_size = :log_size,"
    " reason = :reason, ended_at = :now, updated_at = :now"
    " WHERE run_id = :id AND task = :task AND attempt = :attempt"
    " AND state = 'RUNNING' AND incarnation = :inc";
static const char sql_retry[] =
    "INSERT INTO task_runs (run_id, task, attempt, state, not_before,"
    " created_at, updated_at) VALUES (:id, :task, :attempt,"
    " 'AWAITING_RETRY', :not_before, :now, :now)";
static const char sql_log_size[] =
    "UPDATE task_runs SET log_size = :size, updated_at = :now"
    " WHERE run_id = :id AND task = :task AND attempt = :attempt"
    " AND state = 'RUNNING' AND incarnation = :inc";

/* Runs. */
static const char sql_cancels[] =
    "SELECT id FROM runs WHERE worker = :w AND cancel_requested = 1"
    " AND state IN " STATES_SQL_RUN_ACTIVE;
static const char sql_run_cancelling[] =
    "UPDATE runs SET state = 'CANCELLING', updated_at = :now"
    " WHERE id = :id AND worker = :w AND state = 'RUNNING'";
static const char sql_run_now[] =
    "SELECT state, cancel_requested FROM runs"
    " WHERE id = :id AND worker = :w";
static const char sql_run_end[] =
    "UPDATE runs SET state = :state, ended_at = :now, updated_at = :now,"
    " reason = COALESCE(reason, :reason) WHERE id = :id AND worker = :w"
    " AND state = :from";
static const char sql_fail_run[] =
    "UPDATE runs SET state = CASE state WHEN 'RUNNING' THEN 'FAILED'"
    " ELSE 'CANCELLED' END, reason = :reason, ended_at = :now,"
    " updated_at = :now WHERE id = :id AND worker = :w"
    " AND state IN " STATES_SQL_RUN_ACTIVE;
static const char sql_fail_tasks[] =
    "UPDATE task_runs SET state = 'CANCELLED', reason = :reason,"
    " ended_at = :now, updated_at = :now WHERE run_id = :id"
    " AND state IN " STATES_SQL_TASK_WAITING;

#define DEF_CACHE 32
#define ORPHAN_CANCELS 50

struct worker_db {
	struct worker base;	/* first: a struct worker * points here */
	struct db *db;		/* borrowed */
	char *name, *pool, *host, *inc;
	int pid, concurrency, concurrency_set;
	/* Parsed definitions by (flow, version); they never change. */
	struct {
		char *flow;
		int64_t version;
		struct json_object *def;
	} cache[DEF_CACHE];
	int cache_next;
};

static struct worker_db *
impl(struct worker *w)
{
	return (struct worker_db *)w;
}

/* Steps st to its end, finalizes it; returns 0 or -1. */
static int
step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Maps the status of a failed step or commit for callers. */
static enum sl_status
fail_status(struct worker_db *d)
{
	enum sl_status s = dbraw_status(d->db, sqlite3_errcode(db_raw(d->db)));

	return s == SL_OK ? SL_DB : s;
}

static enum sl_status
wdb_settings(struct worker *w, struct worker_settings *out)
{
	struct worker_db *d = impl(w);
	sqlite3_stmt *st = dbraw_prepare(d->db, sql_reread);
	enum sl_status ret = SL_DB;
	int rc;

	if (st == NULL)
		return SL_DB;
	dbraw_bind_text(st, ":name", d->name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (strcmp(dbraw_col_text(st, 0), d->inc) != 0) {
			ret = SL_CONFLICT;
		} else {
			int limit = sqlite3_column_int(st, 2);

			out->paused = sqlite3_column_int(st, 1);
			out->limit = limit < 0 ? 0 : limit;
			ret = SL_OK;
		}
	} else if (rc == SQLITE_DONE) {
		ret = SL_CONFLICT;	/* the row was deleted */
	} else {
		log_warnx("worker_db: settings: %s", sqlite3_errmsg(db_raw(d->db)));
		ret = fail_status(d);
	}
	sqlite3_finalize(st);
	return ret;
}

static enum sl_status
wdb_join(struct worker *w, struct worker_settings *out)
{
	struct worker_db *d = impl(w);
	sqlite3_stmt *st = NULL;
	enum sl_status ret;

	if ((ret = db_begin_write(d->db)) != SL_OK)
		goto out;
	ret = SL_DB;
	if ((st = dbraw_prepare(d->db, sql_register)) == NULL)
		goto out;
	dbraw_bind_text(st, ":name", d->name);
	dbraw_bind_text(st, ":pool", d->pool);
	dbraw_bind_text(st, ":host", d->host);
	dbraw_bind_int64(st, ":pid", d->pid);
	dbraw_bind_text(st, ":inc", d->inc);
	dbraw_bind_int64(st, ":now", timefmt_now_ms());
	dbraw_bind_int64(st, ":limit", d->concurrency);
	dbraw_bind_int64(st, ":set", d->concurrency_set);
	if (sqlite3_step(st) != SQLITE_DONE) {
		ret = fail_status(d);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((ret = db_commit(d->db)) != SL_OK)
		goto out;
	ret = wdb_settings(w, out);
out:
	sqlite3_finalize(st);
	dbraw_rollback(d->db);
	return ret;
}

static enum sl_status
wdb_heartbeat(struct worker *w, int running)
{
	struct worker_db *d = impl(w);
	sqlite3_stmt *st = NULL;
	enum sl_status ret;
	int rc;

	if ((ret = db_begin_write(d->db)) != SL_OK)
		goto out;
	ret = SL_DB;
	if ((st = dbraw_prepare(d->db, sql_beat)) == NULL)
		goto out;
	dbraw_bind_int64(st, ":now", timefmt_now_ms());
	dbraw_bind_int64(st, ":running", running);
	dbraw_bind_text(st, ":name", d->name);
	dbraw_bind_text(st, ":inc", d->inc);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE) {
		log_warnx("worker_db: heartbeat: worker %s: %s", d->name,
		    sqlite3_errmsg(db_raw(d->db)));
		ret = fail_status(d);
		goto out;
	}
	if (sqlite3_changes(db_raw(d->db)) == 0) {
		ret = SL_CONFLICT;	/* lease lost: write nothing */
		goto out;
	}
	ret = db_commit(d->db);
out:
	sqlite3_finalize(st);
	dbraw_rollback(d->db);
	return ret;
}

/* Returns the parsed definition of flow at version, borrowed from the
 * cache (valid until DEF_CACHE more are loaded), or NULL (logged). */
static struct json_object *
cached_def(struct worker_db *d, const char *flow, int64_t version)
{
	sqlite3_stmt *st;
	struct json_object *def = NULL;
	char why[256];

	for (int i = 0; i < DEF_CACHE; i++)
		if (d->cache[i].flow != NULL &&
		    d->cache[i].version == version &&
		    strcmp(d->cache[i].flow, flow) == 0)
			return d->cache[i].def;
	if ((st = dbraw_prepare(d->db, sql_def)) == NULL)
		return NULL;
	dbraw_bind_text(st, ":flow", flow);
	dbraw_bind_int64(st, ":version", version);
	if (sqlite3_step(st) == SQLITE_ROW)
		def = jsonx_parse(dbraw_col_text(st, 0),
		    strlen(dbraw_col_text(st, 0)), why, sizeof(why));
	else
		log_warnx("worker_db: flow %s version %lld not found", flow,
		    (long long)version);
	sqlite3_finalize(st);
	if (def == NULL)
		return NULL;
	free(d->cache[d->cache_next].flow);
	json_object_put(d->cache[d->cache_next].def);
	d->cache[d->cache_next].flow = xstrdup(flow);
	d->cache[d->cache_next].version = version;
	d->cache[d->cache_next].def = def;
	d->cache_next = (d->cache_next + 1) % DEF_CACHE;
	return def;
}

static int64_t
count_active(struct worker_db *d, const char *flow)
{
	sqlite3_stmt *st = dbraw_prepare(d->db, sql_active);
	int64_t n = 0;

	if (st == NULL)
		return INT64_MAX;
	dbraw_bind_text(st, ":flow", flow);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int
later_due(struct worker_db *d, const char *flow, int64_t at, int64_t now)
{
	sqlite3_stmt *st = dbraw_prepare(d->db, sql_later_due);
	int found;

	if (st == NULL)
		return 0;
	dbraw_bind_text(st, ":flow", flow);
	dbraw_bind_int64(st, ":at", at);
	dbraw_bind_int64(st, ":now", now);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* Ends run id (in state from) CANCELLED with reason, inside the caller's
 * transaction. Returns 0 or -1. */
static int
cancel_unstarted(struct worker_db *d, const char *id, const char *from,
    const char *reason, int64_t now)
{
	sqlite3_stmt *st;
	enum run_state rs;

	if (states_run_parse(from, &rs) == -1 ||
	    !states_run_can(rs, RUN_CANCELLED))
		return -1;
	if ((st = dbraw_prepare(d->db, sql_cancel_tasks)) == NULL)
		return -1;
	dbraw_bind_text(st, ":id", id);
	dbraw_bind_text(st, ":reason", reason);
	dbraw_bind_int64(st, ":now", now);
	if (step_done(st) == -1 ||
	    (st = dbraw_prepare(d->db, sql_cancel_run)) == NULL)
		return -1;
	dbraw_bind_text(st, ":id", id);
	dbraw_bind_text(st, ":state", from);
	dbraw_bind_text(st, ":reason", reason);
	dbraw_bind_int64(st, ":now", now);
	if (step_done(st) == -1)
		return -1;
	log_info("run %s: CANCELLED: %s", id, reason);
	return 0;
}

/* Returns 1 when some run may be due: only then take the write lock. */
static int
any_due(struct worker_db *d, int64_t now)
{
	sqlite3_stmt *st = dbraw_prepare(d->db, sql_any_due);
	int rc;

	if (st == NULL)
		return 0;
	dbraw_bind_int64(st, ":now", now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW;
}

/* Ends runs cancelled before any worker claimed them (nobody else will:
 * they have no worker). */
static void
sweep_orphan_cancels(struct worker_db *d)
{
	sqlite3_stmt *st = dbraw_prepare(d->db, sql_orphan_cancels);
	char ids[ORPHAN_CANCELS][IDS_LEN];
	int n = 0;

	if (st == NULL)
		return;
	while (n < ORPHAN_CANCELS && sqlite3_step(st) == SQLITE_ROW)
		snprintf(ids[n++], IDS_LEN, "%s", dbraw_col_text(st, 0));
	sqlite3_finalize(st);
	if (n == 0 || db_begin_write(d->db) != SL_OK)
		return;
	for (int i = 0; i < n; i++)
		cancel_unstarted(d, ids[i], "CANCELLING", "cancelled",
		    timefmt_now_ms());
	if (db_commit(d->db) != SL_OK)
		log_warnx("worker_db: sweeping cancelled runs failed");
}

/*
 * The claim. A run is due when it is PENDING, or SCHEDULED with
 * scheduled_for <= now and its flow neither paused nor archived (pausing
 * a flow only holds back its schedule). All claims of one pass happen in
 * one transaction. A claim respects the flow's pool and
 * max_concurrent_runs (its RUNNING and CANCELLING runs). Scheduled runs
 * that are too late (schedule.max_lateness_s) are CANCELLED with "late by
 * N s"; without schedule.catchup only the latest due scheduled run of a
 * flow starts and older ones are CANCELLED; both are handed back in
 * out->ended, valid only once the transaction committed.
 */
static enum sl_status
wdb_claim(struct worker *w, int budget, struct worker_claim *out)
{
	struct worker_db *d = impl(w);
	sqlite3_stmt *st = NULL, *up = NULL;
	enum sl_status ret;
	int64_t now = timefmt_now_ms();

	memset(out, 0, sizeof(*out));
	sweep_orphan_cancels(d);
	if (budget <= 0 || !any_due(d, now))
		return SL_OK;
	out->ids = xcalloc((size_t)budget, IDS_LEN);
	if ((ret = db_begin_write(d->db)) != SL_OK)
		goto out;
	ret = SL_DB;
	if ((st = dbraw_prepare(d->db, sql_candidates)) == NULL)
		goto out;
	dbraw_bind_int64(st, ":now", now);
	dbraw_bind_int64(st, ":limit", budget * 4 + 16);
	while (out->nids < budget && sqlite3_step(st) == SQLITE_ROW) {
		const char *id = dbraw_col_text(st, 0);
		const char *state = dbraw_col_text(st, 1);
		const char *flow = dbraw_col_text(st, 2);
		int64_t version = sqlite3_column_int64(st, 3);
		int64_t due = sqlite3_column_int64(st, 4);
		struct json_object *def = cached_def(d, flow, version);
		struct json_object *sched_obj = jsonx_get(def, "schedule");
		const char *pool = jsonx_get_str(def, "pool");
		struct json_object *v;
		int64_t maxrun = 1;
		char reason[96];
		enum run_state rs;

		if (states_run_parse(state, &rs) == -1 ||
		    !states_run_can(rs, RUN_RUNNING))
			continue;
		if (def == NULL)
			continue;	/* run_fail reports it when ours */
		if (strcmp(pool ? pool : "default", d->pool) != 0)
			continue;
		if (strcmp(state, "SCHEDULED") == 0) {
			v = jsonx_get(sched_obj, "max_lateness_s");
			if (jsonx_is_int(v) && now - due >
			    json_object_get_int64(v) * 1000) {
				snprintf(reason, sizeof(reason), "late by "
				    "%lld s", (long long)((now - due) / 1000));
				cancel_unstarted(d, id, state, reason, now);
				continue;
			}
			v = jsonx_get(sched_obj, "catchup");
			if (!json_object_get_boolean(v) &&
			    later_due(d, flow, due, now)) {
				cancel_unstarted(d, id, state, "skipped: "
				    "a later scheduled run is due and catchup "
				    "is off", now);
				continue;
			}
		}
		v = jsonx_get(def, "max_concurrent_runs");
		if (jsonx_is_int(v))
			maxrun = json_object_get_int64(v);
		if (maxrun > 0 && count_active(d, flow) >= maxrun)
			continue;
		if ((up = dbraw_prepare(d->db, sql_claim)) == NULL)
			goto out;
		dbraw_bind_text(up, ":w", d->name);
		dbraw_bind_int64(up, ":now", now);
		dbraw_bind_text(up, ":id", id);
		dbraw_bind_text(up, ":state", state);
		if (sqlite3_step(up) != SQLITE_DONE) {
			ret = fail_status(d);
			goto out;
		}
		if (sqlite3_changes(db_raw(d->db)) == 1)
			snprintf(out->ids[out->nids++], IDS_LEN, "%s", id);
		sqlite3_finalize(up);
		up = NULL;
	}
	sqlite3_finalize(st);
	st = NULL;
	ret = db_commit(d->db);
out:
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	dbraw_rollback(d->db);
	if (ret != SL_OK)
		worker_claim_fini(out);
	return ret;
}

static char *
col_dup_or_null(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? NULL :
	    xstrdup(dbraw_col_text(st, col));
}

static enum sl_status
wdb_run_load(struct worker *w, const char *run_id, struct worker_run *out)
{
	struct worker_db *d = impl(w);
	sqlite3_stmt *st = NULL;
	enum sl_status ret = SL_DB;
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((st = dbraw_prepare(d->db, sql_run)) == NULL)
		goto out;
	dbraw_bind_text(st, ":id", run_id);
	dbraw_bind_text(st, ":w", d->name);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		ret = rc == SQLITE_DONE ? SL_NOTFOUND : fail_status(d);
		goto out;
	}
	out->flow = xstrdup(dbraw_col_text(st, 0));
	out->version = sqlite3_column_int64(st, 1);
	out->params = xstrdup(dbraw_col_text(st, 2));
	out->started_at = sqlite3_column_int64(st, 3);
	out->cancel_requested = sqlite3_column_int(st, 4);
	sqlite3_finalize(st);
	if ((st = dbraw_prepare(d->db, sql_def)) == NULL)
		goto out;
	dbraw_bind_text(st, ":flow", out->flow);
	dbraw_bind_int64(st, ":version", out->version);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		out->definition = xstrdup(dbraw_col_text(st, 0));
	else if (rc == SQLITE_DONE)
		log_warnx("worker_db: flow %s version %lld not found",
		    out->flow, (long long)out->version);
	else
		goto out;
	sqlite3_finalize(st);
	if ((st = dbraw_prepare(d->db, sql_attempts)) == NULL)
		goto out;
	dbraw_bind_text(st, ":id", run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct worker_attempt *a;
		enum task_state ts;

		if (states_task_parse(dbraw_col_text(st, 2), &ts) == -1)
			continue;
		if (out->nattempts == cap) {
			cap = cap * 2 + 8;
			out->attempts = xrealloc(out->attempts, cap *
			    sizeof(*out->attempts));
		}
		a = &out->attempts[out->nattempts++];
		a->task = xstrdup(dbraw_col_text(st, 0));
		a->attempt = sqlite3_column_int(st, 1);
		a->state = ts;
		a->result = col_dup_or_null(st, 3);
		a->not_before = sqlite3_column_int64(st, 4);
		a->pid = sqlite3_column_int64(st, 5);
		a->proc_start = sqlite3_column_int64(st, 6);
	}
	if (rc != SQLITE_DONE)
		goto out;
	ret = SL_OK;
out:
	sqlite3_finalize(st);
	if (ret != SL_OK)
		worker_run_fini(out);
	return ret;
}

/*
 * END_WAITING found nothing to change: re-reads the attempt. Returns
 * SL_OK with c->conflict and c->now set (someone else ended it),
 * SL_NOTFOUND (the run is no longer ours), or another failure.
 */
static enum sl_status
refresh_task(struct worker_db *d, const char *run_id,
    struct worker_change *c)
{
	sqlite3_stmt *st = dbraw_prepare(d->db, sql_task_state);
	enum sl_status ret = SL_DB;
	enum task_state ts;
	int rc;

	if (st == NULL)
		return SL_DB;
	dbraw_bind_text(st, ":id", run_id);
	dbraw_bind_text(st, ":task", c->task);
	dbraw_bind_int64(st, ":attempt", c->attempt);
	dbraw_bind_text(st, ":w", d->name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		ret = SL_NOTFOUND;
	} else if (rc == SQLITE_ROW &&
	    states_task_parse(dbraw_col_text(st, 0), &ts) == 0) {
		c->conflict = 1;
		c->now = ts;
		ret = SL_OK;
	}
	sqlite3_finalize(st);
	return ret;
}

/* Applies one change inside the caller's transaction. */
static enum sl_status
apply_change(struct worker_db *d, const char *run_id,
    struct worker_change *c, int64_t now)
{
	const char *sql[WORKER_CHANGE_MAX] = {
		[WORKER_ADD] = sql_insert_attempt,
		[WORKER_CRASH] = sql_crash_attempt,
		[WORKER_END_WAITING] = sql_end_waiting,
		[WORKER_FAIL_UNSTARTED] = sql_fail_unstarted,
	};
	sqlite3_stmt *st;

	c->conflict = 0;
	switch (c->kind) {
	case WORKER_ADD:
		if (c->state != TASK_PENDING &&
		    c->state != TASK_AWAITING_RETRY)
			return SL_INVALID;
		break;
	case WORKER_CRASH:
		assert(states_task_can(TASK_RUNNING, TASK_CRASHED));
		break;
	case WORKER_END_WAITING:
		if (!states_task_can(TASK_PENDING, c->state) ||
		    !states_task_can(TASK_AWAITING_RETRY, c->state))
			return SL_INVALID;
		break;
	case WORKER_FAIL_UNSTARTED:
		/* In terms of states.c it moves through RUNNING. */
		assert(states_task_can(TASK_RUNNING, TASK_FAILED));
		break;
	default:
		return SL_INVALID;
	}
	if ((st = dbraw_prepare(d->db, sql[c->kind])) == NULL)
		return SL_DB;
	dbraw_bind_text(st, ":id", run_id);
	dbraw_bind_text(st, ":task", c->task);
	dbraw_bind_int64(st, ":attempt", c->attempt);
	dbraw_bind_int64(st, ":now", now);
	if (c->kind == WORKER_ADD || c->kind == WORKER_END_WAITING)
		dbraw_bind_text(st, ":state", states_task_name(c->state));
	if (c->kind != WORKER_ADD)
		dbraw_bind_text(st, ":reason", c->reason);
	if (c->kind == WORKER_ADD) {
		if (c->not_before)
			dbraw_bind_int64(st, ":not_before", c->not_before);
		else
			dbraw_bind_null(st, ":not_before");
	}
	if (c->kind == WORKER_END_WAITING || c->kind == WORKER_FAIL_UNSTARTED)
		dbraw_bind_text(st, ":w", d->name);
	if (c->kind == WORKER_FAIL_UNSTARTED)
		dbraw_bind_text(st, ":inc", d->inc);
	if (step_done(st) == -1)
		return fail_status(d);
	if (c->kind == WORKER_END_WAITING && sqlite3_changes(db_raw(d->db)) == 0)
		return refresh_task(d, run_id, c);
	return SL_OK;
}

static enum sl_status
wdb_tasks_update(struct worker *w, const char *run_id,
    struct worker_change *c, size_t n)
{
	struct worker_db *d = impl(w);
	int64_t now = timefmt_now_ms();
	enum sl_status ret;

	if (n == 0)
		return SL_OK;
	if ((ret = db_begin_write(d->db)) != SL_OK)
		return ret;
	for (size_t i = 0; i < n; i++)
		if ((ret = apply_change(d, run_id, &c[i], now)) != SL_OK)
			goto out;
	ret = db_commit(d->db);
out:
	dbraw_rollback(d->db);
	return ret;
}

static enum sl_status
wdb_task_start(struct worker *w, const char *run_id, const char *task,
    int attempt, int64_t pid, int64_t proc_start)
{
	struct worker_db *d = impl(w);
	sqlite3_stmt *st = NULL;
	enum sl_status ret;

	if ((ret = db_begin_write(d->db)) != SL_OK)
		return ret;
	ret = SL_DB;
	if ((st = dbraw_prepare(d->db, sql_start)) == NULL)
		goto out;
	dbraw_bind_int64(st, ":pid", pid);
	dbraw_bind_int64(st, ":proc_start", proc_start);
	dbraw_bind_text(st, ":w", d->name);
	dbraw_bind_text(st, ":inc", d->inc);
	dbraw_bind_int64(st, ":now", timefmt_now_ms());
	dbraw_bind_text(st, ":id", run_id);
	dbraw_bind_text(st, ":task", task);
	dbraw_bind_int64(st, ":attempt", attempt);
	if (sqlite3_step(st) != SQLITE_DONE) {
		ret = fail_status(d);
		goto out;
	}
	if (sqlite3_changes(db_raw(d->db)) != 1) {
		ret = SL_CONFLICT;
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	ret = db_commit(d->db);
out:
	sqlite3_finalize(st);
	dbraw_rollback(d->db);
	return ret;
}

static enum sl_status
wdb_task_finish(struct worker *w, const struct worker_task_end *e)
{
	struct worker_db *d = impl(w);
	sqlite3_stmt *q = NULL;
	int64_t now = timefmt_now_ms();
	enum sl_status ret;

	if (!states_task_can(TASK_RUNNING, e->state))
		return SL_INVALID;
	if ((ret = db_begin_write(d->db)) != SL_OK)
		return ret;
	ret = SL_DB;
	if ((q = dbraw_prepare(d->db, sql_end_attempt)) == NULL)
		goto out;
	dbraw_bind_text(q, ":state", states_task_name(e->state));
	if (e->exit_code >= 0)
		dbraw_bind_int64(q, ":exit_code", e->exit_code);
	else
		dbraw_bind_null(q, ":exit_code");
	if (e->signal > 0)
		dbraw_bind_int64(q, ":signal", e->signal);
	else
		dbraw_bind_null(q, ":signal");
	dbraw_bind_text(q, ":result", e->state == TASK_COMPLETED ? e->result :
	    NULL);
	dbraw_bind_int64(q, ":log_size", e->log_size);
	dbraw_bind_text(q, ":reason", e->reason);
	dbraw_bind_int64(q, ":now", now);
	dbraw_bind_text(q, ":id", e->run_id);
	dbraw_bind_text(q, ":task", e->task);
	dbraw_bind_int64(q, ":attempt", e->attempt);
	dbraw_bind_text(q, ":inc", d->inc);
	if (step_done(q) == -1) {
		q = NULL;
		ret = fail_status(d);
		goto out;
	}
	q = NULL;
	if (sqlite3_changes(db_raw(d->db)) == 0) {
		/* Another scheduler marked it CRASHED and owns the run. */
		ret = SL_CONFLICT;
		goto out;
	}
	if (e->retry_not_before > 0) {
		if ((q = dbraw_prepare(d->db, sql_retry)) == NULL)
			goto out;
		dbraw_bind_text(q, ":id", e->run_id);
		dbraw_bind_text(q, ":task", e->task);
		dbraw_bind_int64(q, ":attempt", e->attempt + 1);
		dbraw_bind_int64(q, ":not_before", e->retry_not_before);
		dbraw_bind_int64(q, ":now", now);
		if (step_done(q) == -1) {
			q = NULL;
			ret = fail_status(d);
			goto out;
		}
		q = NULL;
	}
	ret = db_commit(d->db);
out:
	sqlite3_finalize(q);
	dbraw_rollback(d->db);
	return ret;
}

static enum sl_status
wdb_log_sizes(struct worker *w, struct worker_log_size *v, size_t n)
{
	struct worker_db *d = impl(w);
	int64_t now = timefmt_now_ms();
	enum sl_status ret;

	for (size_t i = 0; i < n; i++)
		v[i].done = 0;
	if (n == 0)
		return SL_OK;
	if ((ret = db_begin_write(d->db)) != SL_OK)
		return ret;
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *q = dbraw_prepare(d->db, sql_log_size);

		if (q == NULL)
			continue;
		dbraw_bind_int64(q, ":size", v[i].size);
		dbraw_bind_int64(q, ":now", now);
		dbraw_bind_text(q, ":id", v[i].run_id);
		dbraw_bind_text(q, ":task", v[i].task);
		dbraw_bind_int64(q, ":attempt", v[i].attempt);
		dbraw_bind_text(q, ":inc", d->inc);
		if (step_done(q) == 0)
			v[i].done = 1;
	}
	ret = db_commit(d->db);
	if (ret != SL_OK)
		for (size_t i = 0; i < n; i++)
			v[i].done = 0;
	return ret;
}

static enum sl_status
wdb_poll_cancels(struct worker *w, char (*ids)[IDS_LEN], int max, int *n)
{
	struct worker_db *d = impl(w);
	sqlite3_stmt *st = dbraw_prepare(d->db, sql_cancels);
	int rc = SQLITE_DONE;

	*n = 0;
	if (st == NULL)
		return SL_DB;
	dbraw_bind_text(st, ":w", d->name);
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
		snprintf(ids[(*n)++], IDS_LEN, "%s", dbraw_col_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SL_OK : SL_DB;
}

static enum sl_status
wdb_run_cancelling(struct worker *w, const char *run_id)
{
	struct worker_db *d = impl(w);
	sqlite3_stmt *st;
	enum sl_status ret;

	assert(states_run_can(RUN_RUNNING, RUN_CANCELLING));
	if ((ret = db_begin_write(d->db)) != SL_OK)
		return ret;
	ret = SL_DB;
	if ((st = dbraw_prepare(d->db, sql_run_cancelling)) == NULL)
		goto out;
	dbraw_bind_int64(st, ":now", timefmt_now_ms());
	dbraw_bind_text(st, ":id", run_id);
	dbraw_bind_text(st, ":w", d->name);
	if (step_done(st) == -1) {
		ret = fail_status(d);
		goto out;
	}
	ret = db_commit(d->db);
out:
	dbraw_rollback(d->db);
	return ret;
}

static enum sl_status
wdb_run_finish(struct worker *w, const char *run_id,
    const struct worker_task_state *tasks, size_t n, int timed_out,
    int64_t timeout_s, enum run_state *to, char *reason, size_t reasonsz)
{
	struct worker_db *d = impl(w);
	sqlite3_stmt *st = NULL;
	enum run_state from;
	enum sl_status ret;
	int cancel, rc;

	reason[0] = '\0';
	if ((ret = db_begin_write(d->db)) != SL_OK)
		return ret;
	ret = SL_DB;
	if ((st = dbraw_prepare(d->db, sql_run_now)) == NULL)
		goto out;
	dbraw_bind_text(st, ":id", run_id);
	dbraw_bind_text(st, ":w", d->name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		ret = SL_NOTFOUND;
		goto out;
	}
	if (rc != SQLITE_ROW ||
	    states_run_parse(dbraw_col_text(st, 0), &from) == -1)
		goto out;
	cancel = sqlite3_column_int(st, 1);
	sqlite3_finalize(st);
	st = NULL;
	*to = worker_run_outcome(tasks, n, cancel, timed_out, timeout_s,
	    reason, reasonsz);
	if (!states_run_terminal(*to) || !states_run_can(from, *to)) {
		log_warnx("run %s: cannot move from %s to %s", run_id,
		    states_run_name(from), states_run_name(*to));
		ret = SL_CONFLICT;
		goto out;
	}
	if ((st = dbraw_prepare(d->db, sql_run_end)) == NULL)
		goto out;
	dbraw_bind_text(st, ":state", states_run_name(*to));
	dbraw_bind_int64(st, ":now", timefmt_now_ms());
	dbraw_bind_text(st, ":reason", reason[0] ? reason : NULL);
	dbraw_bind_text(st, ":id", run_id);
	dbraw_bind_text(st, ":w", d->name);
	dbraw_bind_text(st, ":from", states_run_name(from));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE) {
		ret = fail_status(d);
		goto out;
	}
	ret = db_commit(d->db);
out:
	sqlite3_finalize(st);
	dbraw_rollback(d->db);
	return ret;
}

static enum sl_status
wdb_run_fail(struct worker *w, const char *run_id, const char *why)
{
	struct worker_db *d = impl(w);
	sqlite3_stmt *st = NULL;
	int64_t now = timefmt_now_ms();
	enum sl_status ret;

	assert(states_run_can(RUN_RUNNING, RUN_FAILED) &&
	    states_run_can(RUN_CANCELLING, RUN_CANCELLED) &&
	    states_task_can(TASK_PENDING, TASK_CANCELLED) &&
	    states_task_can(TASK_AWAITING_RETRY, TASK_CANCELLED));
	if ((ret = db_begin_write(d->db)) != SL_OK)
		return ret;
	for (int i = 0; i < 2; i++) {
		st = dbraw_prepare(d->db, i == 0 ? sql_fail_tasks : sql_fail_run);
		if (st == NULL) {
			ret = SL_DB;
			goto out;
		}
		dbraw_bind_text(st, ":id", run_id);
		dbraw_bind_text(st, ":reason", why);
		dbraw_bind_int64(st, ":now", now);
		if (i == 1)
			dbraw_bind_text(st, ":w", d->name);
		if (step_done(st) == -1) {
			ret = fail_status(d);
			goto out;
		}
	}
	ret = db_commit(d->db);
out:
	dbraw_rollback(d->db);
	return ret;
}

static void
wdb_close_worker(struct worker *w)
{
	struct worker_db *d = impl(w);

	if (d == NULL)
		return;
	for (int i = 0; i < DEF_CACHE; i++) {
		free(d->cache[i].flow);
		json_object_put(d->cache[i].def);
	}
	free(d->name);
	free(d->pool);
	free(d->host);
	free(d->inc);
	free(d);
}

static const struct worker_ops wdb_ops = {
	.join = wdb_join,
	.heartbeat = wdb_heartbeat,
	.settings = wdb_settings,
	.claim = wdb_claim,
	.run_load = wdb_run_load,
	.tasks_update = wdb_tasks_update,
	.task_start = wdb_task_start,
	.task_finish = wdb_task_finish,
	.log_sizes = wdb_log_sizes,
	.poll_cancels = wdb_poll_cancels,
	.run_cancelling = wdb_run_cancelling,
	.run_finish = wdb_run_finish,
	.run_fail = wdb_run_fail,
	.close = wdb_close_worker,
};

/*
 * Returns a worker on the open database db (borrowed: the caller keeps
 * it open until ops->close and closes it afterwards) acting as id (its
 * strings are copied). Nothing is written until ops->join. Release with
 * ops->close.
 */
struct worker *
worker_db_open(struct db *db, const struct worker_ident *id)
{
	struct worker_db *d = xcalloc(1, sizeof(*d));

	d->base.ops = &wdb_ops;
	d->db = db;
	d->name = xstrdup(id->name);
	d->pool = xstrdup(id->pool ? id->pool : "default");
	d->host = xstrdup(id->host ? id->host : "");
	d->inc = xstrdup(id->incarnation);
	d->pid = id->pid;
	d->concurrency = id->concurrency;
	d->concurrency_set = id->concurrency_set;
	return &d->base;
}
