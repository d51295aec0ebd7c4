/*
 * notify.c: queues webhook notifications in the outbox. Every run that
 * reaches a terminal state (COMPLETED, FAILED, CANCELLED, CRASHED) --
 * ended by a scheduler, by a claim (too late, superseded) or by
 * sluice-api (cancel) -- is picked up here from the database
 * (runs.notified = 0, migration 002). notify_tick claims such runs in one
 * short BEGIN IMMEDIATE transaction ("UPDATE ... SET notified = 1 WHERE
 * notified = 0", checked by changes()), so with several schedulers each
 * run is claimed by exactly one; in the same transaction, a run whose
 * flow version's definition lists its state in notify.on gets a row in
 * webhook_deliveries (migration 003) holding notify.webhook and the JSON
 * document
 *
 *     {"flow": "...", "run_id": "...", "state": "FAILED",
 *      "duration_s": 12.3, "failed_tasks": ["load"], "url": "...",
 *      "idempotency_key": "<run_id>:1"}
 *
 * so a claim is never without its delivery, and a scheduler that stops
 * or dies loses nothing. The key is "<run_id>:<seq>", seq counting the
 * run's deliveries: every try of one delivery carries the same key (also
 * as the Idempotency-Key header, deliver.c), and the API's retry, which
 * sets notified back to 0, gives the retried run's notification a new
 * one. "url" links the run in the dashboard when SLUICE_PUBLIC_URL (or
 * SLUICE_URL) is set, else it is null. Posting is deliver.c's; nothing
 * here touches the network. This is a server duty: the SQL is here, on
 * the scheduler's own connection (s->db), not behind lib/worker.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "states.h"
#include "json.h"
#include "log.h"
#include "sched.h"
#include "timefmt.h"
#include "xalloc.h"

#define NOTIFY_BATCH 100
#define NOTIFY_MAX_BATCHES 10

/*
 * The unary + keeps SQLite from choosing runs_by_state (every ended run)
 * over runs_to_notify (only the un-notified ones, migration 002).
 */
#define TERMINAL " " STATES_SQL_RUN_TERMINAL

/* Cheap test, outside any transaction, whether there is work at all. */
static const char sql_any[] =
    "SELECT 1 FROM runs WHERE notified = 0 AND ended_at IS NOT NULL"
    " AND +state IN" TERMINAL " LIMIT 1";
static const char sql_ended[] =
    "SELECT r.id, r.flow, r.state, r.started_at, r.ended_at, fv.definition"
    " FROM runs r JOIN flow_versions fv"
    "  ON fv.flow = r.flow AND fv.version = r.flow_version"
    " WHERE r.notified = 0 AND r.ended_at IS NOT NULL"
    " AND +r.state IN" TERMINAL
    " ORDER BY r.ended_at LIMIT :batch";
static const char sql_mark[] =
    "UPDATE runs SET notified = 1 WHERE id = :id AND notified = 0";
/* Tasks whose latest attempt failed or crashed. */
static const char sql_failed[] =
    "SELECT t.task FROM task_runs t WHERE t.run_id = :id"
    " AND t.state IN " STATES_SQL_TASK_BROKE " AND t.attempt ="
    " (SELECT max(u.attempt) FROM task_runs u"
    "  WHERE u.run_id = t.run_id AND u.task = t.task)";
static const char sql_next_seq[] =
    "SELECT coalesce(max(seq), 0) + 1 FROM webhook_deliveries"
    " WHERE run_id = :id";
static const char sql_queue[] =
    "INSERT INTO webhook_deliveries (key, run_id, seq, url, body,"
    " next_attempt_at, created_at)"
    " VALUES (:key, :id, :seq, :url, :body, :now, :now)";

/* An ended run read for claiming, copied out of its statement. */
struct ended {
	char id[IDS_LEN];
	char *flow, *def;
	enum run_state st;
	int64_t started_at;	/* 0 when it never started */
	int64_t ended_at;
};

