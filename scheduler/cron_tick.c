/*
 * cron_tick.c: turns flow schedules into SCHEDULED runs. For every flow
 * that is neither paused nor archived and whose current definition has a
 * schedule, the next two fire times (cron_next in the schedule's time
 * zone) are materialised as runs with trigger 'schedule', each with its
 * attempt-1 task rows; runs_schedule_slot (unique flow + scheduled_for)
 * plus INSERT OR IGNORE make this safe when several schedulers tick.
 * Fire times missed while no scheduler ran (after the last materialised
 * run, and after the current version was saved) are materialised too:
 * only the most recent one unless schedule.catchup is true (claim.c
 * applies the same rule, and max_lateness_s, when it starts them).
 * Future SCHEDULED runs of flows that were paused, archived or changed
 * (another version) are deleted with their task rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"
#include "dbraw.h"
#include "flowdef.h"
#include "json.h"
#include "log.h"
#include "sched.h"
#include "timefmt.h"
#include "tz.h"
#include "xalloc.h"

#define AHEAD 2
#define CATCHUP_MAX 1000

static const char sql_flows[] =
    "SELECT f.name, f.version, fv.definition,"
    " max(fv.created_at, f.updated_at),"
    " (SELECT max(scheduled_for) FROM runs r WHERE r.flow = f.name"
    "  AND r.trigger = 'schedule')"
    " FROM flows f JOIN flow_versions fv"
    "  ON fv.flow = f.name AND fv.version = f.version"
    " WHERE f.paused = 0 AND f.archived = 0";
static const char sql_insert_run[] =
    "INSERT OR IGNORE INTO runs (id, flow, flow_version, state, parameters,"
    " trigger, created_by, scheduled_for, created_at, updated_at)"
    " VALUES (:id, :flow, :version, 'SCHEDULED', :params, 'schedule', NULL,"
    " :at, :now, :now)";
static const char sql_exists[] =
    "SELECT 1 FROM runs WHERE flow = :flow AND scheduled_for = :at"
    " AND trigger = 'schedule'";
static const char sql_insert_task[] =
    "INSERT INTO task_runs (run_id, task, attempt, state, created_at,"
    " updated_at) VALUES (:id, :task, 1, 'PENDING', :now, :now)";
#define STALE_WHERE \
    " WHERE state = 'SCHEDULED' AND trigger = 'schedule'" \
    " AND scheduled_for > :now AND EXISTS (SELECT 1 FROM flows f" \
    "  WHERE f.name = runs.flow AND (f.paused = 1 OR f.archived = 1" \
    "  OR f.version <> runs.flow_version))"
static const char sql_any_stale[] = "SELECT 1 FROM runs" STALE_WHERE;
static const char sql_delete_stale[] = "DELETE FROM runs" STALE_WHERE;

struct flow_sched {
	char *name;
	int64_t version;
	char *def;
	int64_t since;		/* version saved / flow changed */
	int64_t last;		/* latest materialised fire time, or 0 */
};

static int
insert_run(struct sched *s, struct flow_sched *f, struct json_object *def,
    const char *params, int64_t at)
{
	struct json_object *tasks = jsonx_get(def, "tasks");
	sqlite3_stmt *st = dbraw_prepare(s->db, sql_insert_run);
	char id[IDS_LEN], ts[TIMEFMT_LEN];
	int64_t now = timefmt_now_ms();
	int rc;

	if (st == NULL)
		return -1;
	ids_new(now, id);
	dbraw_bind_text(st, ":id", id);
	dbraw_bind_text(st, ":flow", f->name);
	dbraw_bind_int64(st, ":version", f->version);
	dbraw_bind_text(st, ":params", params);
	dbraw_bind_int64(st, ":at", at);
	dbraw_bind_int64(st, ":now", now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(db_raw(s->db)) == 0)
		return 0;	/* already materialised */
	for (size_t i = 0; i < json_object_array_length(tasks); i++) {
		const char *name = jsonx_get_str(
		    json_object_array_get_idx(tasks, i), "name");

		if ((st = dbraw_prepare(s->db, sql_insert_task)) == NULL)
			return -1;
		dbraw_bind_text(st, ":id", id);
		dbraw_bind_text(st, ":task", name);
		dbraw_bind_int64(st, ":now", now);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return -1;
	}
	log_info("run %s: scheduled flow %s for %s", id, f->name,
	    timefmt_rfc3339(at, ts));
	return 0;
}

