/*
 * worker_db.c: the worker interface (worker.h) on the SQLite database,
 * for a scheduler running next to the server. It owns every SQL
 * statement the scheduler runs as a worker; the server duties (cron,
 * retention, recovery of dead workers' runs) stay in scheduler/.
 *
 * Rules a reader must know: every write runs inside BEGIN IMMEDIATE
 * (db_write) and is short; nothing slow happens inside one. Writes
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

#include "db.h"
#include "schedule.h"
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

/*
 * The arguments of one write, handed by an operation to its work
 * function through db_write. Each work function reads only the fields its
 * operation sets; d and now are always set.
 */
struct op {
	struct worker_db *d;
	int64_t now;
	const char *run_id;
	int running;				/* heartbeat */
	struct worker_claim *claim;		/* claim */
	int budget;
	struct worker_change *changes;		/* tasks_update */
	struct worker_log_size *sizes;		/* log_sizes */
	char (*ids)[IDS_LEN];			/* orphan cancels */
	size_t n;				/* of changes, sizes or ids */
	const char *task;			/* task_start */
	int attempt;
	int64_t pid, proc_start;
	const struct worker_task_end *end;	/* task_finish */
	const char *why;			/* run_fail */
	const struct worker_task_state *tasks;	/* run_finish */
	int timed_out;
	int64_t timeout_s;
	enum run_state *to;
	char *reason;
	size_t reasonsz;
};

static struct worker_db *
impl(struct worker *w)
{
	return (struct worker_db *)w;
}

/* Finishes st; returns its first error, or ret when it had none. */
static enum sl_status
finish_or(struct db_stmt *st, enum sl_status ret)
{
	enum sl_status s = db_finish(st);

	return s != SL_OK ? s : ret;
}

static enum sl_status
wdb_settings(struct worker *w, struct worker_settings *out)
{
	struct worker_db *d = impl(w);
	struct db_stmt st;
	enum sl_status ret = SL_CONFLICT;	/* no row: it was deleted */

	db_prepare(d->db, &st, sql_reread);
	db_bind_all(&st, DB_TEXT(":name", d->name));
	if (db_step(&st) && strcmp(db_col_text(&st, 0), d->inc) == 0) {
		int64_t limit = db_col_int(&st, 2);

		out->paused = (int)db_col_int(&st, 1);
		out->limit = limit < 0 ? 0 : (int)limit;
		ret = SL_OK;
	}
	return finish_or(&st, ret);
}

static enum sl_status
join_work(struct db *db, void *arg)
{
	struct op *op = arg;
	struct worker_db *d = op->d;

	return db_run(db, sql_register, DB_TEXT(":name", d->name),
	    DB_TEXT(":pool", d->pool), DB_TEXT(":host", d->host),
	    DB_INT(":pid", d->pid), DB_TEXT(":inc", d->inc),
	    DB_INT(":now", op->now), DB_INT(":limit", d->concurrency),
	    DB_INT(":set", d->concurrency_set));
}

static enum sl_status
wdb_join(struct worker *w, struct worker_settings *out)
{
	struct op op = { .d = impl(w), .now = timefmt_now_ms() };
	enum sl_status ret = db_write(op.d->db, join_work, &op);

	return ret != SL_OK ? ret : wdb_settings(w, out);
}

static enum sl_status
heartbeat_work(struct db *db, void *arg)
{
	struct op *op = arg;
	enum sl_status ret = db_run(db, sql_beat, DB_INT(":now", op->now),
	    DB_INT(":running", op->running), DB_TEXT(":name", op->d->name),
	    DB_TEXT(":inc", op->d->inc));

	if (ret != SL_OK)
		return ret;
	return db_changes(db) == 0 ? SL_CONFLICT : SL_OK; /* lease lost */
}

static enum sl_status
wdb_heartbeat(struct worker *w, int running)
{
	struct op op = { .d = impl(w), .now = timefmt_now_ms(),
	    .running = running };
	enum sl_status ret = db_write(op.d->db, heartbeat_work, &op);

	if (ret != SL_OK && ret != SL_CONFLICT)
		log_warnx("worker_db: heartbeat: worker %s failed", op.d->name);
	return ret;
}

