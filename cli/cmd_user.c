/*
 * cmd_user.c: `sluicectl user add|del|passwd|role|list`. Passwords go to
 * <data>/htpasswd (lib/htpasswd.c), roles to the users table, and every
 * change gets an audit event (actor "sluicectl") in the same transaction
 * as its table change.
 *
 * A change touches two stores, so the order is fixed to leave no half
 * state behind: the password file is changed first (the slow hash is
 * computed before anything is touched), then the table and the audit
 * event are committed in one short transaction. When that transaction
 * fails, the password file is put back as it was. A user in htpasswd
 * without a row in users has no role, so the brief window between the
 * two steps grants nothing. Passwords are read from the first line of
 * standard input (echo off on a terminal) and wiped after use.
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "db.h"
#include "htpasswd.h"
#include "json.h"
#include "paths.h"
#include "roles.h"
#include "timefmt.h"
#include "xalloc.h"

#ifndef CRYPT_MAX_PASSPHRASE_SIZE
#define CRYPT_MAX_PASSPHRASE_SIZE 512
#endif

static const char usage[] =
    "usage: sluicectl user add NAME --role viewer|operator|admin|worker\n"
    "       sluicectl user passwd NAME\n"
    "       sluicectl user role NAME viewer|operator|admin|worker\n"
    "       sluicectl user del NAME\n"
    "       sluicectl user list\n"
    "add and passwd read the password from the first line of standard\n"
    "input. Names: " HTPASSWD_NAME_RULE "\n";

static const char sql_get_role[] =
    "SELECT role FROM users WHERE name = :name";
static const char sql_insert[] =
    "INSERT INTO users (name, role, created_at, updated_at)"
    " VALUES (:name, :role, :now, :now)";
static const char sql_delete[] =
    "DELETE FROM users WHERE name = :name";
static const char sql_set_role[] =
    "UPDATE users SET role = :role, updated_at = :now WHERE name = :name";
static const char sql_touch[] =
    "UPDATE users SET updated_at = :now WHERE name = :name";
static const char sql_list[] =
    "SELECT name, role FROM users ORDER BY name";

static void
wipe_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/*
 * Reads the password from the first line of standard input. Returns it
 * (caller wipes and frees) or NULL after printing why.
 */
static char *
read_password(void)
{
	struct termios saved, quiet;
	char *line = NULL;
	size_t cap = 0, n;
	int tty = isatty(STDIN_FILENO), echo_off = 0;
	ssize_t got;

	if (tty) {
		fputs("Password: ", stderr);
		if (tcgetattr(STDIN_FILENO, &saved) == 0) {
			quiet = saved;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			echo_off = tcsetattr(STDIN_FILENO, TCSAFLUSH,
			    &quiet) == 0;
		}
	}
	got = getline(&line, &cap, stdin);
	if (echo_off) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		fputc('\n', stderr);
	}
	if (got == -1) {
		cli_err("no password on standard input");
		free(line);
		return NULL;
	}
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n == 0) {
		cli_err("refusing an empty password");
		wipe_free(line);
		return NULL;
	}
	if (n >= CRYPT_MAX_PASSPHRASE_SIZE) {
		cli_err("password longer than %d bytes",
		    CRYPT_MAX_PASSPHRASE_SIZE - 1);
		wipe_free(line);
		return NULL;
	}
	return line;
}

/* Reads the password and hashes it; NULL after printing why. */
static char *
read_hash(void)
{
	char *pw = read_password(), *hash;

	if (pw == NULL)
		return NULL;
	hash = htpasswd_hash(pw);
	wipe_free(pw);
	if (hash == NULL)
		cli_err("cannot hash the password");
	return hash;
}

/* Returns name's role (caller frees) or NULL when there is no row. */
static char *
get_role(struct db *db, const char *name)
{
	struct db_stmt st;
	char *role = NULL;

	db_prepare(db, &st, sql_get_role);
	db_bind_text(&st, ":name", name);
	if (db_step(&st))
		role = xstrdup(db_col_text(&st, 0));
	db_finish(&st);
	return role;
}

/* What a statement of a user change binds besides :name. */
enum {
	BIND_ROLE = 1 << 0,	/* :role */
	BIND_NOW = 1 << 1	/* :now, the change's time */
};

/* One kind of change to the users table and the audit action naming it. */
struct user_change {
	const char *sql;
	unsigned binds;
	const char *action;
};

static const struct user_change change_add = {
	sql_insert, BIND_ROLE | BIND_NOW, "user.add"
};
static const struct user_change change_del = {
	sql_delete, 0, "user.del"
};
static const struct user_change change_role = {
	sql_set_role, BIND_ROLE | BIND_NOW, "user.role"
};
static const struct user_change change_passwd = {
	sql_touch, BIND_NOW, "user.passwd"
};

