/*
 * states.c: the one copy of the run and task-run state rules, shared by
 * the API, the local scheduler and (later) remote and Slurm workers.
 * Terminal states never change except through an explicit retry
 * (FAILED/CANCELLED/CRASHED back to PENDING), which callers record.
 */
#include <string.h>

#include "states.h"

static const char *const run_names[RUN_STATE_MAX] = {
	[RUN_SCHEDULED] = "SCHEDULED",
	[RUN_PENDING] = "PENDING",
	[RUN_RUNNING] = "RUNNING",
	[RUN_CANCELLING] = "CANCELLING",
	[RUN_COMPLETED] = "COMPLETED",
	[RUN_FAILED] = "FAILED",
	[RUN_CANCELLED] = "CANCELLED",
	[RUN_CRASHED] = "CRASHED",
};

static const char *const task_names[TASK_STATE_MAX] = {
	[TASK_PENDING] = "PENDING",
	[TASK_RUNNING] = "RUNNING",
	[TASK_AWAITING_RETRY] = "AWAITING_RETRY",
	[TASK_COMPLETED] = "COMPLETED",
	[TASK_FAILED] = "FAILED",
	[TASK_CANCELLED] = "CANCELLED",
	[TASK_CRASHED] = "CRASHED",
	[TASK_SKIPPED] = "SKIPPED",
};

#define B(s) (1u << (s))

/* run_moves[from] is the set of states a run may move to. */
static const unsigned run_moves[RUN_STATE_MAX] = {
	[RUN_SCHEDULED] = B(RUN_PENDING) | B(RUN_RUNNING) | B(RUN_CANCELLED),
	[RUN_PENDING] = B(RUN_RUNNING) | B(RUN_CANCELLED) | B(RUN_CRASHED) |
	    B(RUN_FAILED),
	[RUN_RUNNING] = B(RUN_CANCELLING) | B(RUN_COMPLETED) | B(RUN_FAILED) |
	    B(RUN_CANCELLED) | B(RUN_CRASHED),
	[RUN_CANCELLING] = B(RUN_CANCELLED) | B(RUN_CRASHED),
	/* Explicit retry only. */
	[RUN_FAILED] = B(RUN_PENDING),
	[RUN_CANCELLED] = B(RUN_PENDING),
	[RUN_CRASHED] = B(RUN_PENDING),
};

static const unsigned task_moves[TASK_STATE_MAX] = {
	[TASK_PENDING] = B(TASK_RUNNING) | B(TASK_SKIPPED) |
	    B(TASK_CANCELLED) | B(TASK_CRASHED),
	[TASK_RUNNING] = B(TASK_COMPLETED) | B(TASK_FAILED) |
	    B(TASK_CANCELLED) | B(TASK_CRASHED),
	[TASK_AWAITING_RETRY] = B(TASK_RUNNING) | B(TASK_CANCELLED) |
	    B(TASK_SKIPPED) | B(TASK_CRASHED),
};

/* Returns 1 when set, one of states.h's STATES_SQL_ lists, holds name. */
static int
in_set(const char *set, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = strchr(set, '\''); p != NULL;
	    p = strchr(p + 1, '\''))
		if (strncmp(p + 1, name, n) == 0 && p[n + 1] == '\'')
			return 1;
	return 0;
}

static int
parse(const char *const *names, int max, const char *name, int *out)
{
	for (int i = 0; name != NULL && i < max; i++)
		if (strcmp(names[i], name) == 0) {
			*out = i;
			return 0;
		}
	return -1;
}

/* Returns the upper-case name of s (static storage). */
const char *
states_run_name(enum run_state s)
{
	return s < RUN_STATE_MAX ? run_names[s] : "UNKNOWN";
}

/* Parses an upper-case run state name. Returns SL_OK, or SL_INVALID. */
enum sl_status
states_run_parse(const char *name, enum run_state *out)
{
	int v;

	if (parse(run_names, RUN_STATE_MAX, name, &v) == -1)
		return SL_INVALID;
	*out = (enum run_state)v;
	return SL_OK;
}

