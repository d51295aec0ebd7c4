/*
 * test_dag.c: the scheduler's decisions (scheduler/dag.c) alone, linked
 * against a fake worker backend and stubs for the files below dag.c
 * (spawn.c, reap.c, attempt.c, proc.c), which only record what dag.c
 * asked of them. Cases: loading a run (attempt 1 PENDING for every task;
 * attempts found RUNNING marked CRASHED and retried by policy, killed
 * only on this host; broken runs FAILED); ready tasks in dependency
 * order, in parallel, within the concurrency limit; retries waiting for
 * not_before; failures propagating SKIPPED down the DAG; the run's end;
 * cancels and timeouts; a run taken over is dropped; and the retry delay
 * rule (lib/worker.c) dag.c schedules with. One line per case; exit 1 on
 * any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "timefmt.h"
#include "worker.h"
#include "xalloc.h"
#include "../../scheduler/proc.h"
#include "../../scheduler/sched.h"

#define MAXREC 64

/* One change tasks_update was asked to write. */
struct rec_change {
	enum worker_change_kind kind;
	char task[32];
	int attempt;
	enum task_state state;
	int64_t not_before;
	char reason[160];
};

/* A stub call: spawn_attempt, reap_stop or proc_kill_group. */
struct rec_call {
	char task[32];
	enum task_state st;
	int no_retry;
	char reason[160];
	long pid;
};

/* The fake backend: what run_load returns, and what was asked of it. */
struct fake {
	struct worker base;
	const char *definition;	/* NULL: flow version missing */
	struct worker_attempt attempts[8];
	size_t nattempts;
	int64_t started_at;
	enum sl_status update_status;	/* what tasks_update returns */
	char cancels[4][IDS_LEN];
	int ncancels;
	struct rec_change ch[MAXREC];
	int nch, nupdates;
	int finished, failed, cancelling;
	enum run_state finish_to;
	char fail_why[200];
};

/* What the stubs below dag.c were asked to do. */
static struct {
	struct rec_call spawn[MAXREC], stop[MAXREC], kill[MAXREC];
	int nspawn, nstop, nkill;
} calls;

static struct fake *
fake_of(struct worker *w)
{
	return (struct fake *)w;
}

static enum sl_status
fake_run_load(struct worker *w, const char *run_id, struct worker_run *out)
{
	struct fake *f = fake_of(w);

	(void)run_id;
	memset(out, 0, sizeof(*out));
	out->flow = xstrdup("f");
	out->version = 1;
	out->params = xstrdup("{}");
	out->definition = f->definition ? xstrdup(f->definition) : NULL;
	out->started_at = f->started_at;
	out->attempts = xcalloc(f->nattempts + 1, sizeof(*out->attempts));
	for (size_t i = 0; i < f->nattempts; i++) {
		out->attempts[i] = f->attempts[i];
		out->attempts[i].task = xstrdup(f->attempts[i].task);
		out->attempts[i].result = NULL;
	}
	out->nattempts = f->nattempts;
	return SL_OK;
}

static enum sl_status
fake_tasks_update(struct worker *w, const char *run_id,
    struct worker_change *c, size_t n)
{
	struct fake *f = fake_of(w);

	(void)run_id;
	f->nupdates++;
	if (f->update_status != SL_OK)
		return f->update_status;
	for (size_t i = 0; i < n && f->nch < MAXREC; i++) {
		struct rec_change *r = &f->ch[f->nch++];

		r->kind = c[i].kind;
		snprintf(r->task, sizeof(r->task), "%s", c[i].task);
		r->attempt = c[i].attempt;
		r->state = c[i].state;
		r->not_before = c[i].not_before;
		snprintf(r->reason, sizeof(r->reason), "%s",
		    c[i].reason ? c[i].reason : "");
	}
	return SL_OK;
}

static enum sl_status
fake_run_finish(struct worker *w, const char *run_id,
    const struct worker_task_state *tasks, size_t n, int timed_out,
    int64_t timeout_s, enum run_state *to, char *reason, size_t reasonsz)
{
	struct fake *f = fake_of(w);

	(void)run_id;
	*to = worker_run_outcome(tasks, n, f->cancelling > 0, timed_out,
	    timeout_s, reason, reasonsz);
	f->finished++;
	f->finish_to = *to;
	return SL_OK;
}

