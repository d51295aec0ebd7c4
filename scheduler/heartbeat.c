/*
 * heartbeat.c: this scheduler's registration as a worker, through the
 * worker interface (lib/worker.h). Registration takes a fresh random
 * incarnation (the lease); every heartbeat and every loop iteration
 * checks that the lease is still ours. A scheduler whose lease was taken
 * by a newer process of the same name kills its own task processes and
 * exits without writing anything more: the new one owns the runs now.
 * paused and concurrency_limit are re-read every iteration so PATCH
 * /api/workers/{name} takes effect within a second.
 *
 * Another worker is judged dead only on evidence: it did not renew for
 * SLUICE_WORKER_STALE_S while the store took every one of our heartbeats
 * (heartbeat_silent_before). A stall that stops everyone's writes -- a
 * backup, a slow disk, a long transaction -- breaks that evidence, so
 * no one is judged dead for it, however long it lasts.
 * While the store refuses writes (store.c), the heartbeat is the probe:
 * the first one taken again ends the spell.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sched.h"
#include "timefmt.h"

/* A gap between two heartbeats the store took that breaks the evidence. */
#define STORE_GAP_MS (2 * HEARTBEAT_MS + 1000)

/* Attempts that ended and whose end is not written yet. */
static int
ends_waiting(const struct sched *s)
{
	int n = 0;

	for (struct run *r = s->runs; r != NULL; r = r->next)
		for (int i = 0; i < r->ntasks; i++)
			n += r->tasks[i].proc != NULL && r->tasks[i].proc->exited;
	return n;
}

/* The store just took a heartbeat (or the registration). */
static void
store_took_beat(struct sched *s)
{
	int64_t mono = timefmt_mono_ms();

	store_back(&s->store, mono, ends_waiting(s));

	if (s->beat_ok_mono == 0 || mono - s->beat_ok_mono > STORE_GAP_MS)
		s->store_up_since = timefmt_now_ms();
	s->beat_ok_mono = mono;
}

/*
 * Returns the wall time (ms) before which a worker's last heartbeat
 * proves it dead: now - SLUICE_WORKER_STALE_S when the store has taken
 * our heartbeats without a gap for at least that long, up to now, else 0
 * (no one is proved dead yet).
 */
int64_t
heartbeat_silent_before(const struct sched *s)
{
	int64_t now = timefmt_now_ms();

	if (s->store_up_since == 0 ||
	    timefmt_mono_ms() - s->beat_ok_mono > STORE_GAP_MS ||
	    now - s->store_up_since < s->cfg.stale_ms)
		return 0;
	return now - s->cfg.stale_ms;
}

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
	store_took_beat(s);
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
		if (s->store.down_mono == 0)
			log_warnx("heartbeat_beat: worker %s: no heartbeat "
			    "written", s->cfg.worker);
		store_refused(&s->store, st, timefmt_mono_ms());
		return -1;
	}
	store_took_beat(s);
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
