/*
 * roles.h: the user roles, written once (see roles.c): their names as
 * stored in the users table, parsing, and what each may do.
 */
#ifndef SLUICE_ROLES_H
#define SLUICE_ROLES_H

#include "status.h"

enum role {
	ROLE_NONE,	/* public route / unknown user */
	ROLE_WORKER,	/* remote workers: GET only for now */
	ROLE_VIEWER,
	ROLE_OPERATOR,
	ROLE_ADMIN,
	ROLE_MAX
};

const char *roles_name(enum role role);
enum sl_status roles_parse(const char *name, enum role *out);
int roles_allow(enum role have, enum role need, int reading);
int roles_sees_secrets(enum role role);

#endif
