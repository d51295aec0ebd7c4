/*
 * test_worker_db.c: the SQLite worker backend (lib/worker_db.c) and the
 * shared outcome rules (lib/worker.c): attempts end COMPLETED or FAILED
 * by exit, signal and result, retries by the rule; runs end as their
 * tasks say. The backend runs on a temporary database migrated
 * with the project's migrations: two workers on two connections claim
 * each run exactly once; a worker loads only its own runs; starting an
 * attempt happens once; finishing one adds the retry attempt with the
 * next number, and a stale lease cannot finish it; tasks that never
 * started end SKIPPED/CANCELLED; cancel requests reach only the owner;
 * runs end in the state derived from their tasks; a lost lease is seen.
 * One line per case; exit 1 on failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

#include "db.h"
#include "ids.h"
#include "migrate.h"
#include "paths.h"
#include "timefmt.h"
#include "worker.h"

static char tmp[] = "/tmp/sluice-worker-db.XXXXXX";

static const char flow_def[] =
    "{\"name\":\"f\",\"max_concurrent_runs\":10,\"tasks\":["
    "{\"name\":\"a\",\"command\":[\"true\"],\"retries\":1},"
    "{\"name\":\"b\",\"command\":[\"true\"],\"depends_on\":[\"a\"]}]}";

static void
exec_sql(struct db *db, const char *sql)
{
	if (db_exec(db, sql) != SL_OK) {
		fprintf(stderr, "setup failed: %s\n", sql);
		exit(2);
	}
}

/* Returns the text of a one-value query in buf ("" when none). */
static const char *
query_text(struct db *db, const char *sql, const char *id, char *buf,
    size_t sz)
{
	struct db_stmt st;

	buf[0] = '\0';
	db_prepare(db, &st, sql);
	if (id != NULL)
		db_bind_all(&st, DB_TEXT(":id", id));
	if (db_step(&st))
		snprintf(buf, sz, "%s", db_col_text(&st, 0));
	db_finish(&st);
	return buf;
}

static void
new_run(struct db *db, char id[IDS_LEN])
{
	static const char sql[] =
	    "INSERT INTO runs (id, flow, flow_version, state, parameters,"
	    " trigger, scheduled_for, created_at, updated_at) VALUES"
	    " (:id, 'f', 1, 'PENDING', '{}', 'manual', :now, :now, :now)";
	int64_t now = timefmt_now_ms();

	ids_new(now, id);
	if (db_run(db, sql, DB_TEXT(":id", id), DB_INT(":now", now)) !=
	    SL_OK) {
		fprintf(stderr, "insert run failed\n");
		exit(2);
	}
	usleep(2000);	/* distinct, ordered ids */
}

static struct worker *
open_worker(struct db *db, const char *name, const char *inc)
{
	struct worker_ident id = { .name = name, .pool = "default",
	    .host = "test", .incarnation = inc, .pid = (int)getpid(),
	    .concurrency = 4, .concurrency_set = 1 };

	return worker_db_open(db, &id);
}

static void
test_outcome(void)
{
	struct worker_task_state t[2] = { { "a", TASK_COMPLETED },
	    { "b", TASK_FAILED } };
	char reason[100];

	check("outcome_failed", worker_run_outcome(t, 2, 0, 0, 0, reason,
	    sizeof(reason)) == RUN_FAILED && strcmp(reason,
	    "task b FAILED") == 0, reason);
	check("outcome_timed_out", worker_run_outcome(t, 2, 0, 1, 5, reason,
	    sizeof(reason)) == RUN_FAILED && strcmp(reason,
	    "timed out after 5 s") == 0, reason);
	check("outcome_cancelled", worker_run_outcome(t, 2, 1, 0, 0, reason,
	    sizeof(reason)) == RUN_CANCELLED && strcmp(reason,
	    "cancelled") == 0, reason);
	t[1].state = TASK_AWAITING_RETRY;
	check("outcome_still_running", worker_run_outcome(t, 2, 0, 0, 0,
	    reason, sizeof(reason)) == RUN_RUNNING, reason);
	t[1].state = TASK_SKIPPED;
	check("outcome_completed", worker_run_outcome(t, 2, 0, 0, 0, reason,
	    sizeof(reason)) == RUN_COMPLETED && reason[0] == '\0', reason);
}

