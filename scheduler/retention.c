/*
 * retention.c: forgets finished runs older than SLUICE_RETENTION_DAYS
 * (default 30; 0 keeps everything): their rows in runs and task_runs
 * (ON DELETE CASCADE) and their log folder <data>/logs/<run-id>/. Rows go
 * in batches of 100 runs per short transaction, so the API never waits
 * long for the write lock; files are removed after the commit, outside
 * any transaction. Then the checkouts and virtual environments of
 * repository flows (<data>/code, code.c) that no run kept and no
 * current version needs, once older than SLUICE_CODE_MIN_AGE_S (so one
 * a sync is making right now is never taken).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "code.h"
#include "db.h"
#include "states.h"
#include "log.h"
#include "sched.h"
#include "timefmt.h"
#include "xalloc.h"

#define BATCH 100
#define MAX_BATCHES 50

/* Commits and environments still needed: by a version some run in the
 * store ran, or by a flow's current version. */
static const char sql_code_kept[] =
    "SELECT v.commit_id, v.venv FROM flow_versions v"
    " WHERE v.commit_id IS NOT NULL AND (EXISTS (SELECT 1 FROM flows f"
    " WHERE f.name = v.flow AND f.version = v.version) OR EXISTS (SELECT 1"
    " FROM runs r WHERE r.flow = v.flow AND r.flow_version = v.version))";

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

/* Deliveries of no run (failed syncs) go once sent or given up. */
static void
forget_sync_notices(struct sched *s, int64_t cutoff)
{
	struct db_arg a[] = { DB_INT(":cutoff", cutoff) };

	if (db_run_args(s->db, "DELETE FROM webhook_deliveries WHERE run_id"
	    " IS NULL AND state != 'pending' AND created_at < :cutoff", a,
	    1) != SL_OK)
		log_warnx("retention: cannot remove old sync notifications");
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
	forget_sync_notices(s, cutoff);
}

/* Returns 1 when name is among the n strings of kept. */
static int
kept_has(char **kept, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (kept[i] != NULL && strcmp(kept[i], name) == 0)
			return 1;
	return 0;
}

/* Removes the entries of <data>/code/<sub> not in kept, older than age. */
static int
prune_dir(struct sched *s, const char *sub, char **kept, size_t n)
{
	char *dir = xasprintf("%s/code/%s", s->cfg.data_dir, sub), *p;
	int64_t now_s = timefmt_now_ms() / 1000;
	struct dirent *e;
	struct stat sb;
	int removed = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		free(dir);
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strchr(e->d_name, '.') != NULL ||
		    kept_has(kept, n, e->d_name))
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode) &&
		    now_s - sb.st_mtime >= s->cfg.code_min_age_s &&
		    code_remove(p) == 0)
			removed++;
		free(p);
	}
	closedir(d);
	free(dir);
	return removed;
}

void
retention_code(struct sched *s)
{
	struct db_stmt st;
	char **commits = NULL, **venvs = NULL;
	size_t n = 0;
	int trees, envs;

	db_prepare(s->db, &st, sql_code_kept);
	while (db_step(&st)) {
		commits = xrealloc(commits, (n + 1) * sizeof(*commits));
		venvs = xrealloc(venvs, (n + 1) * sizeof(*venvs));
		commits[n] = xstrdup(db_col_text(&st, 0));
		venvs[n] = db_col_null(&st, 1) ? NULL :
		    xstrdup(db_col_text(&st, 1));
		n++;
	}
	if (db_finish(&st) == SL_OK) {
		trees = prune_dir(s, "trees", commits, n);
		envs = prune_dir(s, "venvs", venvs, n);
		if (trees + envs > 0)
			log_info("retention: removed %d checkouts and %d "
			    "virtual environments no kept run needs", trees,
			    envs);
	}
	for (size_t i = 0; i < n; i++) {
		free(commits[i]);
		free(venvs[i]);
	}
	free(commits);
	free(venvs);
}
