/*
 * dag.c: the runs this scheduler has claimed, as a DAG of tasks. It loads
 * a run (definition, parameters, latest attempt of each task), decides
 * what happens next (start ready tasks in dependency order, independent
 * ones in parallel; skip tasks whose upstream failed; start retries when
 * their time comes), reacts to cancel requests and timeouts, and ends
 * the run in the state lib/worker.c derives from its tasks. Starting and
 * finishing processes belong to spawn.c and reap.c. Every read and write
 * goes through the worker interface (lib/worker.h), whose writes are
 * guarded by "the run is this worker's", so a run another scheduler took
 * over is never written again (it is dropped instead). The decisions
 * (which task is skipped, retried, crashed) are made here; the interface
 * only records them, and the rules they rest on (legal moves, the retry
 * delay, a run's end state) are lib/'s. Runs are loaded by dag_load
 * (claimed) or dag_adopt (recovered from a dead scheduler). dag.c calls
 * only downwards -- spawn.c, reap.c, attempt.c, proc.c, lib/ (see the
 * order in loop.c) -- so tests/unit/test_dag.c tests it alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "proc.h"
#include "sched.h"
#include "timefmt.h"
#include "xalloc.h"

static int64_t
def_int(struct json_object *o, const char *key, int64_t def)
{
	struct json_object *v = jsonx_get(o, key);

	return json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double) ?
	    json_object_get_int64(v) : def;
}

static double
def_double(struct json_object *o, const char *key, double def)
{
	struct json_object *v = jsonx_get(o, key);

	return json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double) ?
	    json_object_get_double(v) : def;
}

/* Returns the run r's index of task name, or -1. */
static int
task_index(const struct run *r, const char *name)
{
	for (int i = 0; i < r->ntasks; i++)
		if (strcmp(r->tasks[i].name, name) == 0)
			return i;
	return -1;
}

/* Returns the claimed run with this id, or NULL. */
struct run *
dag_find(struct sched *s, const char *run_id)
{
	for (struct run *r = s->runs; r != NULL; r = r->next)
		if (strcmp(r->id, run_id) == 0)
			return r;
	return NULL;
}

/* Frees r and everything it owns; its processes must be gone. */
void
dag_free(struct run *r)
{
	if (r == NULL)
		return;
	for (int i = 0; i < r->ntasks; i++) {
		free(r->tasks[i].name);
		free(r->tasks[i].deps);
		free(r->tasks[i].result);
		attempt_free(r->tasks[i].proc);
	}
	free(r->tasks);
	free(r->flow);
	free(r->repo);
	free(r->commit_id);
	free(r->venv);
	json_object_put(r->def);
	json_object_put(r->params);
	free(r);
}

/* The wait before the attempt after failed_attempt of t (lib/worker.c). */
static int64_t
retry_delay_ms(const struct task *t, int failed_attempt)
{
	return worker_retry_delay_ms(t->retry_delay_s, t->retry_backoff,
	    t->retry_jitter_s, failed_attempt);
}

/* Builds r->tasks from r->def. Returns 0, or -1 with why. */
static int
build_tasks(struct run *r, char *why, size_t whysz)
{
	struct json_object *tasks = jsonx_get(r->def, "tasks");
	size_t n;

	if (!json_object_is_type(tasks, json_type_array) ||
	    (n = json_object_array_length(tasks)) == 0) {
		snprintf(why, whysz, "definition has no tasks");
		return -1;
	}
	r->tasks = xcalloc(n, sizeof(*r->tasks));
	r->ntasks = (int)n;
	for (size_t i = 0; i < n; i++) {
		struct task *t = &r->tasks[i];
		struct json_object *td = json_object_array_get_idx(tasks, i);
		const char *name = jsonx_get_str(td, "name");

		if (name == NULL || strchr(name, '/') != NULL ||
		    name[0] == '.') {
			snprintf(why, whysz, "tasks[%zu]: bad name", i);
			return -1;
		}
		t->name = xstrdup(name);
		t->def = td;
		t->retries = (int)def_int(td, "retries", 0);
		t->retry_delay_s = def_double(td, "retry_delay_s", 0);
		t->retry_backoff = def_double(td, "retry_backoff", 1.0);
		t->retry_jitter_s = def_double(td, "retry_jitter_s", 0);
		t->timeout_s = def_int(td, "timeout_s", 0);
		t->state = TASK_PENDING;
	}
	for (size_t i = 0; i < n; i++) {
		struct task *t = &r->tasks[i];
		struct json_object *deps = jsonx_get(t->def, "depends_on");
		size_t nd = json_object_is_type(deps, json_type_array) ?
		    json_object_array_length(deps) : 0;

		t->deps = xcalloc(nd + 1, sizeof(int));
		for (size_t j = 0; j < nd; j++) {
			const char *dn = json_object_get_string(
			    json_object_array_get_idx(deps, j));
			int d = dn ? task_index(r, dn) : -1;

			if (d < 0) {
				snprintf(why, whysz, "task %s depends on "
				    "unknown task", t->name);
				return -1;
			}
			t->deps[t->ndeps++] = d;
		}
	}
	return 0;
}