static enum sl_status
fake_run_fail(struct worker *w, const char *run_id, const char *why)
{
	struct fake *f = fake_of(w);

	(void)run_id;
	f->failed++;
	snprintf(f->fail_why, sizeof(f->fail_why), "%s", why);
	return SL_OK;
}

static enum sl_status
fake_poll_cancels(struct worker *w, char (*ids)[IDS_LEN], int max, int *n)
{
	struct fake *f = fake_of(w);

	*n = 0;
	for (int i = 0; i < f->ncancels && i < max; i++)
		memcpy(ids[(*n)++], f->cancels[i], IDS_LEN);
	return SL_OK;
}

static enum sl_status
fake_run_cancelling(struct worker *w, const char *run_id)
{
	(void)run_id;
	fake_of(w)->cancelling++;
	return SL_OK;
}

/* Operations dag.c must not use are left NULL: calling one crashes. */
static const struct worker_ops fake_ops = {
	.run_load = fake_run_load,
	.tasks_update = fake_tasks_update,
	.run_finish = fake_run_finish,
	.run_fail = fake_run_fail,
	.poll_cancels = fake_poll_cancels,
	.run_cancelling = fake_run_cancelling,
};

static void
record(struct rec_call *c, const char *task, enum task_state st,
    const char *reason, int no_retry, long pid)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->task, sizeof(c->task), "%s", task);
	snprintf(c->reason, sizeof(c->reason), "%s", reason ? reason : "");
	c->st = st;
	c->no_retry = no_retry;
	c->pid = pid;
}

/* Stub of spawn.c: the attempt "starts" (RUNNING, a process counted). */
int
spawn_attempt(struct sched *s, struct run *r, int ti)
{
	struct task *t = &r->tasks[ti];
	struct attempt *a = xcalloc(1, sizeof(*a));

	if (calls.nspawn < MAXREC)
		record(&calls.spawn[calls.nspawn++], t->name, t->state, NULL,
		    0, 0);
	a->run = r;
	a->task = ti;
	a->attempt = t->attempt;
	a->pid = 1000 + ti;
	t->proc = a;
	t->state = TASK_RUNNING;
	s->nprocs++;
	return 0;
}

/* Stub of reap.c: records the stop and marks the attempt stopping. */
void
reap_stop(struct sched *s, struct attempt *a, enum task_state st,
    const char *reason, int no_retry)
{
	(void)s;
	if (calls.nstop < MAXREC)
		record(&calls.stop[calls.nstop++],
		    a->run->tasks[a->task].name, st, reason, no_retry, a->pid);
	a->term_mono = timefmt_mono_ms();
	a->stop_state = st;
}

/* Stub of attempt.c. */
void
attempt_free(struct attempt *a)
{
	free(a);
}

/* Stub of proc.c: records the kill and says one group was killed. */
int
proc_kill_group(pid_t pid, int64_t proc_start, const char *run_id,
    const char *task)
{
	(void)proc_start;
	(void)run_id;
	if (calls.nkill < MAXREC)
		record(&calls.kill[calls.nkill++], task, TASK_RUNNING, NULL, 0,
		    (long)pid);
	return 1;
}

/* Diamond: a -> b, a -> c, b and c -> d. */
static const char diamond[] =
    "{\"name\":\"f\",\"tasks\":["
    "{\"name\":\"a\",\"command\":[\"true\"]},"
    "{\"name\":\"b\",\"command\":[\"true\"],\"depends_on\":[\"a\"]},"
    "{\"name\":\"c\",\"command\":[\"true\"],\"depends_on\":[\"a\"]},"
    "{\"name\":\"d\",\"command\":[\"true\"],\"depends_on\":[\"b\",\"c\"]}]}";

/* A chain with retries: a (2 retries, 5 s, backoff 3) -> b -> c. */
static const char chain[] =
    "{\"name\":\"f\",\"tasks\":["
    "{\"name\":\"a\",\"command\":[\"true\"],\"retries\":2,"
    "\"retry_delay_s\":5,\"retry_backoff\":3},"
    "{\"name\":\"b\",\"command\":[\"true\"],\"depends_on\":[\"a\"]},"
    "{\"name\":\"c\",\"command\":[\"true\"],\"depends_on\":[\"b\"]}]}";

