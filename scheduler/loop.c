/*
 * loop.c: the scheduler's single-threaded event loop. It polls the
 * signalfd (SIGCHLD, SIGTERM, SIGINT), the wake socket, every task's
 * output pipes and the webhook sockets, with a timeout of at most one
 * second, so a lost wake-up only delays work. Database work (lease check,
 * cancels, claims; queuing ended runs' webhooks and leasing those due,
 * also while paused) runs when
 * woken, when a child exits, and at least every half second; heartbeats
 * every 2 s; recovery of dead schedulers' runs every 5 s; schedules every
 * 2 s; retention a second after start, then every 10 minutes.
 * SIGTERM stops claiming, stops every task (SIGTERM, then SIGKILL after
 * the grace period), marks the interrupted attempts CRASHED with reason
 * "scheduler stopped" and returns 0; their runs stay RUNNING and the next
 * scheduler recovers them (retrying by policy).
 *
 * Who may call whom in scheduler/ (one way only, never upwards or
 * sideways within a line; a file may skip lines going down):
 *
 *   main.c
 *   loop.c
 *   claim.c recover.c heartbeat.c cron_tick.c retention.c notify.c deliver.c
 *   dag.c          (the runs and what happens next; unit-tested alone)
 *   spawn.c reap.c (starting and finishing one attempt's process)
 *   attempt.c      (the one owner of struct attempt)
 *   proc.c logsink.c store.c (processes by pid; log files; the store's
 *                  refusals and their backoff)
 *   lib/
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "log.h"
#include "sched.h"
#include "timefmt.h"
#include "wake.h"
#include "xalloc.h"

#define DB_TICK_MS 500
#define RECOVER_MS 5000
#define CRON_MS 2000
#define RETENTION_MS (10 * 60 * 1000)
#define READ_BUDGET (1024 * 1024)

struct pipe_ref {
	struct attempt *a;
	int stream;
};

static void
begin_stop(struct sched *s)
{
	if (s->stopping) {
		log_info("loop: second stop signal; killing every task now");
		for (struct run *r = s->runs; r != NULL; r = r->next)
			for (int i = 0; i < r->ntasks; i++)
				if (r->tasks[i].proc != NULL)
					kill(-r->tasks[i].proc->pid, SIGKILL);
		return;
	}
	log_info("loop: stopping: %d task processes to stop", s->nprocs);
	s->stopping = 1;
	for (struct run *r = s->runs; r != NULL; r = r->next)
		for (int i = 0; i < r->ntasks; i++)
			if (r->tasks[i].proc != NULL)
				reap_stop(s, r->tasks[i].proc, TASK_CRASHED,
				    "scheduler stopped", 1);
}

/* Returns 1 when a child exited. */
static int
read_signals(struct sched *s)
{
	struct signalfd_siginfo si;
	int child = 0;

	while (read(s->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			child = 1;
			break;
		case SIGTERM:
		case SIGINT:
			begin_stop(s);
			break;
		default:
			log_info("loop: signal %u ignored", si.ssi_signo);
		}
	}
	if (child)
		reap_children(s);
	return child;
}

/* Milliseconds until something time-driven is due, at most 1000. */
static int
next_timeout(struct sched *s, int more_to_read)
{
	int64_t now = timefmt_now_ms(), wait = 1000;

	if (more_to_read)
		return 0;
	for (struct run *r = s->runs; r != NULL; r = r->next)
		for (int i = 0; i < r->ntasks; i++) {
			struct task *t = &r->tasks[i];

			if (t->proc != NULL && t->proc->exited)
				wait = wait > 100 ? 100 : wait;
			if (t->proc == NULL && t->state ==
			    TASK_AWAITING_RETRY && t->not_before - now < wait)
				wait = t->not_before - now;
		}
	return wait < 0 ? 0 : (int)wait;
}

/* The poll set of one iteration; its arrays are reused. */
struct pollset {
	struct pollfd *pfd;	/* signalfd, wake socket, pipes, curl */
	struct pipe_ref *refs;	/* for pfd[2 .. npipes) */
	size_t cap;
	size_t n;		/* entries in use */
	size_t npipes;		/* end of the pipes in pfd, start of curl's */
};

/* The time-driven duties of a database tick, then cancel requests. */
static void
db_tick(struct sched *s, int64_t mono)
{
	if (!s->stopping) {
		heartbeat_reread(s);
		if (mono >= s->next_recover) {
			recover_orphans(s);
			s->next_recover = mono + RECOVER_MS;
		}
		if (mono >= s->next_cron) {
			cron_tick(s);
			s->next_cron = mono + CRON_MS;
		}
		if (mono >= s->next_retention) {
			retention_tick(s);
			retention_code(s);
			s->next_retention = mono + RETENTION_MS;
		}
		repo_tick(s);
	}
	dag_check_cancels(s);
}

/*
 * One pass of work at mono: heartbeat, the database tick when db_due,
 * timeouts and kills, finished attempts, new attempts and claims, then
 * webhooks and log sizes. While the store refuses writes, only a
 * heartbeat is tried, at store.c's backoff, until one is taken.
 * Returns 1 when the loop is done (stopping and no task process left).
 */
