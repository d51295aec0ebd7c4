/*
 * cmd_migrate.c: `sluicectl migrate` and cli_db_open, the one way
 * sluicectl's local commands open <data>/sluice.db: the data directory is
 * created if missing and every pending migration is applied first, so a
 * user can be added before the server ever started. Only a directory
 * named by SLUICE_DATA is created: without it, ./data must exist, so
 * `sluicectl user add` run from the wrong folder cannot quietly make a
 * second, unused user database there. Applying migrations
 * twice is a no-op (lib/migrate.c). The database files get no permissions
 * for others: when started as root, nginx's workers (www-data) may enter
 * the data directory to reach run/api.sock, and must not read flows, env
 * values or the audit trail from sluice.db.
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
#include "paths.h"
#include "xalloc.h"

static const char usage[] =
    "usage: sluicectl migrate\n"
    "Creates $SLUICE_DATA/sluice.db if needed and applies every pending\n"
    "migration from the migrations directory.\n";

/*
 * Creates the database file at path (mode 0640) when missing, so SQLite,
 * which gives the -wal and -shm files the database's mode, never makes
 * them readable by others; drops the "other" bits from files an older
 * version created (a warning when that fails: the owner may be another
 * user). Returns 0, or -1 after printing why the file cannot be created.
 */
static int
db_files_private(const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	struct stat sb;
	char *f;
	int fd;

	fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd == -1) {
		cli_err("cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		f = xasprintf("%s%s", path, suffix[i]);
		if (lstat(f, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    (sb.st_mode & 0007) != 0 &&
		    chmod(f, sb.st_mode & 0770) == -1) {
			cli_err("warning: %s is readable by others and "
			    "cannot be changed: %s", f, strerror(errno));
		}
		free(f);
	}
	return 0;
}

/*
 * Opens <data>/sluice.db with every migration applied, creating the data
 * directory (mode 0750) when it does not exist. Returns a connection the
 * caller closes with db_close, or NULL after printing why.
 */
sqlite3 *
cli_db_open(void)
{
	const char *data = paths_data_dir();
	const char *env = getenv("SLUICE_DATA");
	char *path = NULL, *dir = NULL, why[512], cwd[512];
	sqlite3 *db = NULL;
	struct stat sb;

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
	path = paths_data("sluice.db");
	if (db_files_private(path) == -1)
		goto out;
	if ((db = db_open(path)) == NULL) {
		cli_err("cannot open %s", path);
		goto out;
	}
	dir = paths_migrations_dir();
	if (migrate_apply(db, dir, why, sizeof(why)) == -1) {
		cli_err("migration failed (%s): %s", dir, why);
		db_close(db);
		db = NULL;
	}
out:
	free(dir);
	free(path);
	return db;
}

/* `sluicectl migrate`: returns CLI_OK, CLI_FAIL or CLI_USAGE. */
int
cmd_migrate(int argc, char **argv)
{
	sqlite3 *db;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		fputs(usage, stdout);
		return CLI_OK;
	}
	if (argc != 1)
		return cli_usage(usage);
	if ((db = cli_db_open()) == NULL)
		return CLI_FAIL;
	db_close(db);
	printf("database %s/sluice.db is up to date\n", paths_data_dir());
	return CLI_OK;
}
