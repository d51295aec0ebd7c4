/*
 * recover.c: runs left behind by a dead scheduler. On start and every few
 * seconds it looks for RUNNING or CANCELLING runs whose worker has not
 * heartbeaten for SLUICE_WORKER_STALE_S while the store was taking ours
 * (heartbeat_silent_before), or no longer exists, or that
 * belong to this worker name but not to this process (an older
 * incarnation). Each is adopted (runs.worker set to us in a transaction
 * checked by changes(), so only one scheduler adopts it) and loaded by
 * dag_adopt, which kills its leftover process groups on this host
 * (proc_kill_group: only when /proc/<pid>/stat still shows the recorded
 * start time, or, when the leader is gone, only members carrying the
 * attempt's SLUICE_RUN_ID; never a reused pid), marks those attempts
 * CRASHED, and retries them by policy (a new AWAITING_RETRY attempt) or
 * lets the run end CRASHED with its dependents SKIPPED. Finding and
 * adopting orphans is a server duty and stays on SQLite here (db_write on
 * s->db); loading and marking go through the worker interface
 * (lib/worker.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "states.h"
#include "log.h"
#include "sched.h"
#include "timefmt.h"
#include "xalloc.h"

static const char sql_orphans[] =
    "SELECT r.id, r.worker, w.host FROM runs r"
    " LEFT JOIN workers w ON w.name = r.worker"
    " WHERE r.state IN " STATES_SQL_RUN_ACTIVE
    " AND (r.worker IS NULL OR r.worker = :me OR w.name IS NULL"
    "  OR w.last_heartbeat IS NULL OR w.last_heartbeat < :stale)"
    " LIMIT 200";
static const char sql_adopt[] =
    "UPDATE runs SET worker = :me, updated_at = :now WHERE id = :id"
    " AND state IN " STATES_SQL_RUN_ACTIVE " AND worker IS :old";

/* A run to adopt: its id and the worker it belonged to (NULL: none). */
struct adoption {
	struct sched *s;
	const char *id, *old;
};

/* Sets runs.worker to us inside db_write; SL_CONFLICT when not adopted. */
static enum sl_status
adopt_tx(struct db *db, void *arg)
{
	struct adoption *ad = arg;
	struct db_stmt st;
	enum sl_status s;

	db_prepare(db, &st, sql_adopt);
	db_bind_text(&st, ":me", ad->s->cfg.worker);
	db_bind_int(&st, ":now", timefmt_now_ms());
	db_bind_text(&st, ":id", ad->id);
	db_bind_text(&st, ":old", ad->old);
	if ((s = db_done(&st)) != SL_OK)
		return s;
	return db_changes(db) == 1 ? SL_OK : SL_CONFLICT;
}

/* Returns 1 when run id, last owned by worker old, is ours now. */
static int
adopt(struct sched *s, const char *id, const char *old)
{
	struct adoption ad = { s, id, old };

	return db_write(s->db, adopt_tx, &ad) == SL_OK;
}

/* Finds, adopts and loads runs whose scheduler is gone. */
void
recover_orphans(struct sched *s)
{
	struct db_stmt st;
	struct orphan {
		char id[IDS_LEN];
		char *worker, *host;
	} *o = NULL;
	int n = 0, cap = 0;

	db_prepare(s->db, &st, sql_orphans);
	db_bind_text(&st, ":me", s->cfg.worker);
	db_bind_int(&st, ":stale", heartbeat_silent_before(s));
	while (db_step(&st)) {
		const char *id = db_col_text(&st, 0);

		if (dag_find(s, id) != NULL)
			continue;
		if (n == cap)
			o = xrealloc(o, (size_t)(cap = cap * 2 + 8) *
			    sizeof(*o));
		snprintf(o[n].id, IDS_LEN, "%s", id);
		o[n].worker = db_col_null(&st, 1) ?
		    NULL : xstrdup(db_col_text(&st, 1));
		o[n].host = db_col_null(&st, 2) ?
		    NULL : xstrdup(db_col_text(&st, 2));
		n++;
	}
	db_finish(&st);
	for (int i = 0; i < n; i++) {
		const char *host = o[i].host;
		char why[200];

		/* Our own earlier incarnation ran here, whatever it said. */
		if (o[i].worker != NULL &&
		    strcmp(o[i].worker, s->cfg.worker) == 0) {
			host = s->cfg.host;
			snprintf(why, sizeof(why), "scheduler restarted "
			    "(worker %s)", s->cfg.worker);
		} else if (o[i].worker != NULL) {
			snprintf(why, sizeof(why), "worker %s lost (no "
			    "heartbeat for %lld s)", o[i].worker,
			    (long long)(s->cfg.stale_ms / 1000));
		} else {
			snprintf(why, sizeof(why), "run had no worker");
		}
		if (adopt(s, o[i].id, o[i].worker)) {
			log_info("run %s: recovering from worker %s", o[i].id,
			    o[i].worker ? o[i].worker : "(none)");
			dag_adopt(s, o[i].id, host, why);
		}
		free(o[i].worker);
		free(o[i].host);
	}
	free(o);
}
