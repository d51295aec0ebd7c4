/*
 * netrc.h: sluicectl's reader of ~/.netrc credentials (see netrc.c).
 */
#ifndef SLUICE_CLI_NETRC_H
#define SLUICE_CLI_NETRC_H

#include <stddef.h>

#include "status.h"

/* What a netrc entry gives: both owned (netrc_login_fini wipes them). */
struct netrc_login {
	char *login;
	char *password;
};

enum sl_status netrc_find(const char *path, const char *host,
    const char *login, struct netrc_login *out, char *why, size_t whysz);
void netrc_login_fini(struct netrc_login *l);

#endif
