/*
 * worker_db.c: the worker interface (worker.h) on the SQLite database,
 * for a scheduler running next to the server. It owns every SQL
 * statement the scheduler runs as a worker; the server duties (cron,
 * retention, recovery of dead workers' runs) stay in scheduler/.
 *
 * Rules a reader must know: every write is one statement or runs inside
 * db_write (BEGIN IMMEDIATE) and is short; nothing slow happens inside. Writes
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
#include "dispatch.h"
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

/* Loading a run. */
static const char sql_run[] =
    "SELECT r.flow, r.flow_version, r.parameters, COALESCE(r.started_at, 0),"
    " r.cancel_requested, v.definition, v.repo, v.commit_id, v.venv"
    " FROM runs r LEFT JOIN flow_versions v"
    " ON v.flow = r.flow AND v.version = r.flow_version"
    " WHERE r.id = :id AND r.worker = :w";
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
static const char sql_run_ours[] =
    "SELECT 1 FROM runs WHERE id = :id AND worker = :w";
static const char sql_task_state[] =
    "SELECT t.state FROM task_runs t JOIN runs r ON r.id = t.run_id"
    " WHERE t.run_id = :id AND t.task = :task AND t.attempt = :attempt"
    " AND r.worker = :w";
static const char sql_fail_unstarted[] =
    "UPDATE task_runs SET state = 'FAILED', reason = :reason,"
    " worker = :w, incarnation = :inc, started_at = :now, ended_at = :now,"
    " updated_at = :now"
    " WHERE run_id = :id AND task = :task AND attempt = :attempt"
    " AND state IN " STATES_SQL_TASK_WAITING
    " AND EXISTS (SELECT 1 FROM runs WHERE id = :id AND worker = :w)";
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
static const char sql_fail_tasks[] =
    "UPDATE task_runs SET state = 'CANCELLED', reason = :reason,"
    " ended_at = :now, updated_at = :now WHERE run_id = :id"
    " AND state IN " STATES_SQL_TASK_WAITING;
static const char sql_fail_run[] =
    "UPDATE runs SET state = CASE state WHEN 'RUNNING' THEN 'FAILED'"
    " ELSE 'CANCELLED' END, reason = :reason, ended_at = :now,"
    " updated_at = :now WHERE id = :id AND worker = :w"
    " AND state IN " STATES_SQL_RUN_ACTIVE;

struct worker_db {
	struct worker base;	/* first: a struct worker * points here */
	struct db *db;		/* borrowed */
	char *name, *pool, *host, *inc;
	int pid, concurrency, concurrency_set;
	struct dispatch *dispatch;	/* what and how it claims */
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
	struct worker_change *changes;		/* tasks_update */
	struct worker_log_size *sizes;		/* log_sizes */
	size_t n;				/* of changes, sizes or tasks */
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

/* A write of one statement needs no transaction of its own: SQLite runs
 * it atomically, taking the write lock first (busy timeout applies). */
/* Claims due runs: the rule is dispatch.c's. */
static enum sl_status
wdb_claim(struct worker *w, int budget, struct worker_claim *out)
{
	return dispatch_claim(impl(w)->dispatch, budget, out);
}

static enum sl_status
wdb_join(struct worker *w, struct worker_settings *out)
{
	struct worker_db *d = impl(w);
	enum sl_status ret = db_run(d->db, sql_register,
	    DB_TEXT(":name", d->name), DB_TEXT(":pool", d->pool),
	    DB_TEXT(":host", d->host), DB_INT(":pid", d->pid),
	    DB_TEXT(":inc", d->inc), DB_INT(":now", timefmt_now_ms()),
	    DB_INT(":limit", d->concurrency),
	    DB_INT(":set", d->concurrency_set));

	return ret != SL_OK ? ret : wdb_settings(w, out);
}

static enum sl_status
wdb_heartbeat(struct worker *w, int running)
{
	struct worker_db *d = impl(w);
	enum sl_status ret = db_run(d->db, sql_beat,
	    DB_INT(":now", timefmt_now_ms()), DB_INT(":running", running),
	    DB_TEXT(":name", d->name), DB_TEXT(":inc", d->inc));

	if (ret == SL_OK && db_changes(d->db) == 0)
		return SL_CONFLICT;	/* lease lost: nothing written */
	return ret;
}

/* Copies the run row of run_id and its flow definition (NULL when
 * missing) into out; SL_NOTFOUND when the run is not ours. */
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
		if (!db_col_null(&st, 6))
			out->repo = xstrdup(db_col_text(&st, 6));
		if (!db_col_null(&st, 7))
			out->commit_id = xstrdup(db_col_text(&st, 7));
		if (!db_col_null(&st, 8))
			out->venv = xstrdup(db_col_text(&st, 8));
		if (!db_col_null(&st, 5))
			out->definition = xstrdup(db_col_text(&st, 5));
		else
			log_warnx("worker_db: flow %s version %lld not found",
			    out->flow, (long long)out->version);
		ret = SL_OK;
	}
	return finish_or(&st, ret);
}