/* Fresh scheduler state around fake f with definition def. */
static void
setup(struct sched *s, struct fake *f, const char *def, int limit)
{
	memset(s, 0, sizeof(*s));
	memset(f, 0, sizeof(*f));
	memset(&calls, 0, sizeof(calls));
	f->base.ops = &fake_ops;
	f->definition = def;
	s->w = &f->base;
	s->limit = limit;
	snprintf(s->cfg.host, sizeof(s->cfg.host), "here");
}

static void
teardown(struct sched *s)
{
	while (s->runs != NULL) {
		struct run *r = s->runs;

		s->runs = r->next;
		dag_free(r);
	}
}

/* Ends task name's running attempt in state st, as reap.c would. */
static void
end_task(struct sched *s, struct run *r, const char *name,
    enum task_state st)
{
	for (int i = 0; i < r->ntasks; i++)
		if (strcmp(r->tasks[i].name, name) == 0 &&
		    r->tasks[i].proc != NULL) {
			attempt_free(r->tasks[i].proc);
			r->tasks[i].proc = NULL;
			r->tasks[i].state = st;
			s->nprocs--;
		}
}

static struct task *
task_named(struct run *r, const char *name)
{
	for (int i = 0; i < r->ntasks; i++)
		if (strcmp(r->tasks[i].name, name) == 0)
			return &r->tasks[i];
	return NULL;
}

/* The names spawned from index from on, e.g. "b,c". */
static const char *
spawned(int from, char *buf, size_t sz)
{
	buf[0] = '\0';
	for (int i = from; i < calls.nspawn; i++)
		snprintf(buf + strlen(buf), sz - strlen(buf), "%s%s",
		    i > from ? "," : "", calls.spawn[i].task);
	return buf;
}

static void
test_load_new_run(void)
{
	struct sched s;
	struct fake f;
	struct run *r;
	int ok = 1;

	setup(&s, &f, diamond, 8);
	r = dag_load(&s, "run1");
	check("load: run is loaded and listed", r != NULL && s.runs == r &&
	    r->ntasks == 4 && dag_find(&s, "run1") == r, NULL);
	check("load: one write", f.nupdates == 1, NULL);
	ok = f.nch == 4;
	for (int i = 0; ok && i < 4; i++)
		ok = f.ch[i].kind == WORKER_ADD && f.ch[i].attempt == 1 &&
		    f.ch[i].state == TASK_PENDING;
	check("load: every task gets attempt 1 PENDING", ok, NULL);
	check("load: dependencies resolved", r != NULL &&
	    task_named(r, "d")->ndeps == 2 && task_named(r, "a")->ndeps == 0,
	    NULL);
	check("load: unknown run id not found", dag_find(&s, "other") == NULL,
	    NULL);
	teardown(&s);
}

static void
test_ready_order(void)
{
	struct sched s;
	struct fake f;
	struct run *r;
	char buf[64];

	setup(&s, &f, diamond, 8);
	r = dag_load(&s, "run1");
	dag_advance(&s);
	check("ready: only the root starts", calls.nspawn == 1 &&
	    strcmp(calls.spawn[0].task, "a") == 0, spawned(0, buf,
	    sizeof(buf)));
	dag_advance(&s);
	check("ready: a running task is not started twice",
	    calls.nspawn == 1, spawned(0, buf, sizeof(buf)));
	end_task(&s, r, "a", TASK_COMPLETED);
	dag_advance(&s);
	check("ready: independent tasks start together", calls.nspawn == 3 &&
	    strcmp(spawned(1, buf, sizeof(buf)), "b,c") == 0, buf);
	end_task(&s, r, "b", TASK_COMPLETED);
	dag_advance(&s);
	check("ready: join waits for every upstream", calls.nspawn == 3,
	    spawned(0, buf, sizeof(buf)));
	end_task(&s, r, "c", TASK_COMPLETED);
	dag_advance(&s);
	check("ready: join starts when all upstreams completed",
	    calls.nspawn == 4 && strcmp(calls.spawn[3].task, "d") == 0,
	    spawned(0, buf, sizeof(buf)));
	check("ready: run not finished while a task runs", f.finished == 0 &&
	    s.runs == r, NULL);
	end_task(&s, r, "d", TASK_COMPLETED);
	dag_advance(&s);
	check("ready: run ends COMPLETED and is dropped", f.finished == 1 &&
	    f.finish_to == RUN_COMPLETED && s.runs == NULL, NULL);
	teardown(&s);
}