/* Returns the parsed definition of flow at version, borrowed from the
 * cache (valid until DEF_CACHE more are loaded), or NULL (logged). */
static struct json_object *
cached_def(struct worker_db *d, const char *flow, int64_t version)
{
	struct db_stmt st;
	struct json_object *def = NULL;
	char why[256];
	int i = d->cache_next;

	for (int j = 0; j < DEF_CACHE; j++)
		if (d->cache[j].flow != NULL && d->cache[j].version == version &&
		    strcmp(d->cache[j].flow, flow) == 0)
			return d->cache[j].def;
	db_prepare(d->db, &st, sql_def);
	db_bind_all(&st, DB_TEXT(":flow", flow), DB_INT(":version", version));
	if (db_step(&st))
		def = jsonx_parse(db_col_text(&st, 0), db_col_bytes(&st, 0),
		    why, sizeof(why));
	else
		log_warnx("worker_db: flow %s version %lld not found", flow,
		    (long long)version);
	db_finish(&st);
	if (def == NULL)
		return NULL;
	free(d->cache[i].flow);
	json_object_put(d->cache[i].def);
	d->cache[i].flow = xstrdup(flow);
	d->cache[i].version = version;
	d->cache[i].def = def;
	d->cache_next = (i + 1) % DEF_CACHE;
	return def;
}

/* Stores in *n how many runs of flow are RUNNING or CANCELLING. */
static enum sl_status
count_active(struct worker_db *d, const char *flow, int64_t *n)
{
	struct db_stmt st;

	*n = 0;
	db_prepare(d->db, &st, sql_active);
	db_bind_all(&st, DB_TEXT(":flow", flow));
	return db_first_int(&st, n);
}

/* Sets *found when a later scheduled run of flow than at is due too. */
static enum sl_status
later_due(struct worker_db *d, const char *flow, int64_t at, int64_t now,
    int *found)
{
	struct db_stmt st;

	db_prepare(d->db, &st, sql_later_due);
	db_bind_all(&st, DB_TEXT(":flow", flow), DB_INT(":at", at),
	    DB_INT(":now", now));
	*found = db_step(&st);
	return db_finish(&st);
}

/* Ends run id (in state from) CANCELLED with reason, its waiting tasks
 * too, inside the caller's transaction. */
static enum sl_status
cancel_unstarted(struct worker_db *d, const char *id, const char *from,
    const char *reason, int64_t now)
{
	enum run_state rs;
	enum sl_status ret;

	if (states_run_parse(from, &rs) == -1 ||
	    !states_run_can(rs, RUN_CANCELLED))
		return SL_CONFLICT;
	ret = db_run(d->db, sql_cancel_tasks, DB_TEXT(":id", id),
	    DB_TEXT(":reason", reason), DB_INT(":now", now));
	if (ret == SL_OK)
		ret = db_run(d->db, sql_cancel_run, DB_TEXT(":id", id),
		    DB_TEXT(":state", from), DB_TEXT(":reason", reason),
		    DB_INT(":now", now));
	if (ret == SL_OK && db_changes(d->db) == 1)
		log_info("run %s: CANCELLED: %s", id, reason);
	return ret;
}

/* Returns SL_OK when some run may be due (only then take the write lock),
 * SL_NOTFOUND when none is, or the failure. */
static enum sl_status
any_due(struct worker_db *d, int64_t now)
{
	struct db_stmt st;
	int64_t one;

	db_prepare(d->db, &st, sql_any_due);
	db_bind_all(&st, DB_INT(":now", now));
	return db_first_int(&st, &one);
}

static enum sl_status
orphans_work(struct db *db, void *arg)
{
	struct op *op = arg;
	enum sl_status ret = SL_OK;

	(void)db;
	for (size_t i = 0; i < op->n && ret == SL_OK; i++)
		ret = cancel_unstarted(op->d, op->ids[i], "CANCELLING",
		    "cancelled", op->now);
	return ret;
}

/* Ends runs cancelled before any worker claimed them (nobody else will:
 * they have no worker). */
