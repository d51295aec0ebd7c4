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

#include "db.h"
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

/* One batch of old runs: the cutoff in, the deleted ids out. */
struct batch {
	int64_t cutoff;
	char ids[BATCH][IDS_LEN];
	int n;
};

/* Deletes up to BATCH old runs inside db_write; fills b->ids. */
static enum sl_status
delete_batch(struct db *db, void *arg)
{
	struct batch *b = arg;
	struct db_stmt st;
	enum sl_status s;

	b->n = 0;
	db_prepare(db, &st, sql_old);
	db_bind_int(&st, ":cutoff", b->cutoff);
	db_bind_int(&st, ":batch", BATCH);
	while (b->n < BATCH && db_step(&st))
		snprintf(b->ids[b->n++], IDS_LEN, "%s", db_col_text(&st, 0));
	if ((s = db_finish(&st)) != SL_OK)
		return s;
	for (int i = 0; i < b->n; i++) {
		db_prepare(db, &st, sql_delete);
		db_bind_text(&st, ":id", b->ids[i]);
		db_bind_int(&st, ":cutoff", b->cutoff);
		if ((s = db_done(&st)) != SL_OK)
			return s;
	}
	return SL_OK;
}

/*
 * Deletes one batch, then (after the commit) the batch's log folders.
 * Returns the number of runs deleted, -1 on error.
 */
static int
batch(struct sched *s, int64_t cutoff)
{
	struct batch b = { .cutoff = cutoff };

	if (db_write(s->db, delete_batch, &b) != SL_OK)
		return -1;
	for (int i = 0; i < b.n; i++)
		remove_logs(s, b.ids[i]);
	return b.n;
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
