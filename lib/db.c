/*
 * db.c: the one file that calls SQLite. It owns the connection (struct
 * db), the statement type (struct db_stmt) and transactions.
 *
 * Layering (who may call whom; calls go only down; README "Layout"):
 *   fcgi/, scheduler/, cli/   the three programs; none calls another's
 *                             code, what they share is in lib/
 *   lib/worker_db.c (-> lib/dispatch.c), lib/migrate.c, lib/audit.c
 *                             the files that hold SQL for lib/
 *   lib/db.c                  the only file that includes <sqlite3.h> or
 *                             calls sqlite3_*
 *   SQLite
 * lib/'s rule files (states.c, worker.c, schedule.c, roles.c, flowdef.c)
 * and its parsers (cron.c, tz.c, json.c, timefmt.c, ids.c) are leaves
 * that touch no database.
 *
 * Rules a reader must know:
 * - Every connection runs in WAL mode with synchronous=FULL (a write the
 *   API acknowledged survives a power cut), foreign keys on and a busy
 *   timeout. The database holds flow definitions, task env values and
 *   the audit trail, so its files are kept private to their owner.
 * - A statement remembers its first error: prepare, bind, step and column
 *   reads after a failure do nothing, and db_finish returns that error.
 *   A failed step is logged here with its SQL, once.
 * - Every parameter of a statement is bound (db_bind_all and db_run
 *   assert it; db_bind_* assert the name exists).
 * - A write of more than one statement runs inside db_write (BEGIN
 *   IMMEDIATE ... COMMIT, rolled back on any failure); a single statement
 *   is atomic on its own. Writes are short, and never fork, sleep or
 *   touch the network.
 * - db_close checks that every statement was finalized.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "timefmt.h"
#include "xalloc.h"

#define DB_BUSY_TIMEOUT_MS 5000

struct db {
	sqlite3 *h;
	int64_t full_said_at;	/* mono ms of the last "disk full" line */
	int full_unsaid;	/* "disk full" failures since then */
};

/* At most one "disk full" line per connection this often (ms). */
#define DB_FULL_SAY_MS 10000

static const char pragmas[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "PRAGMA foreign_keys=ON;";
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
struct db *
db_open(const char *path)
{
	struct db *db;
	sqlite3 *h = NULL;
	int rc;

	if (db_files_private(path) == -1)
		return NULL;
	rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_warnx("db_open: %s: %s", path,
		    h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
		sqlite3_close(h);
		return NULL;
	}
	sqlite3_busy_timeout(h, DB_BUSY_TIMEOUT_MS);
	db = xcalloc(1, sizeof(*db));
	db->h = h;
	if (db_exec(db, pragmas) != SL_OK) {
		db_close(db);
		return NULL;
	}
	return db;
}

/* Closes db (NULL is fine); asserts no statement was left unfinalized. */
void
db_close(struct db *db)
{
	sqlite3_stmt *st;

	if (db == NULL)
		return;
	st = sqlite3_next_stmt(db->h, NULL);
	if (st != NULL)
		log_warnx("db_close: statement left open: %s", sqlite3_sql(st));
	assert(st == NULL);
	sqlite3_close(db->h);
	free(db);
}

/*
 * Logs a "disk full" failure at most once per DB_FULL_SAY_MS, with how
 * many were not logged since: a full disk fails every write, many a
 * second, and must not also fill the logs.
 */
static void
say_full(struct db *db, const char *what)
{
	int64_t now = timefmt_mono_ms();

	if (db->full_said_at != 0 && now - db->full_said_at < DB_FULL_SAY_MS) {
		db->full_unsaid++;
		return;
	}
	log_warnx("db: the disk is full (%d more since the last such line): "
	    "%s", db->full_unsaid, what);
	db->full_said_at = now;
	db->full_unsaid = 0;
}

/*
 * Maps a SQLite result code to a status: busy/locked is SL_BUSY, a full
 * disk SL_FULL, a violated constraint SL_CONFLICT, anything else
 * unexpected SL_DB (logged with what, the SQL or the operation that
 * failed).
 */
static enum sl_status
db_map(struct db *db, int rc, const char *what)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return SL_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		log_warnx("db: busy: %s", what);
		return SL_BUSY;
	case SQLITE_FULL:
		say_full(db, what);
		return SL_FULL;
	case SQLITE_CONSTRAINT:
		log_debug("db: constraint: %s: %s", sqlite3_errmsg(db->h),
		    what);
		return SL_CONFLICT;
	default:
		log_warnx("db: %s: %s", sqlite3_errmsg(db->h), what);
		return SL_DB;
	}
}

/* Runs one or more statements without results. Returns SL_OK or why not
 * (logged). */