static int
listed(struct json_object *on, const char *state)
{
	size_t n = json_object_is_type(on, json_type_array) ?
	    json_object_array_length(on) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *v = json_object_get_string(
		    json_object_array_get_idx(on, i));

		if (v != NULL && strcmp(v, state) == 0)
			return 1;
	}
	return 0;
}

/*
 * Returns a new array of the failed or crashed tasks of run id, in the
 * order of def's tasks (names the definition lacks come last).
 */
static struct json_object *
failed_tasks(struct db *db, const char *id, struct json_object *def)
{
	struct json_object *found = json_object_new_array(), *out, *tasks;
	struct db_stmt st;
	size_t n;

	db_prepare(db, &st, sql_failed);
	db_bind_text(&st, ":id", id);
	while (db_step(&st))
		json_object_array_add(found,
		    json_object_new_string(db_col_text(&st, 0)));
	db_finish(&st);
	tasks = jsonx_get(def, "tasks");
	n = json_object_is_type(tasks, json_type_array) ?
	    json_object_array_length(tasks) : 0;
	out = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		const char *name = jsonx_get_str(
		    json_object_array_get_idx(tasks, i), "name");

		if (name != NULL && listed(found, name)) {
			json_object_array_add(out,
			    json_object_new_string(name));
		}
	}
	for (size_t i = 0; i < json_object_array_length(found); i++) {
		const char *name = json_object_get_string(
		    json_object_array_get_idx(found, i));

		if (!listed(out, name))
			json_object_array_add(out,
			    json_object_new_string(name));
	}
	json_object_put(found);
	return out;
}

/*
 * Returns the document POSTed for ended run x (a new string, the
 * caller's), keyed key, its dashboard link based on base (NULL: none).
 */
static char *
build_body(struct db *db, struct ended *x, struct json_object *def,
    const char *key, const char *base)
{
	struct json_object *doc = json_object_new_object();
	double duration_s = 0;
	char *body;

	if (x->started_at > 0 && x->ended_at > x->started_at)
		duration_s = (double)(x->ended_at - x->started_at) / 1000.0;
	jsonx_add_str(doc, "flow", x->flow);
	jsonx_add_str(doc, "run_id", x->id);
	jsonx_add_str(doc, "state", states_run_name(x->st));
	jsonx_add_double(doc, "duration_s", duration_s);
	json_object_object_add(doc, "failed_tasks",
	    failed_tasks(db, x->id, def));
	if (base != NULL) {
		char *u = xasprintf("%s/#/runs/%s", base, x->id);

		jsonx_add_str(doc, "url", u);
		free(u);
	} else {
		jsonx_add_str(doc, "url", NULL);
	}
	jsonx_add_str(doc, "idempotency_key", key);
	body = xstrdup(jsonx_text(doc));
	json_object_put(doc);
	return body;
}

/*
 * Inside the claim's transaction: queues the delivery of claimed run x
 * if its definition asks for one. Sets *queued to 1 when it did. A
 * definition that does not parse queues nothing (logged).
 */
static enum sl_status
queue_delivery(struct db *db, struct ended *x, const char *base,
    int64_t now, int *queued)
{
	struct json_object *def, *nt;
	struct db_stmt st;
	enum sl_status s;
	int64_t seq = 0;
	char why[200], *key = NULL, *body = NULL;

	*queued = 0;
	def = jsonx_parse(x->def, strlen(x->def), why, sizeof(why));
	if (def == NULL) {
		log_warnx("notify: run %s: definition: %s", x->id, why);
		return SL_OK;
	}
	nt = jsonx_get(def, "notify");
	if (jsonx_get_str(nt, "webhook") == NULL ||
	    !listed(jsonx_get(nt, "on"), states_run_name(x->st))) {
		json_object_put(def);
		return SL_OK;
	}
	db_prepare(db, &st, sql_next_seq);
	db_bind_text(&st, ":id", x->id);
	if ((s = db_first_int(&st, &seq)) == SL_OK) {
		key = xasprintf("%s:%lld", x->id, (long long)seq);
		body = build_body(db, x, def, key, base);
		s = db_run(db, sql_queue, DB_TEXT(":key", key),
		    DB_TEXT(":id", x->id), DB_INT(":seq", seq),
		    DB_TEXT(":url", jsonx_get_str(nt, "webhook")),
		    DB_TEXT(":body", body), DB_INT(":now", now));
		*queued = s == SL_OK;
	}
	free(key);
	free(body);
	json_object_put(def);
	return s;
}

