/*
 * cron_tick.c: turns flow schedules into SCHEDULED runs. For every flow
 * that is neither paused nor archived and whose current definition has a
 * schedule, the next two fire times (cron_next in the schedule's time
 * zone) are materialised as runs with trigger 'schedule', each with its
 * attempt-1 task rows; runs_schedule_slot (unique flow + scheduled_for)
 * plus INSERT OR IGNORE make this safe when several schedulers tick.
 * Fire times missed while no scheduler ran (after the last materialised
 * run, and after the current version was saved) are materialised too:
 * only the most recent one unless schedule.catchup is true (the rule is
 * lib/schedule.c's; lib/dispatch.c applies it, and max_lateness_s, when
 * a worker starts them).
 * Future SCHEDULED runs of flows that were paused, archived or changed
 * (another version) are deleted with their task rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"
#include "db.h"
#include "flowdef.h"
#include "json.h"
#include "log.h"
#include "sched.h"
#include "schedule.h"
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

/* The fire times of one flow to materialise, written by insert_work. */
struct fires {
	struct flow_sched *f;
	struct json_object *def;
	const char *params;
	int64_t *at;
	int n;
};

/* Inserts the run of fire time at with its attempt-1 task rows, unless
 * it exists already. */
static enum sl_status
insert_run(struct db *db, struct fires *x, int64_t at)
{
	struct json_object *tasks = jsonx_get(x->def, "tasks");
	char id[IDS_LEN], ts[TIMEFMT_LEN];
	int64_t now = timefmt_now_ms();
	enum sl_status ret;

	ids_new(now, id);
	ret = db_run(db, sql_insert_run, DB_TEXT(":id", id),
	    DB_TEXT(":flow", x->f->name), DB_INT(":version", x->f->version),
	    DB_TEXT(":params", x->params), DB_INT(":at", at),
	    DB_INT(":now", now));
	if (ret != SL_OK || db_changes(db) == 0)
		return ret;	/* failed, or already materialised */
	for (size_t i = 0; i < json_object_array_length(tasks) &&
	    ret == SL_OK; i++)
		ret = db_run(db, sql_insert_task, DB_TEXT(":id", id),
		    DB_TEXT(":task", jsonx_get_str(
		    json_object_array_get_idx(tasks, i), "name")),
		    DB_INT(":now", now));
	if (ret == SL_OK)
		log_info("run %s: scheduled flow %s for %s", id, x->f->name,
		    timefmt_rfc3339(at, ts));
	return ret;
}

static enum sl_status
insert_work(struct db *db, void *arg)
{
	struct fires *x = arg;
	enum sl_status ret = SL_OK;

	for (int i = 0; i < x->n && ret == SL_OK; i++)
		ret = insert_run(db, x, x->at[i]);
	return ret;
}

/* Returns 1 when the run of flow for fire time at exists (or on a failure,
 * logged: nothing is written then). */
static int
exists(struct sched *s, const char *flow, int64_t at)
{
	struct db_stmt st;
	int64_t one;

	db_prepare(s->db, &st, sql_exists);
	db_bind_all(&st, DB_TEXT(":flow", flow), DB_INT(":at", at));
	return db_first_int(&st, &one) != SL_NOTFOUND;
}

/*
 * Fills x->at with the fire times of schedule c in tz to materialise: the
 * missed ones after the last one made and the last change (only the most
 * recent unless schedule_keeps_missed says every one), then
 * the next AHEAD.
 */
static void
fire_times(struct fires *x, struct cron *c, struct tz *tz, int keep_missed)
{
	int64_t now = timefmt_now_ms(), t;
	int64_t after = x->f->last > x->f->since ? x->f->last : x->f->since;

	x->at = xcalloc(CATCHUP_MAX + AHEAD, sizeof(*x->at));
	for (t = cron_next(c, tz, after); t != -1 && t <= now;
	    t = cron_next(c, tz, t)) {
		if (!keep_missed || x->n == CATCHUP_MAX)
			x->n = 0;	/* keep only the most recent */
		x->at[x->n++] = t;
	}
	for (int k = 0; k < AHEAD; k++) {
		t = cron_next(c, tz, k == 0 ? now : x->at[x->n - 1]);
		if (t == -1)
			break;
		x->at[x->n++] = t;
	}
}

