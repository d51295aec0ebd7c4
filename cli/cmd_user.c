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
#include "opts.h"
#include "paths.h"
#include "roles.h"
#include "table.h"
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
    "input. list prints a header row and one aligned row per user (name,\n"
    "role, whether a password is set); no users print nothing.\n"
    "Names: " HTPASSWD_NAME_RULE "\n";

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

/*
 * Stores name's role in *role (caller frees), NULL when there is no such
 * row. Returns SL_OK, or the failure after printing it.
 */
static enum sl_status
get_role(struct db *db, const char *name, char **role)
{
	struct db_stmt st;
	enum sl_status s;

	*role = NULL;
	db_prepare(db, &st, sql_get_role);
	db_bind_text(&st, ":name", name);
	if (db_step(&st))
		*role = xstrdup(db_col_text(&st, 0));
	if ((s = db_finish(&st)) != SL_OK) {
		cli_err("cannot read the users table");
		free(*role);
		*role = NULL;
	}
	return s;
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
	enum sl_status s = old ? htpasswd_set(file, name, old) :
	    htpasswd_del(file, name);

	if (s != SL_OK)
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

/* One `sluicectl user` command line: what to do, to whom. */
struct user_cmd {
	const struct user_sub *sub;
	const char *name;	/* NULL for list */
	const char *role;	/* add and role, else NULL */
};

typedef enum sl_status user_fn(struct db *db, const char *file,
    const struct user_cmd *uc);

/*
 * Reads and hashes the new password, writes it to the password file and
 * then commits ch (with role and detail) and its audit event; when the
 * commit fails, the file gets back name's old line. Returns SL_OK or the
 * failure (printed).
 */
static enum sl_status
set_password(struct db *db, const char *file, const char *name,
    const struct user_change *ch, const char *role, const char *detail)
{
	char *hash = NULL, *old_hash = NULL;
	enum sl_status s = SL_INVALID;

	if ((hash = read_hash()) == NULL)
		goto out;
	old_hash = htpasswd_lookup(file, name);
	if ((s = htpasswd_set(file, name, hash)) != SL_OK) {
		cli_err("cannot write %s", file);
		goto out;
	}
	if ((s = commit_change(db, ch, name, role, detail)) != SL_OK)
		restore_hash(file, name, old_hash);
out:
	free(old_hash);
	free(hash);
	return s;
}

static enum sl_status
user_add(struct db *db, const char *file, const struct user_cmd *uc)
{
	char *old_role = NULL, *old_hash = NULL, *detail = NULL;
	enum sl_status s;

	if ((s = get_role(db, uc->name, &old_role)) != SL_OK)
		return s;
	old_hash = htpasswd_lookup(file, uc->name);
	if (old_role != NULL || old_hash != NULL) {
		cli_err("user %s exists; use `sluicectl user passwd` or "
		    "`sluicectl user role`", uc->name);
		s = SL_CONFLICT;
		goto out;
	}
	detail = role_detail(uc->role, NULL);
	s = set_password(db, file, uc->name, &change_add, uc->role, detail);
	if (s == SL_OK)
		printf("added user %s (%s)\n", uc->name, uc->role);
out:
	free(detail);
	free(old_hash);
	free(old_role);
	return s;
}

/*
 * A user found only in htpasswd (left by a crash between the two steps)
 * is removed from it too; there is no row, so no event.
 */
static enum sl_status
user_del(struct db *db, const char *file, const struct user_cmd *uc)
{
	char *old_role = NULL, *old_hash = NULL;
	enum sl_status s;

	if ((s = get_role(db, uc->name, &old_role)) != SL_OK)
		return s;
	old_hash = htpasswd_lookup(file, uc->name);
	s = SL_NOTFOUND;
	if (old_role == NULL && old_hash == NULL) {
		cli_err("no such user %s", uc->name);
		goto out;
	}
	s = SL_IO;
	if (old_hash != NULL && htpasswd_del(file, uc->name) != SL_OK) {
		cli_err("cannot write %s", file);
		goto out;
	}
	s = SL_OK;
	if (old_role != NULL && (s = commit_change(db, &change_del, uc->name,
	    NULL, NULL)) != SL_OK) {
		restore_hash(file, uc->name, old_hash);
		goto out;
	}
	printf("deleted user %s\n", uc->name);
out:
	free(old_hash);
	free(old_role);
	return s;
}

/*
 * Stores the role of uc's user in *role (caller frees). Returns SL_OK,
 * SL_NOTFOUND (printed) when there is no such user, or the failure.
 */
static enum sl_status
existing_role(struct db *db, const struct user_cmd *uc, char **role)
{
	enum sl_status s = get_role(db, uc->name, role);

	if (s == SL_OK && *role == NULL) {
		cli_err("no such user %s", uc->name);
		s = SL_NOTFOUND;
	}
	return s;
}

static enum sl_status
user_passwd(struct db *db, const char *file, const struct user_cmd *uc)
{
	char *role = NULL;
	enum sl_status s;

	if ((s = existing_role(db, uc, &role)) != SL_OK)
		return s;
	s = set_password(db, file, uc->name, &change_passwd, NULL, NULL);
	if (s == SL_OK)
		printf("changed the password of %s\n", uc->name);
	free(role);
	return s;
}

static enum sl_status
user_role(struct db *db, const char *file, const struct user_cmd *uc)
{
	char *old_role = NULL, *detail;
	enum sl_status s;

	(void)file;	/* a role lives only in the users table */
	if ((s = existing_role(db, uc, &old_role)) != SL_OK)
		return s;
	detail = role_detail(uc->role, old_role);
	s = commit_change(db, &change_role, uc->name, uc->role, detail);
	if (s == SL_OK)
		printf("%s is now %s\n", uc->name, uc->role);
	free(detail);
	free(old_role);
	return s;
}

/*
 * Lists the users under a header, in aligned columns (cli/table.c): name,
 * role and whether htpasswd has a password for them. No users print
 * nothing on standard output, so `user list | grep -q .` tells whether
 * there are any (scripts/sluice-run asks so).
 */
static enum sl_status
user_list(struct db *db, const char *file, const struct user_cmd *uc)
{
	struct db_stmt st;
	struct table t;
	char *hash;
	enum sl_status s;

	(void)uc;
	table_init(&t, 3);
	table_add(&t, "NAME");
	table_add(&t, "ROLE");
	table_add(&t, "PASSWORD");
	db_prepare(db, &st, sql_list);
	while (db_step(&st)) {
		const char *name = db_col_text(&st, 0);

		hash = htpasswd_lookup(file, name);
		table_add(&t, name);
		table_add(&t, db_col_text(&st, 1));
		table_add(&t, hash ? "set" : "missing");
		free(hash);
	}
	if ((s = db_finish(&st)) != SL_OK)
		cli_err("cannot read the users table");
	else if (table_rows(&t) == 1)
		fprintf(stderr, "no users\n");
	else if (table_print(&t, stdout) == -1) {
		cli_err("writing the list failed");
		s = SL_IO;
	}
	table_fini(&t);
	return s;
}

/* The user subcommands: name, positional arguments, whether --role is
 * required (it is refused elsewhere), and what does the work. */
struct user_sub {
	const char *name;
	int nargs;
	int role_opt;
	user_fn *fn;
};

static const struct user_sub subs[] = {
	{ "add", 1, 1, user_add },
	{ "del", 1, 0, user_del },
	{ "passwd", 1, 0, user_passwd },
	{ "role", 2, 0, user_role },
	{ "list", 0, 0, user_list },
};

/* The subcommand named name, or NULL. */
static const struct user_sub *
sub_find(const char *name)
{
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(subs[i].name, name) == 0)
			return &subs[i];
	return NULL;
}