static int
exists(struct sched *s, const char *flow, int64_t at)
{
	sqlite3_stmt *st = dbraw_prepare(s->db, sql_exists);
	int found;

	if (st == NULL)
		return 0;
	dbraw_bind_text(st, ":flow", flow);
	dbraw_bind_int64(st, ":at", at);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* Materialises the missed and next fire times of one flow. */
static void
tick_flow(struct sched *s, struct flow_sched *f)
{
	struct json_object *def = NULL, *sch, *params = NULL;
	struct cron *c = NULL;
	struct tz *tz = NULL;
	const char *expr, *zone;
	char why[256];
	int64_t now = timefmt_now_ms(), t, after, *fires = NULL;
	int n = 0, catchup, began = 0, missing = 0;

	if ((def = jsonx_parse(f->def, strlen(f->def), why, sizeof(why))) ==
	    NULL)
		goto out;
	sch = jsonx_get(def, "schedule");
	if ((expr = jsonx_get_str(sch, "cron")) == NULL)
		goto out;
	zone = jsonx_get_str(sch, "timezone");
	catchup = json_object_get_boolean(jsonx_get(sch, "catchup"));
	if ((c = cron_parse(expr, why, sizeof(why))) == NULL ||
	    (tz = tz_load(zone ? zone : "UTC", why, sizeof(why))) == NULL) {
		log_warnx("cron_tick: flow %s: %s", f->name, why);
		goto out;
	}
	if (flowdef_bind_params(def, NULL, &params, why, sizeof(why)) == -1) {
		log_warnx("cron_tick: flow %s: cannot schedule: %s", f->name,
		    why);
		goto out;
	}
	fires = xcalloc(CATCHUP_MAX + AHEAD, sizeof(*fires));
	/* Missed fire times: after the last one made and the last change. */
	after = f->last > f->since ? f->last : f->since;
	for (t = cron_next(c, tz, after); t != -1 && t <= now;
	    t = cron_next(c, tz, t)) {
		if (!catchup || n == CATCHUP_MAX)
			n = 0;	/* keep only the most recent */
		fires[n++] = t;
	}
	for (int k = 0; k < AHEAD; k++) {
		t = cron_next(c, tz, k == 0 ? now : fires[n - 1]);
		if (t == -1)
			break;
		fires[n++] = t;
	}
	/* Most ticks find every fire time made: no write lock then. */
	for (int i = 0; i < n && !missing; i++)
		missing = !exists(s, f->name, fires[i]);
	if (!missing)
		goto out;
	if (db_begin_write(s->db) != SL_OK)
		goto out;
	began = 1;
	for (int i = 0; i < n; i++)
		if (insert_run(s, f, def, jsonx_text(params), fires[i]) == -1)
			goto out;
	if (db_commit(s->db) != SL_OK)
		log_warnx("cron_tick: flow %s: commit failed", f->name);
out:
	if (began)
		dbraw_rollback(s->db);
	free(fires);
	json_object_put(params);
	json_object_put(def);
	cron_free(c);
	tz_free(tz);
}

static void
delete_stale(struct sched *s)
{
	sqlite3_stmt *st;
	int n;

	/* Look first: most ticks have nothing to delete. */
	if ((st = dbraw_prepare(s->db, sql_any_stale)) == NULL)
		return;
	dbraw_bind_int64(st, ":now", timefmt_now_ms());
	n = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!n || db_begin_write(s->db) != SL_OK)
		return;
	if ((st = dbraw_prepare(s->db, sql_delete_stale)) == NULL) {
		dbraw_rollback(s->db);
		return;
	}
	dbraw_bind_int64(st, ":now", timefmt_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		dbraw_rollback(s->db);
		return;
	}
	sqlite3_finalize(st);
	n = sqlite3_changes(db_raw(s->db));
	if (db_commit(s->db) == SL_OK && n > 0)
		log_info("cron_tick: removed %d future scheduled runs of "
		    "paused, archived or changed flows", n);
}

/*
 * Materialises due and upcoming schedule fire times as SCHEDULED runs and
 * removes future ones that no longer apply. Errors are logged; the next
 * tick tries again.
 */
void
cron_tick(struct sched *s)
{
	sqlite3_stmt *st;
	struct flow_sched *f = NULL;
	int n = 0, cap = 0;

	delete_stale(s);
	if ((st = dbraw_prepare(s->db, sql_flows)) == NULL)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (strstr(dbraw_col_text(st, 2), "\"cron\"") == NULL)
			continue;	/* no schedule: skip the parse */
		if (n == cap)
			f = xrealloc(f, (size_t)(cap = cap * 2 + 8) *
			    sizeof(*f));
		f[n].name = xstrdup(dbraw_col_text(st, 0));
		f[n].version = sqlite3_column_int64(st, 1);
		f[n].def = xstrdup(dbraw_col_text(st, 2));
		f[n].since = sqlite3_column_int64(st, 3);
		f[n].last = sqlite3_column_int64(st, 4);
		n++;
	}
	sqlite3_finalize(st);
	for (int i = 0; i < n; i++) {
		tick_flow(s, &f[i]);
		free(f[i].name);
		free(f[i].def);
	}
	free(f);
}
