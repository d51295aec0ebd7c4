/*
 * roles.c: the one table of user roles. A user's role is stored by name
 * in the users table (written by `sluicectl user`, read by sluice-api);
 * the roles are ordered viewer < operator < admin, each allowed what the
 * ones below it are, and worker, the role of remote workers, may only
 * read what a viewer reads. "none" is no role at all: it names the lack
 * of one and is never stored.
 */
#include <string.h>

#include "roles.h"

static const char *const names[ROLE_MAX] = {
	[ROLE_NONE] = "none",
	[ROLE_WORKER] = "worker",
	[ROLE_VIEWER] = "viewer",
	[ROLE_OPERATOR] = "operator",
	[ROLE_ADMIN] = "admin",
};

/* Returns the users-table name of role (static storage). */
const char *
roles_name(enum role role)
{
	return role < ROLE_MAX ? names[role] : names[ROLE_NONE];
}

/*
 * Parses a stored role name ("worker", "viewer", "operator", "admin";
 * not "none") into *out. Returns SL_OK, or SL_INVALID when name is no
 * role (*out untouched).
 */
enum sl_status
roles_parse(const char *name, enum role *out)
{
	for (int i = ROLE_WORKER; i < ROLE_MAX; i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (enum role)i;
			return SL_OK;
		}
	return SL_INVALID;
}

/*
 * Returns 1 when role have may do what needs role need (ROLE_NONE: open
 * to anyone); reading is set for requests that change nothing, the only
 * ones a worker may make, and only where a viewer may.
 */
int
roles_allow(enum role have, enum role need, int reading)
{
	if (need == ROLE_NONE)
		return 1;
	if (have == ROLE_WORKER)
		return need == ROLE_VIEWER && reading;
	return have >= need;
}

/*
 * Returns 1 when role may see secrets written into flow definitions
 * (webhook URLs with their tokens): those who may write flows.
 */
int
roles_sees_secrets(enum role role)
{
	return role == ROLE_ADMIN;
}
