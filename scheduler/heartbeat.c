/*
 * heartbeat.c: this scheduler's row in `workers`. Registration writes a
 * fresh random incarnation (the lease); every heartbeat and every loop
 * iteration checks that the row still carries it. A scheduler whose lease
 * was taken by a newer process of the same name kills its own task
 * processes and exits without writing anything more: the new one owns
 * the runs now. paused and concurrency_limit are re-read every iteration
 * so PATCH /api/workers/{name} takes effect within a second.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "sched.h"
#include "timefmt.h"

static const char sql_register[] =
    "INSERT INTO workers (name, pool, host, pid, incarnation, started_at,"
    " last_heartbeat, running, concurrency_limit, paused)"
    " VALUES (:name, :pool, :host, :pid, :inc, :now, :now, 0, :limit, 0)"
    " ON CONFLICT (name) DO UPDATE SET pool = :pool, host = :host,"
    " pid = :pid, incarnation = :inc, started_at = :now,"
    " last_heartbeat = :now, running = 0,"
    " concurrency_limit = CASE WHEN :set THEN :limit"
    "  ELSE concurrency_limit END";
static const char sql_beat[] =
    "UPDATE workers SET last_heartbeat = :now, running = :running"
    " WHERE name = :name AND incarnation = :inc";
static const char sql_reread[] =
    "SELECT incarnation, paused, concurrency_limit FROM workers"
    " WHERE name = :name";

/*
 * Inserts or takes over this worker's row with a new incarnation.
 * Returns 0, or -1 when the database refused (logged).
 */
int
heartbeat_register(struct sched *s)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;

	if (db_begin_write(s->db) != SL_OK)
		goto out;
	if ((st = db_prepare(s->db, sql_register)) == NULL)
		goto out;
	db_bind_text(st, ":name", s->cfg.worker);
	db_bind_text(st, ":pool", s->cfg.pool);
	db_bind_text(st, ":host", s->cfg.host);
	db_bind_int64(st, ":pid", getpid());
	db_bind_text(st, ":inc", s->incarnation);
	db_bind_int64(st, ":now", timefmt_now_ms());
	db_bind_int64(st, ":limit", s->cfg.concurrency);
	db_bind_int64(st, ":set", s->cfg.concurrency_set);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_status(s->db, SQLITE_ERROR);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (db_commit(s->db) != SL_OK)
		goto out;
	ret = heartbeat_reread(s);
out:
	sqlite3_finalize(st);
	db_rollback(s->db);
	return ret;
}

/*
 * Records a heartbeat and the number of running task processes. Returns
 * 0, or -1 when the database was busy (try again later). Does not return
 * when the lease was lost.
 */
int
heartbeat_beat(struct sched *s)
{
	sqlite3_stmt *st = db_prepare(s->db, sql_beat);
	int rc, changed;

	if (st == NULL)
		return -1;
	db_bind_int64(st, ":now", timefmt_now_ms());
	db_bind_int64(st, ":running", s->nprocs);
	db_bind_text(st, ":name", s->cfg.worker);
	db_bind_text(st, ":inc", s->incarnation);
	rc = sqlite3_step(st);
	changed = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_warnx("heartbeat_beat: worker %s: %s", s->cfg.worker,
		    sqlite3_errmsg(s->db));
		return -1;
	}
	if (changed == 0)
		heartbeat_lease_lost(s);
	return 0;
}

/*
 * Re-reads paused and concurrency_limit. Returns 0, or -1 when the
 * database could not be read. Does not return when the lease was lost.
 */
int
heartbeat_reread(struct sched *s)
{
	sqlite3_stmt *st = db_prepare(s->db, sql_reread);
	int rc, lost = 0;

	if (st == NULL)
		return -1;
	db_bind_text(st, ":name", s->cfg.worker);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		lost = strcmp(db_col_text(st, 0), s->incarnation) != 0;
		if (!lost) {
			int paused = sqlite3_column_int(st, 1);
			int limit = sqlite3_column_int(st, 2);

			if (paused != s->paused)
				log_info("heartbeat: worker %s %s",
				    s->cfg.worker, paused ? "paused" :
				    "resumed");
			if (limit != s->limit)
				log_info("heartbeat: worker %s concurrency "
				    "limit %d", s->cfg.worker, limit);
			s->paused = paused;
			s->limit = limit < 0 ? 0 : limit;
		}
	} else if (rc == SQLITE_DONE) {
		lost = 1;
	}
	sqlite3_finalize(st);
	if (lost)
		heartbeat_lease_lost(s);
	if (rc != SQLITE_ROW) {
		log_warnx("heartbeat_reread: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

/*
 * Another process registered under this worker name (or the row was
 * deleted): kill every task process group we started, write nothing, and
 * exit non-zero so the launcher starts a fresh scheduler.
 */
void
heartbeat_lease_lost(struct sched *s)
{
	log_warnx("heartbeat: worker %s: lease lost (incarnation %s replaced);"
	    " killing %d task processes and exiting", s->cfg.worker,
	    s->incarnation, s->nprocs);
	for (struct run *r = s->runs; r != NULL; r = r->next)
		for (int i = 0; i < r->ntasks; i++)
			if (r->tasks[i].proc != NULL &&
			    !r->tasks[i].proc->exited)
				kill(-r->tasks[i].proc->pid, SIGKILL);
	/* The wake socket now belongs to the new process: leave it. */
	_exit(3);
}
