/*
 * paths.c: every Sluice program finds its files the same way. The data
 * directory is $SLUICE_DATA (default ./data); nothing is written outside
 * it. Migrations are read from $SLUICE_MIGRATIONS, else from the
 * migrations/ folder beside the program's bin/ folder, else from
 * /usr/share/sluice/migrations (the container).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"
#include "xalloc.h"

/* Returns the data directory; borrowed from the environment. */
const char *
paths_data_dir(void)
{
	const char *d = getenv("SLUICE_DATA");

	return d && *d ? d : "./data";
}

/* Returns "<data dir>/<rel>"; the caller frees it. */
char *
paths_data(const char *rel)
{
	return xasprintf("%s/%s", paths_data_dir(), rel);
}

static int
is_dir(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Returns the migrations directory; the caller frees it. */
char *
paths_migrations_dir(void)
{
	const char *env = getenv("SLUICE_MIGRATIONS");
	char exe[PATH_MAX], *slash, *p;
	ssize_t n;

	if (env && *env)
		return xstrdup(env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		/* <root>/bin/prog or <root>/build/asan/bin/prog */
		for (int up = 0; up < 4; up++) {
			if ((slash = strrchr(exe, '/')) == NULL)
				break;
			*slash = '\0';
			p = xasprintf("%s/migrations", exe);
			if (is_dir(p))
				return p;
			free(p);
		}
	}
	return xstrdup("/usr/share/sluice/migrations");
}
