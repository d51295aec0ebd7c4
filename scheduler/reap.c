/*
 * reap.c: the end of a task process. Collects exit statuses (SIGCHLD via
 * signalfd, then waitpid), stops process groups (SIGTERM, then SIGKILL
 * after SLUICE_KILL_GRACE_S) for timeouts, cancels and shutdown, and
 * finishes an attempt only once its leader was reaped AND both output
 * pipes reached end of file, so no output is lost. Finishing reads the
 * result file (at most 1 MiB of valid JSON), decides the attempt's final
 * state and whether it is retried, and reports both through the worker
 * interface (task_finish: the end and the next attempt AWAITING_RETRY
 * with not_before are one write). Also reports log_size at most once a
 * second per attempt (log_sizes); the log itself is a local file. The
 * retry rule and its delay are lib/worker.c's; a finished attempt is
 * freed with attempt_free (attempt.c owns struct attempt).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "sched.h"
#include "timefmt.h"
#include "xalloc.h"

static struct attempt *
find_pid(struct sched *s, pid_t pid)
{
	for (struct run *r = s->runs; r != NULL; r = r->next)
		for (int i = 0; i < r->ntasks; i++)
			if (r->tasks[i].proc != NULL &&
			    r->tasks[i].proc->pid == pid &&
			    !r->tasks[i].proc->exited)
				return r->tasks[i].proc;
	return NULL;
}

/* Collects every exited child's status. */
void
reap_children(struct sched *s)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct attempt *a = find_pid(s, pid);

		if (a == NULL) {
			if (!repo_tick_reaped(s, pid, status))
				taskuser_reaped(&s->tu, pid);
			continue;
		}
		a->exited = 1;
		a->status = status;
		a->exited_mono = timefmt_mono_ms();
	}
}

/*
 * Stops attempt a: SIGTERM to its process group now, SIGKILL after the
 * grace period (reap_enforce_kills). The attempt will end in state st
 * with reason, without retry when no_retry is set. An attempt already
 * stopping or already exited keeps its first outcome.
 */
void
reap_stop(struct sched *s, struct attempt *a, enum task_state st,
    const char *reason, int no_retry)
{
	struct run *r = a->run;

	if (a->term_mono != 0 || a->exited)
		return;
	a->stop_state = st;
	a->stop_reason = xstrdup(reason);
	a->no_retry = no_retry;
	a->term_mono = timefmt_mono_ms();
	logsink_note(&a->log, "sluice: %s; sending SIGTERM to the process "
	    "group", reason);
	log_info("run %s: task %s attempt %d: %s; SIGTERM to group %d",
	    r->id, r->tasks[a->task].name, a->attempt, reason, (int)a->pid);
	if (kill(-a->pid, SIGTERM) == -1 && errno != ESRCH)
		log_warn("reap_stop: kill %d", (int)a->pid);
	(void)s;
}

static void
kill_group(struct attempt *a, const char *why)
{
	struct run *r = a->run;

	a->killed = 1;
	logsink_note(&a->log, "sluice: %s; sending SIGKILL to the process "
	    "group", why);
	log_info("run %s: task %s attempt %d: %s; SIGKILL to group %d",
	    r->id, r->tasks[a->task].name, a->attempt, why, (int)a->pid);
	kill(-a->pid, SIGKILL);
}

/*
 * Sends SIGKILL to groups still alive after the grace period, and stops
 * waiting for output from processes a finished task left behind holding
 * its pipes (killed after PIPE_LINGER_MS, abandoned 2 s later).
 */
void
reap_enforce_kills(struct sched *s)
{
	int64_t mono = timefmt_mono_ms();

	for (struct run *r = s->runs; r != NULL; r = r->next)
		for (int i = 0; i < r->ntasks; i++) {
			struct attempt *a = r->tasks[i].proc;

			if (a == NULL)
				continue;
			if (a->term_mono != 0 && !a->killed &&
			    mono - a->term_mono >= s->cfg.kill_grace_ms &&
			    (!a->exited || !logsink_eof(&a->log)))
				kill_group(a, "still running after the grace "
				    "period");
			if (a->exited && !logsink_eof(&a->log)) {
				int64_t since = mono - a->exited_mono;

				if (since >= PIPE_LINGER_MS && !a->killed)
					kill_group(a, "the task exited but "
					    "processes it started still hold "
					    "its output");
				if (since >= PIPE_LINGER_MS + 2000)
					logsink_close_pipes(&a->log);
			}
		}
}