static enum sl_status
sweep_orphan_cancels(struct worker_db *d)
{
	char ids[ORPHAN_CANCELS][IDS_LEN];
	struct op op = { .d = d, .now = timefmt_now_ms(), .ids = ids };
	struct db_stmt st;
	enum sl_status ret;

	db_prepare(d->db, &st, sql_orphan_cancels);
	while (op.n < ORPHAN_CANCELS && db_step(&st))
		snprintf(ids[op.n++], IDS_LEN, "%s", db_col_text(&st, 0));
	if ((ret = db_finish(&st)) != SL_OK || op.n == 0)
		return ret;
	if ((ret = db_write(d->db, orphans_work, &op)) != SL_OK)
		log_warnx("worker_db: sweeping cancelled runs failed");
	return ret;
}

/*
 * A due SCHEDULED run (candidate row c, definition def) judged by
 * schedule.c: sets *start, or cancels the run with the verdict's reason.
 */
static enum sl_status
judge_scheduled(struct worker_db *d, struct db_stmt *c,
    struct json_object *def, int64_t now, int *start)
{
	struct json_object *sch = jsonx_get(def, "schedule");
	const char *id = db_col_text(c, 0), *flow = db_col_text(c, 2);
	int64_t due = db_col_int(c, 4);
	enum sl_status ret = SL_OK;
	int later = 0;
	char why[96];

	if (!schedule_keeps_missed(sch))
		ret = later_due(d, flow, due, now, &later);
	if (ret != SL_OK)
		return ret;
	*start = schedule_judge(sch, due, now, later, why, sizeof(why)) ==
	    SCHEDULE_START;
	return *start ? SL_OK : cancel_unstarted(d, id, "SCHEDULED", why, now);
}

/* Sets *room when flow (definition def) may start one more run. */
static enum sl_status
flow_has_room(struct worker_db *d, const char *flow, struct json_object *def,
    int *room)
{
	struct json_object *v = jsonx_get(def, "max_concurrent_runs");
	int64_t max = jsonx_is_int(v) ? json_object_get_int64(v) : 1, n = 0;
	enum sl_status ret = SL_OK;

	if (max > 0)
		ret = count_active(d, flow, &n);
	*room = max <= 0 || n < max;
	return ret;
}

/* Claims candidate row c when it is this worker's and may start now. */
static enum sl_status
claim_one(struct op *op, struct db_stmt *c)
{
	struct worker_db *d = op->d;
	const char *id = db_col_text(c, 0), *state = db_col_text(c, 1);
	const char *flow = db_col_text(c, 2), *pool;
	struct json_object *def = cached_def(d, flow, db_col_int(c, 3));
	enum run_state rs;
	enum sl_status ret = SL_OK;
	int go = 1;

	if (states_run_parse(state, &rs) == -1 ||
	    !states_run_can(rs, RUN_RUNNING) || def == NULL)
		return SL_OK;	/* run_fail reports a missing def when ours */
	pool = jsonx_get_str(def, "pool");
	if (strcmp(pool ? pool : "default", d->pool) != 0)
		return SL_OK;
	if (rs == RUN_SCHEDULED)
		ret = judge_scheduled(d, c, def, op->now, &go);
	if (ret == SL_OK && go)
		ret = flow_has_room(d, flow, def, &go);
	if (ret != SL_OK || !go)
		return ret;
	ret = db_run(d->db, sql_claim, DB_TEXT(":w", d->name),
	    DB_INT(":now", op->now), DB_TEXT(":id", id),
	    DB_TEXT(":state", state));
	if (ret == SL_OK && db_changes(d->db) == 1)
		snprintf(op->claim->ids[op->claim->nids++], IDS_LEN, "%s", id);
	return ret;
}

static enum sl_status
claim_work(struct db *db, void *arg)
{
	struct op *op = arg;
	struct db_stmt c;
	enum sl_status ret = SL_OK;

	db_prepare(db, &c, sql_candidates);
	db_bind_all(&c, DB_INT(":now", op->now),
	    DB_INT(":limit", op->budget * 4 + 16));
	while (ret == SL_OK && op->claim->nids < op->budget && db_step(&c))
		ret = claim_one(op, &c);
	return finish_or(&c, ret);
}

