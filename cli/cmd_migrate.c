/*
 * cmd_migrate.c: `sluicectl migrate` and cli_db_open, the one way
 * sluicectl's local commands open <data>/sluice.db: the data directory is
 * created if missing and every pending migration is applied first, so a
 * user can be added before the server ever started. Only a directory
 * named by SLUICE_DATA is created: without it, ./data must exist, so
 * `sluicectl user add` run from the wrong folder cannot quietly make a
 * second, unused user database there. Applying migrations
 * twice is a no-op (lib/migrate.c). db_open keeps the database files
 * private to their owner.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "db.h"
#include "migrate.h"
#include "opts.h"
#include "paths.h"
#include "privs.h"
#include "xalloc.h"

static const char usage[] =
    "usage: sluicectl migrate\n"
    "Creates $SLUICE_DATA/sluice.db if needed and applies every pending\n"
    "migration from the migrations directory, saying which it did:\n"
    "created the database, applied N migrations, or up to date.\n";

/* What opening the database did, for `sluicectl migrate` to say. */
struct db_made {
	int created;	/* sluice.db did not exist before */
	int applied;	/* migrations applied now */
};

/*
 * Opens <data>/sluice.db with every migration applied, creating the data
 * directory (mode 0750) when it does not exist, and says in *made (may
 * be NULL) whether the database was created and how many migrations
 * were applied. Run as root, first becomes the data directory's owner
 * (lib/privs.c), so nothing it writes there is root's. Returns a
 * connection the caller closes with db_close, or NULL after printing
 * why.
 */
static struct db *
db_open_made(struct db_made *made)
{
	const char *data = paths_data_dir();
	const char *env = getenv("SLUICE_DATA");
	char *path = NULL, *dir = NULL, why[512], cwd[512];
	struct db *db = NULL;
	struct stat sb;
	int applied = 0, created;

	if ((env == NULL || *env == '\0') && stat(data, &sb) == -1) {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			strcpy(cwd, ".");
		cli_err("no data directory %s in %s: run sluicectl where "
		    "`make run` made it, or set SLUICE_DATA (it is created "
		    "when named there)", data, cwd);
		goto out;
	}

	if (mkdir(data, 0750) == -1 && errno != EEXIST) {
		cli_err("cannot create data directory %s: %s", data,
		    strerror(errno));
		goto out;
	}
	if (privs_become_owner(data, 0, why, sizeof(why)) == -1) {
		cli_err("%s", why);
		goto out;
	}
	path = paths_data("sluice.db");
	created = stat(path, &sb) == -1 && errno == ENOENT;
	if ((db = db_open(path)) == NULL) {
		cli_err("cannot open %s", path);
		goto out;
	}
	dir = paths_migrations_dir();
	if (migrate_apply_count(db, dir, &applied, why, sizeof(why)) !=
	    SL_OK) {
		cli_err("migration failed (%s): %s", dir, why);
		db_close(db);
		db = NULL;
	} else if (made != NULL) {
		made->created = created;
		made->applied = applied;
	}
out:
	free(dir);
	free(path);
	return db;
}

/*
 * Opens <data>/sluice.db with every migration applied (see
 * db_open_made). Returns a connection the caller closes with db_close,
 * or NULL after printing why.
 */
struct db *
cli_db_open(void)
{
	return db_open_made(NULL);
}

/* `sluicectl migrate`: returns CLI_OK, CLI_FAIL or CLI_USAGE. */
enum cli_exit
cmd_migrate(struct cli *cli, int argc, char **argv)
{
	const struct cli_syntax syntax = { usage, NULL, 0, 0, 0 };
	struct db_made made = { 0, 0 };
	struct cli_args a;
	struct db *db;

	if (cli_parse(cli, &syntax, argc, argv, &a) != SL_OK || a.help)
		return a.exit;
	if ((db = db_open_made(&made)) == NULL)
		return CLI_FAIL;
	db_close(db);
	if (made.created)
		printf("created database %s/sluice.db and applied %d "
		    "migration%s\n", paths_data_dir(), made.applied,
		    made.applied == 1 ? "" : "s");
	else if (made.applied > 0)
		printf("database %s/sluice.db: applied %d migration%s\n",
		    paths_data_dir(), made.applied,
		    made.applied == 1 ? "" : "s");
	else
		printf("database %s/sluice.db is up to date\n",
		    paths_data_dir());
	return CLI_OK;
}
