/*
 * claim.c: takes due runs for this worker. A run is due when it is
 * PENDING, or SCHEDULED with scheduled_for <= now and its flow neither
 * paused nor archived (pausing a flow only holds back its schedule). All
 * claims of one pass happen in one BEGIN IMMEDIATE transaction, each an
 * UPDATE ... WHERE state = <what we read> checked by changes(), so two
 * schedulers sharing a database never both take a run. A claim respects
 * the flow's pool and max_concurrent_runs (its RUNNING and CANCELLING
 * runs); the caller passes the budget left by the worker's concurrency
 * limit and does not call this while the worker is paused or stopping.
 * Scheduled runs that are too late (schedule.max_lateness_s) are
 * CANCELLED with "late by N s"; without schedule.catchup only the latest
 * due scheduled run of a flow starts and older ones are CANCELLED.
 * Runs the API set CANCELLING before anyone claimed them end CANCELLED.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "json.h"
#include "log.h"
#include "sched.h"
#include "timefmt.h"
#include "xalloc.h"

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
    " AND state IN ('RUNNING', 'CANCELLING')";
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
    " AND state IN ('PENDING', 'AWAITING_RETRY')";
static const char sql_orphan_cancels[] =
    "SELECT id FROM runs WHERE state = 'CANCELLING' AND worker IS NULL"
    " LIMIT 50";

#define DEF_CACHE 32

/* Parsed definitions by (flow, version); definitions never change. */
static struct {
	char *flow;
	int64_t version;
	struct json_object *def;
} cache[DEF_CACHE];
static int cache_next;

static struct json_object *
cached_def(struct sched *s, const char *flow, int64_t version)
{
	char why[256], *text;
	struct json_object *def;

	for (int i = 0; i < DEF_CACHE; i++)
		if (cache[i].flow != NULL && cache[i].version == version &&
		    strcmp(cache[i].flow, flow) == 0)
			return cache[i].def;
	if ((text = sched_def_text(s, flow, version)) == NULL)
		return NULL;
	def = jsonx_parse(text, strlen(text), why, sizeof(why));
	free(text);
	if (def == NULL)
		return NULL;
	free(cache[cache_next].flow);
	json_object_put(cache[cache_next].def);
	cache[cache_next].flow = xstrdup(flow);
	cache[cache_next].version = version;
	cache[cache_next].def = def;
	cache_next = (cache_next + 1) % DEF_CACHE;
	return def;
}

static int64_t
count_active(struct sched *s, const char *flow)
{
	sqlite3_stmt *st = db_prepare(s->db, sql_active);
	int64_t n = 0;

	if (st == NULL)
		return INT64_MAX;
	db_bind_text(st, ":flow", flow);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int
later_due(struct sched *s, const char *flow, int64_t at, int64_t now)
{
	sqlite3_stmt *st = db_prepare(s->db, sql_later_due);
	int found;

	if (st == NULL)
		return 0;
	db_bind_text(st, ":flow", flow);
	db_bind_int64(st, ":at", at);
	db_bind_int64(st, ":now", now);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* Ends run id (in state from) CANCELLED with reason, inside the caller's
 * transaction. Returns 0 or -1. */
static int
cancel_unstarted(struct sched *s, const char *id, const char *from,
    const char *reason, int64_t now)
{
	sqlite3_stmt *st;
	int rc;
	enum run_state rs;

	if (states_run_parse(from, &rs) == -1 ||
	    !states_run_can(rs, RUN_CANCELLED))
		return -1;
	if ((st = db_prepare(s->db, sql_cancel_tasks)) == NULL)
		return -1;
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":reason", reason);
	db_bind_int64(st, ":now", now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || (st = db_prepare(s->db, sql_cancel_run)) ==
	    NULL)
		return -1;
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":state", from);
	db_bind_text(st, ":reason", reason);
	db_bind_int64(st, ":now", now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	log_info("run %s: CANCELLED: %s", id, reason);
	return 0;
}

/* Scheduled runs cancelled in this pass, to notify after the commit. */
struct late_list {
	struct late {
		char id[IDS_LEN];
		char *flow;
		int64_t version;
	} *v;
	size_t n;
};

static void
late_add(struct late_list *l, const char *id, const char *flow,
    int64_t version)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	snprintf(l->v[l->n].id, IDS_LEN, "%s", id);
	l->v[l->n].flow = xstrdup(flow);
	l->v[l->n].version = version;
	l->n++;
}

static void
late_free(struct late_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].flow);
	free(l->v);
}