/*
 * Ends a run we cannot run at all: FAILED with why (CANCELLED if it was
 * already being cancelled), its waiting tasks CANCELLED.
 */
static void
fail_run(struct sched *s, const char *run_id, const char *why)
{
	log_warnx("run %s: cannot run: %s", run_id, why);
	if (s->w->ops->run_fail(s->w, run_id, why) != SL_OK)
		log_warnx("run %s: not marked FAILED now", run_id);
}

/* How a run came to this scheduler: claimed (NULL) or adopted. */
struct adoption {
	const char *old_host;	/* the dead worker's host, or NULL */
	const char *crash_reason;	/* for attempts found RUNNING */
};

/*
 * Takes the stored attempts of r (by task, then attempt: the last one of
 * a task is its latest). For attempts still marked RUNNING (left by a
 * dead scheduler: r is adopted, ad != NULL) it kills the process group
 * when it is on this host and still the same process, and notes them in
 * *crashed (a bitmap by task index) for the caller to mark.
 */
static void
take_attempts(struct sched *s, struct run *r, struct worker_run *wr,
    const struct adoption *ad, char *crashed)
{
	const char *old_host = ad != NULL ? ad->old_host : NULL;

	for (size_t i = 0; i < wr->nattempts; i++) {
		struct worker_attempt *at = &wr->attempts[i];
		int t = task_index(r, at->task);
		struct task *tk;

		if (t < 0)
			continue;
		tk = &r->tasks[t];
		tk->attempt = at->attempt;
		tk->state = at->state;
		free(tk->result);
		tk->result = at->result;
		at->result = NULL;
		tk->not_before = at->not_before;
		crashed[t] = at->state == TASK_RUNNING;
		if (at->state != TASK_RUNNING)
			continue;
		if (ad == NULL)
			log_warnx("run %s: task %s attempt %d was RUNNING in a "
			    "run not yet started", r->id, tk->name,
			    tk->attempt);
		if (at->pid > 0 && old_host != NULL &&
		    strcmp(old_host, s->cfg.host) == 0 &&
		    proc_kill_group((pid_t)at->pid, at->proc_start, r->id,
		    tk->name) > 0)
			log_info("run %s: task %s attempt %d: killed leftover "
			    "process group %d", r->id, tk->name, tk->attempt,
			    (int)at->pid);
	}
}

/*
 * Fills r (id set) from what the store holds for it: flow, version,
 * parameters, definition and tasks. Returns 0, or -1 when the run cannot
 * run at all, with why in reason.
 */