static void
test_attempt_outcome(void)
{
	char reason[100];

	check("attempt_completed", worker_attempt_outcome(TASK_PENDING, NULL,
	    0, 0, NULL, reason, sizeof(reason)) == TASK_COMPLETED &&
	    reason[0] == '\0', reason);
	check("attempt_bad_result", worker_attempt_outcome(TASK_PENDING, NULL,
	    0, 0, "not JSON", reason, sizeof(reason)) == TASK_FAILED &&
	    strcmp(reason, "invalid result: not JSON") == 0, reason);
	check("attempt_exit_code", worker_attempt_outcome(TASK_PENDING, NULL,
	    2, 0, NULL, reason, sizeof(reason)) == TASK_FAILED &&
	    strcmp(reason, "exit code 2") == 0, reason);
	check("attempt_signal", worker_attempt_outcome(TASK_PENDING, NULL,
	    -1, 9, NULL, reason, sizeof(reason)) == TASK_FAILED &&
	    strcmp(reason, "killed by signal 9") == 0, reason);
	check("attempt_stopped", worker_attempt_outcome(TASK_CANCELLED,
	    "cancelled", -1, 15, NULL, reason, sizeof(reason)) ==
	    TASK_CANCELLED && strcmp(reason, "cancelled") == 0, reason);
	check("attempt_retries", worker_attempt_retries(TASK_FAILED, 1, 1, 0)
	    && !worker_attempt_retries(TASK_FAILED, 2, 1, 0) &&
	    !worker_attempt_retries(TASK_FAILED, 1, 3, 1) &&
	    !worker_attempt_retries(TASK_CRASHED, 1, 3, 0), "retry rule");
}

/* The backend cases share two workers on two connections and two runs. */
struct fixture {
	struct db *db;
	struct worker *w1, *w2;
	char r1[IDS_LEN], r2[IDS_LEN];	/* claimed by w1 and by w2 */
};

/* Claims: three runs, two workers, each run exactly once. */
static void
test_claims(struct fixture *x)
{
	struct worker *w1 = x->w1, *w2 = x->w2;
	struct db *db1 = x->db;
	const char *r1 = x->r1;
	struct worker_claim c1, c2;
	char runs[3][IDS_LEN], buf[200];
	int seen = 0;

	for (int i = 0; i < 3; i++)
		new_run(db1, runs[i]);
	check("claim_first", w1->ops->claim(w1, 2, &c1) == SL_OK &&
	    c1.nids == 2, "w1 should claim 2");
	check("claim_second", w2->ops->claim(w2, 5, &c2) == SL_OK &&
	    c2.nids == 1, "w2 should claim the 1 left");
	for (int i = 0; i < 3; i++) {
		int k = 0;

		for (int j = 0; j < c1.nids; j++)
			k += strcmp(c1.ids[j], runs[i]) == 0;
		for (int j = 0; j < c2.nids; j++)
			k += strcmp(c2.ids[j], runs[i]) == 0;
		seen += k == 1;
	}
	check("claim_exactly_once", seen == 3, "a run claimed twice or never");
	snprintf(x->r1, sizeof(x->r1), "%s", c1.nids > 0 ? c1.ids[0] : "");
	snprintf(x->r2, sizeof(x->r2), "%s", c2.nids > 0 ? c2.ids[0] : "");
	worker_claim_fini(&c1);
	worker_claim_fini(&c2);
	check("claim_nothing_left", w2->ops->claim(w2, 5, &c2) == SL_OK &&
	    c2.nids == 0, "claimed a run twice");
	worker_claim_fini(&c2);
	check("claimed_running", strcmp(query_text(db1, "SELECT state || ' ' "
	    "|| worker FROM runs WHERE id = :id", r1, buf, sizeof(buf)),
	    "RUNNING w1") == 0, buf);
}

/* Loading and adding attempts: only the owner may. */
static void
test_load_attempts(struct fixture *x)
{
	struct worker *w1 = x->w1, *w2 = x->w2;
	const char *r1 = x->r1;
	struct worker_run run;
	struct worker_change ch[2];

	/* Loading: only the owner may. */
	check("load_not_ours", w2->ops->run_load(w2, r1, &run) ==
	    SL_NOTFOUND, "w2 loaded w1's run");
	check("load_ours", w1->ops->run_load(w1, r1, &run) == SL_OK &&
	    strcmp(run.flow, "f") == 0 && run.version == 1 &&
	    run.definition != NULL && strcmp(run.params, "{}") == 0 &&
	    run.nattempts == 0 && run.started_at > 0, "run fields");
	worker_run_fini(&run);

	/* First attempts, added once. */
	memset(ch, 0, sizeof(ch));
	ch[0] = (struct worker_change){ .kind = WORKER_ADD, .task = "a",
	    .attempt = 1, .state = TASK_PENDING };
	ch[1] = (struct worker_change){ .kind = WORKER_ADD, .task = "b",
	    .attempt = 1, .state = TASK_PENDING };
	check("add_attempts", w1->ops->tasks_update(w1, r1, ch, 2) == SL_OK &&
	    w1->ops->tasks_update(w1, r1, ch, 2) == SL_OK &&
	    w1->ops->run_load(w1, r1, &run) == SL_OK && run.nattempts == 2 &&
	    run.attempts[0].state == TASK_PENDING, "attempts");
	worker_run_fini(&run);
}