/*
 * The claim. A run is due when it is PENDING, or SCHEDULED with
 * scheduled_for <= now and its flow neither paused nor archived (pausing
 * a flow only holds back its schedule). All claims of one pass happen in
 * one transaction. A claim respects the flow's pool and
 * max_concurrent_runs (its RUNNING and CANCELLING runs). A due scheduled
 * run is judged by lib/schedule.c: too late (schedule.max_lateness_s), or
 * superseded by a later due one without schedule.catchup, it is CANCELLED
 * with the verdict's reason in the same transaction; notify.c reports
 * those runs like every other ended run.
 */
static enum sl_status
wdb_claim(struct worker *w, int budget, struct worker_claim *out)
{
	struct op op = { .d = impl(w), .now = timefmt_now_ms(),
	    .claim = out, .budget = budget };
	enum sl_status ret;

	memset(out, 0, sizeof(*out));
	if ((ret = sweep_orphan_cancels(op.d)) != SL_OK)
		return ret;
	if (budget <= 0 || (ret = any_due(op.d, op.now)) == SL_NOTFOUND)
		return SL_OK;
	if (ret != SL_OK)
		return ret;
	out->ids = xcalloc((size_t)budget, IDS_LEN);
	if ((ret = db_write(op.d->db, claim_work, &op)) != SL_OK)
		worker_claim_fini(out);
	return ret;
}

/* Copies the run row of run_id into out; SL_NOTFOUND when not ours. */
static enum sl_status
load_run_row(struct worker_db *d, const char *run_id, struct worker_run *out)
{
	struct db_stmt st;
	enum sl_status ret = SL_NOTFOUND;

	db_prepare(d->db, &st, sql_run);
	db_bind_all(&st, DB_TEXT(":id", run_id), DB_TEXT(":w", d->name));
	if (db_step(&st)) {
		out->flow = xstrdup(db_col_text(&st, 0));
		out->version = db_col_int(&st, 1);
		out->params = xstrdup(db_col_text(&st, 2));
		out->started_at = db_col_int(&st, 3);
		out->cancel_requested = (int)db_col_int(&st, 4);
		ret = SL_OK;
	}
	return finish_or(&st, ret);
}

/* Copies the run's flow definition into out (NULL when missing). */
static enum sl_status
load_definition(struct worker_db *d, struct worker_run *out)
{
	struct db_stmt st;

	db_prepare(d->db, &st, sql_def);
	db_bind_all(&st, DB_TEXT(":flow", out->flow),
	    DB_INT(":version", out->version));
	if (db_step(&st))
		out->definition = xstrdup(db_col_text(&st, 0));
	else if (st.err == SL_OK)
		log_warnx("worker_db: flow %s version %lld not found",
		    out->flow, (long long)out->version);
	return db_finish(&st);
}

/* Appends attempt row st to out. */
static void
add_attempt(struct worker_run *out, struct db_stmt *st, size_t *cap)
{
	struct worker_attempt *a;
	enum task_state ts;

	if (states_task_parse(db_col_text(st, 2), &ts) == -1)
		return;
	if (out->nattempts == *cap) {
		*cap = *cap * 2 + 8;
		out->attempts = xrealloc(out->attempts, *cap *
		    sizeof(*out->attempts));
	}
	a = &out->attempts[out->nattempts++];
	a->task = xstrdup(db_col_text(st, 0));
	a->attempt = (int)db_col_int(st, 1);
	a->state = ts;
	a->result = db_col_null(st, 3) ? NULL : xstrdup(db_col_text(st, 3));
	a->not_before = db_col_int(st, 4);
	a->pid = db_col_int(st, 5);
	a->proc_start = db_col_int(st, 6);
}

static enum sl_status
wdb_run_load(struct worker *w, const char *run_id, struct worker_run *out)
{
	struct worker_db *d = impl(w);
	struct db_stmt st;
	enum sl_status ret;
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	if ((ret = load_run_row(d, run_id, out)) == SL_OK &&
	    (ret = load_definition(d, out)) == SL_OK) {
		db_prepare(d->db, &st, sql_attempts);
		db_bind_all(&st, DB_TEXT(":id", run_id));
		while (db_step(&st))
			add_attempt(out, &st, &cap);
		ret = db_finish(&st);
	}
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
	struct db_stmt st;
	enum sl_status ret = SL_NOTFOUND;

	db_prepare(d->db, &st, sql_task_state);
	db_bind_all(&st, DB_TEXT(":id", run_id), DB_TEXT(":task", c->task),
	    DB_INT(":attempt", c->attempt), DB_TEXT(":w", d->name));
	if (db_step(&st)) {
		ret = states_task_parse(db_col_text(&st, 0), &c->now) == 0 ?
		    SL_OK : SL_DB;
		c->conflict = ret == SL_OK;
	}
	return finish_or(&st, ret);
}