enum sl_status
db_exec(struct db *db, const char *sql)
{
	char *err = NULL;
	int rc;

	rc = sqlite3_exec(db->h, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK && err != NULL)
		log_warnx("db_exec: %s", err);
	sqlite3_free(err);
	return db_map(db, rc, sql);
}

/* Rolls back the open transaction, if any. */
static void
db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

/* Runs fn(db, arg) between begin and COMMIT; rolls back when fn or the
 * commit fails, and returns the first failure. */
static enum sl_status
db_transaction(struct db *db, const char *begin, db_work_fn *fn, void *arg)
{
	enum sl_status s;

	assert(sqlite3_get_autocommit(db->h));
	if ((s = db_exec(db, begin)) != SL_OK)
		return s;
	s = fn(db, arg);
	if (s == SL_OK)
		s = db_exec(db, "COMMIT");
	db_rollback(db);
	return s;
}

/*
 * Runs fn(db, arg) in one write transaction (BEGIN IMMEDIATE): everything
 * fn wrote is committed when it returns SL_OK and rolled back otherwise.
 * Returns fn's status, SL_BUSY when the lock was not had within the busy
 * timeout, or the commit's failure. Transactions do not nest.
 */
enum sl_status
db_write(struct db *db, db_work_fn *fn, void *arg)
{
	return db_transaction(db, "BEGIN IMMEDIATE", fn, arg);
}

/* Runs fn(db, arg) in one read transaction, so every statement in it sees
 * the same snapshot. Returns fn's status. */
enum sl_status
db_read(struct db *db, db_work_fn *fn, void *arg)
{
	return db_transaction(db, "BEGIN", fn, arg);
}

/* SQLite's message for the last failure on db, for a person to read;
 * borrowed until the next call on db. */
const char *
db_errmsg(struct db *db)
{
	return sqlite3_errmsg(db->h);
}

/* Returns 1 inside a transaction, 0 outside. */
int
db_in_transaction(struct db *db)
{
	return !sqlite3_get_autocommit(db->h);
}

/* Rows changed by the last INSERT, UPDATE or DELETE on db. */
int64_t
db_changes(struct db *db)
{
	return sqlite3_changes64(db->h);
}

/* The rowid of the last successful INSERT on db. */
int64_t
db_last_rowid(struct db *db)
{
	return sqlite3_last_insert_rowid(db->h);
}

/*
 * Prepares sql into st (caller storage). A failure (a programmer error or
 * a broken database) is logged and kept in st->err; st must still be
 * finished with db_finish or db_done.
 */
void
db_prepare(struct db *db, struct db_stmt *st, const char *sql)
{
	st->db = db;
	st->h = NULL;
	st->err = SL_OK;
	if (sqlite3_prepare_v2(db->h, sql, -1, &st->h, NULL) != SQLITE_OK) {
		log_warnx("db_prepare: %s: %s", sqlite3_errmsg(db->h), sql);
		sqlite3_finalize(st->h);
		st->h = NULL;
		st->err = SL_DB;
	}
}

/* Records rc as st's first error unless it is success. */
static void
stmt_check(struct db_stmt *st, int rc, const char *what)
{
	if (rc != SQLITE_OK && st->err == SL_OK) {
		log_warnx("db: %s: %s: %s", what, sqlite3_errmsg(st->db->h),
		    sqlite3_sql(st->h));
		st->err = SL_DB;
	}
}

/* The index of parameter name; a missing name is a programmer error. */
static int
param_index(struct db_stmt *st, const char *name)
{
	int i = sqlite3_bind_parameter_index(st->h, name);

	if (i == 0)
		log_warnx("db_bind: no parameter %s in %s", name,
		    sqlite3_sql(st->h));
	assert(i != 0);
	return i;
}

/* Binds text v (copied; NULL binds NULL) to the named parameter. */
void
db_bind_text(struct db_stmt *st, const char *name, const char *v)
{
	if (v == NULL)
		db_bind_null(st, name);
	else
		db_bind_textn(st, name, v, strlen(v));
}

/* Binds len bytes of text at v (copied) to the named parameter. */
void
db_bind_textn(struct db_stmt *st, const char *name, const char *v,
    size_t len)
{
	if (st->err != SL_OK)
		return;
	stmt_check(st, sqlite3_bind_text64(st->h, param_index(st, name), v,
	    len, SQLITE_TRANSIENT, SQLITE_UTF8), "bind");
}

/* Binds an integer to the named parameter. */
void
db_bind_int(struct db_stmt *st, const char *name, int64_t v)
{
	if (st->err != SL_OK)
		return;
	stmt_check(st, sqlite3_bind_int64(st->h, param_index(st, name), v),
	    "bind");
}