/* Starting happens once; finishing adds the numbered retry. */
static void
test_start_finish(struct fixture *x)
{
	struct worker *w1 = x->w1, *w2 = x->w2;
	struct db *db1 = x->db;
	const char *r1 = x->r1;
	struct worker_task_end end;
	struct worker_change ch[2];
	struct worker_task_state ts[2];
	enum run_state to = RUN_RUNNING;
	char buf[200], reason[200];

	/* Another worker's start, or failed start, is told the run is
	 * not its own, and writes nothing. */
	memset(ch, 0, sizeof(ch));
	ch[0] = (struct worker_change){ .kind = WORKER_FAIL_UNSTARTED,
	    .task = "a", .attempt = 1, .reason = "bad" };
	check("start_not_ours", w2->ops->task_start(w2, r1, "a", 1, 4242, 77)
	    == SL_NOTFOUND, "w2 started w1's attempt");
	check("fail_unstarted_not_ours", w2->ops->tasks_update(w2, r1, ch, 1)
	    == SL_NOTFOUND && strcmp(query_text(db1, "SELECT state FROM "
	    "task_runs WHERE run_id = :id AND task = 'a' AND attempt = 1", r1,
	    buf, sizeof(buf)), "PENDING") == 0, buf);

	/* Start once; a second start finds it RUNNING. */
	check("start", w1->ops->task_start(w1, r1, "a", 1, 4242, 77) ==
	    SL_OK, "start failed");
	check("start_twice", w1->ops->task_start(w1, r1, "a", 1, 4242, 77)
	    == SL_CONFLICT, "started twice");
	check("start_recorded", strcmp(query_text(db1, "SELECT state || ' ' "
	    "|| pid || ' ' || proc_start || ' ' || incarnation FROM task_runs"
	    " WHERE run_id = :id AND task = 'a' AND attempt = 1", r1, buf,
	    sizeof(buf)), "RUNNING 4242 77 inc-one") == 0, buf);

	/* Finish with a retry: attempt 2 AWAITING_RETRY. */
	memset(&end, 0, sizeof(end));
	end.run_id = r1;
	end.task = "a";
	end.attempt = 1;
	end.state = TASK_FAILED;
	end.exit_code = 3;
	end.log_size = 10;
	end.reason = "exit code 3";
	end.retry_not_before = timefmt_now_ms() + 1000;
	check("finish_other_lease", w2->ops->task_finish(w2, &end) ==
	    SL_CONFLICT, "another lease finished our attempt");
	check("finish_retry", w1->ops->task_finish(w1, &end) == SL_OK,
	    "finish failed");
	check("retry_numbered", strcmp(query_text(db1, "SELECT group_concat("
	    "attempt || ':' || state, ',') FROM (SELECT * FROM task_runs"
	    " WHERE run_id = :id AND task = 'a' ORDER BY attempt)", r1, buf,
	    sizeof(buf)), "1:FAILED,2:AWAITING_RETRY") == 0, buf);
	check("finish_fields", strcmp(query_text(db1, "SELECT exit_code || "
	    "' ' || log_size || ' ' || reason FROM task_runs WHERE run_id = :id"
	    " AND task = 'a' AND attempt = 1", r1, buf, sizeof(buf)),
	    "3 10 exit code 3") == 0, buf);

	/* The retry runs and fails for good; b is skipped. */
	end.attempt = 2;
	end.retry_not_before = 0;
	check("retry_start_finish", w1->ops->task_start(w1, r1, "a", 2, 4243,
	    78) == SL_OK && w1->ops->task_finish(w1, &end) == SL_OK &&
	    strcmp(query_text(db1, "SELECT count(*) FROM task_runs WHERE"
	    " run_id = :id AND task = 'a'", r1, buf, sizeof(buf)), "2") == 0,
	    buf);
	memset(ch, 0, sizeof(ch));
	ch[0] = (struct worker_change){ .kind = WORKER_END_WAITING,
	    .task = "b", .attempt = 1, .state = TASK_SKIPPED,
	    .reason = "upstream a FAILED" };
	check("end_waiting_not_ours", w2->ops->tasks_update(w2, r1, ch, 1) ==
	    SL_NOTFOUND, "w2 ended w1's task");
	check("end_waiting", w1->ops->tasks_update(w1, r1, ch, 1) == SL_OK &&
	    !ch[0].conflict && strcmp(query_text(db1, "SELECT state FROM "
	    "task_runs WHERE run_id = :id AND task = 'b'", r1, buf,
	    sizeof(buf)), "SKIPPED") == 0, buf);
	check("end_waiting_again", w1->ops->tasks_update(w1, r1, ch, 1) ==
	    SL_OK && ch[0].conflict && ch[0].now == TASK_SKIPPED,
	    "no conflict reported");

	/* The run ends as its tasks say, only by its owner. */
	ts[0] = (struct worker_task_state){ "a", TASK_FAILED };
	ts[1] = (struct worker_task_state){ "b", TASK_SKIPPED };
	check("run_finish_not_ours", w2->ops->run_finish(w2, r1, ts, 2, 0, 0,
	    &to, reason, sizeof(reason)) == SL_NOTFOUND, "w2 ended it");
	check("run_finish", w1->ops->run_finish(w1, r1, ts, 2, 0, 0, &to,
	    reason, sizeof(reason)) == SL_OK && to == RUN_FAILED &&
	    strcmp(query_text(db1, "SELECT state || ' ' || reason FROM runs"
	    " WHERE id = :id", r1, buf, sizeof(buf)), "FAILED task a FAILED")
	    == 0, buf);
}