static int
work(struct sched *s, int64_t mono, int db_due)
{
	int writes = store_writes_due(&s->store, mono);

	if (writes && (mono >= s->next_heartbeat || s->store.down_mono)) {
		heartbeat_beat(s);
		s->next_heartbeat = mono + HEARTBEAT_MS;
		writes = store_writes_due(&s->store, mono);
	}
	if (db_due && writes)
		db_tick(s, mono);
	dag_check_timeouts(s);
	reap_enforce_kills(s);
	if (writes) {
		reap_finish_ready(s);
		dag_advance(s);
	}
	if (db_due && writes && !s->stopping && !s->paused) {
		int budget = s->limit - s->nprocs - dag_count_ready(s);

		if (budget > 0 && claim_runs(s, budget) > 0)
			dag_advance(s);
	}
	/* Webhooks of runs ended here, by the API or elsewhere. */
	if (db_due && writes && !s->stopping) {
		notify_tick(s);
		deliver_tick(s);
	}
	reap_report_logs(s, writes);
	deliver_perform(s);
	return s->stopping && s->nprocs == 0;
}

/*
 * Fills ps with the signalfd, the wake socket, every open pipe and the
 * webhook sockets, and lowers *timeout to when curl needs attention.
 */
static void
pollset_build(struct sched *s, struct pollset *ps, int *timeout)
{
	size_t need = 2 + deliver_nfds(s);

	for (struct run *r = s->runs; r != NULL; r = r->next)
		need += 2 * (size_t)r->ntasks;
	if (need > ps->cap) {
		ps->cap = need;
		ps->pfd = xrealloc(ps->pfd, ps->cap * sizeof(*ps->pfd));
		ps->refs = xrealloc(ps->refs, ps->cap * sizeof(*ps->refs));
	}
	ps->n = 0;
	ps->pfd[ps->n++] = (struct pollfd){ .fd = s->sig_fd,
	    .events = POLLIN };
	ps->pfd[ps->n++] = (struct pollfd){ .fd = s->wake_fd,
	    .events = POLLIN };
	for (struct run *r = s->runs; r != NULL; r = r->next)
		for (int i = 0; i < r->ntasks; i++) {
			struct attempt *a = r->tasks[i].proc;

			for (int k = 0; a != NULL && k < 2; k++) {
				if (a->log.s[k].fd == -1)
					continue;
				ps->refs[ps->n] = (struct pipe_ref){ a, k };
				ps->pfd[ps->n++] = (struct pollfd){
				    .fd = a->log.s[k].fd, .events = POLLIN };
			}
		}
	ps->npipes = ps->n;
	ps->n += deliver_fds(s, ps->pfd + ps->n, ps->cap - ps->n, timeout);
}

/*
 * Handles what poll reported in ps: signals, a wake-up, task output.
 * Sets *more when a pipe has more to read. Returns 1 when database work
 * is due (woken, or a child exited).
 */
static int
pollset_handle(struct sched *s, struct pollset *ps, int *more)
{
	int dbwork = 0;

	*more = 0;
	if (ps->pfd[0].revents)
		dbwork |= read_signals(s);
	if (ps->pfd[1].revents) {
		wake_drain(s->wake_fd);
		dbwork = 1;
	}
	for (size_t i = 2; i < ps->npipes; i++)
		if (ps->pfd[i].revents)
			*more |= logsink_read(&ps->refs[i].a->log,
			    ps->refs[i].stream, READ_BUDGET);
	deliver_events(s, ps->pfd + ps->npipes, ps->n - ps->npipes);
	/* Reap again: a leader may have exited while we read. */
	if (read_signals(s))
		dbwork = 1;
	return dbwork;
}

/* Stops owning the claimed runs at the end (their processes are gone). */
static void
drop_runs(struct sched *s)
{
	while (s->runs != NULL) {
		struct run *r = s->runs;

		s->runs = r->next;
		dag_free(r);
	}
}

/*
 * Runs until stopped. Returns the exit status for main: 0 after a clean
 * stop. (A lost lease exits from heartbeat.c instead.)
 */
int
loop_run(struct sched *s)
{
	struct pollset ps = { 0 };
	int64_t next_db = 0, mono;
	int more = 0, dbwork = 1;

	recover_orphans(s);
	cron_tick(s);
	mono = timefmt_mono_ms();
	s->next_recover = mono + RECOVER_MS;
	s->next_cron = mono + CRON_MS;
	s->next_heartbeat = mono + HEARTBEAT_MS;
	s->next_retention = mono + 1000;
	for (;;) {
		int db_due, timeout;

		mono = timefmt_mono_ms();
		db_due = dbwork || mono >= next_db;
		if (db_due)
			next_db = mono + DB_TICK_MS;
		dbwork = 0;
		if (work(s, mono, db_due))
			break;
		timeout = next_timeout(s, more);
		pollset_build(s, &ps, &timeout);
		if (poll(ps.pfd, ps.n, timeout) == -1) {
			if (errno != EINTR)
				log_warn("loop: poll");
			continue;
		}
		dbwork = pollset_handle(s, &ps, &more);
	}
	free(ps.pfd);
	free(ps.refs);
	repo_tick_stop(s);
	drop_runs(s);
	log_info("loop: all task processes stopped");
	return 0;
}