/* Returns 1 for the states in STATES_SQL_RUN_TERMINAL. */
int
states_run_terminal(enum run_state s)
{
	return s < RUN_STATE_MAX && in_set(STATES_SQL_RUN_TERMINAL,
	    run_names[s]);
}

/* Returns 1 for the states in STATES_SQL_RUN_ACTIVE (processes may run). */
int
states_run_active(enum run_state s)
{
	return s < RUN_STATE_MAX && in_set(STATES_SQL_RUN_ACTIVE,
	    run_names[s]);
}

/* Returns 1 when a run may move from one state to the other. */
int
states_run_can(enum run_state from, enum run_state to)
{
	return from < RUN_STATE_MAX && to < RUN_STATE_MAX &&
	    (run_moves[from] & B(to)) != 0;
}

/* Returns 1 when an explicit retry may restart a run in state s
 * (STATES_SQL_RUN_RETRYABLE). */
int
states_run_retryable(enum run_state s)
{
	return s < RUN_STATE_MAX && in_set(STATES_SQL_RUN_RETRYABLE,
	    run_names[s]);
}

/* Returns the upper-case name of s (static storage). */
const char *
states_task_name(enum task_state s)
{
	return s < TASK_STATE_MAX ? task_names[s] : "UNKNOWN";
}

/* Parses an upper-case task state name. Returns SL_OK, or SL_INVALID. */
enum sl_status
states_task_parse(const char *name, enum task_state *out)
{
	int v;

	if (parse(task_names, TASK_STATE_MAX, name, &v) == -1)
		return SL_INVALID;
	*out = (enum task_state)v;
	return SL_OK;
}

/* Returns 1 for the states in STATES_SQL_TASK_TERMINAL. */
int
states_task_terminal(enum task_state s)
{
	return s < TASK_STATE_MAX && in_set(STATES_SQL_TASK_TERMINAL,
	    task_names[s]);
}

/* Returns 1 for an attempt not yet started (STATES_SQL_TASK_WAITING). */
int
states_task_waiting(enum task_state s)
{
	return s < TASK_STATE_MAX && in_set(STATES_SQL_TASK_WAITING,
	    task_names[s]);
}

/* Returns 1 when an attempt may move from one state to the other. */
int
states_task_can(enum task_state from, enum task_state to)
{
	return from < TASK_STATE_MAX && to < TASK_STATE_MAX &&
	    (task_moves[from] & B(to)) != 0;
}

/*
 * Returns 1 when an explicit run retry must run this task again: it
 * failed, was cancelled, crashed, or was skipped because an upstream did.
 */
int
states_task_needs_retry(enum task_state s)
{
	return s < TASK_STATE_MAX && in_set(STATES_SQL_TASK_NEEDS_RETRY,
	    task_names[s]);
}

/*
 * Derives a run's state from the state of the latest attempt of each of
 * its n tasks. While any task is unfinished the run is RUNNING (CANCELLING
 * once a cancel was requested). When all are finished: CANCELLED if a
 * cancel was requested, else FAILED, CRASHED or CANCELLED if any task
 * ended so (in that order), else COMPLETED.
 */
enum run_state
states_run_from_tasks(const enum task_state *latest, size_t n,
    int cancel_requested)
{
	unsigned seen = 0;

	for (size_t i = 0; i < n; i++) {
		if (!states_task_terminal(latest[i]))
			return cancel_requested ? RUN_CANCELLING : RUN_RUNNING;
		seen |= B(latest[i]);
	}
	if (cancel_requested)
		return RUN_CANCELLED;
	if (seen & B(TASK_FAILED))
		return RUN_FAILED;
	if (seen & B(TASK_CRASHED))
		return RUN_CRASHED;
	if (seen & B(TASK_CANCELLED))
		return RUN_CANCELLED;
	return RUN_COMPLETED;
}
