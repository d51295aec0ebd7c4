/*
 * test_db.c: the one way to SQLite (lib/db.c). A statement remembers its
 * first error (a bad prepare makes every later call a no-op and
 * db_finish reports it); db_run binds every parameter and reports a
 * violated constraint as SL_CONFLICT; db_write commits what its function
 * wrote on SL_OK and rolls all of it back on any failure; a write lock
 * held elsewhere is SL_BUSY; a NULL column reads as "" and is told apart
 * by db_col_null; db_first_int tells "no row" from a value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "db.h"

static char tmp[] = "/tmp/sluice-db.XXXXXX";

static int64_t
count(struct db *db)
{
	struct db_stmt st;
	int64_t n = -1;

	db_prepare(db, &st, "SELECT count(*) FROM t");
	db_first_int(&st, &n);
	return n;
}

static enum sl_status
insert_then(struct db *db, void *arg)
{
	enum sl_status ret = db_run(db, "INSERT INTO t (k, v) VALUES (:k, :v)",
	    DB_TEXT(":k", "in-txn"), DB_TEXT(":v", "x"));

	return ret != SL_OK ? ret : *(enum sl_status *)arg;
}

static void
test_statement(struct db *db)
{
	struct db_stmt st;
	int64_t v = 42;

	db_prepare(db, &st, "SELECT nonsense FROM nowhere WHERE a = :a");
	db_bind_int(&st, ":a", 1);
	check("bad_prepare_remembered", db_step(&st) == 0 &&
	    db_col_int(&st, 0) == 0 && db_finish(&st) == SL_DB,
	    "a failed prepare was not kept");
	check("errmsg_for_people", strstr(db_errmsg(db), "no such") != NULL,
	    db_errmsg(db));
	check("run_inserts", db_run(db, "INSERT INTO t (k, v) VALUES (:k,"
	    " :v)", DB_TEXT(":k", "a"), DB_TEXT(":v", NULL)) == SL_OK &&
	    db_changes(db) == 1 && count(db) == 1, "insert");
	check("constraint_is_conflict", db_run(db, "INSERT INTO t (k, v)"
	    " VALUES (:k, :v)", DB_TEXT(":k", "a"), DB_TEXT(":v", "b")) ==
	    SL_CONFLICT && count(db) == 1, "duplicate key accepted");
	db_prepare(db, &st, "SELECT v, k FROM t WHERE k = :k");
	db_bind_all(&st, DB_TEXT(":k", "a"));
	check("null_column", db_step(&st) == 1 &&
	    strcmp(db_col_text(&st, 0), "") == 0 && db_col_null(&st, 0) &&
	    !db_col_null(&st, 1) && db_finish(&st) == SL_OK, "NULL misread");
	db_prepare(db, &st, "SELECT 1 FROM t WHERE k = :k");
	db_bind_all(&st, DB_TEXT(":k", "missing"));
	check("first_int_no_row", db_first_int(&st, &v) == SL_NOTFOUND &&
	    v == 42, "no row read as a value");
}

static void
test_write(struct db *db, struct db *other)
{
	enum sl_status fail = SL_CONFLICT, ok = SL_OK;

	check("write_rolls_back", db_write(db, insert_then, &fail) ==
	    SL_CONFLICT && count(db) == 1 && !db_in_transaction(db),
	    "a failed write left rows or a transaction");
	check("write_commits", db_write(db, insert_then, &ok) == SL_OK &&
	    count(other) == 2, "the other connection does not see it");
	check("lock_is_busy", db_exec(other, "BEGIN IMMEDIATE") == SL_OK &&
	    db_write(db, insert_then, &ok) == SL_BUSY &&
	    db_exec(other, "ROLLBACK") == SL_OK && count(db) == 2,
	    "a held write lock was not SL_BUSY");
}

int
main(void)
{
	char path[300], cmd[300];
	struct db *db, *other;

	if (mkdtemp(tmp) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/t.db", tmp);
	db = db_open(path);
	other = db_open(path);
	check("open", db != NULL && other != NULL && db_exec(db, "CREATE TABLE"
	    " t (k TEXT PRIMARY KEY, v TEXT)") == SL_OK, path);
	if (db != NULL && other != NULL) {
		test_statement(db);
		test_write(db, other);
	}
	db_close(db);
	db_close(other);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmp);
	return check_status();
}
