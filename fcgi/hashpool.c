/*
 * hashpool.c: password checks (htpasswd_matches: yescrypt, ~20 ms on
 * purpose) run here, on a few threads of their own, never on a FastCGI
 * request thread. A request thread that needs one hands over a job that
 * lives on its own stack (pointers to the password and the stored hash,
 * both borrowed until the job is done) and sleeps until a pool thread
 * has run it; it is not woken before, so nothing it lends can go away.
 *
 * The pool admits at most waiting_max jobs at once (running plus queued):
 * beyond that hashpool_matches returns SL_BUSY at once, without hashing
 * and without waiting, so a guessing storm can hold at most waiting_max
 * request threads. main.c sizes waiting_max at half the request threads,
 * and the other half stay free for remembered logins (which auth.c
 * answers from its cache and never send here) and every other request.
 *
 * Refusals are logged at most once a second, with their count.
 *
 * One mutex guards the queue; jobs run outside it. Two condition
 * variables: "work" wakes pool threads, "done" wakes the request threads
 * waiting for their job (each checks its own job's flag).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "hashpool.h"
#include "htpasswd.h"
#include "log.h"
#include "timefmt.h"
#include "xalloc.h"

struct job {
	const char *pass, *hash;	/* borrowed from the waiting thread */
	int match;
	int done;
	struct job *next;
};

struct hashpool {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct job *head, *tail;	/* queued, not yet started */
	int admitted;			/* queued + running */
	int waiting_max;
	int stopping;
	int64_t refused;		/* SL_BUSY since the last warning */
	int64_t warned_ms;		/* when that warning was logged */
	int nthreads;
	pthread_t *tids;
};

/* A pool thread: runs queued jobs until the pool stops. */
static void *
pool_main(void *arg)
{
	struct hashpool *p = arg;
	struct job *j;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->head == NULL && !p->stopping)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->head == NULL)
			break;
		j = p->head;
		if ((p->head = j->next) == NULL)
			p->tail = NULL;
		pthread_mutex_unlock(&p->mu);
		j->match = htpasswd_matches(j->pass, j->hash);
		pthread_mutex_lock(&p->mu);
		j->done = 1;
		p->admitted--;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/*
 * Starts threads pool threads admitting at most waiting_max jobs at once
 * (at least threads). Exits via fatal (startup only) when a thread cannot
 * start. The caller frees the pool with hashpool_free.
 */
struct hashpool *
hashpool_new(int threads, int waiting_max)
{
	struct hashpool *p = xcalloc(1, sizeof(*p));

	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	p->nthreads = threads;
	p->waiting_max = waiting_max > threads ? waiting_max : threads;
	p->tids = xcalloc((size_t)threads, sizeof(*p->tids));
	for (int i = 0; i < threads; i++)
		if (pthread_create(&p->tids[i], NULL, pool_main, p) != 0)
			fatalx("hashpool_new: cannot start thread %d", i);
	return p;
}

/*
 * Stops the pool: queued jobs still run (their threads are waiting for
 * them), then the threads exit and are joined. Call it only after every
 * request thread has ended. NULL is fine.
 */
void
hashpool_free(struct hashpool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->tids[i], NULL);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->mu);
	free(p->tids);
	free(p);
}

/*
 * Counts one check refused for a full pool and unlocks p->mu. A storm
 * refuses thousands a second, so the warning is logged at most once a
 * second, with the count since the last one.
 */
static void
refused(struct hashpool *p)
{
	int64_t now = timefmt_now_ms(), n = 0;

	p->refused++;
	if (now - p->warned_ms >= 1000) {
		n = p->refused;
		p->refused = 0;
		p->warned_ms = now;
	}
	pthread_mutex_unlock(&p->mu);
	if (n > 0)
		log_warnx("hashpool_matches: pool full (%d checks admitted); "
		    "refused %lld password checks", p->waiting_max,
		    (long long)n);
}

/*
 * Checks pass against the stored crypt hash on a pool thread, waiting for
 * the answer: SL_OK with *match 1 or 0. When waiting_max jobs are already
 * admitted, returns SL_BUSY at once without checking (*match 0).
 */
enum sl_status
hashpool_matches(struct hashpool *p, const char *pass, const char *hash,
    int *match)
{
	struct job j = {.pass = pass, .hash = hash};

	*match = 0;
	pthread_mutex_lock(&p->mu);
	if (p->admitted >= p->waiting_max || p->stopping) {
		refused(p);
		return SL_BUSY;
	}
	p->admitted++;
	if (p->tail != NULL)
		p->tail->next = &j;
	else
		p->head = &j;
	p->tail = &j;
	pthread_cond_signal(&p->work);
	while (!j.done)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
	*match = j.match;
	return SL_OK;
}