/*
 * Opens the result file a task run as uid left: a regular file of its
 * own with one link (never a FIFO that would block us, a device, or a
 * link to someone else's file). Returns the descriptor, -2 when there is
 * none, or -1 with why.
 */
static int
open_result(const char *path, uid_t uid, char *why, size_t whysz)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd == -1) {
		if (errno == ENOENT)
			return -2;
		snprintf(why, whysz, "cannot read SLUICE_RESULT: %s",
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_nlink != 1 || sb.st_uid != uid) {
		snprintf(why, whysz, "SLUICE_RESULT is not a regular file of "
		    "the task's own with one link");
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Reads the result file of a successful attempt run as uid. Returns 0
 * with *out set (NULL when there is no file), or -1 with why.
 */
static int
read_result(const char *path, uid_t uid, char **out, char *why,
    size_t whysz)
{
	struct json_object *obj;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, ret = -1;

	*out = NULL;
	if ((fd = open_result(path, uid, why, whysz)) < 0)
		return fd == -2 ? 0 : -1;
	buf = xmalloc(RESULT_MAX + 2);
	while (len <= RESULT_MAX) {
		n = read(fd, buf + len, RESULT_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len > RESULT_MAX) {
		snprintf(why, whysz, "result in SLUICE_RESULT is larger than "
		    "%d bytes", RESULT_MAX);
		goto out;
	}
	if (len == 0) {
		ret = 0;	/* an empty file means no result */
		goto out;
	}
	if ((obj = jsonx_parse(buf, len, why, whysz)) == NULL)
		goto out;
	*out = xstrdup(jsonx_text(obj));
	json_object_put(obj);
	ret = 0;
out:
	free(buf);
	return ret;
}

/*
 * Adds to reason (which may be empty) what the attempt's log misses:
 * output that could not be written (a full disk), a log file deleted,
 * moved away or made unreadable (logsink_problem).
 */
static void
note_log_problem(struct attempt *a, char *reason, size_t sz)
{
	size_t len = strlen(reason);
	char why[512];

	if (logsink_problem(&a->log, why, sizeof(why)) == 0 || len + 2 >= sz)
		return;
	snprintf(reason + len, sz - len, "%s%s", len ? "; " : "", why);
}

/* The decided end of an attempt, before it is written. */
struct ending {
	struct worker_task_end end;
	char reason[1024];
	char *result;		/* the result of a COMPLETED attempt, or NULL */
	int64_t now;		/* wall ms of the decision */
};

/*
 * Decides how attempt a ended -- its state and reason from the exit
 * status, a stop and the result file (lib/worker.c's outcome rule), and
 * whether and when it is retried (lib/worker.c's retry rule) -- into e.
 * e->result is the caller's to free.
 */
static void
decide_end(struct attempt *a, struct ending *e)
{
	struct run *r = a->run;
	struct task *t = &r->tasks[a->task];
	const char *result_error = NULL;
	int code = -1, sig = -1;
	enum task_state st;
	char why[512];

	memset(e, 0, sizeof(*e));
	e->now = timefmt_now_ms();
	logwatch_look(&a->log);	/* a last look, however recent */
	logsink_flush(&a->log);
	if (WIFEXITED(a->status))
		code = WEXITSTATUS(a->status);
	else if (WIFSIGNALED(a->status))
		sig = WTERMSIG(a->status);
	if (a->stop_state == TASK_PENDING && code == 0 &&
	    read_result(a->result_path, taskuser_uid(a->tu, a->slot),
	    &e->result, why, sizeof(why)) == -1) {
		result_error = why;
		logsink_note(&a->log, "sluice: task failed: invalid result: %s",
		    why);
	}
	st = worker_attempt_outcome(a->stop_state, a->stop_reason, code, sig,
	    result_error, e->reason, sizeof(e->reason));
	note_log_problem(a, e->reason, sizeof(e->reason));
	if (st != TASK_COMPLETED) {
		free(e->result);
		e->result = NULL;
	}
	logsink_flush(&a->log);
	e->end = (struct worker_task_end){ .run_id = r->id, .task = t->name,
	    .attempt = a->attempt, .state = st, .exit_code = code,
	    .signal = sig > 0 ? sig : 0, .result = e->result,
	    .log_size = a->log.size,
	    .reason = e->reason[0] ? e->reason : NULL };
	/* Also while stopping: the next scheduler starts the retry. */
	if (worker_attempt_retries(st, a->attempt, t->retries, a->no_retry ||
	    r->cancelling || r->timed_out))
		e->end.retry_not_before = e->now + worker_retry_delay_ms(
		    t->retry_delay_s, t->retry_backoff, t->retry_jitter_s,
		    a->attempt);
}

/* Moves task t to the end e that was just written (takes e->result). */
static void
apply_end(struct run *r, struct task *t, struct ending *e)
{
	const struct worker_task_end *end = &e->end;

	log_info("run %s: task %s attempt %d %s%s%s", r->id, t->name,
	    end->attempt, states_task_name(end->state),
	    e->reason[0] ? ": " : "", e->reason);
	free(t->result);
	t->result = e->result;
	e->result = NULL;
	t->state = end->state;
	if (end->retry_not_before > 0) {
		t->attempt = end->attempt + 1;
		t->state = TASK_AWAITING_RETRY;
		t->not_before = end->retry_not_before;
		log_info("run %s: task %s attempt %d AWAITING_RETRY in %lld "
		    "ms", r->id, t->name, t->attempt,
		    (long long)(end->retry_not_before - e->now));
	}
}

/*
 * Writes the end of attempt a. Returns 0 when done (a is freed and the
 * task updated), -1 to try again later (busy database).
 */
static int
finish_attempt(struct sched *s, struct attempt *a)
{
	struct run *r = a->run;
	struct task *t = &r->tasks[a->task];
	struct ending e;
	enum sl_status rc;

	decide_end(a, &e);
	FAULT(&s->fault, FAULT_AFTER_EXIT_BEFORE_COMMIT);
	rc = s->w->ops->task_finish(s->w, &e.end);
	if (rc != SL_OK && rc != SL_CONFLICT) {
		store_refused(&s->store, rc, timefmt_mono_ms());
		free(e.result);
		return -1;
	}
	if (rc == SL_CONFLICT)
		r->lost = 1;	/* another scheduler marked it CRASHED */
	else
		apply_end(r, t, &e);
	t->proc = NULL;
	s->nprocs--;
	attempt_free(a);
	free(e.result);
	return 0;
}

/* Finishes every attempt whose leader exited and whose pipes are drained. */
void
reap_finish_ready(struct sched *s)
{
	for (struct run *r = s->runs; r != NULL; r = r->next)
		for (int i = 0; i < r->ntasks; i++) {
			struct attempt *a = r->tasks[i].proc;

			if (a != NULL && a->exited && logsink_eof(&a->log))
				finish_attempt(s, a);
		}
}

/*
 * Flushes every log and, when writes are due, at most once a second per
 * attempt, reports the grown log_size of running attempts, all in one
 * write.
 */
void
reap_report_logs(struct sched *s, int writes)
{
	int64_t mono = timefmt_mono_ms();
	struct worker_log_size *v = NULL;
	struct attempt **who = NULL;
	enum sl_status st;
	size_t n = 0;

	for (struct run *r = s->runs; r != NULL; r = r->next)
		for (int i = 0; i < r->ntasks; i++) {
			struct attempt *a = r->tasks[i].proc;

			if (a == NULL)
				continue;
			logsink_flush(&a->log);
			if (!writes || a->log.size == a->log.reported ||
			    mono - a->log.reported_at < 1000)
				continue;
			v = xrealloc(v, (n + 1) * sizeof(*v));
			who = xrealloc(who, (n + 1) * sizeof(*who));
			v[n] = (struct worker_log_size){ .run_id = r->id,
			    .task = r->tasks[i].name, .attempt = a->attempt,
			    .size = a->log.size };
			who[n++] = a;
		}
	if (n > 0 && (st = s->w->ops->log_sizes(s->w, v, n)) != SL_OK) {
		if (s->store.down_mono == 0)
			log_warnx("reap_report_logs: log sizes not written");
		store_refused(&s->store, st, mono);
	}
	for (size_t i = 0; i < n; i++)
		if (v[i].done) {
			who[i]->log.reported = v[i].size;
			who[i]->log.reported_at = mono;
		}
	free(v);
	free(who);
}
