/*
 * test_migrate.c: the migration runner (lib/migrate.c) on temporary
 * databases and migration folders under /tmp: migrations apply in
 * numeric order and are recorded; applying twice is a no-op; a failing
 * migration is rolled back entirely, is not recorded, and stops later
 * ones; files that are not NNN_name.sql are ignored; the project's own
 * migrations/ apply cleanly twice. One line per case; exit 1 on failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "migrate.h"

#include "check.h"

static char tmp[] = "/tmp/sluice-migrate.XXXXXX";

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", tmp, dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

/* Returns the integer result of a one-value query, or -1. */
static long
query(struct db *db, const char *sql)
{
	struct db_stmt st;
	int64_t v = -1;

	db_prepare(db, &st, sql);
	db_first_int(&st, &v);
	return (long)v;
}

static long
table_exists(struct db *db, const char *name)
{
	char sql[200];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'table' AND name = '%s'", name);
	return query(db, sql);
}

static struct db *
open_db(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	return db_open(path);
}

static void
mkdir_in(const char *name)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "mkdir -p %s/%s", tmp, name);
	if (system(cmd) != 0)
		exit(2);
}

static void
test_good(void)
{
	char dir[256], why[512] = "";
	struct db *db = open_db("good.db");
	enum sl_status r;
	int applied = -1;

	mkdir_in("good");
	snprintf(dir, sizeof(dir), "%s/good", tmp);
	write_file("good", "001_a.sql", "CREATE TABLE a (x INTEGER);\n"
	    "INSERT INTO a VALUES (1);\n");
	/* 010 must run after 002 (numeric, not text, order). */
	write_file("good", "010_c.sql",
	    "INSERT INTO b SELECT x + 10 FROM a;\n");
	write_file("good", "002_b.sql", "CREATE TABLE b (y INTEGER);\n"
	    "-- a comment\nINSERT INTO b VALUES (2);\n");
	write_file("good", "README", "not a migration");
	write_file("good", "003_notes.txt", "not a migration either");
	write_file("good", "x01_bad.sql", "this is not SQL;");

	r = migrate_apply_count(db, dir, &applied, why, sizeof(why));
	check("apply_ok", r == SL_OK, why);
	check("apply_counts_what_it_applied", applied == 3, "count wrong");
	check("apply_tables", table_exists(db, "a") == 1 &&
	    table_exists(db, "b") == 1, "tables missing");
	check("apply_numeric_order", query(db, "SELECT count(*) FROM b") == 2 &&
	    query(db, "SELECT max(y) FROM b") == 11, "010 ran before 002");
	check("apply_recorded", query(db, "SELECT count(*) FROM "
	    "schema_migrations") == 3 && query(db, "SELECT group_concat("
	    "version) FROM (SELECT version FROM schema_migrations ORDER BY "
	    "version)") != -1 && query(db, "SELECT count(*) FROM "
	    "schema_migrations WHERE version IN (1, 2, 10) AND name LIKE "
	    "'0%.sql' AND applied_at > 0") == 3, "schema_migrations wrong");
	check("apply_no_transaction_left", !db_in_transaction(db),
	    "a transaction is still open");

	/* Twice: nothing runs again (the INSERTs would add rows). */
	r = migrate_apply_count(db, dir, &applied, why, sizeof(why));
	check("apply_twice_ok", r == SL_OK, why);
	check("apply_twice_counts_none", applied == 0, "count not 0");
	check("apply_twice_noop", query(db, "SELECT count(*) FROM a") == 1 &&
	    query(db, "SELECT count(*) FROM b") == 2 && query(db,
	    "SELECT count(*) FROM schema_migrations") == 3, "ran again");
	db_close(db);

	/* A new connection sees the same, and a new file is picked up. */
	db = open_db("good.db");
	write_file("good", "011_d.sql", "CREATE TABLE d (z TEXT);\n");
	r = migrate_apply(db, dir, why, sizeof(why));
	check("apply_new_file_only", r == SL_OK && table_exists(db, "d") == 1 &&
	    query(db, "SELECT count(*) FROM b") == 2 && query(db,
	    "SELECT count(*) FROM schema_migrations") == 4, why);
	db_close(db);
}