/* Binds a real number to the named parameter. */
void
db_bind_double(struct db_stmt *st, const char *name, double v)
{
	if (st->err != SL_OK)
		return;
	stmt_check(st, sqlite3_bind_double(st->h, param_index(st, name), v),
	    "bind");
}

/* Binds NULL to the named parameter. */
void
db_bind_null(struct db_stmt *st, const char *name)
{
	if (st->err != SL_OK)
		return;
	stmt_check(st, sqlite3_bind_null(st->h, param_index(st, name)),
	    "bind");
}

/*
 * Binds a[0..n) to st. Every parameter the statement has must be among
 * them: a parameter left unbound is a programmer error, like a name the
 * statement lacks (names may repeat in the SQL; they count once).
 */
void
db_bind_args(struct db_stmt *st, const struct db_arg *a, size_t n)
{
	if (st->err != SL_OK)
		return;
	assert((size_t)sqlite3_bind_parameter_count(st->h) == n);
	for (size_t i = 0; i < n; i++) {
		if (a[i].type == DB_ARG_INT)
			db_bind_int(st, a[i].name, a[i].i);
		else if (a[i].type == DB_ARG_TEXT)
			db_bind_text(st, a[i].name, a[i].text);
		else
			db_bind_null(st, a[i].name);
	}
}

/*
 * Runs sql, a statement without result rows, with every parameter bound
 * from a[0..n) (see db_bind_args). Returns its first error or SL_OK;
 * db_changes tells how many rows it changed.
 */
enum sl_status
db_run_args(struct db *db, const char *sql, const struct db_arg *a,
    size_t n)
{
	struct db_stmt st;

	db_prepare(db, &st, sql);
	db_bind_args(&st, a, n);
	return db_done(&st);
}

/*
 * Steps st. Returns 1 when a row is ready, 0 when the statement is done
 * or failed (the failure is logged and kept in st->err, so loops written
 * as while (db_step(&st)) end on errors too).
 */
int
db_step(struct db_stmt *st)
{
	int rc;

	if (st->err != SL_OK)
		return 0;
	rc = sqlite3_step(st->h);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		st->err = db_map(st->db, rc, sqlite3_sql(st->h));
	return 0;
}

/* Resets st for another execution, keeping its bindings. */
void
db_reset(struct db_stmt *st)
{
	if (st->err == SL_OK)
		sqlite3_reset(st->h);
}

/* Finalizes st (safe on a failed prepare). Returns its first error. */
enum sl_status
db_finish(struct db_stmt *st)
{
	sqlite3_finalize(st->h);
	st->h = NULL;
	return st->err;
}

/* Steps st to its end and finishes it. Returns its first error. */
enum sl_status
db_done(struct db_stmt *st)
{
	while (db_step(st))
		;
	return db_finish(st);
}

/*
 * Steps st once and, when there is a row, stores its first column in
 * *out; then finishes st. Returns SL_OK, SL_NOTFOUND when there was no
 * row (*out untouched), or the statement's first error.
 */
enum sl_status
db_first_int(struct db_stmt *st, int64_t *out)
{
	int row = db_step(st);

	if (row)
		*out = db_col_int(st, 0);
	if (db_finish(st) != SL_OK)
		return st->err;
	return row ? SL_OK : SL_NOTFOUND;
}

/* Integer column col of the current row (0 for NULL). */
int64_t
db_col_int(struct db_stmt *st, int col)
{
	return st->err == SL_OK ? sqlite3_column_int64(st->h, col) : 0;
}

/* Real column col of the current row (0 for NULL). */
double
db_col_double(struct db_stmt *st, int col)
{
	return st->err == SL_OK ? sqlite3_column_double(st->h, col) : 0;
}

/*
 * Text column col of the current row, "" for NULL. Borrowed until the
 * next step, reset or finish of st.
 */
const char *
db_col_text(struct db_stmt *st, int col)
{
	const unsigned char *t;

	if (st->err != SL_OK)
		return "";
	t = sqlite3_column_text(st->h, col);
	if (t == NULL && sqlite3_column_type(st->h, col) != SQLITE_NULL) {
		stmt_check(st, SQLITE_NOMEM, "column");
		return "";
	}
	return t ? (const char *)t : "";
}

/* Length in bytes of text column col (call after db_col_text). */
size_t
db_col_bytes(struct db_stmt *st, int col)
{
	return st->err == SL_OK ? (size_t)sqlite3_column_bytes(st->h, col) : 0;
}

/* Returns 1 when column col of the current row is NULL. */
int
db_col_null(struct db_stmt *st, int col)
{
	return st->err != SL_OK ||
	    sqlite3_column_type(st->h, col) == SQLITE_NULL;
}
