/*
 * retention.c: forgets finished runs older than SLUICE_RETENTION_DAYS
 * (default 30; 0 keeps everything): their rows in runs and task_runs
 * (ON DELETE CASCADE) and their log folder <data>/logs/<run-id>/. Rows go
 * in batches of 100 runs per short transaction, so the API never waits
 * long for the write lock; files are removed after the commit, outside
 * any transaction.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbraw.h"
#include "states.h"
#include "log.h"
#include "sched.h"
#include "timefmt.h"
#include "xalloc.h"

#define BATCH 100
#define MAX_BATCHES 50

static const char sql_old[] =
    "SELECT id FROM runs WHERE ended_at IS NOT NULL AND ended_at < :cutoff"
    " AND state IN " STATES_SQL_RUN_TERMINAL
    " LIMIT :batch";
static const char sql_delete[] =
    "DELETE FROM runs WHERE id = :id AND ended_at < :cutoff"
    " AND state IN " STATES_SQL_RUN_TERMINAL;

/* Removes <data>/logs/<id>/ and the files in it. */
static void
remove_logs(struct sched *s, const char *id)
{
	char *path;
	DIR *d;
	struct dirent *e;

	if (!ids_valid(id))
		return;
	path = xasprintf("%s/logs/%s", s->cfg.data_dir, id);
	if ((d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") != 0 &&
			    strcmp(e->d_name, "..") != 0)
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
		rmdir(path);
	}
	free(path);
}

/* Deletes one batch; returns the number of runs deleted, -1 on error. */
static int
batch(struct sched *s, int64_t cutoff)
{
	char ids[BATCH][IDS_LEN];
	sqlite3_stmt *st = NULL;
	int n = 0, ret = -1;

	if (db_begin_write(s->db) != SL_OK)
		return -1;
	if ((st = dbraw_prepare(s->db, sql_old)) == NULL)
		goto out;
	dbraw_bind_int64(st, ":cutoff", cutoff);
	dbraw_bind_int64(st, ":batch", BATCH);
	while (n < BATCH && sqlite3_step(st) == SQLITE_ROW)
		snprintf(ids[n++], IDS_LEN, "%s", dbraw_col_text(st, 0));
	sqlite3_finalize(st);
	st = NULL;
	for (int i = 0; i < n; i++) {
		if ((st = dbraw_prepare(s->db, sql_delete)) == NULL)
			goto out;
		dbraw_bind_text(st, ":id", ids[i]);
		dbraw_bind_int64(st, ":cutoff", cutoff);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
		sqlite3_finalize(st);
		st = NULL;
	}
	if (db_commit(s->db) != SL_OK)
		goto out;
	for (int i = 0; i < n; i++)
		remove_logs(s, ids[i]);
	ret = n;
out:
	sqlite3_finalize(st);
	dbraw_rollback(s->db);
	return ret;
}

/*
 * Deletes finished runs older than the retention period, at most
 * MAX_BATCHES batches per call (the rest waits for the next call).
 */
void
retention_tick(struct sched *s)
{
	int64_t cutoff;
	int total = 0, n;

	if (s->cfg.retention_days <= 0)
		return;
	cutoff = timefmt_now_ms() - (int64_t)s->cfg.retention_days * 86400000;
	for (int i = 0; i < MAX_BATCHES; i++) {
		if ((n = batch(s, cutoff)) <= 0)
			break;
		total += n;
		if (n < BATCH)
			break;
	}
	if (total > 0)
		log_info("retention: removed %d runs older than %d days and "
		    "their logs", total, s->cfg.retention_days);
}
