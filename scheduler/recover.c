/*
 * recover.c: runs left behind by a dead scheduler. On start and every few
 * seconds it looks for RUNNING or CANCELLING runs whose worker has not
 * heartbeaten for SLUICE_WORKER_STALE_S (or no longer exists), or that
 * belong to this worker name but not to this process (an older
 * incarnation). Each is adopted (runs.worker set to us in a transaction
 * checked by changes(), so only one scheduler adopts it) and loaded by
 * dag_load, which kills its leftover process groups on this host -- only
 * when /proc/<pid>/stat still shows the recorded start time, or, when the
 * leader is gone, only members carrying the attempt's SLUICE_RUN_ID;
 * never a reused pid -- marks those attempts CRASHED, and retries them
 * by policy (a new AWAITING_RETRY attempt) or lets the run end CRASHED
 * with its dependents SKIPPED. Finding and adopting orphans is a server
 * duty and stays on SQLite here; loading and marking go through the
 * worker interface (lib/worker.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "states.h"
#include "log.h"
#include "sched.h"
#include "timefmt.h"
#include "xalloc.h"

/* Task environments are read up to this size when checking ownership. */
#define ENVIRON_MAX (1024 * 1024)

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

/* Returns 1 when process q's environment holds the line want. */
static int
environ_has(pid_t q, const char *want)
{
	char path[64], *buf;
	size_t len = 0, wl = strlen(want);
	ssize_t n;
	int fd, found = 0;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)q);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	buf = xmalloc(ENVIRON_MAX + 1);
	while (len < ENVIRON_MAX &&
	    (n = read(fd, buf + len, ENVIRON_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	for (size_t i = 0; i < len && !found; i += strlen(buf + i) + 1)
		found = strncmp(buf + i, want, wl) == 0 && buf[i + wl] == '\0';
	free(buf);
	return found;
}

/*
 * The leader of group pgid is gone: kills the processes still in the
 * group that started after it (start time >= proc_start) and carry the
 * attempt's SLUICE_RUN_ID and SLUICE_TASK, so that a group id reused by
 * someone else is never touched. Returns the number killed.
 */
static int
kill_leftovers(pid_t pgid, int64_t proc_start, const char *run_id,
    const char *task)
{
	char want_run[64], want_task[128], path[64], buf[1024], *p;
	DIR *d = opendir("/proc");
	struct dirent *e;
	int killed = 0;

	if (d == NULL)
		return 0;
	snprintf(want_run, sizeof(want_run), "SLUICE_RUN_ID=%s", run_id);
	snprintf(want_task, sizeof(want_task), "SLUICE_TASK=%s", task);
	while ((e = readdir(d)) != NULL) {
		pid_t q = (pid_t)strtol(e->d_name, &p, 10);
		long long grp = 0, start = -1;
		ssize_t n;
		int fd;

		if (*p != '\0' || q <= 1)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)q);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		/* After "pid (comm) ": state ppid pgrp ... field 22. */
		if ((p = strrchr(buf, ')')) == NULL ||
		    sscanf(p + 1, " %*c %*d %lld %*d %*d %*d %*u %*u %*u %*u "
		    "%*u %*u %*u %*d %*d %*d %*d %*d %*d %lld", &grp,
		    &start) != 2)
			continue;
		if (grp != pgid || start < proc_start ||
		    !environ_has(q, want_run) || !environ_has(q, want_task))
			continue;
		if (kill(q, SIGKILL) == 0)
			killed++;
	}
	closedir(d);
	return killed;
}

/*
 * Kills what is left of an attempt's process group pid (SIGKILL), never
 * a process that merely reuses the pid: the whole group when its leader
 * is alive with the recorded start time proc_start; when the leader is
 * gone, only group members that started after it and carry the
 * attempt's SLUICE_RUN_ID and SLUICE_TASK. Returns the number of signals
 * sent (0 when nothing was safe or left to kill).
 */
int
recover_kill_group(pid_t pid, int64_t proc_start, const char *run_id,
    const char *task)
{
	int64_t now_start;

	if (pid <= 1)
		return 0;
	now_start = spawn_proc_start(pid);
	if (now_start == proc_start)
		return kill(-pid, SIGKILL) == 0;
	if (now_start != -1)
		return 0;	/* the pid was reused: not ours */
	return kill_leftovers(pid, proc_start, run_id, task);
}

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
	db_bind_int(&st, ":stale", timefmt_now_ms() - s->cfg.stale_ms);
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
			dag_load(s, o[i].id, 1, host, why);
		}
		free(o[i].worker);
		free(o[i].host);
	}
	free(o);
}
