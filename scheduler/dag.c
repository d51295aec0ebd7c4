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
 * only records them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "json.h"
#include "log.h"
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
		reap_free_attempt(r->tasks[i].proc);
	}
	free(r->tasks);
	free(r->flow);
	json_object_put(r->def);
	json_object_put(r->params);
	free(r);
}

/*
 * Returns the delay before the attempt after failed_attempt:
 * retry_delay_s * retry_backoff^(failed_attempt - 1) plus a random jitter
 * of up to retry_jitter_s, in milliseconds.
 */
int64_t
dag_retry_delay_ms(const struct task *t, int failed_attempt)
{
	double d = t->retry_delay_s * pow(t->retry_backoff > 0 ?
	    t->retry_backoff : 1.0, failed_attempt - 1);
	uint32_t rnd = 0;

	if (t->retry_jitter_s > 0) {
		if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			rnd = 0;
		d += t->retry_jitter_s * (rnd / 4294967296.0);
	}
	if (d > 7 * 86400)
		d = 7 * 86400;
	return (int64_t)(d * 1000);
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

/*
 * Takes the stored attempts of r (by task, then attempt: the last one of
 * a task is its latest). For attempts still marked RUNNING (left by a
 * dead scheduler: r is adopted) it kills the process group when it is on
 * this host and still the same process, and notes them in *crashed (a
 * bitmap by task index) for the caller to mark.
 */
static void
take_attempts(struct sched *s, struct run *r, struct worker_run *wr,
    int adopted, const char *old_host, char *crashed)
{
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
		crashed[t] = 0;
		if (at->state == TASK_RUNNING) {
			pid_t pid = (pid_t)at->pid;

			crashed[t] = 1;
			if (!adopted)
				log_warnx("run %s: task %s attempt %d was "
				    "RUNNING in a run not yet started",
				    r->id, tk->name, tk->attempt);
			if (pid > 0 && old_host != NULL &&
			    strcmp(old_host, s->cfg.host) == 0 &&
			    recover_kill_group(pid, at->proc_start, r->id,
			    tk->name) > 0)
				log_info("run %s: task %s attempt %d: killed "
				    "leftover process group %d", r->id,
				    tk->name, tk->attempt, (int)pid);
		}
	}
}

/*
 * Loads the run run_id, which this worker owns (just claimed, or adopted
 * from a dead scheduler when adopted is set; old_host is then the dead
 * worker's host, or NULL), into s->runs. Attempts left RUNNING are
 * killed (when on this host and verified) and marked CRASHED with
 * crash_reason; a CRASHED latest attempt with retries left gets its next
 * attempt AWAITING_RETRY; tasks without any attempt get attempt 1
 * PENDING; all of that in one write. Returns the run, or NULL when it
 * cannot be loaded (a broken run is marked FAILED; a busy store is tried
 * again later).
 */
struct run *
dag_load(struct sched *s, const char *run_id, int adopted,
    const char *old_host, const char *crash_reason)
{
	struct run *r = xcalloc(1, sizeof(*r));
	struct worker_run wr;
	struct worker_change *ch = NULL;
	char why[512], *crashed = NULL, reason[600];
	size_t nch = 0;
	int broken = 0;
	enum sl_status st;
	int64_t now = timefmt_now_ms();

	snprintf(r->id, sizeof(r->id), "%s", run_id);
	if ((st = s->w->ops->run_load(s->w, run_id, &wr)) != SL_OK) {
		if (st == SL_NOTFOUND)
			log_warnx("run %s: no longer ours", run_id);
		goto fail;
	}
	r->flow = wr.flow;
	wr.flow = NULL;
	r->version = wr.version;
	r->params = jsonx_parse(wr.params, strlen(wr.params), why,
	    sizeof(why));
	r->started_at = wr.started_at;
	r->cancelling = 0;
	broken = 1;
	if (r->params == NULL) {
		snprintf(reason, sizeof(reason), "bad parameters: %s", why);
		goto fail;
	}
	if (wr.definition == NULL) {
		snprintf(reason, sizeof(reason), "flow version not found");
		goto fail;
	}
	if ((r->def = jsonx_parse(wr.definition, strlen(wr.definition), why,
	    sizeof(why))) == NULL) {
		snprintf(reason, sizeof(reason), "bad definition: %s", why);
		goto fail;
	}
	if (build_tasks(r, why, sizeof(why)) == -1) {
		snprintf(reason, sizeof(reason), "%s", why);
		goto fail;
	}
	broken = 0;
	r->timeout_s = def_int(r->def, "timeout_s", 0);
	if (r->started_at == 0)
		r->started_at = now;
	crashed = xcalloc((size_t)r->ntasks, 1);
	take_attempts(s, r, &wr, adopted, old_host, crashed);

	snprintf(reason, sizeof(reason), "%s", crash_reason ? crash_reason :
	    "found RUNNING when the run was claimed");
	ch = xcalloc(2 * (size_t)r->ntasks, sizeof(*ch));
	for (int i = 0; i < r->ntasks; i++) {
		struct task *t = &r->tasks[i];

		if (t->attempt == 0) {
			ch[nch++] = (struct worker_change){
			    .kind = WORKER_ADD, .task = t->name, .attempt = 1,
			    .state = TASK_PENDING };
			t->attempt = 1;
			t->state = TASK_PENDING;
			continue;
		}
		if (crashed[i]) {
			ch[nch++] = (struct worker_change){
			    .kind = WORKER_CRASH, .task = t->name,
			    .attempt = t->attempt, .reason = reason };
			t->state = TASK_CRASHED;
			log_info("run %s: task %s attempt %d CRASHED (%s)",
			    r->id, t->name, t->attempt, reason);
		}
		if (t->state == TASK_CRASHED && t->attempt <= t->retries) {
			int64_t nb = now + dag_retry_delay_ms(t, t->attempt);

			ch[nch++] = (struct worker_change){
			    .kind = WORKER_ADD, .task = t->name,
			    .attempt = t->attempt + 1,
			    .state = TASK_AWAITING_RETRY, .not_before = nb };
			t->attempt++;
			t->state = TASK_AWAITING_RETRY;
			t->not_before = nb;
			free(t->result);
			t->result = NULL;
			log_info("run %s: task %s attempt %d AWAITING_RETRY",
			    r->id, t->name, t->attempt);
		}
	}
	if (s->w->ops->tasks_update(s->w, r->id, ch, nch) != SL_OK)
		goto fail;
	free(ch);
	free(crashed);
	worker_run_fini(&wr);
	r->next = s->runs;
	s->runs = r;
	log_info("run %s: %s flow %s version %lld (%d tasks)", r->id,
	    adopted ? "adopted" : "loaded", r->flow, (long long)r->version,
	    r->ntasks);
	return r;
fail:
	if (broken)
		fail_run(s, run_id, reason);
	free(ch);
	free(crashed);
	worker_run_fini(&wr);
	dag_free(r);
	return NULL;
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