/* Cancel requests reach only the owner of the run. */
static void
test_cancels(struct fixture *x)
{
	struct worker *w1 = x->w1, *w2 = x->w2;
	struct db *db1 = x->db;
	const char *r2 = x->r2;
	struct worker_change ch[2];
	struct worker_task_state ts[2];
	enum run_state to = RUN_RUNNING;
	char ids[8][IDS_LEN], buf[200], reason[200];
	int n = 0;

	/* Cancel requests reach only the owner of the run. */
	{
		char sql[200];

		snprintf(sql, sizeof(sql), "UPDATE runs SET cancel_requested"
		    " = 1 WHERE id = '%s'", r2);
		exec_sql(db1, sql);
	}
	check("cancels_other", w1->ops->poll_cancels(w1, ids, 8, &n) ==
	    SL_OK && n == 0, "w1 saw w2's cancel");
	check("cancels_owner", w2->ops->poll_cancels(w2, ids, 8, &n) ==
	    SL_OK && n == 1 && strcmp(ids[0], r2) == 0, "w2 missed it");
	memset(ch, 0, sizeof(ch));
	ch[0] = (struct worker_change){ .kind = WORKER_ADD, .task = "a",
	    .attempt = 1, .state = TASK_PENDING };
	ch[1] = (struct worker_change){ .kind = WORKER_ADD, .task = "b",
	    .attempt = 1, .state = TASK_PENDING };
	check("cancel_blocks_start", w2->ops->tasks_update(w2, r2, ch, 2) ==
	    SL_OK && w2->ops->task_start(w2, r2, "a", 1, 1, 1) ==
	    SL_CONFLICT, "started in a cancelled run");
	ch[0] = (struct worker_change){ .kind = WORKER_END_WAITING,
	    .task = "a", .attempt = 1, .state = TASK_CANCELLED,
	    .reason = "cancelled" };
	ch[1] = (struct worker_change){ .kind = WORKER_END_WAITING,
	    .task = "b", .attempt = 1, .state = TASK_CANCELLED,
	    .reason = "cancelled" };
	ts[0] = (struct worker_task_state){ "a", TASK_CANCELLED };
	ts[1] = (struct worker_task_state){ "b", TASK_CANCELLED };
	check("run_cancelled", w2->ops->tasks_update(w2, r2, ch, 2) == SL_OK &&
	    w2->ops->run_cancelling(w2, r2) == SL_OK &&
	    strcmp(query_text(db1, "SELECT state FROM runs WHERE id = :id", r2,
	    buf, sizeof(buf)), "CANCELLING") == 0 &&
	    w2->ops->run_finish(w2, r2, ts, 2, 0, 0, &to, reason,
	    sizeof(reason)) == SL_OK && to == RUN_CANCELLED &&
	    strcmp(query_text(db1, "SELECT state FROM runs WHERE id = :id", r2,
	    buf, sizeof(buf)), "CANCELLED") == 0, buf);
}

