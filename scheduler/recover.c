/*
 * recover.c: runs left behind by a dead scheduler. On start and every few
 * seconds it looks for RUNNING or CANCELLING runs whose worker has not
 * heartbeaten for SLUICE_WORKER_STALE_S (or no longer exists), or that
 * belong to this worker name but not to this process (an older
 * incarnation). Each is adopted (runs.worker set to us in a transaction
 * checked by changes(), so only one scheduler adopts it) and loaded by
 * dag_load, which kills its leftover process groups on this host -- only
 * when /proc/<pid>/stat still shows the recorded start time, never a
 * reused pid -- marks those attempts CRASHED, and retries them by policy
 * (a new AWAITING_RETRY attempt) or lets the run end CRASHED with its
 * dependents SKIPPED.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "db.h"
#include "log.h"
#include "sched.h"
#include "timefmt.h"
#include "xalloc.h"

static const char sql_orphans[] =
    "SELECT r.id, r.worker, w.host FROM runs r"
    " LEFT JOIN workers w ON w.name = r.worker"
    " WHERE r.state IN ('RUNNING', 'CANCELLING')"
    " AND (r.worker IS NULL OR r.worker = :me OR w.name IS NULL"
    "  OR w.last_heartbeat IS NULL OR w.last_heartbeat < :stale)"
    " LIMIT 200";
static const char sql_adopt[] =
    "UPDATE runs SET worker = :me, updated_at = :now WHERE id = :id"
    " AND state IN ('RUNNING', 'CANCELLING') AND worker IS :old";

/*
 * Kills process group pid with SIGKILL if it still belongs to the task
 * that started at proc_start: the leader is alive with that start time,
 * or the leader is gone (then no new process can carry that pid, so any
 * process left in the group is the task's). Returns 1 when a signal was
 * sent, 0 when there was nothing (safe) to kill.
 */
int
recover_kill_group(pid_t pid, int64_t proc_start)
{
	int64_t now_start;

	if (pid <= 1)
		return 0;
	now_start = spawn_proc_start(pid);
	if (now_start != -1 && now_start != proc_start)
		return 0;	/* the pid was reused: not ours */
	return kill(-pid, SIGKILL) == 0;
}

static int
adopt(struct sched *s, const char *id, const char *old)
{
	sqlite3_stmt *st = NULL;
	int ok = 0;

	if (db_begin_write(s->db) != SL_OK)
		return 0;
	if ((st = db_prepare(s->db, sql_adopt)) == NULL)
		goto out;
	db_bind_text(st, ":me", s->cfg.worker);
	db_bind_int64(st, ":now", timefmt_now_ms());
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":old", old);
	if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(s->db) != 1)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	ok = db_commit(s->db) == SL_OK;
out:
	sqlite3_finalize(st);
	db_rollback(s->db);
	return ok;
}

/* Finds, adopts and loads runs whose scheduler is gone. */
void
recover_orphans(struct sched *s)
{
	sqlite3_stmt *st = db_prepare(s->db, sql_orphans);
	struct orphan {
		char id[IDS_LEN];
		char *worker, *host;
	} *o = NULL;
	int n = 0, cap = 0;

	if (st == NULL)
		return;
	db_bind_text(st, ":me", s->cfg.worker);
	db_bind_int64(st, ":stale", timefmt_now_ms() - s->cfg.stale_ms);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = db_col_text(st, 0);

		if (dag_find(s, id) != NULL)
			continue;
		if (n == cap)
			o = xrealloc(o, (size_t)(cap = cap * 2 + 8) *
			    sizeof(*o));
		snprintf(o[n].id, IDS_LEN, "%s", id);
		o[n].worker = sqlite3_column_type(st, 1) == SQLITE_NULL ?
		    NULL : xstrdup(db_col_text(st, 1));
		o[n].host = sqlite3_column_type(st, 2) == SQLITE_NULL ?
		    NULL : xstrdup(db_col_text(st, 2));
		n++;
	}
	sqlite3_finalize(st);
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
			dag_load(s, o[i].id, 1, host, why);
		}
		free(o[i].worker);
		free(o[i].host);
	}
	free(o);
}