/* One claim of ended runs, filled by claim_tx; e[] has NOTIFY_BATCH. */
struct claim {
	struct ended *e;
	const char *base;	/* dashboard base URL or NULL */
	int n;			/* candidates read into e[] */
	int got;		/* of those, claimed by us */
	int queued;		/* of those, with a delivery queued */
};

/* Frees the strings of e[0..n). */
static void
ended_free(struct ended *e, int n)
{
	for (int i = 0; i < n; i++) {
		free(e[i].flow);
		free(e[i].def);
		e[i].flow = e[i].def = NULL;
	}
}

/* Reads up to NOTIFY_BATCH un-notified ended runs into c->e. */
static enum sl_status
read_ended(struct db *db, struct claim *c)
{
	struct db_stmt st;

	db_prepare(db, &st, sql_ended);
	db_bind_int(&st, ":batch", NOTIFY_BATCH);
	while (c->n < NOTIFY_BATCH && db_step(&st)) {
		struct ended *x = &c->e[c->n];

		if (states_run_parse(db_col_text(&st, 2), &x->st) != SL_OK)
			continue;
		snprintf(x->id, sizeof(x->id), "%s", db_col_text(&st, 0));
		x->flow = xstrdup(db_col_text(&st, 1));
		x->started_at = db_col_int(&st, 3);
		x->ended_at = db_col_int(&st, 4);
		x->def = xstrdup(db_col_text(&st, 5));
		c->n++;
	}
	return db_finish(&st);
}

/*
 * Inside db_write: reads candidates, marks them notified and queues the
 * deliveries of those we marked, all or nothing.
 */
static enum sl_status
claim_tx(struct db *db, void *arg)
{
	struct claim *c = arg;
	int64_t now = timefmt_now_ms();
	struct db_stmt st;
	enum sl_status s;
	int queued;

	c->n = c->got = c->queued = 0;
	if ((s = read_ended(db, c)) != SL_OK)
		return s;
	for (int i = 0; i < c->n; i++) {
		db_prepare(db, &st, sql_mark);
		db_bind_text(&st, ":id", c->e[i].id);
		if ((s = db_done(&st)) != SL_OK)
			return s;
		if (db_changes(db) != 1)
			continue;
		c->got++;
		s = queue_delivery(db, &c->e[i], c->base, now, &queued);
		if (s != SL_OK)
			return s;
		c->queued += queued;
	}
	return SL_OK;
}

/*
 * Claims the runs that ended and were not notified yet (by any
 * scheduler) and queues their webhooks in the outbox; see the top of
 * this file. Called from the loop's database tick, before deliver_tick.
 */
void
notify_tick(struct sched *s)
{
	const char *base = getenv("SLUICE_PUBLIC_URL");
	struct claim c = { 0 };
	struct db_stmt st;
	int any;

	db_prepare(s->db, &st, sql_any);
	any = db_step(&st);
	if (db_finish(&st) != SL_OK || !any)
		return;
	if (base == NULL || *base == '\0')
		base = getenv("SLUICE_URL");
	c.base = base != NULL && *base != '\0' ? base : NULL;
	c.e = xcalloc(NOTIFY_BATCH, sizeof(*c.e));
	for (int b = 0; b < NOTIFY_MAX_BATCHES; b++) {
		enum sl_status rc = db_write(s->db, claim_tx, &c);

		ended_free(c.e, c.n);
		if (rc != SL_OK) {
			log_warnx("notify: could not claim ended runs; "
			    "trying again later");
			break;
		}
		if (c.queued > 0)
			log_debug("notify: %d of %d ended runs claimed, %d "
			    "webhooks queued", c.got, c.n, c.queued);
		if (c.n < NOTIFY_BATCH)
			break;
	}
	free(c.e);
}