static int
take_run(struct run *r, struct worker_run *wr, char *reason,
    size_t reasonsz)
{
	char why[512];

	r->flow = wr->flow;
	wr->flow = NULL;
	r->repo = wr->repo;
	r->commit_id = wr->commit_id;
	r->venv = wr->venv;
	wr->repo = wr->commit_id = wr->venv = NULL;
	r->version = wr->version;
	r->started_at = wr->started_at;
	r->params = jsonx_parse(wr->params, strlen(wr->params), why,
	    sizeof(why));
	if (r->params == NULL) {
		snprintf(reason, reasonsz, "bad parameters: %s", why);
		return -1;
	}
	if (wr->definition == NULL) {
		snprintf(reason, reasonsz, "flow version not found");
		return -1;
	}
	if ((r->def = jsonx_parse(wr->definition, strlen(wr->definition),
	    why, sizeof(why))) == NULL) {
		snprintf(reason, reasonsz, "bad definition: %s", why);
		return -1;
	}
	if (build_tasks(r, why, sizeof(why)) == -1) {
		snprintf(reason, reasonsz, "%s", why);
		return -1;
	}
	r->timeout_s = def_int(r->def, "timeout_s", 0);
	return 0;
}

/*
 * Decides, for a run just loaded, what its attempts become: a task
 * without any attempt gets attempt 1 PENDING; an attempt found RUNNING
 * (crashed[i]) becomes CRASHED with reason; a CRASHED latest attempt
 * with retries left gets its next attempt AWAITING_RETRY from now. The
 * tasks of r are moved in memory and the changes written into ch (room
 * for 2 * r->ntasks). Returns the number of changes.
 */
static size_t
plan_load(struct run *r, const char *crashed, const char *reason,
    int64_t now, struct worker_change *ch)
{
	size_t n = 0;

	for (int i = 0; i < r->ntasks; i++) {
		struct task *t = &r->tasks[i];

		if (t->attempt == 0) {
			ch[n++] = (struct worker_change){
			    .kind = WORKER_ADD, .task = t->name, .attempt = 1,
			    .state = TASK_PENDING };
			t->attempt = 1;
			t->state = TASK_PENDING;
			continue;
		}
		if (crashed[i]) {
			ch[n++] = (struct worker_change){
			    .kind = WORKER_CRASH, .task = t->name,
			    .attempt = t->attempt, .reason = reason };
			t->state = TASK_CRASHED;
			log_info("run %s: task %s attempt %d CRASHED (%s)",
			    r->id, t->name, t->attempt, reason);
		}
		if (t->state != TASK_CRASHED || t->attempt > t->retries)
			continue;
		t->not_before = now + retry_delay_ms(t, t->attempt);
		ch[n++] = (struct worker_change){
		    .kind = WORKER_ADD, .task = t->name,
		    .attempt = t->attempt + 1, .state = TASK_AWAITING_RETRY,
		    .not_before = t->not_before };
		t->attempt++;
		t->state = TASK_AWAITING_RETRY;
		free(t->result);
		t->result = NULL;
		log_info("run %s: task %s attempt %d AWAITING_RETRY", r->id,
		    t->name, t->attempt);
	}
	return n;
}

/*
 * Takes the stored attempts into r and writes what plan_load decides in
 * one write. Returns 0, or -1 when the write failed.
 */
static int
start_attempts(struct sched *s, struct run *r, struct worker_run *wr,
    const struct adoption *ad)
{
	char *crashed = xcalloc((size_t)r->ntasks, 1), reason[600];
	struct worker_change *ch = xcalloc(2 * (size_t)r->ntasks,
	    sizeof(*ch));
	size_t n;
	int ret = 0;

	take_attempts(s, r, wr, ad, crashed);
	snprintf(reason, sizeof(reason), "%s", ad != NULL &&
	    ad->crash_reason != NULL ? ad->crash_reason :
	    "found RUNNING when the run was claimed");
	n = plan_load(r, crashed, reason, timefmt_now_ms(), ch);
	if (s->w->ops->tasks_update(s->w, r->id, ch, n) != SL_OK)
		ret = -1;
	free(ch);
	free(crashed);
	return ret;
}

/*
 * Loads run run_id, which this worker owns (claimed: ad NULL; adopted:
 * see struct adoption), into s->runs. Returns the run, or NULL when it
 * cannot be loaded (a broken run is marked FAILED; a busy store is tried
 * again later).
 */
