/*
 * repo_tick.c: the scheduler's side of following flow repositories. On a
 * database tick it picks one repository due a sync -- asked for (POST
 * /api/repos/{name}/sync, the push webhook, a change of the repository)
 * or its interval passed since the last one -- leases its row so no
 * other scheduler syncs it at the same time, and starts the sync process
 * (reposync.c): a child with no capability and no descriptor of ours,
 * that dies with us. One sync runs per scheduler at a time; the loop
 * never waits for it. When it ends, a sync that could not record its own
 * outcome (it crashed, was killed at its deadline) is recorded failed
 * here; at a stop it is killed and asked again for the next start.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "privs.h"
#include "proc.h"
#include "sched.h"
#include "timefmt.h"

/* A sync's deadline; its lease lasts a little longer. */
#define SYNC_DEADLINE_S 1200
#define SYNC_LEASE_MS ((SYNC_DEADLINE_S + 60) * 1000LL)

static const char sql_due[] =
    "SELECT name FROM repos"
    " WHERE (sync_lease_until IS NULL OR sync_lease_until < :now)"
    " AND (sync_requested_at IS NOT NULL OR (interval_s > 0 AND"
    " (synced_at IS NULL OR synced_at + interval_s * 1000 <= :now)))"
    " ORDER BY sync_requested_at IS NULL, sync_requested_at, synced_at"
    " LIMIT 1";
static const char sql_lease[] =
    "UPDATE repos SET sync_by = :inc, sync_lease_until = :until,"
    " sync_state = 'syncing', sync_requested_at = NULL"
    " WHERE name = :name AND (sync_lease_until IS NULL OR"
    " sync_lease_until < :now)";
static const char sql_failed[] =
    "UPDATE repos SET sync_state = 'failed', synced_at = :now,"
    " sync_error = :error, sync_by = NULL, sync_lease_until = NULL,"
    " sync_requested_at = CASE WHEN :again THEN :now"
    " ELSE sync_requested_at END"
    " WHERE name = :name AND sync_by = :inc";

/* Inside the write transaction: leases the due repository, if any. */
static enum sl_status
lease_due(struct db *db, void *arg)
{
	struct sched *s = arg;
	int64_t now = timefmt_now_ms();
	struct db_stmt st;
	enum sl_status rc;

	s->repo.name[0] = '\0';
	db_prepare(db, &st, sql_due);
	db_bind_int(&st, ":now", now);
	if (db_step(&st))
		snprintf(s->repo.name, sizeof(s->repo.name), "%s",
		    db_col_text(&st, 0));
	if ((rc = db_finish(&st)) != SL_OK || s->repo.name[0] == '\0')
		return rc;
	db_prepare(db, &st, sql_lease);
	db_bind_text(&st, ":inc", s->incarnation);
	db_bind_int(&st, ":until", now + SYNC_LEASE_MS);
	db_bind_text(&st, ":name", s->repo.name);
	db_bind_int(&st, ":now", now);
	return db_done(&st);
}

/*
 * The sync process: alone, unprivileged, bounded in time (the alarm
 * survives exec), running `sluice-scheduler --sync-repo NAME INC`.
 */
static void __attribute__((noreturn))
sync_child(struct sched *s, pid_t parent)
{
	int fd = open("/dev/null", O_RDONLY);

	proc_child_start(parent);
	if (fd == -1 || dup2(fd, 0) == -1)
		_exit(125);
	proc_close_from(3);
	if (privs_drop_all() == -1)
		_exit(125);
	umask(022);
	alarm(SYNC_DEADLINE_S);
	/* A fresh program: SQLite's state must not cross a fork. */
	execv("/proc/self/exe", (char *[]){ "sluice-scheduler",
	    "--sync-repo", s->repo.name, s->incarnation, NULL });
	_exit(127);
}

void
repo_tick(struct sched *s)
{
	pid_t parent = getpid(), pid;

	if (s->repo.pid != 0 || s->stopping)
		return;
	if (db_write(s->db, lease_due, s) != SL_OK || s->repo.name[0] == '\0')
		return;
	if ((pid = fork()) == -1) {
		log_warn("repo %s: cannot start its sync", s->repo.name);
		repo_tick_ended(s, 0, 1);
		return;
	}
	if (pid == 0)
		sync_child(s, parent);
	s->repo.pid = pid;
	log_info("repo %s: sync started (pid %d)", s->repo.name, (int)pid);
}

/* Inside the write transaction: a sync that could not say how it went. */
static enum sl_status
record_lost(struct db *db, void *arg)
{
	struct sched *s = arg;
	struct db_stmt st;

	db_prepare(db, &st, sql_failed);
	db_bind_int(&st, ":now", timefmt_now_ms());
	db_bind_text(&st, ":error", s->repo.error);
	db_bind_int(&st, ":again", s->repo.again);
	db_bind_text(&st, ":name", s->repo.name);
	db_bind_text(&st, ":inc", s->incarnation);
	return db_done(&st);
}

void
repo_tick_ended(struct sched *s, int status, int again)
{
	char reason[160];

	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !again) {
		s->repo.pid = 0;
		return;
	}
	if (again)
		snprintf(reason, sizeof(reason), "the sync was interrupted; "
		    "it is tried again");
	else if (WIFSIGNALED(status))
		snprintf(reason, sizeof(reason), "the sync was killed by "
		    "signal %d%s", WTERMSIG(status), WTERMSIG(status) ==
		    SIGALRM ? " (it ran past its deadline)" : "");
	else
		snprintf(reason, sizeof(reason), "the sync exited with status "
		    "%d before recording its outcome", WEXITSTATUS(status));
	snprintf(s->repo.error, sizeof(s->repo.error),
	    "{\"file\":null,\"field\":null,\"reason\":\"%s\"}", reason);
	s->repo.again = again;
	if (db_write(s->db, record_lost, s) != SL_OK)
		log_warnx("repo %s: cannot record the sync's end",
		    s->repo.name);
	log_warnx("repo %s: %s", s->repo.name, reason);
	s->repo.pid = 0;
}

int
repo_tick_reaped(struct sched *s, pid_t pid, int status)
{
	if (s->repo.pid == 0 || pid != s->repo.pid)
		return 0;
	repo_tick_ended(s, status, 0);
	return 1;
}

void
repo_tick_stop(struct sched *s)
{
	int status;

	if (s->repo.pid == 0)
		return;
	kill(s->repo.pid, SIGKILL);
	while (waitpid(s->repo.pid, &status, 0) == -1 && errno == EINTR)
		;
	repo_tick_ended(s, status, 1);
}