/* One change to apply: what, to whom, and its audit event. */
struct change_work {
	const struct user_change *ch;
	const char *name;
	const char *role;	/* NULL unless ch binds :role */
	const struct audit_event *ev;
};

/*
 * The transaction of one change: the table row, then its audit event.
 * SL_NOTFOUND when no row was changed.
 */
static enum sl_status
change_tx(struct db *db, void *arg)
{
	const struct change_work *w = arg;
	struct db_stmt st;
	enum sl_status s;

	db_prepare(db, &st, w->ch->sql);
	db_bind_text(&st, ":name", w->name);
	if (w->ch->binds & BIND_ROLE)
		db_bind_text(&st, ":role", w->role);
	if (w->ch->binds & BIND_NOW)
		db_bind_int(&st, ":now", timefmt_now_ms());
	if ((s = db_done(&st)) != SL_OK)
		return s;
	if (db_changes(db) == 0)
		return SL_NOTFOUND;
	return audit_record(db, w->ev);
}

/*
 * Applies one table change and its audit event in one transaction.
 * role is NULL unless the change binds it; detail may be NULL. Returns
 * SL_OK or the failure (printed).
 */
static enum sl_status
commit_change(struct db *db, const struct user_change *ch, const char *name,
    const char *role, const char *detail)
{
	struct audit_event ev = {
		.actor = "sluicectl", .action = ch->action,
		.object_type = "user", .object_id = name,
		.address = NULL, .detail = detail,
	};
	struct change_work w = { ch, name, role, &ev };
	enum sl_status s;

	s = db_write(db, change_tx, &w);
	if (s == SL_NOTFOUND)
		cli_err("no such user %s", name);
	else if (s == SL_BUSY)
		cli_err("database is busy; try again");
	else if (s != SL_OK)
		cli_err("cannot update the users table");
	return s;
}

/* Puts name's password line back as it was (old NULL: no line). */
static void
restore_hash(const char *file, const char *name, const char *old)
{
	int rc = old ? htpasswd_set(file, name, old) :
	    htpasswd_del(file, name);

	if (rc == -1)
		cli_err("could not restore %s in %s; check it by hand", name,
		    file);
}

static char *
role_detail(const char *role, const char *previous)
{
	struct json_object *o = json_object_new_object();
	char *s;

	jsonx_add_str(o, "role", role);
	if (previous != NULL)
		jsonx_add_str(o, "previous", previous);
	s = xstrdup(jsonx_text(o));
	json_object_put(o);
	return s;
}

static int
user_add(struct db *db, const char *file, const char *name, const char *role)
{
	char *old_role = NULL, *old_hash = NULL, *hash = NULL, *detail = NULL;
	int rc = CLI_FAIL;

	old_role = get_role(db, name);
	old_hash = htpasswd_lookup(file, name);
	if (old_role != NULL || old_hash != NULL) {
		cli_err("user %s exists; use `sluicectl user passwd` or "
		    "`sluicectl user role`", name);
		goto out;
	}
	if ((hash = read_hash()) == NULL)
		goto out;
	if (htpasswd_set(file, name, hash) == -1) {
		cli_err("cannot write %s", file);
		goto out;
	}
	detail = role_detail(role, NULL);
	if (commit_change(db, &change_add, name, role, detail) != SL_OK) {
		restore_hash(file, name, NULL);
		goto out;
	}
	printf("added user %s (%s)\n", name, role);
	rc = CLI_OK;
out:
	free(detail);
	free(hash);
	free(old_hash);
	free(old_role);
	return rc;
}

/*
 * A user found only in htpasswd (left by a crash between the two steps)
 * is removed from it too; there is no row, so no event.
 */
static int
user_del(struct db *db, const char *file, const char *name)
{
	char *old_role = get_role(db, name), *old_hash;
	int rc = CLI_FAIL;

	old_hash = htpasswd_lookup(file, name);
	if (old_role == NULL && old_hash == NULL) {
		cli_err("no such user %s", name);
		goto out;
	}
	if (old_hash != NULL && htpasswd_del(file, name) == -1) {
		cli_err("cannot write %s", file);
		goto out;
	}
	if (old_role != NULL && commit_change(db, &change_del, name,
	    NULL, NULL) != SL_OK) {
		restore_hash(file, name, old_hash);
		goto out;
	}
	printf("deleted user %s\n", name);
	rc = CLI_OK;
out:
	free(old_hash);
	free(old_role);
	return rc;
}

