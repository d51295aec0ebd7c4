/*
 * heartbeat.c: this scheduler's registration as a worker, through the
 * worker interface (lib/worker.h). Registration takes a fresh random
 * incarnation (the lease); every heartbeat and every loop iteration
 * checks that the lease is still ours. A scheduler whose lease was taken
 * by a newer process of the same name kills its own task processes and
 * exits without writing anything more: the new one owns the runs now.
 * paused and concurrency_limit are re-read every iteration so PATCH
 * /api/workers/{name} takes effect within a second.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sched.h"

/* Applies settings read from the store, logging what changed. */
static void
apply_settings(struct sched *s, const struct worker_settings *set)
{
	if (set->paused != s->paused)
		log_info("heartbeat: worker %s %s", s->cfg.worker,
		    set->paused ? "paused" : "resumed");
	if (set->limit != s->limit)
		log_info("heartbeat: worker %s concurrency limit %d",
		    s->cfg.worker, set->limit);
	s->paused = set->paused;
	s->limit = set->limit;
}

/*
 * Inserts or takes over this worker's row with a new incarnation and
 * reads its settings. Returns 0, or -1 when the store refused (logged).
 */
int
heartbeat_register(struct sched *s)
{
	struct worker_settings set;
	enum sl_status st = s->w->ops->join(s->w, &set);

	if (st == SL_CONFLICT)
		heartbeat_lease_lost(s);
	if (st != SL_OK) {
		log_warnx("heartbeat_register: worker %s: not registered",
		    s->cfg.worker);
		return -1;
	}
	apply_settings(s, &set);
	return 0;
}

/*
 * Records a heartbeat and the number of running task processes. Returns
 * 0, or -1 when the store was busy (try again later). Does not return
 * when the lease was lost.
 */
int
heartbeat_beat(struct sched *s)
{
	enum sl_status st = s->w->ops->heartbeat(s->w, s->nprocs);

	if (st == SL_CONFLICT)
		heartbeat_lease_lost(s);
	if (st != SL_OK) {
		log_warnx("heartbeat_beat: worker %s: no heartbeat written",
		    s->cfg.worker);
		return -1;
	}
	return 0;
}

/*
 * Re-reads paused and concurrency_limit. Returns 0, or -1 when the
 * store could not be read. Does not return when the lease was lost.
 */
int
heartbeat_reread(struct sched *s)
{
	struct worker_settings set;
	enum sl_status st = s->w->ops->settings(s->w, &set);

	if (st == SL_CONFLICT)
		heartbeat_lease_lost(s);
	if (st != SL_OK) {
		log_warnx("heartbeat_reread: worker %s: settings not read",
		    s->cfg.worker);
		return -1;
	}
	apply_settings(s, &set);
	return 0;
}

/*
 * Another process registered under this worker name (or the row was
 * deleted): kill every task process group we started, write nothing, and
 * exit non-zero so the launcher starts a fresh scheduler.
 */
void
heartbeat_lease_lost(struct sched *s)
{
	log_warnx("heartbeat: worker %s: lease lost (incarnation %s replaced);"
	    " killing %d task processes and exiting", s->cfg.worker,
	    s->incarnation, s->nprocs);
	for (struct run *r = s->runs; r != NULL; r = r->next)
		for (int i = 0; i < r->ntasks; i++)
			if (r->tasks[i].proc != NULL &&
			    !r->tasks[i].proc->exited)
				kill(-r->tasks[i].proc->pid, SIGKILL);
	/* The wake socket now belongs to the new process: leave it. */
	_exit(3);
}
