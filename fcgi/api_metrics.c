/*
 * api_metrics.c: GET /api/metrics in the Prometheus text format (0.0.4):
 * runs and task attempts by state (every state listed, zeros included, so
 * series never vanish), workers and online workers, live flows, requests
 * served by this sluice-api process, and build info. Read only.
 */
#include <string.h>

#include "buf.h"
#include "dbraw.h"
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

/* Fills counts[] (indexed by state) from a "state, count" query. */
static int
by_state(struct db *db, const char *sql, int run, int64_t *counts)
{
	sqlite3_stmt *st = dbraw_prepare(db, sql);
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = dbraw_col_text(st, 0);
		enum run_state rs;
		enum task_state ts;

		if (run && states_run_parse(name, &rs) == 0)
			counts[rs] = sqlite3_column_int64(st, 1);
		else if (!run && states_task_parse(name, &ts) == 0)
			counts[ts] = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * GET /api/metrics (viewer)
 * 200 text/plain; version=0.0.4; 500 when the database cannot be read.
 */
void
api_metrics(struct req *r)
{
	int64_t runs[RUN_STATE_MAX] = {0}, tasks[TASK_STATE_MAX] = {0};
	int64_t workers = 0, online = 0, flows = 0;
	sqlite3_stmt *st = NULL;
	struct buf b = {0};

	if (by_state(r->db, sql_runs, 1, runs) == -1 ||
	    by_state(r->db, sql_tasks, 0, tasks) == -1)
		goto fail;
	if ((st = dbraw_prepare(r->db, sql_workers)) == NULL)
		goto fail;
	dbraw_bind_int64(st, ":since", timefmt_now_ms() - API_ONLINE_MS);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto fail;
	workers = sqlite3_column_int64(st, 0);
	online = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if ((st = dbraw_prepare(r->db, sql_flows)) == NULL ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto fail;
	flows = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;

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
	buf_printf(&b, "# HELP sluice_workers Known workers.\n"
	    "# TYPE sluice_workers gauge\nsluice_workers %lld\n"
	    "# HELP sluice_workers_online Workers with a recent heartbeat.\n"
	    "# TYPE sluice_workers_online gauge\n"
	    "sluice_workers_online %lld\n"
	    "# HELP sluice_flows Flows not archived.\n"
	    "# TYPE sluice_flows gauge\nsluice_flows %lld\n",
	    (long long)workers, (long long)online, (long long)flows);
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
	return;
fail:
	sqlite3_finalize(st);
	reply_fail(r, SL_DB, "cannot read metrics");
}