static int
user_passwd(struct db *db, const char *file, const char *name)
{
	char *role = get_role(db, name), *old_hash = NULL, *hash = NULL;
	int rc = CLI_FAIL;

	if (role == NULL) {
		cli_err("no such user %s", name);
		goto out;
	}
	if ((hash = read_hash()) == NULL)
		goto out;
	old_hash = htpasswd_lookup(file, name);
	if (htpasswd_set(file, name, hash) == -1) {
		cli_err("cannot write %s", file);
		goto out;
	}
	if (commit_change(db, &change_passwd, name, NULL, NULL) != SL_OK) {
		restore_hash(file, name, old_hash);
		goto out;
	}
	printf("changed the password of %s\n", name);
	rc = CLI_OK;
out:
	free(hash);
	free(old_hash);
	free(role);
	return rc;
}

static int
user_role(struct db *db, const char *name, const char *role)
{
	char *old_role = get_role(db, name), *detail = NULL;
	int rc = CLI_FAIL;

	if (old_role == NULL) {
		cli_err("no such user %s", name);
		goto out;
	}
	detail = role_detail(role, old_role);
	if (commit_change(db, &change_role, name, role, detail) != SL_OK)
		goto out;
	printf("%s is now %s\n", name, role);
	rc = CLI_OK;
out:
	free(detail);
	free(old_role);
	return rc;
}

static int
user_list(struct db *db, const char *file)
{
	struct db_stmt st;
	char *hash;

	db_prepare(db, &st, sql_list);
	while (db_step(&st)) {
		const char *name = db_col_text(&st, 0);

		hash = htpasswd_lookup(file, name);
		printf("%s\t%s%s\n", name, db_col_text(&st, 1),
		    hash ? "" : "\t(no password)");
		free(hash);
	}
	if (db_finish(&st) != SL_OK) {
		cli_err("cannot read the users table");
		return CLI_FAIL;
	}
	return CLI_OK;
}

/*
 * `sluicectl user SUBCOMMAND ...` (argv[0] is "user"). Returns CLI_OK,
 * CLI_FAIL (printed) or CLI_USAGE.
 */
int
cmd_user(struct cli *cli, int argc, char **argv)
{
	const char *sub, *name = NULL, *role = NULL;
	char *file = NULL;
	struct db *db = NULL;
	int rc = CLI_USAGE, nargs = 0;
	char *args[3];

	(void)cli;	/* a local command: no API connection */
	if (argc < 2)
		return cli_usage(usage);
	sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 ||
	    strcmp(sub, "help") == 0) {
		fputs(usage, stdout);
		return CLI_OK;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
			role = argv[++i];
		else if (strncmp(argv[i], "--role=", 7) == 0)
			role = argv[i] + 7;
		else if (argv[i][0] == '-') {
			cli_err("unknown option %s", argv[i]);
			return cli_usage(usage);
		} else if (nargs < 3)
			args[nargs++] = argv[i];
		else
			return cli_usage(usage);
	}
	if (strcmp(sub, "list") == 0) {
		if (nargs != 0 || role != NULL)
			return cli_usage(usage);
	} else if (strcmp(sub, "add") == 0) {
		if (nargs != 1 || role == NULL)
			return cli_usage(usage);
	} else if (strcmp(sub, "role") == 0) {
		if (nargs != 2 || role != NULL)
			return cli_usage(usage);
		role = args[1];
	} else if (strcmp(sub, "del") == 0 || strcmp(sub, "passwd") == 0) {
		if (nargs != 1 || role != NULL)
			return cli_usage(usage);
	} else {
		cli_err("unknown user command %s", sub);
		return cli_usage(usage);
	}
	if (nargs > 0) {
		name = args[0];
		if (!htpasswd_name_valid(name)) {
			cli_err("invalid user name \"%s\" (" HTPASSWD_NAME_RULE
			    ")", name);
			return CLI_USAGE;
		}
	}
	if (role != NULL && roles_parse(role, &(enum role){0}) == -1) {
		cli_err("invalid role \"%s\" (viewer, operator, admin, worker)",
		    role);
		return CLI_USAGE;
	}
	rc = CLI_FAIL;
	if ((db = cli_db_open()) == NULL)
		goto out;
	file = paths_data("htpasswd");
	if (strcmp(sub, "list") == 0)
		rc = user_list(db, file);
	else if (strcmp(sub, "add") == 0)
		rc = user_add(db, file, name, role);
	else if (strcmp(sub, "del") == 0)
		rc = user_del(db, file, name);
	else if (strcmp(sub, "passwd") == 0)
		rc = user_passwd(db, file, name);
	else
		rc = user_role(db, name, role);
out:
	free(file);
	db_close(db);
	return rc;
}