/*
 * Parses the subcommand's line (argv[0] is the subcommand) into *uc and
 * checks the name and role. Returns SL_OK, or SL_INVALID after printing
 * why; the command stops with a->exit unless SL_OK and !a->help.
 */
static enum sl_status
parse_user(struct cli *cli, int argc, char **argv, struct user_cmd *uc,
    struct cli_args *a)
{
	const struct cli_opt opts[] = {
		{ "role", 0, CLI_OPT_VALUE, &uc->role },
		{ NULL, 0, CLI_OPT_FLAG, NULL }
	};
	const struct cli_syntax syntax = {
		usage, opts, uc->sub->nargs, uc->sub->nargs, 0
	};

	if (cli_parse(cli, &syntax, argc, argv, a) != SL_OK || a->help)
		return a->help ? SL_OK : SL_INVALID;
	a->exit = CLI_USAGE;
	if ((uc->role != NULL) != uc->sub->role_opt) {
		cli_usage(usage);
		return SL_INVALID;
	}
	uc->name = a->nargs > 0 ? a->args[0] : NULL;
	if (a->nargs > 1)
		uc->role = a->args[1];
	if (uc->name != NULL && !htpasswd_name_valid(uc->name)) {
		cli_err("invalid user name \"%s\" (" HTPASSWD_NAME_RULE ")",
		    uc->name);
		return SL_INVALID;
	}
	if (uc->role != NULL && roles_parse(uc->role, &(enum role){0}) != SL_OK) {
		cli_err("invalid role \"%s\" (viewer, operator, admin, worker)",
		    uc->role);
		return SL_INVALID;
	}
	return SL_OK;
}

/*
 * `sluicectl user SUBCOMMAND ...` (argv[0] is "user"). Returns CLI_OK,
 * CLI_FAIL (printed) or CLI_USAGE.
 */
enum cli_exit
cmd_user(struct cli *cli, int argc, char **argv)
{
	struct user_cmd uc = { NULL, NULL, NULL };
	struct cli_args a;
	struct db *db;
	char *file;
	enum sl_status s;

	if (argc < 2)
		return cli_usage(usage);
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(usage, stdout);
		return CLI_OK;
	}
	if ((uc.sub = sub_find(argv[1])) == NULL) {
		cli_err("unknown user command %s", argv[1]);
		return cli_usage(usage);
	}
	if (parse_user(cli, argc - 1, argv + 1, &uc, &a) != SL_OK || a.help)
		return a.exit;
	if ((db = cli_db_open()) == NULL)
		return CLI_FAIL;
	file = paths_data("htpasswd");
	s = uc.sub->fn(db, file, &uc);
	free(file);
	db_close(db);
	return cli_exit_of(s);
}
