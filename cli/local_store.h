/*
 * local_store.h: the database side of `sluicectl run --local` (see
 * local_store.c).
 */
#ifndef SLUICE_CLI_LOCAL_STORE_H
#define SLUICE_CLI_LOCAL_STORE_H

#include <json-c/json.h>
#include <stddef.h>

#include "db.h"
#include "ids.h"
#include "states.h"
#include "status.h"

/* One attempt of a task, as the scheduler left it. */
struct local_attempt {
	char *task;
	int attempt;
	enum task_state state;
	char *reason;		/* NULL: none */
	int exit_code;		/* -1: none */
};

/* A run and its attempts, read in one transaction. */
struct local_view {
	enum run_state state;
	char *reason;		/* NULL: none */
	struct local_attempt *v;	/* in the order they started (or ended,
				   never started) */
	size_t n;
};

enum sl_status local_store_run(struct db *db, struct json_object *def,
    const char *params, const char *source, char id[IDS_LEN]);
enum sl_status local_store_view(struct db *db, const char *id,
    struct local_view *out);
void local_view_fini(struct local_view *v);

#endif