static struct run *
load_run(struct sched *s, const char *run_id, const struct adoption *ad)
{
	struct run *r = xcalloc(1, sizeof(*r));
	struct worker_run wr = { 0 };
	char reason[600];
	enum sl_status st;

	snprintf(r->id, sizeof(r->id), "%s", run_id);
	if ((st = s->w->ops->run_load(s->w, run_id, &wr)) != SL_OK) {
		if (st == SL_NOTFOUND)
			log_warnx("run %s: no longer ours", run_id);
		goto fail;
	}
	if (take_run(r, &wr, reason, sizeof(reason)) == -1) {
		fail_run(s, run_id, reason);
		goto fail;
	}
	if (r->started_at == 0)
		r->started_at = timefmt_now_ms();
	if (start_attempts(s, r, &wr, ad) == -1)
		goto fail;
	worker_run_fini(&wr);
	r->next = s->runs;
	s->runs = r;
	log_info("run %s: %s flow %s version %lld (%d tasks)", r->id,
	    ad != NULL ? "adopted" : "loaded", r->flow,
	    (long long)r->version, r->ntasks);
	return r;
fail:
	worker_run_fini(&wr);
	dag_free(r);
	return NULL;
}

/*
 * Loads the run run_id, which this worker has just claimed, into
 * s->runs: tasks without any attempt get attempt 1 PENDING, in one
 * write (an attempt found RUNNING, which should not happen, is marked
 * CRASHED and retried by policy). Returns the run, or NULL when it
 * cannot be loaded (a broken run is marked FAILED; a busy store is
 * tried again later).
 */
struct run *
dag_load(struct sched *s, const char *run_id)
{
	return load_run(s, run_id, NULL);
}

/*
 * Loads the run run_id, just adopted from a dead scheduler whose host
 * was old_host (NULL when unknown), into s->runs, as dag_load does; in
 * addition its attempts left RUNNING are killed (when on this host and
 * verified by proc_kill_group) and marked CRASHED with crash_reason,
 * and a CRASHED latest attempt with retries left gets its next attempt
 * AWAITING_RETRY, all in the same write. Returns as dag_load.
 */
struct run *
dag_adopt(struct sched *s, const char *run_id, const char *old_host,
    const char *crash_reason)
{
	struct adoption ad = { old_host, crash_reason };

	return load_run(s, run_id, &ad);
}

/*
 * Ends the n waiting tasks listed in ch (built by the caller, in memory
 * already moved to their new state) in one write. On success, tasks that
 * someone else (the API) had already ended take that state. On failure
 * the caller restores its saved states; a run taken over is marked lost.
 * Returns 0 or -1.
 */
static int
end_waiting(struct sched *s, struct run *r, struct worker_change *ch,
    size_t n)
{
	enum sl_status st;

	if (n == 0)
		return 0;
	st = s->w->ops->tasks_update(s->w, r->id, ch, n);
	if (st == SL_NOTFOUND)
		r->lost = 1;
	if (st != SL_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int t = task_index(r, ch[i].task);

		if (ch[i].conflict && t >= 0)
			r->tasks[t].state = ch[i].now;
	}
	return 0;
}

/*
 * Ends every task of r that has not started with state to (CANCELLED),
 * in one write. Returns 0 or -1 (nothing changed; tried again later).
 */
static int
end_all_waiting(struct sched *s, struct run *r, enum task_state to,
    const char *reason)
{
	enum task_state saved[r->ntasks];
	struct worker_change *ch = xcalloc((size_t)r->ntasks + 1, sizeof(*ch));
	size_t n = 0;
	int ret;

	for (int i = 0; i < r->ntasks; i++) {
		struct task *t = &r->tasks[i];

		saved[i] = t->state;
		if (t->proc == NULL && (t->state == TASK_PENDING ||
		    t->state == TASK_AWAITING_RETRY) &&
		    states_task_can(t->state, to)) {
			ch[n++] = (struct worker_change){
			    .kind = WORKER_END_WAITING, .task = t->name,
			    .attempt = t->attempt, .state = to,
			    .reason = reason };
			t->state = to;
		}
	}
	if ((ret = end_waiting(s, r, ch, n)) == -1)
		for (int i = 0; i < r->ntasks; i++)
			r->tasks[i].state = saved[i];
	free(ch);
	return ret;
}

