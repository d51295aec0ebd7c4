/*
 * loop.c: the scheduler's single-threaded event loop. It polls the
 * signalfd (SIGCHLD, SIGTERM, SIGINT), the wake socket, every task's
 * output pipes and the webhook sockets, with a timeout of at most one
 * second, so a lost wake-up only delays work. Database work (lease check,
 * cancels, claims; ended runs' webhooks, also while paused) runs when
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
 *   claim.c recover.c heartbeat.c cron_tick.c retention.c notify.c
 *   dag.c          (the runs and what happens next; unit-tested alone)
 *   spawn.c reap.c (starting and finishing one attempt's process)
 *   attempt.c      (the one owner of struct attempt)
 *   proc.c logsink.c (processes by pid; log files)
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

#define HEARTBEAT_MS 2000
#define DB_TICK_MS 500
#define RECOVER_MS 5000
#define CRON_MS 2000
#define RETENTION_MS (10 * 60 * 1000)
#define READ_BUDGET (1024 * 1024)
#define NOTIFY_FDS 64

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

/*
 * Runs until stopped. Returns the exit status for main: 0 after a clean
 * stop. (A lost lease exits from heartbeat.c instead.)
 */
int
loop_run(struct sched *s)
{
	struct pollfd *pfd = NULL;
	struct pipe_ref *refs = NULL;
	size_t cap = 0;
	int64_t next_db = 0;
	int more = 0, dbwork = 1;

	recover_orphans(s);
	cron_tick(s);
	s->next_recover = timefmt_mono_ms() + RECOVER_MS;
	s->next_cron = timefmt_mono_ms() + CRON_MS;
	s->next_heartbeat = timefmt_mono_ms() + HEARTBEAT_MS;
	s->next_retention = timefmt_mono_ms() + 1000;
	for (;;) {
		int64_t mono = timefmt_mono_ms();
		size_t n = 0, fixed;
		int timeout, np;

		if (mono >= s->next_heartbeat) {
			heartbeat_beat(s);
			s->next_heartbeat = mono + HEARTBEAT_MS;
		}
		if (dbwork || mono >= next_db) {
			if (!s->stopping)
				heartbeat_reread(s);
			if (!s->stopping && mono >= s->next_recover) {
				recover_orphans(s);
				s->next_recover = mono + RECOVER_MS;
			}
			if (!s->stopping && mono >= s->next_cron) {
				cron_tick(s);
				s->next_cron = mono + CRON_MS;
			}
			if (!s->stopping && mono >= s->next_retention) {
				retention_tick(s);
				s->next_retention = mono + RETENTION_MS;
			}
			dag_check_cancels(s);
		}
		dag_check_timeouts(s);
		reap_enforce_kills(s);
		reap_finish_ready(s);
		dag_advance(s);
		if ((dbwork || mono >= next_db) && !s->stopping &&
		    !s->paused) {
			int budget = s->limit - s->nprocs - dag_count_ready(s);

			if (budget > 0 && claim_runs(s, budget) > 0)
				dag_advance(s);
		}
		/* Webhooks of runs ended here, by the API or elsewhere. */
		if ((dbwork || mono >= next_db) && !s->stopping)
			notify_tick(s);
		if (dbwork || mono >= next_db)
			next_db = mono + DB_TICK_MS;
		dbwork = 0;
		reap_report_logs(s);
		notify_perform(s);
		if (s->stopping && s->nprocs == 0)
			break;

		/* Build the poll set. */
		fixed = 2;
		for (struct run *r = s->runs; r != NULL; r = r->next)
			fixed += 2 * (size_t)r->ntasks;
		if (fixed + NOTIFY_FDS > cap) {
			cap = fixed + NOTIFY_FDS;
			pfd = xrealloc(pfd, cap * sizeof(*pfd));
			refs = xrealloc(refs, cap * sizeof(*refs));
		}
		pfd[n++] = (struct pollfd){ .fd = s->sig_fd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = s->wake_fd,
		    .events = POLLIN };
		for (struct run *r = s->runs; r != NULL; r = r->next)
			for (int i = 0; i < r->ntasks; i++) {
				struct attempt *a = r->tasks[i].proc;

				for (int k = 0; a != NULL && k < 2; k++) {
					if (a->log.s[k].fd == -1)
						continue;
					refs[n] = (struct pipe_ref){ a, k };
					pfd[n++] = (struct pollfd){
					    .fd = a->log.s[k].fd,
					    .events = POLLIN };
				}
			}
		fixed = n;
		timeout = next_timeout(s, more);
		{
			int nn = (int)n;

			notify_fds(s, pfd, &nn, (int)cap, &timeout);
			n = (size_t)nn;
		}
		np = poll(pfd, n, timeout);
		if (np == -1) {
			if (errno != EINTR)
				log_warn("loop: poll");
			continue;
		}
		more = 0;
		if (pfd[0].revents)
			dbwork |= read_signals(s);
		if (pfd[1].revents) {
			wake_drain(s->wake_fd);
			dbwork = 1;
		}
		for (size_t i = 2; i < fixed; i++)
			if (pfd[i].revents)
				more |= logsink_read(&refs[i].a->log,
				    refs[i].stream, READ_BUDGET);
		/* Reap again: a leader may have exited while we read. */
		if (read_signals(s))
			dbwork = 1;
	}
	free(pfd);
	free(refs);
	while (s->runs != NULL) {
		struct run *r = s->runs;

		s->runs = r->next;
		dag_free(r);
	}
	log_info("loop: all task processes stopped");
	return 0;
}