static void
test_limit(void)
{
	struct sched s;
	struct fake f;
	struct run *r;

	setup(&s, &f, diamond, 2);
	r = dag_load(&s, "run1");
	dag_advance(&s);
	end_task(&s, r, "a", TASK_COMPLETED);
	s.limit = 1;
	dag_advance(&s);
	check("limit: one slot starts one task", calls.nspawn == 2 &&
	    s.nprocs == 1, NULL);
	check("limit: the other ready task is counted as blocked",
	    s.blocked == 1 && dag_count_ready(&s) == 1, NULL);
	s.stopping = 1;
	end_task(&s, r, "b", TASK_COMPLETED);
	dag_advance(&s);
	check("limit: nothing starts while stopping", calls.nspawn == 2 &&
	    f.finished == 0, NULL);
	teardown(&s);
}

static void
test_retry_wait(void)
{
	struct sched s;
	struct fake f;
	struct run *r;
	struct task *a;

	setup(&s, &f, chain, 8);
	f.attempts[0] = (struct worker_attempt){ .task = "a", .attempt = 2,
	    .state = TASK_AWAITING_RETRY,
	    .not_before = timefmt_now_ms() + 60000 };
	f.nattempts = 1;
	r = dag_load(&s, "run1");
	a = r ? task_named(r, "a") : NULL;
	check("retry: stored AWAITING_RETRY attempt is kept", a != NULL &&
	    a->attempt == 2 && a->state == TASK_AWAITING_RETRY &&
	    f.nch == 2, NULL);
	dag_advance(&s);
	check("retry: not started before not_before", calls.nspawn == 0 &&
	    s.blocked == 0, NULL);
	if (a != NULL)
		a->not_before = timefmt_now_ms() - 1;
	dag_advance(&s);
	check("retry: started once not_before passed", calls.nspawn == 1 &&
	    strcmp(calls.spawn[0].task, "a") == 0 &&
	    calls.spawn[0].st == TASK_AWAITING_RETRY, NULL);
	teardown(&s);
}

static void
test_skip_downstream(void)
{
	struct sched s;
	struct fake f;
	struct run *r;
	int ok;

	setup(&s, &f, chain, 8);
	r = dag_load(&s, "run1");
	dag_advance(&s);
	f.nch = 0;
	end_task(&s, r, "a", TASK_FAILED);
	dag_advance(&s);
	ok = f.nch == 2 && f.ch[0].kind == WORKER_END_WAITING &&
	    f.ch[0].state == TASK_SKIPPED && f.ch[1].state == TASK_SKIPPED;
	check("skip: failure skips the whole chain in one write", ok, NULL);
	check("skip: reasons name the upstream", ok &&
	    strcmp(f.ch[0].reason, "upstream a FAILED") == 0 &&
	    strcmp(f.ch[1].reason, "upstream b SKIPPED") == 0,
	    ok ? f.ch[1].reason : NULL);
	check("skip: nothing downstream starts", calls.nspawn == 1, NULL);
	check("skip: run ends FAILED", f.finished == 1 &&
	    f.finish_to == RUN_FAILED && s.runs == NULL, NULL);
	teardown(&s);
}