/*
 * Marks SKIPPED every waiting task with an upstream that ended other than
 * COMPLETED, repeatedly, so skips flow down the whole DAG; one write.
 */
static int
skip_downstream(struct sched *s, struct run *r)
{
	enum task_state saved[r->ntasks];
	struct worker_change *ch = xcalloc((size_t)r->ntasks + 1, sizeof(*ch));
	char (*reasons)[160] = xcalloc((size_t)r->ntasks + 1, 160);
	size_t n = 0;
	int changed, ret;

	for (int i = 0; i < r->ntasks; i++)
		saved[i] = r->tasks[i].state;
	do {
		changed = 0;
		for (int i = 0; i < r->ntasks; i++) {
			struct task *t = &r->tasks[i];
			int bad = -1;

			if (t->proc != NULL || (t->state != TASK_PENDING &&
			    t->state != TASK_AWAITING_RETRY))
				continue;
			for (int j = 0; j < t->ndeps; j++) {
				enum task_state ds = r->tasks[t->deps[j]].state;

				if (states_task_terminal(ds) &&
				    ds != TASK_COMPLETED) {
					bad = t->deps[j];
					break;
				}
			}
			if (bad < 0 || !states_task_can(t->state,
			    TASK_SKIPPED))
				continue;
			snprintf(reasons[n], 160, "upstream %s %s",
			    r->tasks[bad].name,
			    states_task_name(r->tasks[bad].state));
			ch[n] = (struct worker_change){
			    .kind = WORKER_END_WAITING, .task = t->name,
			    .attempt = t->attempt, .state = TASK_SKIPPED,
			    .reason = reasons[n] };
			n++;
			t->state = TASK_SKIPPED;
			changed = 1;
		}
	} while (changed);
	if ((ret = end_waiting(s, r, ch, n)) == -1) {
		for (int i = 0; i < r->ntasks; i++)
			r->tasks[i].state = saved[i];
	} else {
		for (size_t i = 0; i < n; i++)
			if (!ch[i].conflict)
				log_info("run %s: task %s SKIPPED (%s)", r->id,
				    ch[i].task, ch[i].reason);
	}
	free(reasons);
	free(ch);
	return ret;
}

/*
 * Writes r's final state, derived from its tasks by worker_run_outcome.
 * Returns 1 when the run ended (the caller drops it), 0 when it could
 * not be written now.
 */
static int
finish_run(struct sched *s, struct run *r)
{
	struct worker_task_state ts[r->ntasks];
	enum run_state to;
	enum sl_status st;
	char reason[200] = "";

	for (int i = 0; i < r->ntasks; i++)
		ts[i] = (struct worker_task_state){ r->tasks[i].name,
		    r->tasks[i].state };
	st = s->w->ops->run_finish(s->w, r->id, ts, (size_t)r->ntasks,
	    r->timed_out, r->timeout_s, &to, reason, sizeof(reason));
	if (st == SL_NOTFOUND)
		r->lost = 1;
	if (st != SL_OK)
		return 0;
	log_info("run %s: %s%s%s", r->id, states_run_name(to),
	    reason[0] ? ": " : "", reason);
	return 1;
}

static int
all_terminal(const struct run *r)
{
	for (int i = 0; i < r->ntasks; i++)
		if (r->tasks[i].proc != NULL ||
		    !states_task_terminal(r->tasks[i].state))
			return 0;
	return 1;
}

static int
has_procs(const struct run *r)
{
	for (int i = 0; i < r->ntasks; i++)
		if (r->tasks[i].proc != NULL)
			return 1;
	return 0;
}

/* Starts what is ready in r; counts ready tasks without a free slot. */
static void
start_ready(struct sched *s, struct run *r)
{
	int64_t now = timefmt_now_ms();

	for (int i = 0; i < r->ntasks && !r->lost; i++) {
		struct task *t = &r->tasks[i];
		int ready = 1;

		if (t->proc != NULL || (t->state != TASK_PENDING &&
		    t->state != TASK_AWAITING_RETRY))
			continue;
		for (int j = 0; j < t->ndeps; j++)
			if (r->tasks[t->deps[j]].state != TASK_COMPLETED)
				ready = 0;
		if (!ready || (t->state == TASK_AWAITING_RETRY &&
		    t->not_before > now))
			continue;
		if (s->nprocs >= s->limit) {
			s->blocked++;
			continue;
		}
		spawn_attempt(s, r, i);
	}
}