/* Returns SL_OK when change c is a legal move by states.c. */
static enum sl_status
change_legal(const struct worker_change *c)
{
	switch (c->kind) {
	case WORKER_ADD:
		return c->state == TASK_PENDING ||
		    c->state == TASK_AWAITING_RETRY ? SL_OK : SL_INVALID;
	case WORKER_CRASH:
		assert(states_task_can(TASK_RUNNING, TASK_CRASHED));
		return SL_OK;
	case WORKER_END_WAITING:
		return states_task_can(TASK_PENDING, c->state) &&
		    states_task_can(TASK_AWAITING_RETRY, c->state) ?
		    SL_OK : SL_INVALID;
	case WORKER_FAIL_UNSTARTED:
		/* In terms of states.c it moves through RUNNING. */
		assert(states_task_can(TASK_RUNNING, TASK_FAILED));
		return SL_OK;
	default:
		return SL_INVALID;
	}
}

/* Applies one change inside the caller's transaction. */
static enum sl_status
apply_change(struct worker_db *d, const char *run_id,
    struct worker_change *c, int64_t now)
{
	static const char *const sql[WORKER_CHANGE_MAX] = {
		[WORKER_ADD] = sql_insert_attempt,
		[WORKER_CRASH] = sql_crash_attempt,
		[WORKER_END_WAITING] = sql_end_waiting,
		[WORKER_FAIL_UNSTARTED] = sql_fail_unstarted,
	};
	enum worker_change_kind k = c->kind;
	struct db_stmt st;
	enum sl_status ret;

	c->conflict = 0;
	if ((ret = change_legal(c)) != SL_OK)
		return ret;
	db_prepare(d->db, &st, sql[k]);
	db_bind_text(&st, ":id", run_id);
	db_bind_text(&st, ":task", c->task);
	db_bind_int(&st, ":attempt", c->attempt);
	db_bind_int(&st, ":now", now);
	if (k == WORKER_ADD || k == WORKER_END_WAITING)
		db_bind_text(&st, ":state", states_task_name(c->state));
	if (k != WORKER_ADD)
		db_bind_text(&st, ":reason", c->reason);
	else if (c->not_before)
		db_bind_int(&st, ":not_before", c->not_before);
	else
		db_bind_null(&st, ":not_before");
	if (k == WORKER_END_WAITING || k == WORKER_FAIL_UNSTARTED)
		db_bind_text(&st, ":w", d->name);
	if (k == WORKER_FAIL_UNSTARTED)
		db_bind_text(&st, ":inc", d->inc);
	if ((ret = db_done(&st)) != SL_OK)
		return ret;
	if (k == WORKER_END_WAITING && db_changes(d->db) == 0)
		return refresh_task(d, run_id, c);
	return SL_OK;
}

static enum sl_status
tasks_work(struct db *db, void *arg)
{
	struct op *op = arg;
	enum sl_status ret = SL_OK;

	(void)db;
	for (size_t i = 0; i < op->n && ret == SL_OK; i++)
		ret = apply_change(op->d, op->run_id, &op->changes[i], op->now);
	return ret;
}

static enum sl_status
wdb_tasks_update(struct worker *w, const char *run_id,
    struct worker_change *c, size_t n)
{
	struct op op = { .d = impl(w), .now = timefmt_now_ms(),
	    .run_id = run_id, .changes = c, .n = n };

	return n == 0 ? SL_OK : db_write(op.d->db, tasks_work, &op);
}

static enum sl_status
start_work(struct db *db, void *arg)
{
	struct op *op = arg;
	enum sl_status ret = db_run(db, sql_start, DB_INT(":pid", op->pid),
	    DB_INT(":proc_start", op->proc_start), DB_TEXT(":w", op->d->name),
	    DB_TEXT(":inc", op->d->inc), DB_INT(":now", op->now),
	    DB_TEXT(":id", op->run_id), DB_TEXT(":task", op->task),
	    DB_INT(":attempt", op->attempt));

	if (ret != SL_OK)
		return ret;
	return db_changes(db) == 1 ? SL_OK : SL_CONFLICT;
}