static void
test_adopt(void)
{
	struct sched s;
	struct fake f;
	struct run *r;
	int64_t before = timefmt_now_ms();
	int ok;

	setup(&s, &f, chain, 8);
	f.attempts[0] = (struct worker_attempt){ .task = "a", .attempt = 1,
	    .state = TASK_RUNNING, .pid = 4242, .proc_start = 7 };
	f.nattempts = 1;
	r = dag_adopt(&s, "run1", "here", "worker w lost");
	check("adopt: leftover group on this host is killed",
	    calls.nkill == 1 && calls.kill[0].pid == 4242 &&
	    strcmp(calls.kill[0].task, "a") == 0, NULL);
	ok = r != NULL && f.nupdates == 1 && f.nch == 4 &&
	    f.ch[0].kind == WORKER_CRASH && f.ch[0].attempt == 1 &&
	    strcmp(f.ch[0].reason, "worker w lost") == 0;
	check("adopt: RUNNING attempt marked CRASHED with the reason", ok,
	    NULL);
	ok = ok && f.ch[1].kind == WORKER_ADD && f.ch[1].attempt == 2 &&
	    f.ch[1].state == TASK_AWAITING_RETRY &&
	    f.ch[1].not_before >= before + 5000 &&
	    f.ch[1].not_before <= timefmt_now_ms() + 5000;
	check("adopt: retried after retry_delay_s in the same write", ok,
	    NULL);
	check("adopt: task waits for its retry", r != NULL &&
	    task_named(r, "a")->state == TASK_AWAITING_RETRY &&
	    task_named(r, "a")->attempt == 2, NULL);
	teardown(&s);

	setup(&s, &f, chain, 8);
	f.attempts[0] = (struct worker_attempt){ .task = "a", .attempt = 3,
	    .state = TASK_RUNNING, .pid = 4242, .proc_start = 7 };
	f.nattempts = 1;
	r = dag_adopt(&s, "run1", "elsewhere", "worker w lost");
	check("adopt: nothing killed on another host", calls.nkill == 0,
	    NULL);
	check("adopt: no retries left: CRASHED only", r != NULL &&
	    f.nch == 3 && f.ch[0].kind == WORKER_CRASH &&
	    task_named(r, "a")->state == TASK_CRASHED, NULL);
	dag_advance(&s);
	check("adopt: crash skips downstream and ends the run CRASHED",
	    f.finished == 1 && f.finish_to == RUN_CRASHED && s.runs == NULL,
	    NULL);
	teardown(&s);

	setup(&s, &f, chain, 8);
	f.attempts[0] = (struct worker_attempt){ .task = "a", .attempt = 1,
	    .state = TASK_RUNNING, .pid = 4242, .proc_start = 7 };
	f.nattempts = 1;
	r = dag_load(&s, "run1");
	check("claim: RUNNING attempt CRASHED, nothing killed", r != NULL &&
	    calls.nkill == 0 && f.ch[0].kind == WORKER_CRASH &&
	    strcmp(f.ch[0].reason, "found RUNNING when the run was claimed")
	    == 0, NULL);
	teardown(&s);
}

static void
test_broken(void)
{
	struct sched s;
	struct fake f;

	setup(&s, &f, NULL, 8);
	check("broken: missing flow version fails the run",
	    dag_load(&s, "run1") == NULL && f.failed == 1 &&
	    strcmp(f.fail_why, "flow version not found") == 0 &&
	    s.runs == NULL, f.fail_why);
	setup(&s, &f, "{\"name\":\"f\",\"tasks\":[{\"name\":\"a\","
	    "\"command\":[\"true\"],\"depends_on\":[\"zz\"]}]}", 8);
	check("broken: unknown dependency fails the run",
	    dag_load(&s, "run1") == NULL && f.failed == 1 &&
	    strstr(f.fail_why, "depends on unknown task") != NULL,
	    f.fail_why);
	setup(&s, &f, "{\"name\":\"f\",\"tasks\":[]}", 8);
	check("broken: no tasks fails the run", dag_load(&s, "run1") == NULL &&
	    f.failed == 1, f.fail_why);
	setup(&s, &f, diamond, 8);
	f.update_status = SL_BUSY;
	check("busy: run not loaded, not failed, tried again later",
	    dag_load(&s, "run1") == NULL && f.failed == 0 && s.runs == NULL,
	    NULL);
}

static void
test_cancel(void)
{
	struct sched s;
	struct fake f;
	struct run *r;
	int ok;

	setup(&s, &f, diamond, 8);
	r = dag_load(&s, "run1");
	dag_advance(&s);
	f.nch = 0;
	snprintf(f.cancels[0], IDS_LEN, "run1");
	f.ncancels = 1;
	dag_check_cancels(&s);
	check("cancel: running task stopped CANCELLED without retry",
	    calls.nstop == 1 && strcmp(calls.stop[0].task, "a") == 0 &&
	    calls.stop[0].st == TASK_CANCELLED && calls.stop[0].no_retry,
	    NULL);
	ok = f.nch == 3;
	for (int i = 0; ok && i < 3; i++)
		ok = f.ch[i].kind == WORKER_END_WAITING &&
		    f.ch[i].state == TASK_CANCELLED;
	check("cancel: waiting tasks CANCELLED in one write", ok, NULL);
	check("cancel: run marked CANCELLING", f.cancelling == 1 && r != NULL &&
	    r->cancelling, NULL);
	dag_check_cancels(&s);
	check("cancel: acted on once", calls.nstop == 1 && f.cancelling == 1,
	    NULL);
	end_task(&s, r, "a", TASK_CANCELLED);
	dag_advance(&s);
	check("cancel: nothing starts, run ends CANCELLED",
	    calls.nspawn == 1 && f.finished == 1 &&
	    f.finish_to == RUN_CANCELLED, NULL);
	teardown(&s);
}