static void
test_bad(void)
{
	char dir[256], why[512] = "";
	struct db *db = open_db("bad.db");
	enum sl_status r;

	mkdir_in("bad");
	snprintf(dir, sizeof(dir), "%s/bad", tmp);
	write_file("bad", "001_a.sql", "CREATE TABLE a (x INTEGER);\n");
	/* Creates a table and a row, then fails: all of it must vanish. */
	write_file("bad", "002_broken.sql", "CREATE TABLE half (x INTEGER);\n"
	    "INSERT INTO a VALUES (5);\n"
	    "INSERT INTO no_such_table VALUES (1);\n");
	write_file("bad", "003_later.sql", "CREATE TABLE later (x INTEGER);\n");

	r = migrate_apply(db, dir, why, sizeof(why));
	check("bad_fails", r == SL_DB, "did not fail as SL_DB");
	check("bad_names_file", strstr(why, "002_broken.sql") != NULL &&
	    strstr(why, "no_such_table") != NULL, why);
	check("bad_rolled_back", table_exists(db, "half") == 0 &&
	    query(db, "SELECT count(*) FROM a") == 0, "partial effects kept");
	check("bad_not_recorded", query(db, "SELECT count(*) FROM "
	    "schema_migrations WHERE version = 2") == 0, "recorded");
	check("bad_earlier_kept", table_exists(db, "a") == 1 && query(db,
	    "SELECT count(*) FROM schema_migrations WHERE version = 1") == 1,
	    "001 lost");
	check("bad_stops_later", table_exists(db, "later") == 0 && query(db,
	    "SELECT count(*) FROM schema_migrations WHERE version = 3") == 0,
	    "003 ran after a failure");
	check("bad_no_transaction_left", !db_in_transaction(db),
	    "a transaction is still open");

	/* Fixed, it applies, and so does the one after it. */
	write_file("bad", "002_broken.sql", "CREATE TABLE half (x INTEGER);\n"
	    "INSERT INTO a VALUES (5);\n");
	r = migrate_apply(db, dir, why, sizeof(why));
	check("bad_fixed_applies", r == SL_OK && table_exists(db, "half") == 1 &&
	    table_exists(db, "later") == 1 && query(db, "SELECT count(*) "
	    "FROM a") == 1, why);
	db_close(db);
}

static void
test_missing_dir(void)
{
	char dir[256], why[512] = "";
	struct db *db = open_db("missing.db");

	snprintf(dir, sizeof(dir), "%s/no-such-dir", tmp);
	check("missing_dir_fails", migrate_apply(db, dir, why, sizeof(why)) ==
	    SL_IO && strstr(why, "no-such-dir") != NULL, why);
	db_close(db);
}

/* The project's real migrations apply on a fresh database, twice. */
static void
test_project(void)
{
	const char *root = getenv("SLUICE_ROOT");
	char dir[512], why[512] = "";
	struct db *db;
	long n;

	if (root == NULL)
		root = ".";
	snprintf(dir, sizeof(dir), "%s/migrations", root);
	check("project_migrations_found", access(dir, R_OK) == 0, dir);
	if (access(dir, R_OK) != 0)
		return;
	db = open_db("project.db");
	check("project_migrations_apply", migrate_apply(db, dir, why,
	    sizeof(why)) == SL_OK, why);
	n = query(db, "SELECT count(*) FROM schema_migrations");
	check("project_migrations_twice", migrate_apply(db, dir, why,
	    sizeof(why)) == SL_OK && query(db, "SELECT count(*) FROM "
	    "schema_migrations") == n && n > 0, why);
	check("project_schema_has_runs", table_exists(db, "runs") == 1 &&
	    table_exists(db, "flows") == 1, "tables missing");
	db_close(db);
}

int
main(void)
{
	char cmd[300];

	if (mkdtemp(tmp) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_good();
	test_bad();
	test_missing_dir();
	test_project();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmp);
	return check_status();
}