/* Materialises the missed and next fire times of one flow. */
static void
tick_flow(struct sched *s, struct flow_sched *f)
{
	struct fires x = { .f = f };
	struct json_object *sch, *params = NULL;
	struct cron *c = NULL;
	struct tz *tz = NULL;
	const char *zone;
	char why[256];
	int missing = 0;

	if ((x.def = jsonx_parse(f->def, strlen(f->def), why, sizeof(why))) ==
	    NULL || jsonx_get_str(sch = jsonx_get(x.def, "schedule"), "cron")
	    == NULL)
		goto out;
	zone = jsonx_get_str(sch, "timezone");
	if ((c = cron_parse(jsonx_get_str(sch, "cron"), why,
	    sizeof(why))) == NULL ||
	    (tz = tz_load(zone ? zone : "UTC", why, sizeof(why))) == NULL) {
		log_warnx("cron_tick: flow %s: %s", f->name, why);
		goto out;
	}
	if (flowdef_bind_params(x.def, NULL, &params, why, sizeof(why)) != SL_OK) {
		log_warnx("cron_tick: flow %s: cannot schedule: %s", f->name,
		    why);
		goto out;
	}
	fire_times(&x, c, tz, schedule_keeps_missed(sch));
	x.params = jsonx_text(params);
	/* Most ticks find every fire time made: no write lock then. */
	for (int i = 0; i < x.n && !missing; i++)
		missing = !exists(s, f->name, x.at[i]);
	if (missing && db_write(s->db, insert_work, &x) != SL_OK)
		log_warnx("cron_tick: flow %s: materialising failed", f->name);
out:
	free(x.at);
	json_object_put(params);
	json_object_put(x.def);
	cron_free(c);
	tz_free(tz);
}

static enum sl_status
delete_work(struct db *db, void *arg)
{
	enum sl_status ret = db_run(db, sql_delete_stale,
	    DB_INT(":now", timefmt_now_ms()));

	*(int64_t *)arg = db_changes(db);
	return ret;
}

static void
delete_stale(struct sched *s)
{
	struct db_stmt st;
	int64_t n = 0;

	/* Look first: most ticks have nothing to delete. */
	db_prepare(s->db, &st, sql_any_stale);
	db_bind_all(&st, DB_INT(":now", timefmt_now_ms()));
	if (db_first_int(&st, &n) != SL_OK)
		return;
	if (db_write(s->db, delete_work, &n) == SL_OK && n > 0)
		log_info("cron_tick: removed %lld future scheduled runs of "
		    "paused, archived or changed flows", (long long)n);
}

/*
 * Materialises due and upcoming schedule fire times as SCHEDULED runs and
 * removes future ones that no longer apply. Errors are logged; the next
 * tick tries again.
 */
void
cron_tick(struct sched *s)
{
	struct db_stmt st;
	struct flow_sched *f = NULL;
	int n = 0, cap = 0;

	delete_stale(s);
	db_prepare(s->db, &st, sql_flows);
	while (db_step(&st)) {
		if (strstr(db_col_text(&st, 2), "\"cron\"") == NULL)
			continue;	/* no schedule: skip the parse */
		if (n == cap)
			f = xrealloc(f, (size_t)(cap = cap * 2 + 8) *
			    sizeof(*f));
		f[n].name = xstrdup(db_col_text(&st, 0));
		f[n].version = db_col_int(&st, 1);
		f[n].def = xstrdup(db_col_text(&st, 2));
		f[n].since = db_col_int(&st, 3);
		f[n].last = db_col_int(&st, 4);
		n++;
	}
	db_finish(&st);
	for (int i = 0; i < n; i++) {
		tick_flow(s, &f[i]);
		free(f[i].name);
		free(f[i].def);
	}
	free(f);
}