/* A run that cannot run fails, its waiting tasks cancelled. */
static void
test_run_fail(struct fixture *x)
{
	struct worker *w1 = x->w1;
	struct db *db1 = x->db;
	struct worker_claim c1;
	struct worker_change ch[2];
	char runs[1][IDS_LEN], buf[200];

	/* A run that cannot run fails, its waiting tasks cancelled. */
	new_run(db1, runs[0]);
	memset(ch, 0, sizeof(ch));
	ch[0] = (struct worker_change){ .kind = WORKER_ADD, .task = "a",
	    .attempt = 1, .state = TASK_PENDING };
	check("run_fail", w1->ops->claim(w1, 1, &c1) == SL_OK &&
	    c1.nids == 1 && strcmp(c1.ids[0], runs[0]) == 0 &&
	    w1->ops->tasks_update(w1, runs[0], ch, 1) == SL_OK &&
	    w1->ops->run_fail(w1, runs[0], "bad definition") == SL_OK &&
	    strcmp(query_text(db1, "SELECT r.state || ' ' || r.reason || ' ' ||"
	    " t.state FROM runs r JOIN task_runs t ON t.run_id = r.id WHERE"
	    " r.id = :id", runs[0], buf, sizeof(buf)),
	    "FAILED bad definition CANCELLED") == 0, buf);
	worker_claim_fini(&c1);
}

/* The SQLite backend, case by case (see the opening comment). */
static void
test_backend(struct db *db1, struct db *db2)
{
	struct fixture x = { .db = db1 };
	struct worker *w1b;
	struct worker_settings set = { -1, -1 };

	x.w1 = open_worker(db1, "w1", "inc-one");
	x.w2 = open_worker(db2, "w2", "inc-two");
	check("join", x.w1->ops->join(x.w1, &set) == SL_OK &&
	    set.paused == 0 && set.limit == 4 &&
	    x.w2->ops->join(x.w2, &set) == SL_OK, "join");
	test_claims(&x);
	test_load_attempts(&x);
	test_start_finish(&x);
	test_cancels(&x);
	test_run_fail(&x);
	/* A new process under the same name takes the lease. */
	w1b = open_worker(db2, "w1", "inc-three");
	check("lease_taken", w1b->ops->join(w1b, &set) == SL_OK &&
	    x.w1->ops->heartbeat(x.w1, 1) == SL_CONFLICT &&
	    x.w1->ops->settings(x.w1, &set) == SL_CONFLICT &&
	    w1b->ops->heartbeat(w1b, 0) == SL_OK, "old lease still works");
	x.w1->ops->close(x.w1);
	w1b->ops->close(w1b);
	x.w2->ops->close(x.w2);
}

int
main(void)
{
	char path[300], cmd[300], why[512] = "", *migdir;
	const char *root = getenv("SLUICE_ROOT");
	struct db *db1, *db2;
	int ok;

	if (mkdtemp(tmp) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	if (root != NULL && getenv("SLUICE_MIGRATIONS") == NULL) {
		snprintf(path, sizeof(path), "%s/migrations", root);
		setenv("SLUICE_MIGRATIONS", path, 1);
	}
	snprintf(path, sizeof(path), "%s/sluice.db", tmp);
	db1 = db_open(path);
	db2 = db_open(path);
	migdir = paths_migrations_dir();
	ok = db1 != NULL && db2 != NULL &&
	    migrate_apply(db1, migdir, why, sizeof(why)) == SL_OK;
	free(migdir);
	check("setup", ok, why);
	if (ok) {
		char sql[1024];

		snprintf(sql, sizeof(sql), "INSERT INTO flows (name, version,"
		    " created_at, updated_at) VALUES ('f', 1, 0, 0);"
		    "INSERT INTO flow_versions (flow, version, definition,"
		    " created_by, created_at) VALUES ('f', 1, '%s', 't', 0)",
		    flow_def);
		exec_sql(db1, sql);
		test_outcome();
		test_attempt_outcome();
		test_backend(db1, db2);
	}
	db_close(db1);
	db_close(db2);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmp);
	return check_status();
}
