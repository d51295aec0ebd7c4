/* states.h: run and task-run states and their legal moves (see states.c). */
#ifndef SLUICE_STATES_H
#define SLUICE_STATES_H

#include <stddef.h>

#include "status.h"

/*
 * State sets as SQL lists, for queries: "AND state IN " STATES_SQL_X.
 * Each set is written only here; states.c's predicates read these same
 * strings, so SQL and C can never disagree.
 */
#define STATES_SQL_RUN_ACTIVE "('RUNNING', 'CANCELLING')"
#define STATES_SQL_RUN_TERMINAL \
	"('COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED')"
#define STATES_SQL_RUN_RETRYABLE "('FAILED', 'CANCELLED', 'CRASHED')"
#define STATES_SQL_TASK_WAITING "('PENDING', 'AWAITING_RETRY')"
#define STATES_SQL_TASK_TERMINAL \
	"('COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED', 'SKIPPED')"
#define STATES_SQL_TASK_NEEDS_RETRY \
	"('FAILED', 'CANCELLED', 'CRASHED', 'SKIPPED')"
#define STATES_SQL_TASK_BROKE "('FAILED', 'CRASHED')"

enum run_state {
	RUN_SCHEDULED,
	RUN_PENDING,
	RUN_RUNNING,
	RUN_CANCELLING,
	RUN_COMPLETED,
	RUN_FAILED,
	RUN_CANCELLED,
	RUN_CRASHED,
	RUN_STATE_MAX
};

enum task_state {
	TASK_PENDING,
	TASK_RUNNING,
	TASK_AWAITING_RETRY,
	TASK_COMPLETED,
	TASK_FAILED,
	TASK_CANCELLED,
	TASK_CRASHED,
	TASK_SKIPPED,
	TASK_STATE_MAX
};

const char *states_run_name(enum run_state s);
enum sl_status states_run_parse(const char *name, enum run_state *out);
int states_run_terminal(enum run_state s);
int states_run_active(enum run_state s);
int states_run_can(enum run_state from, enum run_state to);
int states_run_retryable(enum run_state s);

const char *states_task_name(enum task_state s);
enum sl_status states_task_parse(const char *name, enum task_state *out);
int states_task_terminal(enum task_state s);
int states_task_can(enum task_state from, enum task_state to);
int states_task_needs_retry(enum task_state s);
int states_task_waiting(enum task_state s);

enum run_state states_run_from_tasks(const enum task_state *latest, size_t n,
    int cancel_requested);

#endif
