/*
 * migrate.c: the one migration runner. Files named NNN_short_name.sql in
 * the migrations directory are applied in numeric order, each inside its
 * own BEGIN IMMEDIATE transaction together with its row in
 * schema_migrations, so a failed migration leaves no trace and applying
 * twice is a no-op. Migrations are forward only.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbraw.h"
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

static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (cap - len < 4096)
			buf = xrealloc(buf, cap = cap * 2 + 8192);
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static int
already_applied(struct db *db, long version)
{
	sqlite3_stmt *st = dbraw_prepare(db, sql_applied);
	int found;

	if (st == NULL)
		return -1;
	dbraw_bind_int64(st, ":version", version);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static int
record(struct db *db, long version, const char *name)
{
	sqlite3_stmt *st = dbraw_prepare(db, sql_record);
	int rc;

	if (st == NULL)
		return -1;
	dbraw_bind_int64(st, ":version", version);
	dbraw_bind_text(st, ":name", name);
	dbraw_bind_int64(st, ":now", timefmt_now_ms());
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Applies one file in its own transaction. */
static int
apply_one(struct db *db, const char *dir, const char *name, char *why,
    size_t whysz)
{
	long version = strtol(name, NULL, 10);
	char *path = xasprintf("%s/%s", dir, name), *sql = NULL, *err = NULL;
	int ret = -1, done;

	if (db_begin_write(db) != 0) {
		snprintf(why, whysz, "%s: database is busy", name);
		goto out;
	}
	done = already_applied(db, version);
	if (done != 0) {
		ret = done == 1 ? 0 : -1;
		if (done == -1)
			snprintf(why, whysz, "%s: cannot read schema_migrations",
			    name);
		goto out;
	}
	if ((sql = read_file(path)) == NULL) {
		snprintf(why, whysz, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (sqlite3_exec(db_raw(db), sql, NULL, NULL, &err) != SQLITE_OK) {
		snprintf(why, whysz, "%s: %s", name,
		    err ? err : sqlite3_errmsg(db_raw(db)));
		goto out;
	}
	if (record(db, version, name) == -1 || db_commit(db) != SL_OK) {
		snprintf(why, whysz, "%s: cannot record: %s", name,
		    sqlite3_errmsg(db_raw(db)));
		goto out;
	}
	ret = 0;
out:
	if (ret == -1 || !sqlite3_get_autocommit(db_raw(db)))
		dbraw_rollback(db);
	sqlite3_free(err);
	free(sql);
	free(path);
	return ret;
}

/*
 * Applies every migration in dir not yet recorded, in order. Returns 0, or
 * -1 with the failing file and SQLite's message in why; the failing
 * migration is rolled back entirely.
 */
int
migrate_apply(struct db *db, const char *dir, char *why, size_t whysz)
{
	struct dirent **list = NULL;
	int n, i, ret = 0;

	if (db_exec(db, sql_create) != SL_OK) {
		snprintf(why, whysz, "cannot create schema_migrations");
		return -1;
	}
	n = scandir(dir, &list, is_migration, versionsort);
	if (n < 0) {
		snprintf(why, whysz, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (ret == 0)
			ret = apply_one(db, dir, list[i]->d_name, why, whysz);
		free(list[i]);
	}
	free(list);
	return ret;
}
