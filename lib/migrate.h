/* migrate.h: applies migrations/NNN_name.sql in order (see migrate.c). */
#ifndef SLUICE_MIGRATE_H
#define SLUICE_MIGRATE_H

#include "db.h"
#include <stddef.h>

enum sl_status migrate_apply(struct db *db, const char *dir, char *why, size_t whysz);
enum sl_status migrate_apply_count(struct db *db, const char *dir,
    int *applied, char *why, size_t whysz);

#endif