static enum sl_status
wdb_task_start(struct worker *w, const char *run_id, const char *task,
    int attempt, int64_t pid, int64_t proc_start)
{
	struct op op = { .d = impl(w), .now = timefmt_now_ms(),
	    .run_id = run_id, .task = task, .attempt = attempt, .pid = pid,
	    .proc_start = proc_start };

	return db_write(op.d->db, start_work, &op);
}

/* Writes the end of attempt e; SL_CONFLICT when it is no longer ours. */
static enum sl_status
end_attempt(struct worker_db *d, const struct worker_task_end *e,
    int64_t now)
{
	enum sl_status ret = db_run(d->db, sql_end_attempt,
	    DB_TEXT(":state", states_task_name(e->state)),
	    DB_INT_OR_NULL(":exit_code", e->exit_code, e->exit_code >= 0),
	    DB_INT_OR_NULL(":signal", e->signal, e->signal > 0),
	    DB_TEXT(":result", e->state == TASK_COMPLETED ? e->result : NULL),
	    DB_INT(":log_size", e->log_size), DB_TEXT(":reason", e->reason),
	    DB_INT(":now", now), DB_TEXT(":id", e->run_id),
	    DB_TEXT(":task", e->task), DB_INT(":attempt", e->attempt),
	    DB_TEXT(":inc", d->inc));

	if (ret != SL_OK)
		return ret;
	/* No row: another scheduler marked it CRASHED and owns the run. */
	return db_changes(d->db) == 0 ? SL_CONFLICT : SL_OK;
}

static enum sl_status
finish_work(struct db *db, void *arg)
{
	struct op *op = arg;
	const struct worker_task_end *e = op->end;
	enum sl_status ret = end_attempt(op->d, e, op->now);

	if (ret != SL_OK || e->retry_not_before <= 0)
		return ret;
	return db_run(db, sql_retry, DB_TEXT(":id", e->run_id),
	    DB_TEXT(":task", e->task), DB_INT(":attempt", e->attempt + 1),
	    DB_INT(":not_before", e->retry_not_before),
	    DB_INT(":now", op->now));
}

static enum sl_status
wdb_task_finish(struct worker *w, const struct worker_task_end *e)
{
	struct op op = { .d = impl(w), .now = timefmt_now_ms(), .end = e };

	if (!states_task_can(TASK_RUNNING, e->state))
		return SL_INVALID;
	return db_write(op.d->db, finish_work, &op);
}

static enum sl_status
sizes_work(struct db *db, void *arg)
{
	struct op *op = arg;
	enum sl_status ret = SL_OK;

	for (size_t i = 0; i < op->n && ret == SL_OK; i++) {
		struct worker_log_size *v = &op->sizes[i];

		ret = db_run(db, sql_log_size, DB_INT(":size", v->size),
		    DB_INT(":now", op->now), DB_TEXT(":id", v->run_id),
		    DB_TEXT(":task", v->task), DB_INT(":attempt", v->attempt),
		    DB_TEXT(":inc", op->d->inc));
	}
	return ret;
}

/* All sizes are written or none (done tells the caller which). */
static enum sl_status
wdb_log_sizes(struct worker *w, struct worker_log_size *v, size_t n)
{
	struct op op = { .d = impl(w), .now = timefmt_now_ms(), .sizes = v,
	    .n = n };
	enum sl_status ret = n == 0 ? SL_OK :
	    db_write(op.d->db, sizes_work, &op);

	for (size_t i = 0; i < n; i++)
		v[i].done = ret == SL_OK;
	return ret;
}

static enum sl_status
wdb_poll_cancels(struct worker *w, char (*ids)[IDS_LEN], int max, int *n)
{
	struct worker_db *d = impl(w);
	struct db_stmt st;

	*n = 0;
	db_prepare(d->db, &st, sql_cancels);
	db_bind_all(&st, DB_TEXT(":w", d->name));
	while (*n < max && db_step(&st))
		snprintf(ids[(*n)++], IDS_LEN, "%s", db_col_text(&st, 0));
	return db_finish(&st);
}