/* Returns 1 when some run may be due: only then take the write lock. */
static int
any_due(struct sched *s, int64_t now)
{
	sqlite3_stmt *st = db_prepare(s->db, sql_any_due);
	int rc;

	if (st == NULL)
		return 0;
	db_bind_int64(st, ":now", now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW;
}

/* Ends runs cancelled before any scheduler claimed them. */
static void
sweep_orphan_cancels(struct sched *s)
{
	sqlite3_stmt *st = db_prepare(s->db, sql_orphan_cancels);
	char ids[50][IDS_LEN];
	int n = 0;

	if (st == NULL)
		return;
	while (n < 50 && sqlite3_step(st) == SQLITE_ROW)
		snprintf(ids[n++], IDS_LEN, "%s", db_col_text(st, 0));
	sqlite3_finalize(st);
	if (n == 0 || db_begin_write(s->db) != SL_OK)
		return;
	for (int i = 0; i < n; i++)
		cancel_unstarted(s, ids[i], "CANCELLING", "cancelled",
		    timefmt_now_ms());
	if (db_commit(s->db) != SL_OK)
		log_warnx("claim: sweeping cancelled runs failed");
}

/*
 * Claims up to budget due runs and loads each (dag_load). Returns the
 * number claimed, or -1 when the database was busy.
 */
int
claim_runs(struct sched *s, int budget)
{
	sqlite3_stmt *st = NULL, *up = NULL;
	char (*ids)[IDS_LEN] = NULL;
	struct late_list late = { NULL, 0 };
	int nclaimed = 0, ret = -1;
	int64_t now = timefmt_now_ms();

	sweep_orphan_cancels(s);
	if (budget <= 0 || !any_due(s, now))
		return 0;
	ids = xcalloc((size_t)budget, IDS_LEN);
	if (db_begin_write(s->db) != SL_OK)
		goto out;
	if ((st = db_prepare(s->db, sql_candidates)) == NULL)
		goto out;
	db_bind_int64(st, ":now", now);
	db_bind_int64(st, ":limit", budget * 4 + 16);
	while (nclaimed < budget && sqlite3_step(st) == SQLITE_ROW) {
		const char *id = db_col_text(st, 0);
		const char *state = db_col_text(st, 1);
		const char *flow = db_col_text(st, 2);
		int64_t version = sqlite3_column_int64(st, 3);
		int64_t due = sqlite3_column_int64(st, 4);
		struct json_object *def = cached_def(s, flow, version);
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
			continue;	/* dag_load reports it when ours */
		if (strcmp(pool ? pool : "default", s->cfg.pool) != 0)
			continue;
		if (strcmp(state, "SCHEDULED") == 0) {
			v = jsonx_get(sched_obj, "max_lateness_s");
			if (jsonx_is_int(v) && now - due >
			    json_object_get_int64(v) * 1000) {
				snprintf(reason, sizeof(reason), "late by "
				    "%lld s", (long long)((now - due) / 1000));
				if (cancel_unstarted(s, id, state, reason,
				    now) == 0)
					late_add(&late, id, flow, version);
				continue;
			}
			v = jsonx_get(sched_obj, "catchup");
			if (!json_object_get_boolean(v) &&
			    later_due(s, flow, due, now)) {
				if (cancel_unstarted(s, id, state, "skipped: "
				    "a later scheduled run is due and catchup "
				    "is off", now) == 0)
					late_add(&late, id, flow, version);
				continue;
			}
		}
		v = jsonx_get(def, "max_concurrent_runs");
		if (jsonx_is_int(v))
			maxrun = json_object_get_int64(v);
		if (maxrun > 0 && count_active(s, flow) >= maxrun)
			continue;
		if ((up = db_prepare(s->db, sql_claim)) == NULL)
			goto out;
		db_bind_text(up, ":w", s->cfg.worker);
		db_bind_int64(up, ":now", now);
		db_bind_text(up, ":id", id);
		db_bind_text(up, ":state", state);
		if (sqlite3_step(up) != SQLITE_DONE)
			goto out;
		if (sqlite3_changes(s->db) == 1)
			snprintf(ids[nclaimed++], IDS_LEN, "%s", id);
		sqlite3_finalize(up);
		up = NULL;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (db_commit(s->db) != SL_OK)
		goto out;
	/* Only now are the cancellations real: notify. */
	for (size_t i = 0; i < late.n; i++) {
		struct json_object *def = cached_def(s, late.v[i].flow,
		    late.v[i].version);

		if (def != NULL)
			notify_run_unstarted(def, late.v[i].flow,
			    late.v[i].id, RUN_CANCELLED);
	}
	for (int i = 0; i < nclaimed; i++) {
		log_info("run %s: claimed", ids[i]);
		dag_load(s, ids[i], 0, NULL, NULL);
	}
	ret = nclaimed;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	db_rollback(s->db);
	free(ids);
	late_free(&late);
	return ret;
}
