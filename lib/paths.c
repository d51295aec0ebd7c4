/*
 * paths.c: every Sluice program finds its files the same way. The data
 * directory is $SLUICE_DATA (default ./data); nothing is written outside
 * it. Installed files (migrations, the project template) are found by
 * paths_share: an environment override, else beside the program's bin/
 * folder, else under /usr/share/sluice (the container).
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

/*
 * Returns the folder rel of Sluice's installed files (caller frees): the
 * environment variable env if set, else <root>/rel where <root> is the
 * first ancestor of the running program's folder that has it (bin/ or
 * build/asan/bin/ in a checkout), else /usr/share/sluice/rel (the
 * container), which the caller may find missing.
 */
char *
paths_share(const char *rel, const char *env)
{
	const char *v = env ? getenv(env) : NULL;
	char exe[PATH_MAX], *slash, *p;
	ssize_t n;

	if (v && *v)
		return xstrdup(v);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (int up = 0; up < 4; up++) {
			if ((slash = strrchr(exe, '/')) == NULL)
				break;
			*slash = '\0';
			p = xasprintf("%s/%s", exe, rel);
			if (is_dir(p))
				return p;
			free(p);
		}
	}
	return xasprintf("/usr/share/sluice/%s", rel);
}

/* Returns the migrations directory ($SLUICE_MIGRATIONS); caller frees. */
char *
paths_migrations_dir(void)
{
	return paths_share("migrations", "SLUICE_MIGRATIONS");
}
