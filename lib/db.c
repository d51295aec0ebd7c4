/*
 * db.c: opening the Sluice database and the few helpers every query uses.
 * Every connection runs in WAL mode with synchronous=FULL (a write the API
 * acknowledged survives a power cut), foreign keys on and a busy timeout.
 * Writers call db_begin_write (BEGIN IMMEDIATE), keep the transaction
 * short, and never fork, sleep or touch the network inside it.
 * db_close checks that every statement was finalized. The database holds
 * flow definitions, task env values and the audit trail, so its files are
 * kept private to their owner (nginx's workers may enter the data
 * directory to reach the API socket).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "xalloc.h"

#define DB_BUSY_TIMEOUT_MS 5000

static const char pragmas[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "PRAGMA foreign_keys=ON;";

/*
 * Creates the database file at path (mode 0600) when missing, so SQLite,
 * which gives the -wal and -shm files the database's mode, never makes
 * them readable by others; drops group/other bits from files an older
 * version created (a warning when that fails). Returns 0, or -1 (logged).
 * It must never open and close an existing database file: closing any
 * descriptor of a file drops every POSIX lock this process holds on it,
 * including those of other connections (other threads of sluice-api),
 * and SQLite would then lose writes. Only a file this call created (and so
 * nobody here has locked) is closed; the rest is stat and chmod.
 */
static int
db_files_private(const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	struct stat sb;
	char *f;
	int fd;

	if (lstat(path, &sb) == -1) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
		    O_NOFOLLOW, 0600);
		if (fd == -1 && errno != EEXIST) {
			log_warn("db_open: cannot create %s", path);
			return -1;
		}
		if (fd != -1)
			close(fd);
	}
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		f = xasprintf("%s%s", path, suffix[i]);
		if (lstat(f, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    (sb.st_mode & 0077) != 0 &&
		    chmod(f, sb.st_mode & 0700) == -1)
			log_warn("db_open: %s is readable by others", f);
		free(f);
	}
	return 0;
}

/*
 * Opens (creating if needed, private to its owner) the database at path
 * and sets the pragmas.
 * Returns a connection the caller closes with db_close, or NULL after
 * logging why. SQLite opens its files with O_CLOEXEC, so task processes
 * never inherit them.
 */
sqlite3 *
db_open(const char *path)
{
	sqlite3 *db = NULL;
	int rc;

	if (db_files_private(path) == -1)
		return NULL;
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_warnx("db_open: %s: %s", path,
		    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, DB_BUSY_TIMEOUT_MS);
	if (db_exec(db, pragmas) == -1) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

/* Closes db (NULL is fine); asserts no statement was left unfinalized. */
void
db_close(sqlite3 *db)
{
	sqlite3_stmt *st;

	if (db == NULL)
		return;
	st = sqlite3_next_stmt(db, NULL);
	if (st != NULL)
		log_warnx("db_close: statement left open: %s", sqlite3_sql(st));
	assert(st == NULL);
	sqlite3_close(db);
}

/* Maps a SQLite result code to a status: busy/locked is SL_BUSY. */
enum sl_status
db_status(sqlite3 *db, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return SL_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return SL_BUSY;
	case SQLITE_CONSTRAINT:
		return SL_CONFLICT;
	default:
		log_warnx("db: %s", sqlite3_errmsg(db));
		return SL_DB;
	}
}

/* Starts a write transaction (BEGIN IMMEDIATE). SL_BUSY if still locked. */
enum sl_status
db_begin_write(sqlite3 *db)
{
	return db_status(db, sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL));
}

/* Commits; on failure rolls back and returns the cause. */
enum sl_status
db_commit(sqlite3 *db)
{
	enum sl_status s;

	s = db_status(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL));
	if (s != SL_OK)
		db_rollback(db);
	return s;
}

/* Rolls back the open transaction, if any. */
void
db_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* Runs one or more statements without results. Returns 0 or -1 (logged). */
int
db_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_warnx("db_exec: %s", err ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/*
 * Prepares sql. Returns a statement the caller finalizes, or NULL after
 * logging (a failed prepare is a programmer error or a broken database).
 */
sqlite3_stmt *
db_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_warnx("db_prepare: %s: %s", sqlite3_errmsg(db), sql);
		return NULL;
	}
	return st;
}

static int
param_index(sqlite3_stmt *st, const char *name)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i == 0)
		log_warnx("db_bind: no parameter %s in %s", name,
		    sqlite3_sql(st));
	assert(i != 0);
	return i;
}

/* Binds text v (copied; NULL binds NULL) to the named parameter. */
int
db_bind_text(sqlite3_stmt *st, const char *name, const char *v)
{
	int i = param_index(st, name);

	if (v == NULL)
		return sqlite3_bind_null(st, i) == SQLITE_OK ? 0 : -1;
	return sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) ==
	    SQLITE_OK ? 0 : -1;
}

/* Binds an integer to the named parameter. */
int
db_bind_int64(sqlite3_stmt *st, const char *name, int64_t v)
{
	return sqlite3_bind_int64(st, param_index(st, name), v) == SQLITE_OK ?
	    0 : -1;
}

/* Binds NULL to the named parameter. */
int
db_bind_null(sqlite3_stmt *st, const char *name)
{
	return sqlite3_bind_null(st, param_index(st, name)) == SQLITE_OK ?
	    0 : -1;
}

/*
 * Returns column col as text, "" for NULL. Borrowed until the next
 * step, reset or finalize of st.
 */
const char *
db_col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? (const char *)t : "";
}
