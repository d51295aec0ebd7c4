/*
 * worker.c: the parts of the worker interface (worker.h) that do not
 * depend on where the state is stored: the rules that derive how an
 * attempt ends from its process's exit, whether it is retried and after
 * how long, and how a run ends from its tasks; and releasing the
 * structures operations fill.
 * Every backend (worker_db.c today) uses these, so the rule exists once.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#include "log.h"
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

/*
 * Returns the state an attempt whose process ended is in, and why (into
 * reason): stop_state with stop_reason when the worker stopped it (a
 * timeout, a cancel, a shutdown; TASK_PENDING = it was not stopped);
 * else COMPLETED when it exited 0 and its result was valid
 * (result_error NULL); else FAILED: "invalid result: ...", "killed by
 * signal N" (signal > 0) or "exit code N". A stop_state that is not a
 * legal end of a RUNNING attempt is logged and becomes FAILED.
 */
enum task_state
worker_attempt_outcome(enum task_state stop_state, const char *stop_reason,
    int exit_code, int signal, const char *result_error, char *reason,
    size_t reasonsz)
{
	enum task_state st;

	reason[0] = '\0';
	if (stop_state != TASK_PENDING) {
		st = stop_state;
		snprintf(reason, reasonsz, "%s", stop_reason ? stop_reason :
		    "");
	} else if (exit_code == 0 && signal <= 0) {
		st = TASK_COMPLETED;
		if (result_error != NULL) {
			st = TASK_FAILED;
			snprintf(reason, reasonsz, "invalid result: %s",
			    result_error);
		}
	} else {
		st = TASK_FAILED;
		if (signal > 0)
			snprintf(reason, reasonsz, "killed by signal %d",
			    signal);
		else
			snprintf(reason, reasonsz, "exit code %d", exit_code);
	}
	if (!states_task_can(TASK_RUNNING, st)) {
		log_warnx("worker: bad end state %s", states_task_name(st));
		st = TASK_FAILED;
	}
	return st;
}

/*
 * Returns 1 when an attempt that ended in state st gets another attempt:
 * it FAILED, it was attempt number attempt of a task allowing retries
 * retries, and nothing forbids it (no_retry: stopped for a reason a
 * retry cannot fix, or its run is being cancelled or timed out).
 */
int
worker_attempt_retries(enum task_state st, int attempt, int retries,
    int no_retry)
{
	return st == TASK_FAILED && !no_retry && attempt <= retries;
}

/* The longest wait before a retry (seconds): a week. */
#define RETRY_DELAY_MAX_S (7 * 86400)

/*
 * Returns the wait in milliseconds before the attempt that follows
 * attempt number failed_attempt (counting from 1) of a task with the
 * definition's retry_delay_s (delay_s), retry_backoff (backoff; 0 or less
 * counts as 1) and retry_jitter_s (jitter_s): delay_s *
 * backoff^(failed_attempt - 1), plus a random jitter from 0 up to
 * jitter_s, at most a week. Worker backends compute not_before = now +
 * this value when worker_attempt_retries says there is a next attempt.
 */
int64_t
worker_retry_delay_ms(double delay_s, double backoff, double jitter_s,
    int failed_attempt)
{
	double d = delay_s * pow(backoff > 0 ? backoff : 1.0,
	    failed_attempt - 1);
	uint32_t rnd = 0;

	if (jitter_s > 0) {
		if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			rnd = 0;
		d += jitter_s * (rnd / 4294967296.0);
	}
	if (d > RETRY_DELAY_MAX_S)
		d = RETRY_DELAY_MAX_S;
	return (int64_t)(d * 1000);
}

/* Releases what a claim filled in c (NULL fields are fine). */
void
worker_claim_fini(struct worker_claim *c)
{
	if (c == NULL)
		return;
	free(c->ids);
	c->ids = NULL;
	c->nids = 0;
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
	free(r->repo);
	free(r->commit_id);
	free(r->venv);
	r->attempts = NULL;
	r->flow = r->params = r->definition = NULL;
	r->nattempts = 0;
}
