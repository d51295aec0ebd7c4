/*
 * dag.c: the runs this scheduler has claimed, as a DAG of tasks. It loads
 * a run from the database (definition, parameters, latest attempt of each
 * task), decides what happens next (start ready tasks in dependency
 * order, independent ones in parallel; skip tasks whose upstream failed;
 * start retries when their time comes), reacts to cancel requests and
 * timeouts, and writes the run's final state, derived by
 * states_run_from_tasks. Starting and finishing processes belong to
 * spawn.c and reap.c. Every write here runs inside BEGIN IMMEDIATE and is
 * guarded by "worker = this worker", so a run another scheduler took over
 * is never written again (it is dropped instead).
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "db.h"
#include "json.h"
#include "log.h"
#include "sched.h"
#include "timefmt.h"
#include "xalloc.h"

static const char sql_run[] =
    "SELECT flow, flow_version, parameters, COALESCE(started_at, 0),"
    " cancel_requested, state FROM runs WHERE id = :id AND worker = :w";
static const char sql_attempts[] =
    "SELECT task, attempt, state, result, COALESCE(not_before, 0), pid,"
    " COALESCE(proc_start, 0), worker FROM task_runs"
    " WHERE run_id = :id ORDER BY task, attempt";
static const char sql_insert_attempt[] =
    "INSERT OR IGNORE INTO task_runs (run_id, task, attempt, state,"
    " not_before, created_at, updated_at)"
    " VALUES (:id, :task, :attempt, :state, :not_before, :now, :now)";
static const char sql_crash_attempt[] =
    "UPDATE task_runs SET state = 'CRASHED', reason = :reason,"
    " ended_at = :now, updated_at = :now"
    " WHERE run_id = :id AND task = :task AND attempt = :attempt"
    " AND state = 'RUNNING'";
static const char sql_end_waiting[] =
    "UPDATE task_runs SET state = :state, reason = :reason,"
    " ended_at = :now, updated_at = :now"
    " WHERE run_id = :id AND task = :task AND attempt = :attempt"
    " AND state IN ('PENDING', 'AWAITING_RETRY')"
    " AND EXISTS (SELECT 1 FROM runs WHERE id = :id AND worker = :w)";
static const char sql_task_state[] =
    "SELECT t.state FROM task_runs t JOIN runs r ON r.id = t.run_id"
    " WHERE t.run_id = :id AND t.task = :task AND t.attempt = :attempt"
    " AND r.worker = :w";
static const char sql_run_now[] =
    "SELECT state, cancel_requested FROM runs"
    " WHERE id = :id AND worker = :w";
static const char sql_run_end[] =
    "UPDATE runs SET state = :state, ended_at = :now, updated_at = :now,"
    " reason = COALESCE(reason, :reason) WHERE id = :id AND worker = :w"
    " AND state = :from";
static const char sql_run_cancelling[] =
    "UPDATE runs SET state = 'CANCELLING', updated_at = :now"
    " WHERE id = :id AND worker = :w AND state = 'RUNNING'";
static const char sql_cancels[] =
    "SELECT id FROM runs WHERE worker = :w AND cancel_requested = 1"
    " AND state IN ('RUNNING', 'CANCELLING')";
static const char sql_fail_run[] =
    "UPDATE runs SET state = CASE state WHEN 'RUNNING' THEN 'FAILED'"
    " ELSE 'CANCELLED' END, reason = :reason, ended_at = :now,"
    " updated_at = :now WHERE id = :id AND worker = :w"
    " AND state IN ('RUNNING', 'CANCELLING')";
static const char sql_fail_tasks[] =
    "UPDATE task_runs SET state = 'CANCELLED', reason = :reason,"
    " ended_at = :now, updated_at = :now WHERE run_id = :id"
    " AND state IN ('PENDING', 'AWAITING_RETRY')";

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
	sqlite3_stmt *st = NULL;
	int64_t now = timefmt_now_ms();

	assert(states_run_can(RUN_RUNNING, RUN_FAILED) &&
	    states_run_can(RUN_CANCELLING, RUN_CANCELLED) &&
	    states_task_can(TASK_PENDING, TASK_CANCELLED) &&
	    states_task_can(TASK_AWAITING_RETRY, TASK_CANCELLED));

	log_warnx("run %s: cannot run: %s", run_id, why);
	if (db_begin_write(s->db) != SL_OK)
		return;
	for (int i = 0; i < 2; i++) {
		st = db_prepare(s->db, i == 0 ? sql_fail_tasks : sql_fail_run);
		if (st == NULL)
			goto out;
		db_bind_text(st, ":id", run_id);
		db_bind_text(st, ":reason", why);
		db_bind_int64(st, ":now", now);
		if (i == 1)
			db_bind_text(st, ":w", s->cfg.worker);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
		sqlite3_finalize(st);
		st = NULL;
	}
	db_commit(s->db);
out:
	sqlite3_finalize(st);
	db_rollback(s->db);
}

static int
insert_attempt(struct sched *s, const char *run_id, const char *task,
    int attempt, enum task_state state, int64_t not_before)
{
	sqlite3_stmt *st = db_prepare(s->db, sql_insert_attempt);
	int rc;

	if (st == NULL)
		return -1;
	db_bind_text(st, ":id", run_id);
	db_bind_text(st, ":task", task);
	db_bind_int64(st, ":attempt", attempt);
	db_bind_text(st, ":state", states_task_name(state));
	if (not_before)
		db_bind_int64(st, ":not_before", not_before);
	else
		db_bind_null(st, ":not_before");
	db_bind_int64(st, ":now", timefmt_now_ms());
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Reads the latest attempt of every task of r. For attempts still marked
 * RUNNING (left by a dead scheduler: r is adopted) it kills the process
 * group when it is on this host and still the same process, and notes
 * them in *crashed (a bitmap by task index) for the caller to mark.
 */
