/*
 * attempt.c: the one owner of struct attempt (sched.h), a task process
 * the scheduler started and follows until its attempt is finished.
 * spawn.c creates one with attempt_new once the process exists and the
 * store says RUNNING; reap.c frees it with attempt_free when the
 * attempt's end is written, and dag_free frees whatever a dropped run
 * still holds. Nothing else allocates or frees one. This file starts,
 * signals and reaps nothing and never touches the database.
 */
#include <stdlib.h>

#include "sched.h"
#include "timefmt.h"
#include "xalloc.h"

/*
 * Returns a new attempt for the current attempt of task ti of run r,
 * whose process group leader pid started at proc_start (/proc ticks),
 * running in slot of tu with the scratch folder scratch. The attempt
 * takes scratch (allocated), the slot and the contents of *log (the
 * caller must no longer use or finish *log). Its clock starts now, and so
 * does the task's timeout_s. Free it with attempt_free.
 */
struct attempt *
attempt_new(struct run *r, int ti, pid_t pid, int64_t proc_start,
    struct taskuser *tu, int slot, char *scratch, const struct logsink *log)
{
	struct task *t = &r->tasks[ti];
	struct attempt *a = xcalloc(1, sizeof(*a));

	a->run = r;
	a->task = ti;
	a->attempt = t->attempt;
	a->pid = pid;
	a->proc_start = proc_start;
	a->started_mono = timefmt_mono_ms();
	if (t->timeout_s > 0)
		a->deadline_mono = a->started_mono + t->timeout_s * 1000;
	a->stop_state = TASK_PENDING;	/* not stopped by us */
	a->tu = tu;
	a->slot = slot;
	a->scratch = scratch;
	a->result_path = xasprintf("%s/" SCRATCH_RESULT, scratch);
	a->log = *log;
	a->log.reported_at = a->started_mono;
	return a;
}

/*
 * Frees a and its log sink (NULL is fine) and gives its slot back, which
 * stops whatever the attempt left running and removes its scratch folder
 * (taskuser_release). The leader must be reaped or abandoned; nothing is
 * written to the store.
 */
void
attempt_free(struct attempt *a)
{
	struct run *r;

	if (a == NULL)
		return;
	r = a->run;
	taskuser_release(a->tu, a->slot, a->scratch, r->id,
	    r->tasks[a->task].name, a->attempt);
	logsink_fini(&a->log);
	free(a->stop_reason);
	free(a->result_path);
	free(a);
}
