/*
 * claim.c: takes due runs for this worker through the worker interface
 * (lib/worker.h; the rules of what is due -- pool, max_concurrent_runs,
 * lateness, catchup -- are lib/dispatch.c's, which owns the SQL, with
 * the lateness and catchup verdict in lib/schedule.c). The caller passes the budget left by the worker's concurrency
 * limit and does not call this while the worker is paused or stopping.
 * Each claimed run is then loaded (dag_load). Scheduled runs the claim
 * ended unstarted (too late, or superseded without catchup) are not
 * notified here: notify.c notifies every ended run, however it ended.
 */
#include "log.h"
#include "sched.h"

/*
 * Claims up to budget due runs and loads each (dag_load). Returns the
 * number claimed, or -1 when the store was busy.
 */
int
claim_runs(struct sched *s, int budget)
{
	struct worker_claim c;

	if (s->w->ops->claim(s->w, budget, &c) != SL_OK)
		return -1;
	if (c.nids > 0)
		FAULT(&s->fault, FAULT_AFTER_CLAIM);
	for (int i = 0; i < c.nids; i++) {
		log_info("run %s: claimed", c.ids[i]);
		dag_load(s, c.ids[i]);
	}
	budget = c.nids;
	worker_claim_fini(&c);
	return budget;
}