static void
test_timeouts(void)
{
	struct sched s;
	struct fake f;
	struct run *r;
	struct attempt *a;

	setup(&s, &f, "{\"name\":\"f\",\"timeout_s\":1,\"tasks\":["
	    "{\"name\":\"a\",\"command\":[\"true\"]},"
	    "{\"name\":\"b\",\"command\":[\"true\"],\"depends_on\":[\"a\"]}]}",
	    8);
	f.started_at = timefmt_now_ms() - 5000;
	r = dag_load(&s, "run1");
	dag_advance(&s);
	f.nch = 0;
	dag_check_timeouts(&s);
	check("timeout: flow timeout stops running tasks FAILED, no retry",
	    calls.nstop == 1 && calls.stop[0].st == TASK_FAILED &&
	    calls.stop[0].no_retry &&
	    strcmp(calls.stop[0].reason, "flow timed out after 1 s") == 0,
	    calls.stop[0].reason);
	check("timeout: waiting tasks CANCELLED", f.nch == 1 &&
	    f.ch[0].state == TASK_CANCELLED && r != NULL && r->timed_out,
	    NULL);
	end_task(&s, r, "a", TASK_FAILED);
	dag_advance(&s);
	check("timeout: run ends FAILED", f.finished == 1 &&
	    f.finish_to == RUN_FAILED, NULL);
	teardown(&s);

	setup(&s, &f, "{\"name\":\"f\",\"tasks\":[{\"name\":\"a\","
	    "\"command\":[\"true\"],\"timeout_s\":3}]}", 8);
	r = dag_load(&s, "run1");
	dag_advance(&s);
	a = r ? r->tasks[0].proc : NULL;
	if (a != NULL)
		a->deadline_mono = timefmt_mono_ms() + 60000;
	dag_check_timeouts(&s);
	check("timeout: task before its deadline left alone",
	    calls.nstop == 0, NULL);
	if (a != NULL)
		a->deadline_mono = timefmt_mono_ms() - 1;
	dag_check_timeouts(&s);
	check("timeout: task past its deadline stopped FAILED, retry allowed",
	    calls.nstop == 1 && calls.stop[0].st == TASK_FAILED &&
	    !calls.stop[0].no_retry &&
	    strcmp(calls.stop[0].reason, "timed out after 3 s") == 0,
	    calls.stop[0].reason);
	teardown(&s);
}

static void
test_lost(void)
{
	struct sched s;
	struct fake f;
	struct run *r;

	setup(&s, &f, chain, 8);
	r = dag_load(&s, "run1");
	dag_advance(&s);
	end_task(&s, r, "a", TASK_FAILED);
	f.update_status = SL_NOTFOUND;
	dag_advance(&s);
	check("lost: a run taken over is dropped without ending it",
	    s.runs == NULL && f.finished == 0, NULL);
	teardown(&s);
}

static void
test_retry_delay(void)
{
	int64_t d;
	int ok = 1;

	check("delay: first retry waits retry_delay_s",
	    worker_retry_delay_ms(5, 3, 0, 1) == 5000, NULL);
	check("delay: backoff multiplies per attempt",
	    worker_retry_delay_ms(5, 3, 0, 3) == 45000, NULL);
	check("delay: backoff 0 counts as 1",
	    worker_retry_delay_ms(2, 0, 0, 4) == 2000, NULL);
	check("delay: at most a week",
	    worker_retry_delay_ms(86400, 10, 0, 5) == 7 * 86400 * 1000LL,
	    NULL);
	for (int i = 0; i < 200 && ok; i++) {
		d = worker_retry_delay_ms(1, 1, 2, 1);
		ok = d >= 1000 && d < 3000;
	}
	check("delay: jitter stays within retry_jitter_s", ok, NULL);
}

int
main(void)
{
	test_load_new_run();
	test_ready_order();
	test_limit();
	test_retry_wait();
	test_skip_downstream();
	test_adopt();
	test_broken();
	test_cancel();
	test_timeouts();
	test_lost();
	test_retry_delay();
	return check_status();
}