static int
read_attempts(struct sched *s, struct run *r, int adopted,
    const char *old_host, char *crashed)
{
	sqlite3_stmt *st = db_prepare(s->db, sql_attempts);
	int rc;

	if (st == NULL)
		return -1;
	db_bind_text(st, ":id", r->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int t = task_index(r, db_col_text(st, 0));
		struct task *tk;
		enum task_state ts;

		if (t < 0)
			continue;
		tk = &r->tasks[t];
		if (states_task_parse(db_col_text(st, 2), &ts) == -1)
			continue;
		tk->attempt = sqlite3_column_int(st, 1);
		tk->state = ts;
		free(tk->result);
		tk->result = sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL :
		    xstrdup(db_col_text(st, 3));
		tk->not_before = sqlite3_column_int64(st, 4);
		crashed[t] = 0;
		if (ts == TASK_RUNNING) {
			pid_t pid = (pid_t)sqlite3_column_int64(st, 5);
			int64_t start = sqlite3_column_int64(st, 6);

			crashed[t] = 1;
			if (!adopted)
				log_warnx("run %s: task %s attempt %d was "
				    "RUNNING in a run not yet started",
				    r->id, tk->name, tk->attempt);
			if (pid > 0 && old_host != NULL &&
			    strcmp(old_host, s->cfg.host) == 0 &&
			    recover_kill_group(pid, start, r->id,
			    tk->name) > 0)
				log_info("run %s: task %s attempt %d: killed "
				    "leftover process group %d", r->id,
				    tk->name, tk->attempt, (int)pid);
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Loads the run run_id, which this worker owns in the database (just
 * claimed, or adopted from a dead scheduler when adopted is set; old_host
 * is then the dead worker's host, or NULL), into s->runs. Attempts left
 * RUNNING are killed (when on this host and verified) and marked
 * CRASHED with crash_reason; a CRASHED latest attempt with retries left
 * gets its next attempt AWAITING_RETRY; tasks without any attempt get
 * attempt 1 PENDING. Returns the run, or NULL when it cannot be loaded (a broken
 * run is marked FAILED; a busy database is tried again later).
 */
struct run *
dag_load(struct sched *s, const char *run_id, int adopted,
    const char *old_host, const char *crash_reason)
{
	sqlite3_stmt *st = NULL;
	struct run *r = xcalloc(1, sizeof(*r));
	char why[512], *def = NULL, *crashed = NULL, reason[600];
	int broken = 0, rc;
	int64_t now = timefmt_now_ms();

	snprintf(r->id, sizeof(r->id), "%s", run_id);
	if ((st = db_prepare(s->db, sql_run)) == NULL)
		goto fail;
	db_bind_text(st, ":id", run_id);
	db_bind_text(st, ":w", s->cfg.worker);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			log_warnx("run %s: no longer ours", run_id);
		goto fail;
	}
	r->flow = xstrdup(db_col_text(st, 0));
	r->version = sqlite3_column_int64(st, 1);
	r->params = jsonx_parse(db_col_text(st, 2),
	    strlen(db_col_text(st, 2)), why, sizeof(why));
	r->started_at = sqlite3_column_int64(st, 3);
	r->cancelling = 0;
	sqlite3_finalize(st);
	st = NULL;
	broken = 1;
	if (r->params == NULL) {
		snprintf(reason, sizeof(reason), "bad parameters: %s", why);
		goto fail;
	}
	if ((def = sched_def_text(s, r->flow, r->version)) == NULL) {
		snprintf(reason, sizeof(reason), "flow version not found");
		goto fail;
	}
	if ((r->def = jsonx_parse(def, strlen(def), why, sizeof(why))) ==
	    NULL) {
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
	if (read_attempts(s, r, adopted, old_host, crashed) == -1)
		goto fail;

	if (db_begin_write(s->db) != SL_OK)
		goto fail;
	snprintf(reason, sizeof(reason), "%s", crash_reason ? crash_reason :
	    "found RUNNING when the run was claimed");
	for (int i = 0; i < r->ntasks; i++) {
		struct task *t = &r->tasks[i];

		if (t->attempt == 0) {
			if (insert_attempt(s, r->id, t->name, 1, TASK_PENDING,
			    0) == -1)
				goto fail;
			t->attempt = 1;
			t->state = TASK_PENDING;
			continue;
		}
		if (crashed[i]) {
			assert(states_task_can(TASK_RUNNING, TASK_CRASHED));
			if ((st = db_prepare(s->db, sql_crash_attempt)) ==
			    NULL)
				goto fail;
			db_bind_text(st, ":reason", reason);
			db_bind_int64(st, ":now", now);
			db_bind_text(st, ":id", r->id);
			db_bind_text(st, ":task", t->name);
			db_bind_int64(st, ":attempt", t->attempt);
			rc = sqlite3_step(st);
			sqlite3_finalize(st);
			st = NULL;
			if (rc != SQLITE_DONE)
				goto fail;
			t->state = TASK_CRASHED;
			log_info("run %s: task %s attempt %d CRASHED (%s)",
			    r->id, t->name, t->attempt, reason);
		}
		if (t->state == TASK_CRASHED && t->attempt <= t->retries) {
			int64_t nb = now + dag_retry_delay_ms(t, t->attempt);

			if (insert_attempt(s, r->id, t->name, t->attempt + 1,
			    TASK_AWAITING_RETRY, nb) == -1)
				goto fail;
			t->attempt++;
			t->state = TASK_AWAITING_RETRY;
			t->not_before = nb;
			free(t->result);
			t->result = NULL;
			log_info("run %s: task %s attempt %d AWAITING_RETRY",
			    r->id, t->name, t->attempt);
		}
	}
	if (db_commit(s->db) != SL_OK)
		goto fail;
	free(crashed);
	free(def);
	r->next = s->runs;
	s->runs = r;
	log_info("run %s: %s flow %s version %lld (%d tasks)", r->id,
	    adopted ? "adopted" : "loaded", r->flow, (long long)r->version,
	    r->ntasks);
	return r;
fail:
	sqlite3_finalize(st);
	db_rollback(s->db);
	if (broken)
		fail_run(s, run_id, reason);
	free(crashed);
	free(def);
	dag_free(r);
	return NULL;
}

/*
 * Re-reads the state of the attempt of task t that an update did not find
 * as expected: the run was taken over (r->lost, returns -1) or someone
 * else (the API) already ended the attempt (its state is copied, 0).
 */
static int
refresh_task(struct sched *s, struct run *r, int t)
{
	struct task *tk = &r->tasks[t];
	sqlite3_stmt *st = db_prepare(s->db, sql_task_state);
	enum task_state ts;
	int rc, ret = -1;

	if (st == NULL)
		return -1;
	db_bind_text(st, ":id", r->id);
	db_bind_text(st, ":task", tk->name);
	db_bind_int64(st, ":attempt", tk->attempt);
	db_bind_text(st, ":w", s->cfg.worker);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		r->lost = 1;
	} else if (rc == SQLITE_ROW &&
	    states_task_parse(db_col_text(st, 0), &ts) == 0) {
		tk->state = ts;
		ret = 0;
	}
	sqlite3_finalize(st);
	return ret;
}

/* Ends a task that never started (skipped or cancelled) in the database. */
static int
end_waiting(struct sched *s, struct run *r, int t, enum task_state to,
    const char *reason)
{
	struct task *tk = &r->tasks[t];
	sqlite3_stmt *st;
	int rc;

	if (!states_task_can(tk->state, to))
		return 0;
	st = db_prepare(s->db, sql_end_waiting);
	if (st == NULL)
		return -1;
	db_bind_text(st, ":state", states_task_name(to));
	db_bind_text(st, ":reason", reason);
	db_bind_int64(st, ":now", timefmt_now_ms());
	db_bind_text(st, ":id", r->id);
	db_bind_text(st, ":task", tk->name);
	db_bind_int64(st, ":attempt", tk->attempt);
	db_bind_text(st, ":w", s->cfg.worker);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return refresh_task(s, r, t);
	tk->state = to;
	return 0;
}

/*
 * Ends every task of r that has not started with state to (CANCELLED),
 * in one transaction. Returns 0 or -1 (rolled back; tried again later).
 */
static int
end_all_waiting(struct sched *s, struct run *r, enum task_state to,
    const char *reason)
{
	enum task_state saved[r->ntasks];

	for (int i = 0; i < r->ntasks; i++)
		saved[i] = r->tasks[i].state;
	if (db_begin_write(s->db) != SL_OK)
		return -1;
	for (int i = 0; i < r->ntasks; i++) {
		struct task *t = &r->tasks[i];

		if (t->proc == NULL && (t->state == TASK_PENDING ||
		    t->state == TASK_AWAITING_RETRY) &&
		    end_waiting(s, r, i, to, reason) == -1)
			goto fail;
	}
	if (db_commit(s->db) != SL_OK)
		goto fail;
	return 0;
fail:
	db_rollback(s->db);
	for (int i = 0; i < r->ntasks; i++)
		r->tasks[i].state = saved[i];
	return -1;
}

/*
 * Marks SKIPPED every waiting task with an upstream that ended other than
 * COMPLETED, repeatedly, so skips flow down the whole DAG.
 */
static int
skip_downstream(struct sched *s, struct run *r)
{
	enum task_state saved[r->ntasks];
	int changed, began = 0;
	char reason[160];

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
			if (bad < 0)
				continue;
			if (!began && db_begin_write(s->db) != SL_OK)
				goto fail;
			began = 1;
			snprintf(reason, sizeof(reason), "upstream %s %s",
			    r->tasks[bad].name,
			    states_task_name(r->tasks[bad].state));
			if (end_waiting(s, r, i, TASK_SKIPPED, reason) == -1)
				goto fail;
			log_info("run %s: task %s SKIPPED (%s)", r->id,
			    t->name, reason);
			changed = 1;
		}
	} while (changed);
	if (began && db_commit(s->db) != SL_OK)
		goto fail;
	return 0;
fail:
	db_rollback(s->db);
	for (int i = 0; i < r->ntasks; i++)
		r->tasks[i].state = saved[i];
	return -1;
}

/*
 * Writes r's final state, derived from its tasks by
 * states_run_from_tasks. Returns 1 when the run ended (the caller drops
 * it), 0 when it could not be written now.
 */
static int
finish_run(struct sched *s, struct run *r)
{
	enum task_state latest[r->ntasks];
	enum run_state from, to;
	sqlite3_stmt *st = NULL;
	char reason[200] = "";
	int cancel, rc, ended = 0;

	for (int i = 0; i < r->ntasks; i++)
		latest[i] = r->tasks[i].state;
	if (db_begin_write(s->db) != SL_OK)
		return 0;
	if ((st = db_prepare(s->db, sql_run_now)) == NULL)
		goto out;
	db_bind_text(st, ":id", r->id);
	db_bind_text(st, ":w", s->cfg.worker);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		r->lost = 1;
		goto out;
	}
	if (rc != SQLITE_ROW ||
	    states_run_parse(db_col_text(st, 0), &from) == -1)
		goto out;
	cancel = sqlite3_column_int(st, 1);
	sqlite3_finalize(st);
	st = NULL;
	to = states_run_from_tasks(latest, (size_t)r->ntasks, cancel);
	if (r->timed_out && to != RUN_COMPLETED && !cancel) {
		to = RUN_FAILED;
		snprintf(reason, sizeof(reason), "timed out after %lld s",
		    (long long)r->timeout_s);
	} else if (to == RUN_FAILED || to == RUN_CRASHED) {
		for (int i = 0; i < r->ntasks; i++)
			if (latest[i] == TASK_FAILED ||
			    latest[i] == TASK_CRASHED) {
				snprintf(reason, sizeof(reason), "task %s %s",
				    r->tasks[i].name,
				    states_task_name(latest[i]));
				break;
			}
	} else if (to == RUN_CANCELLED && cancel) {
		snprintf(reason, sizeof(reason), "cancelled");
	}
	if (!states_run_terminal(to) || !states_run_can(from, to)) {
		log_warnx("run %s: cannot move from %s to %s", r->id,
		    states_run_name(from), states_run_name(to));
		goto out;
	}
	if ((st = db_prepare(s->db, sql_run_end)) == NULL)
		goto out;
	db_bind_text(st, ":state", states_run_name(to));
	db_bind_int64(st, ":now", timefmt_now_ms());
	db_bind_text(st, ":reason", reason[0] ? reason : NULL);
	db_bind_text(st, ":id", r->id);
	db_bind_text(st, ":w", s->cfg.worker);
	db_bind_text(st, ":from", states_run_name(from));
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	if (db_commit(s->db) != SL_OK)
		goto out;
	ended = 1;
	log_info("run %s: %s%s%s", r->id, states_run_name(to),
	    reason[0] ? ": " : "", reason);
	notify_run_ended(s, r, to);
out:
	sqlite3_finalize(st);
	db_rollback(s->db);
	return ended;
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
	sqlite3_stmt *st;

	log_info("run %s: cancel requested; stopping its tasks", r->id);
	r->cancelling = 1;
	for (int i = 0; i < r->ntasks; i++)
		if (r->tasks[i].proc != NULL)
			reap_stop(s, r->tasks[i].proc, TASK_CANCELLED,
			    "cancelled", 1);
	if (end_all_waiting(s, r, TASK_CANCELLED, "cancelled") == -1)
		r->cancelling = 0;	/* try again next time */
	/* The API normally did this already. */
	assert(states_run_can(RUN_RUNNING, RUN_CANCELLING));
	st = db_prepare(s->db, sql_run_cancelling);
	if (st != NULL) {
		db_bind_int64(st, ":now", timefmt_now_ms());
		db_bind_text(st, ":id", r->id);
		db_bind_text(st, ":w", s->cfg.worker);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
}

/* Acts on cancel requests the API recorded for runs this worker owns. */
void
dag_check_cancels(struct sched *s)
{
	sqlite3_stmt *st;
	char ids[64][IDS_LEN];
	int n = 0;

	if (s->runs == NULL)
		return;
	if ((st = db_prepare(s->db, sql_cancels)) == NULL)
		return;
	db_bind_text(st, ":w", s->cfg.worker);
	while (n < 64 && sqlite3_step(st) == SQLITE_ROW)
		snprintf(ids[n++], IDS_LEN, "%s", db_col_text(st, 0));
	sqlite3_finalize(st);
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