/* Appends attempt row st to out. */
static void
add_attempt(struct worker_run *out, struct db_stmt *st, size_t *cap)
{
	struct worker_attempt *a;
	enum task_state ts;

	if (states_task_parse(db_col_text(st, 2), &ts) != SL_OK)
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
	if ((ret = load_run_row(d, run_id, out)) == SL_OK) {
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
		ret = states_task_parse(db_col_text(&st, 0), &c->now) == SL_OK ?
		    SL_OK : SL_DB;
		c->conflict = ret == SL_OK;
	}
	return finish_or(&st, ret);
}

/* Returns SL_OK when run_id is this worker's, SL_NOTFOUND when not. */
static enum sl_status
run_ours(struct worker_db *d, const char *run_id)
{
	struct db_stmt st;
	enum sl_status ret = SL_NOTFOUND;

	db_prepare(d->db, &st, sql_run_ours);
	db_bind_all(&st, DB_TEXT(":id", run_id), DB_TEXT(":w", d->name));
	if (db_step(&st))
		ret = SL_OK;
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
#define KEY DB_TEXT(":id", run_id), DB_TEXT(":task", c->task), \
	DB_INT(":attempt", c->attempt), DB_INT(":now", now)
	enum sl_status ret;

	if ((c->conflict = 0, ret = change_legal(c)) != SL_OK)
		return ret;
	switch (c->kind) {
	case WORKER_ADD:
		return db_run(d->db, sql_insert_attempt, KEY,
		    DB_TEXT(":state", states_task_name(c->state)),
		    DB_INT_OR_NULL(":not_before", c->not_before,
		    c->not_before != 0));
	case WORKER_CRASH:
		return db_run(d->db, sql_crash_attempt, KEY,
		    DB_TEXT(":reason", c->reason));
	case WORKER_FAIL_UNSTARTED:
		ret = db_run(d->db, sql_fail_unstarted, KEY,
		    DB_TEXT(":reason", c->reason), DB_TEXT(":w", d->name),
		    DB_TEXT(":inc", d->inc));
		if (ret == SL_OK && db_changes(d->db) == 0 &&
		    run_ours(d, run_id) == SL_NOTFOUND)
			return SL_NOTFOUND;
		return ret;
	default:
		ret = db_run(d->db, sql_end_waiting, KEY,
		    DB_TEXT(":state", states_task_name(c->state)),
		    DB_TEXT(":reason", c->reason), DB_TEXT(":w", d->name));
		if (ret == SL_OK && db_changes(d->db) == 0)
			return refresh_task(d, run_id, c);
		return ret;
	}
#undef KEY
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
wdb_task_start(struct worker *w, const char *run_id, const char *task,
    int attempt, int64_t pid, int64_t proc_start)
{
	struct worker_db *d = impl(w);
	enum sl_status ret = db_run(d->db, sql_start, DB_INT(":pid", pid),
	    DB_INT(":proc_start", proc_start), DB_TEXT(":w", d->name),
	    DB_TEXT(":inc", d->inc), DB_INT(":now", timefmt_now_ms()),
	    DB_TEXT(":id", run_id), DB_TEXT(":task", task),
	    DB_INT(":attempt", attempt));

	if (ret == SL_OK && db_changes(d->db) != 1)
		return run_ours(d, run_id) == SL_NOTFOUND ? SL_NOTFOUND :
		    SL_CONFLICT;
	return ret;
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
wdb_run_cancelling(struct worker *w, const char *run_id)
{
	struct worker_db *d = impl(w);

	assert(states_run_can(RUN_RUNNING, RUN_CANCELLING));
	return db_run(d->db, sql_run_cancelling,
	    DB_INT(":now", timefmt_now_ms()), DB_TEXT(":id", run_id),
	    DB_TEXT(":w", d->name));
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
		ret = states_run_parse(db_col_text(&st, 0), from) == SL_OK ?
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
	enum sl_status ret = db_run(db, sql_fail_tasks,
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
	dispatch_free(d->dispatch);
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
	d->dispatch = dispatch_new(db, d->name, d->pool);
	return &d->base;
}