static enum sl_status
cancelling_work(struct db *db, void *arg)
{
	struct op *op = arg;

	return db_run(db, sql_run_cancelling, DB_INT(":now", op->now),
	    DB_TEXT(":id", op->run_id), DB_TEXT(":w", op->d->name));
}

static enum sl_status
wdb_run_cancelling(struct worker *w, const char *run_id)
{
	struct op op = { .d = impl(w), .now = timefmt_now_ms(),
	    .run_id = run_id };

	assert(states_run_can(RUN_RUNNING, RUN_CANCELLING));
	return db_write(op.d->db, cancelling_work, &op);
}

/* Reads the run's state and cancel request; SL_NOTFOUND when not ours. */
static enum sl_status
run_now(struct op *op, enum run_state *from, int *cancel)
{
	struct db_stmt st;
	enum sl_status ret = SL_NOTFOUND;

	db_prepare(op->d->db, &st, sql_run_now);
	db_bind_all(&st, DB_TEXT(":id", op->run_id),
	    DB_TEXT(":w", op->d->name));
	if (db_step(&st)) {
		ret = states_run_parse(db_col_text(&st, 0), from) == 0 ?
		    SL_OK : SL_DB;
		*cancel = (int)db_col_int(&st, 1);
	}
	return finish_or(&st, ret);
}

static enum sl_status
run_finish_work(struct db *db, void *arg)
{
	struct op *op = arg;
	enum run_state from;
	enum sl_status ret;
	int cancel = 0;

	if ((ret = run_now(op, &from, &cancel)) != SL_OK)
		return ret;
	*op->to = worker_run_outcome(op->tasks, op->n, cancel, op->timed_out,
	    op->timeout_s, op->reason, op->reasonsz);
	if (!states_run_terminal(*op->to) || !states_run_can(from, *op->to)) {
		log_warnx("run %s: cannot move from %s to %s", op->run_id,
		    states_run_name(from), states_run_name(*op->to));
		return SL_CONFLICT;
	}
	return db_run(db, sql_run_end, DB_TEXT(":state",
	    states_run_name(*op->to)), DB_INT(":now", op->now),
	    DB_TEXT(":reason", op->reason[0] ? op->reason : NULL),
	    DB_TEXT(":id", op->run_id), DB_TEXT(":w", op->d->name),
	    DB_TEXT(":from", states_run_name(from)));
}

static enum sl_status
wdb_run_finish(struct worker *w, const char *run_id,
    const struct worker_task_state *tasks, size_t n, int timed_out,
    int64_t timeout_s, enum run_state *to, char *reason, size_t reasonsz)
{
	struct op op = { .d = impl(w), .now = timefmt_now_ms(),
	    .run_id = run_id, .tasks = tasks, .n = n, .timed_out = timed_out,
	    .timeout_s = timeout_s, .to = to, .reason = reason,
	    .reasonsz = reasonsz };

	reason[0] = '\0';
	return db_write(op.d->db, run_finish_work, &op);
}

static enum sl_status
run_fail_work(struct db *db, void *arg)
{
	struct op *op = arg;
	enum sl_status ret = db_run(db, sql_cancel_tasks,
	    DB_TEXT(":id", op->run_id), DB_TEXT(":reason", op->why),
	    DB_INT(":now", op->now));

	if (ret != SL_OK)
		return ret;
	return db_run(db, sql_fail_run, DB_TEXT(":id", op->run_id),
	    DB_TEXT(":reason", op->why), DB_INT(":now", op->now),
	    DB_TEXT(":w", op->d->name));
}

static enum sl_status
wdb_run_fail(struct worker *w, const char *run_id, const char *why)
{
	struct op op = { .d = impl(w), .now = timefmt_now_ms(),
	    .run_id = run_id, .why = why };

	assert(states_run_can(RUN_RUNNING, RUN_FAILED) &&
	    states_run_can(RUN_CANCELLING, RUN_CANCELLED) &&
	    states_task_can(TASK_PENDING, TASK_CANCELLED) &&
	    states_task_can(TASK_AWAITING_RETRY, TASK_CANCELLED));
	return db_write(op.d->db, run_fail_work, &op);
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
