/*
 * dispatch.c: which due runs a worker takes -- the claim rule, on the
 * database. A run is due when it is PENDING, or SCHEDULED with
 * scheduled_for <= now and its flow neither paused nor archived (pausing
 * a flow only holds back its schedule). A worker takes only runs of its
 * pool, oldest due first, within each flow's max_concurrent_runs (its
 * RUNNING and CANCELLING runs). A due scheduled run is judged by
 * schedule.c: too late (schedule.max_lateness_s), or superseded by a
 * later due one without schedule.catchup, it is CANCELLED instead. Runs
 * cancelled before any worker took them are ended here too (they belong
 * to nobody).
 *
 * Rules a reader must know: all claims of one pass happen in one
 * db_write transaction; a claim is UPDATE ... WHERE state = <what was
 * read>, checked by changes(), so two workers sharing the database never
 * both take a run. Every state written is checked against states.c. The
 * db-backed worker (worker_db.c) calls this for itself; a server
 * answering remote workers' claims would call it on their behalf.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "dispatch.h"
#include "json.h"
#include "log.h"
#include "schedule.h"
#include "states.h"
#include "timefmt.h"
#include "xalloc.h"

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

#define DEF_CACHE 32
#define ORPHAN_CANCELS 50

struct dispatch {
	struct db *db;		/* borrowed */
	char *worker, *pool;
	/* Parsed definitions by (flow, version); they never change. */
	struct {
		char *flow;
		int64_t version;
		struct json_object *def;
	} cache[DEF_CACHE];
	int cache_next;
};

/* One claim pass, handed to its work functions through db_write. */
struct pass {
	struct dispatch *d;
	int64_t now;
	struct worker_claim *claim;
	int budget;
	char (*ids)[IDS_LEN];	/* orphan cancels */
	size_t n;
};

/* Finishes st; returns its first error, or ret when it had none. */
static enum sl_status
finish_or(struct db_stmt *st, enum sl_status ret)
{
	enum sl_status s = db_finish(st);

	return s != SL_OK ? s : ret;
}

/* Returns the parsed definition of flow at version, borrowed from the
 * cache (valid until DEF_CACHE more are loaded), or NULL (logged). */
static struct json_object *
cached_def(struct dispatch *d, const char *flow, int64_t version)
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
count_active(struct dispatch *d, const char *flow, int64_t *n)
{
	struct db_stmt st;

	*n = 0;
	db_prepare(d->db, &st, sql_active);
	db_bind_all(&st, DB_TEXT(":flow", flow));
	return db_first_int(&st, n);
}

/* Sets *found when a later scheduled run of flow than at is due too. */
static enum sl_status
later_due(struct dispatch *d, const char *flow, int64_t at, int64_t now,
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
cancel_unstarted(struct dispatch *d, const char *id, const char *from,
    const char *reason, int64_t now)
{
	enum run_state rs;
	enum sl_status ret;

	if (states_run_parse(from, &rs) != SL_OK ||
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
any_due(struct dispatch *d, int64_t now)
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
	struct pass *op = arg;
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
sweep_orphan_cancels(struct dispatch *d)
{
	char ids[ORPHAN_CANCELS][IDS_LEN];
	struct pass op = { .d = d, .now = timefmt_now_ms(), .ids = ids };
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
judge_scheduled(struct dispatch *d, struct db_stmt *c,
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
flow_has_room(struct dispatch *d, const char *flow, struct json_object *def,
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
claim_one(struct pass *op, struct db_stmt *c)
{
	struct dispatch *d = op->d;
	const char *id = db_col_text(c, 0), *state = db_col_text(c, 1);
	const char *flow = db_col_text(c, 2), *pool;
	struct json_object *def = cached_def(d, flow, db_col_int(c, 3));
	enum run_state rs;
	enum sl_status ret = SL_OK;
	int go = 1;

	if (states_run_parse(state, &rs) != SL_OK ||
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
	ret = db_run(d->db, sql_claim, DB_TEXT(":w", d->worker),
	    DB_INT(":now", op->now), DB_TEXT(":id", id),
	    DB_TEXT(":state", state));
	if (ret == SL_OK && db_changes(d->db) == 1)
		snprintf(op->claim->ids[op->claim->nids++], IDS_LEN, "%s", id);
	return ret;
}

static enum sl_status
claim_work(struct db *db, void *arg)
{
	struct pass *op = arg;
	struct db_stmt c;
	enum sl_status ret = SL_OK;

	db_prepare(db, &c, sql_candidates);
	db_bind_all(&c, DB_INT(":now", op->now),
	    DB_INT(":limit", op->budget * 4 + 16));
	while (ret == SL_OK && op->claim->nids < op->budget && db_step(&c))
		ret = claim_one(op, &c);
	return finish_or(&c, ret);
}

/* Claims due runs (see dispatch.h); notify.c reports the runs a pass
 * cancelled like every other ended run. */
enum sl_status
dispatch_claim(struct dispatch *d, int budget, struct worker_claim *out)
{
	struct pass op = { .d = d, .now = timefmt_now_ms(),
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

/*
 * Returns the claim of worker (in pool; NULL means "default") on db,
 * which stays the caller's and open until dispatch_free. The strings are
 * copied.
 */
struct dispatch *
dispatch_new(struct db *db, const char *worker, const char *pool)
{
	struct dispatch *d = xcalloc(1, sizeof(*d));

	d->db = db;
	d->worker = xstrdup(worker);
	d->pool = xstrdup(pool ? pool : "default");
	return d;
}

/* Releases d (NULL is fine). */
void
dispatch_free(struct dispatch *d)
{
	if (d == NULL)
		return;
	for (int i = 0; i < DEF_CACHE; i++) {
		free(d->cache[i].flow);
		json_object_put(d->cache[i].def);
	}
	free(d->worker);
	free(d->pool);
	free(d);
}
