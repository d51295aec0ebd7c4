/*
 * htpasswd.h: the password file <data>/htpasswd, "name:crypt-hash" lines
 * (implemented in htpasswd.c). Written only by sluicectl (atomic
 * rename); read by sluice-api's credential verifier. Roles are in the
 * users table, not here.
 */
#ifndef SLUICE_HTPASSWD_H
#define SLUICE_HTPASSWD_H

#include "status.h"

/* The user-name rule (htpasswd_name_valid), as told to people. */
#define HTPASSWD_NAME_MAX 64
#define HTPASSWD_NAME_RULE "1-64 of A-Z a-z 0-9 _ . @ -"

int htpasswd_name_valid(const char *name);
char *htpasswd_lookup(const char *path, const char *name);
enum sl_status htpasswd_set(const char *path, const char *name,
    const char *hash);
enum sl_status htpasswd_del(const char *path, const char *name);
char *htpasswd_hash(const char *password);
int htpasswd_matches(const char *password, const char *hash);

#endif