/*
 * Moves every claimed run forward: skips, starts ready tasks while slots
 * are free (none once stopping), and ends runs whose tasks all ended.
 * Sets s->blocked to the number of ready tasks left waiting for a slot.
 */
void
dag_advance(struct sched *s)
{
	struct run **pp = &s->runs;

	s->blocked = 0;
	while (*pp != NULL) {
		struct run *r = *pp;

		if (!r->lost && !s->stopping) {
			skip_downstream(s, r);
			if (!r->cancelling && !r->timed_out)
				start_ready(s, r);
		}
		if (r->lost && !has_procs(r)) {
			log_warnx("run %s: taken over by another scheduler; "
			    "dropped", r->id);
			*pp = r->next;
			dag_free(r);
			continue;
		}
		if (!s->stopping && !r->lost && all_terminal(r) &&
		    finish_run(s, r)) {
			*pp = r->next;
			dag_free(r);
			continue;
		}
		pp = &r->next;
	}
}

/* Returns the number of ready tasks that found no free slot last time. */
int
dag_count_ready(struct sched *s)
{
	return s->blocked;
}

static void
cancel_run(struct sched *s, struct run *r)
{
	log_info("run %s: cancel requested; stopping its tasks", r->id);
	r->cancelling = 1;
	for (int i = 0; i < r->ntasks; i++)
		if (r->tasks[i].proc != NULL)
			reap_stop(s, r->tasks[i].proc, TASK_CANCELLED,
			    "cancelled", 1);
	if (end_all_waiting(s, r, TASK_CANCELLED, "cancelled") == -1)
		r->cancelling = 0;	/* try again next time */
	/* The API normally did this already. */
	s->w->ops->run_cancelling(s->w, r->id);
}

/* Acts on cancel requests the API recorded for runs this worker owns. */
void
dag_check_cancels(struct sched *s)
{
	char ids[64][IDS_LEN];
	int n = 0;

	if (s->runs == NULL)
		return;
	if (s->w->ops->poll_cancels(s->w, ids, 64, &n) != SL_OK)
		return;
	for (int i = 0; i < n; i++) {
		struct run *r = dag_find(s, ids[i]);

		if (r != NULL && !r->cancelling)
			cancel_run(s, r);
	}
}

/*
 * Stops attempts past their task's timeout_s (FAILED, retried by policy)
 * and runs past the flow's timeout_s (their running tasks FAILED, waiting
 * ones CANCELLED, no retries; the run ends FAILED).
 */
void
dag_check_timeouts(struct sched *s)
{
	int64_t mono = timefmt_mono_ms(), now = timefmt_now_ms();
	char reason[96];

	for (struct run *r = s->runs; r != NULL; r = r->next) {
		if (r->timeout_s > 0 && !r->timed_out && !r->cancelling &&
		    now >= r->started_at + r->timeout_s * 1000) {
			snprintf(reason, sizeof(reason), "flow timed out after "
			    "%lld s", (long long)r->timeout_s);
			log_info("run %s: %s", r->id, reason);
			r->timed_out = 1;
			for (int i = 0; i < r->ntasks; i++)
				if (r->tasks[i].proc != NULL)
					reap_stop(s, r->tasks[i].proc,
					    TASK_FAILED, reason, 1);
			if (end_all_waiting(s, r, TASK_CANCELLED, reason) == -1)
				r->timed_out = 0;	/* again later */
		}
		for (int i = 0; i < r->ntasks; i++) {
			struct attempt *a = r->tasks[i].proc;

			if (a == NULL || a->term_mono != 0 || a->exited ||
			    a->deadline_mono == 0 || mono < a->deadline_mono)
				continue;
			snprintf(reason, sizeof(reason), "timed out after %lld "
			    "s", (long long)r->tasks[i].timeout_s);
			reap_stop(s, a, TASK_FAILED, reason, 0);
		}
	}
}
