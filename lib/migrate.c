/*
 * migrate.c: the one migration runner. Files named NNN_short_name.sql in
 * the migrations directory are applied in numeric order, each inside its
 * own BEGIN IMMEDIATE transaction together with its row in
 * schema_migrations, so a failed migration leaves no trace and applying
 * twice is a no-op. Migrations are forward only.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fileio.h"
#include "migrate.h"
#include "timefmt.h"
#include "xalloc.h"

static const char sql_create[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " applied_at INTEGER NOT NULL)";
static const char sql_applied[] =
    "SELECT 1 FROM schema_migrations WHERE version = :version";
static const char sql_record[] =
    "INSERT INTO schema_migrations (version, name, applied_at)"
    " VALUES (:version, :name, :now)";

static int
is_migration(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 8 && d->d_name[0] >= '0' && d->d_name[0] <= '9' &&
	    strcmp(d->d_name + n - 4, ".sql") == 0;
}

/* Reads the migration at path (NULL with errno on failure). */
static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	int e;

	if (f == NULL)
		return NULL;
	buf = fileio_read(f, SIZE_MAX - 1, NULL);
	e = errno;
	fclose(f);
	errno = e;
	return buf;
}

/* One migration file, applied by migrate_work inside db_write. */
struct migration {
	long version;
	const char *name, *sql;
	char *why;
	size_t whysz;
	int applied;		/* set once it ran (it was not recorded) */
};

static enum sl_status
migrate_work(struct db *db, void *arg)
{
	struct migration *m = arg;
	struct db_stmt st;
	int64_t done = 0;
	enum sl_status s;

	db_prepare(db, &st, sql_applied);
	db_bind_all(&st, DB_INT(":version", m->version));
	s = db_first_int(&st, &done);
	if (s == SL_OK)
		return SL_OK;	/* recorded already */
	if (s != SL_NOTFOUND) {
		snprintf(m->why, m->whysz, "%s: cannot read schema_migrations",
		    m->name);
		return s;
	}
	if ((s = db_exec(db, m->sql)) != SL_OK) {
		snprintf(m->why, m->whysz, "%s: %s", m->name, db_errmsg(db));
		return s;
	}
	s = db_run(db, sql_record, DB_INT(":version", m->version),
	    DB_TEXT(":name", m->name), DB_INT(":now", timefmt_now_ms()));
	m->applied = s == SL_OK;
	if (s != SL_OK)
		snprintf(m->why, m->whysz, "%s: cannot record: %s", m->name,
		    db_errmsg(db));
	return s;
}

/* Applies one file in its own transaction; counts it in *applied. */
static enum sl_status
apply_one(struct db *db, const char *dir, const char *name, int *applied,
    char *why, size_t whysz)
{
	char *path = xasprintf("%s/%s", dir, name), *sql = read_file(path);
	struct migration m = { .version = strtol(name, NULL, 10),
	    .name = name, .sql = sql, .why = why, .whysz = whysz };
	enum sl_status s = SL_IO;

	why[0] = '\0';
	if (sql == NULL)
		snprintf(why, whysz, "%s: %s", path, strerror(errno));
	else
		s = db_write(db, migrate_work, &m);
	if (s == SL_OK && m.applied)
		(*applied)++;
	if (s == SL_BUSY && why[0] == '\0')
		snprintf(why, whysz, "%s: database is busy", name);
	else if (s != SL_OK && why[0] == '\0')
		snprintf(why, whysz, "%s: cannot commit: %s", name,
		    db_errmsg(db));
	free(sql);
	free(path);
	return s;
}

/*
 * Applies every migration in dir not yet recorded, in order, and stores
 * how many it applied in *applied (may be NULL). Returns SL_OK, or the
 * failure (SL_IO for a file, SL_BUSY, SL_DB) with the failing file and
 * SQLite's message in why; the failing migration is rolled back
 * entirely (those before it stay applied and counted).
 */
enum sl_status
migrate_apply_count(struct db *db, const char *dir, int *applied, char *why,
    size_t whysz)
{
	struct dirent **list = NULL;
	enum sl_status ret;
	int n, i, count = 0;

	if (applied != NULL)
		*applied = 0;
	if ((ret = db_exec(db, sql_create)) != SL_OK) {
		snprintf(why, whysz, "cannot create schema_migrations");
		return ret;
	}
	n = scandir(dir, &list, is_migration, versionsort);
	if (n < 0) {
		snprintf(why, whysz, "%s: %s", dir, strerror(errno));
		return SL_IO;
	}
	for (i = 0; i < n; i++) {
		if (ret == SL_OK)
			ret = apply_one(db, dir, list[i]->d_name, &count, why,
			    whysz);
		free(list[i]);
	}
	free(list);
	if (applied != NULL)
		*applied = count;
	return ret;
}

/* migrate_apply_count without the count: the servers' start. */
enum sl_status
migrate_apply(struct db *db, const char *dir, char *why, size_t whysz)
{
	return migrate_apply_count(db, dir, NULL, why, whysz);
}
