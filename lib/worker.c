/*
 * worker.c: the parts of the worker interface (worker.h) that do not
 * depend on where the state is stored: the rule that derives how a run
 * ends from its tasks, and releasing the structures operations fill.
 * Every backend (worker_db.c today) uses these, so the rule exists once.
 */
#include <stdio.h>
#include <stdlib.h>

#include "worker.h"

/*
 * Returns the state run should be in given the latest state of each of
 * its n tasks (states_run_from_tasks), a cancel request, and whether the
 * flow's timeout of timeout_s seconds fired (then a run that did not
 * complete and was not cancelled is FAILED). Writes why into reason
 * ("" when obvious): "timed out after N s", "task X FAILED", "cancelled".
 */
enum run_state
worker_run_outcome(const struct worker_task_state *tasks, size_t n,
    int cancel_requested, int timed_out, int64_t timeout_s, char *reason,
    size_t reasonsz)
{
	enum task_state latest[n > 0 ? n : 1];
	enum run_state to;

	reason[0] = '\0';
	for (size_t i = 0; i < n; i++)
		latest[i] = tasks[i].state;
	to = states_run_from_tasks(latest, n, cancel_requested);
	if (timed_out && to != RUN_COMPLETED && !cancel_requested) {
		to = RUN_FAILED;
		snprintf(reason, reasonsz, "timed out after %lld s",
		    (long long)timeout_s);
	} else if (to == RUN_FAILED || to == RUN_CRASHED) {
		for (size_t i = 0; i < n; i++)
			if (latest[i] == TASK_FAILED ||
			    latest[i] == TASK_CRASHED) {
				snprintf(reason, reasonsz, "task %s %s",
				    tasks[i].name,
				    states_task_name(latest[i]));
				break;
			}
	} else if (to == RUN_CANCELLED && cancel_requested) {
		snprintf(reason, reasonsz, "cancelled");
	}
	return to;
}

/* Releases what a claim filled in c (NULL fields are fine). */
void
worker_claim_fini(struct worker_claim *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < c->nended; i++) {
		free(c->ended[i].flow);
		json_object_put(c->ended[i].def);
	}
	free(c->ended);
	free(c->ids);
	c->ended = NULL;
	c->ids = NULL;
	c->nended = c->nids = 0;
}

/* Releases what run_load filled in r. */
void
worker_run_fini(struct worker_run *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nattempts; i++) {
		free(r->attempts[i].task);
		free(r->attempts[i].result);
	}
	free(r->attempts);
	free(r->flow);
	free(r->params);
	free(r->definition);
	r->attempts = NULL;
	r->flow = r->params = r->definition = NULL;
	r->nattempts = 0;
}
