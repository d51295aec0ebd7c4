/*
 * api_metrics.c: GET /api/metrics in the Prometheus text format (0.0.4):
 * runs and task attempts by state (every state listed, zeros included, so
 * series never vanish), webhook deliveries by state (the outbox,
 * migration 003: pending, delivered, failed), workers and online
 * workers, live flows, requests served by this sluice-api process, and
 * build info. Read only.
 */
#include <string.h>

#include "buf.h"
#include "db.h"
#include "reply.h"
#include "states.h"
#include "timefmt.h"

static const char sql_runs[] =
    "SELECT state, count(*) FROM runs GROUP BY state";
static const char sql_tasks[] =
    "SELECT state, count(*) FROM task_runs GROUP BY state";
static const char sql_workers[] =
    "SELECT count(*), coalesce(sum(last_heartbeat >= :since), 0)"
    " FROM workers";
static const char sql_flows[] =
    "SELECT count(*) FROM flows WHERE archived = 0";
static const char sql_hooks[] =
    "SELECT state, count(*) FROM webhook_deliveries GROUP BY state";

/* The states of webhook_deliveries.state (its CHECK, migration 003). */
static const char *const hook_states[] = { "pending", "delivered",
    "failed" };
#define HOOK_STATES (sizeof(hook_states) / sizeof(hook_states[0]))

/* Appends the webhook deliveries by state, every state listed. */
static enum sl_status
hooks(struct db *db, struct buf *b)
{
	int64_t n[HOOK_STATES] = {0};
	struct db_stmt st;
	enum sl_status s;

	db_prepare(db, &st, sql_hooks);
	while (db_step(&st))
		for (size_t i = 0; i < HOOK_STATES; i++)
			if (strcmp(db_col_text(&st, 0), hook_states[i]) == 0)
				n[i] = db_col_int(&st, 1);
	if ((s = db_finish(&st)) != SL_OK)
		return s;
	buf_str(b, "# HELP sluice_webhook_deliveries Webhook notifications "
	    "by delivery state.\n"
	    "# TYPE sluice_webhook_deliveries gauge\n");
	for (size_t i = 0; i < HOOK_STATES; i++)
		buf_printf(b, "sluice_webhook_deliveries{state=\"%s\"} %lld\n",
		    hook_states[i], (long long)n[i]);
	return SL_OK;
}

/* Fills counts[] (indexed by state) from a "state, count" query. */
static enum sl_status
by_state(struct db *db, const char *sql, int run, int64_t *counts)
{
	struct db_stmt st;

	db_prepare(db, &st, sql);
	while (db_step(&st)) {
		const char *name = db_col_text(&st, 0);
		enum run_state rs;
		enum task_state ts;

		if (run && states_run_parse(name, &rs) == SL_OK)
			counts[rs] = db_col_int(&st, 1);
		else if (!run && states_task_parse(name, &ts) == SL_OK)
			counts[ts] = db_col_int(&st, 1);
	}
	return db_finish(&st);
}

/* Reads the worker counts and the live flows into out[0..2]. */
static enum sl_status
totals(struct db *db, int64_t out[3])
{
	struct db_stmt st;
	int row;

	db_prepare(db, &st, sql_workers);
	db_bind_int(&st, ":since", timefmt_now_ms() - API_ONLINE_MS);
	if ((row = db_step(&st)) != 0) {
		out[0] = db_col_int(&st, 0);
		out[1] = db_col_int(&st, 1);
	}
	if (db_finish(&st) != SL_OK || !row)
		return SL_DB;
	db_prepare(db, &st, sql_flows);
	return db_first_int(&st, &out[2]) == SL_OK ? SL_OK : SL_DB;
}

/*
 * GET /api/metrics (viewer)
 * 200 text/plain; version=0.0.4; 500 when the database cannot be read.
 */
enum sl_status
api_metrics(struct req *r)
{
	int64_t runs[RUN_STATE_MAX] = {0}, tasks[TASK_STATE_MAX] = {0};
	int64_t tot[3] = {0};
	struct buf b = {0};

	if (by_state(r->db, sql_runs, 1, runs) != SL_OK ||
	    by_state(r->db, sql_tasks, 0, tasks) != SL_OK ||
	    totals(r->db, tot) != SL_OK)
		return reply_fail(r, SL_DB, "cannot read metrics");
	buf_str(&b, "# HELP sluice_runs Runs by state.\n"
	    "# TYPE sluice_runs gauge\n");
	for (int i = 0; i < RUN_STATE_MAX; i++)
		buf_printf(&b, "sluice_runs{state=\"%s\"} %lld\n",
		    states_run_name((enum run_state)i), (long long)runs[i]);
	buf_str(&b, "# HELP sluice_task_runs Task attempts by state.\n"
	    "# TYPE sluice_task_runs gauge\n");
	for (int i = 0; i < TASK_STATE_MAX; i++)
		buf_printf(&b, "sluice_task_runs{state=\"%s\"} %lld\n",
		    states_task_name((enum task_state)i),
		    (long long)tasks[i]);
	if (hooks(r->db, &b) != SL_OK) {
		buf_fini(&b);
		return reply_fail(r, SL_DB, "cannot read metrics");
	}
	buf_printf(&b, "# HELP sluice_workers Known workers.\n"
	    "# TYPE sluice_workers gauge\nsluice_workers %lld\n"
	    "# HELP sluice_workers_online Workers with a recent heartbeat.\n"
	    "# TYPE sluice_workers_online gauge\n"
	    "sluice_workers_online %lld\n"
	    "# HELP sluice_flows Flows not archived.\n"
	    "# TYPE sluice_flows gauge\nsluice_flows %lld\n",
	    (long long)tot[0], (long long)tot[1], (long long)tot[2]);
	buf_printf(&b, "# HELP sluice_api_requests_total Requests served by "
	    "this sluice-api process.\n"
	    "# TYPE sluice_api_requests_total counter\n"
	    "sluice_api_requests_total %llu\n",
	    (unsigned long long)atomic_load(&r->ctx->requests));
	buf_str(&b, "# HELP sluice_build_info Sluice version.\n"
	    "# TYPE sluice_build_info gauge\n"
	    "sluice_build_info{version=\"" API_VERSION "\"} 1\n");
	reply_text(r, "text/plain; version=0.0.4; charset=utf-8", b.p, b.len);
	buf_fini(&b);
	return SL_OK;
}
