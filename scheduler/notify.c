/*
 * notify.c: webhook notifications. Every run that reaches a terminal
 * state (COMPLETED, FAILED, CANCELLED, CRASHED) -- ended by a scheduler,
 * by a claim (too late, superseded) or by sluice-api (cancel) -- is
 * picked up here from the database (runs.notified = 0, migration 002).
 * notify_tick claims such runs in one short BEGIN IMMEDIATE transaction
 * ("UPDATE ... SET notified = 1 WHERE notified = 0", checked by
 * changes()), so with several schedulers each run is notified by exactly
 * one; after the commit, outside any transaction, a run whose flow
 * version's definition lists its state in notify.on gets the JSON
 * document
 *
 *     {"flow": "...", "run_id": "...", "state": "FAILED",
 *      "duration_s": 12.3, "failed_tasks": ["load"], "url": "..."}
 *
 * POSTed to notify.webhook; runs without a webhook are only marked. The
 * API's retry sets notified back to 0, so a retried run notifies again.
 * Delivery uses libcurl's multi-socket interface: curl tells us which
 * sockets to watch (CURLMOPT_SOCKETFUNCTION) and when it needs time
 * (CURLMOPT_TIMERFUNCTION); the loop polls those sockets with its own
 * (notify_fds, any number of them, no FD_SETSIZE limit), hands back what
 * poll saw (notify_events, curl_multi_socket_action) and calls
 * notify_perform every iteration, so a slow receiver never blocks the
 * scheduler. A delivery that fails (no connection,
 * timeout, or a status other than 2xx) is tried again after 1 s and 4 s,
 * three tries in all, then dropped with a log line. "url" links the run
 * in the dashboard when SLUICE_PUBLIC_URL (or SLUICE_URL) is set, else
 * it is null. Pending deliveries are lost when the scheduler stops.
 * This is a server duty: the SQL is here, on the scheduler's own
 * connection (s->db), not behind lib/worker.h.
 */
#include <curl/curl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "states.h"
#include "json.h"
#include "log.h"
#include "sched.h"
#include "timefmt.h"
#include "xalloc.h"

#define NOTIFY_TRIES 3
#define NOTIFY_TIMEOUT_S 10
#define NOTIFY_QUEUE_MAX 1000
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

struct delivery {
	struct delivery *next;
	char *url, *body, run_id[IDS_LEN];
	int tries;
	int64_t due_mono;
	CURL *easy;		/* in flight when set */
	struct curl_slist *hdrs;
};

/* A socket curl asked us to watch. */
struct watch {
	curl_socket_t fd;
	short events;		/* POLLIN and/or POLLOUT */
};

/* The scheduler's deliveries in flight or waiting (struct sched owns it). */
struct notifier {
	CURLM *multi;		/* NULL: libcurl unavailable, webhooks off */
	struct delivery *queue;
	int queued;
	struct watch *watch;	/* the sockets curl wants polled */
	size_t nwatch, capwatch;
	int64_t timer_mono;	/* curl wants to be called then; -1: never */
};

static void release(struct notifier *nf, struct delivery *d);

/* CURLMOPT_SOCKETFUNCTION: curl wants fd watched for what, or no more. */
static int
on_socket(CURL *easy, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct notifier *nf = arg;
	size_t i;

	(void)easy;
	(void)sockp;
	for (i = 0; i < nf->nwatch && nf->watch[i].fd != fd; i++)
		;
	if (what == CURL_POLL_REMOVE) {
		if (i < nf->nwatch)
			nf->watch[i] = nf->watch[--nf->nwatch];
		return 0;
	}
	if (i == nf->nwatch) {
		if (nf->nwatch == nf->capwatch) {
			nf->capwatch = nf->capwatch * 2 + 8;
			nf->watch = xrealloc(nf->watch, nf->capwatch *
			    sizeof(*nf->watch));
		}
		nf->watch[nf->nwatch++].fd = fd;
	}
	nf->watch[i].events = (short)((what & CURL_POLL_IN ? POLLIN : 0) |
	    (what & CURL_POLL_OUT ? POLLOUT : 0));
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: curl wants to be called in ms (-1: never). */
static int
on_timer(CURLM *multi, long ms, void *arg)
{
	struct notifier *nf = arg;

	(void)multi;
	nf->timer_mono = ms < 0 ? -1 : timefmt_mono_ms() + ms;
	return 0;
}

/* Prepares libcurl; notifications are off if it fails (logged). */
void
notify_init(struct sched *s)
{
	struct notifier *nf = xcalloc(1, sizeof(*nf));

	s->notifier = nf;
	nf->timer_mono = -1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (nf->multi = curl_multi_init()) == NULL) {
		log_warnx("notify_init: libcurl unavailable; webhooks off");
		return;
	}
	curl_multi_setopt(nf->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(nf->multi, CURLMOPT_SOCKETDATA, nf);
	curl_multi_setopt(nf->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(nf->multi, CURLMOPT_TIMERDATA, nf);
}

/* Drops pending deliveries (logged) and releases libcurl. */
void
notify_fini(struct sched *s)
{
	struct notifier *nf = s->notifier;

	if (nf == NULL)
		return;
	while (nf->queue != NULL) {
		struct delivery *d = nf->queue;

		log_warnx("notify: run %s: webhook not delivered before stop",
		    d->run_id);
		if (d->easy != NULL) {
			curl_multi_remove_handle(nf->multi, d->easy);
			curl_easy_cleanup(d->easy);
		}
		curl_slist_free_all(d->hdrs);
		d->easy = NULL;
		release(nf, d);
	}
	if (nf->multi != NULL)
		curl_multi_cleanup(nf->multi);
	free(nf->watch);
	free(nf);
	s->notifier = NULL;
	curl_global_cleanup();
}

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

/* Queues one delivery of the document for a run of def's flow. */
static void
queue_webhook(struct notifier *nf, struct json_object *def, const char *flow,
    const char *run_id, enum run_state st, double duration_s,
    struct json_object *failed)
{
	struct json_object *nt = jsonx_get(def, "notify"), *doc;
	const char *hook = jsonx_get_str(nt, "webhook");
	const char *base = getenv("SLUICE_PUBLIC_URL");
	struct delivery *d;

	if (nf->multi == NULL || hook == NULL ||
	    !listed(jsonx_get(nt, "on"), states_run_name(st))) {
		json_object_put(failed);
		return;
	}
	if (nf->queued >= NOTIFY_QUEUE_MAX) {
		log_warnx("notify: run %s: queue full; webhook dropped",
		    run_id);
		json_object_put(failed);
		return;
	}
	if (base == NULL || *base == '\0')
		base = getenv("SLUICE_URL");
	doc = json_object_new_object();
	jsonx_add_str(doc, "flow", flow);
	jsonx_add_str(doc, "run_id", run_id);
	jsonx_add_str(doc, "state", states_run_name(st));
	json_object_object_add(doc, "duration_s",
	    json_object_new_double(duration_s));
	json_object_object_add(doc, "failed_tasks", failed);
	if (base != NULL && *base != '\0') {
		char *u = xasprintf("%s/#/runs/%s", base, run_id);

		jsonx_add_str(doc, "url", u);
		free(u);
	} else {
		jsonx_add_str(doc, "url", NULL);
	}
	d = xcalloc(1, sizeof(*d));
	d->url = xstrdup(hook);
	d->body = xstrdup(jsonx_text(doc));
	snprintf(d->run_id, sizeof(d->run_id), "%s", run_id);
	d->due_mono = timefmt_mono_ms();
	d->next = nf->queue;
	nf->queue = d;
	nf->queued++;
	json_object_put(doc);
}

/* A run claimed for notification, copied out of the transaction. */
struct ended {
	char id[IDS_LEN];
	char *flow, *def;
	enum run_state st;
	int64_t started_at;	/* 0 when it never started */
	int64_t ended_at;
};

/*
 * Returns a new array of the failed or crashed tasks of run id, in the
 * order of def's tasks (names the definition lacks come last).
 */
static struct json_object *
failed_tasks(struct sched *s, const char *id, struct json_object *def)
{
	struct json_object *found = json_object_new_array(), *out, *tasks;
	struct db_stmt st;
	size_t n;

	db_prepare(s->db, &st, sql_failed);
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

/* One claim of ended runs: filled by claim_tx, e[] has NOTIFY_BATCH. */
struct claim {
	struct ended *e;
	int n;			/* candidates read into e[] */
	int got;		/* of those, claimed by us (first in e[]) */
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

/* Inside db_write: reads candidates and marks them notified. */
static enum sl_status
claim_tx(struct db *db, void *arg)
{
	struct claim *c = arg;
	struct ended *e = c->e;
	struct db_stmt st;
	enum sl_status s;

	if ((s = read_ended(db, c)) != SL_OK)
		return s;
	for (int i = 0; i < c->n; i++) {
		db_prepare(db, &st, sql_mark);
		db_bind_text(&st, ":id", e[i].id);
		if ((s = db_done(&st)) != SL_OK)
			return s;
		if (db_changes(db) == 1) {
			/* Keep the claimed ones first. */
			e[c->got] = e[i];
			if (c->got != i)
				e[i].flow = e[i].def = NULL;
			c->got++;
		} else {
			ended_free(&e[i], 1);
		}
	}
	return SL_OK;
}

/*
 * Claims up to NOTIFY_BATCH un-notified ended runs into e[] in one
 * transaction. Returns how many were claimed (by us), 0 when none, -1
 * when the store was busy or failed; *seen is the number of candidates.
 */
static int
claim_batch(struct sched *s, struct ended *e, int *seen)
{
	struct claim c = { .e = e };

	*seen = 0;
	if (db_write(s->db, claim_tx, &c) != SL_OK) {
		ended_free(e, c.n);
		return -1;
	}
	*seen = c.n;
	return c.got;
}

/* Queues the webhook of claimed run x if its definition asks for it. */
static void
notify_one(struct sched *s, struct ended *x)
{
	struct json_object *def, *nt;
	char why[200];
	double duration_s = 0;

	def = jsonx_parse(x->def, strlen(x->def), why, sizeof(why));
	if (def == NULL) {
		log_warnx("notify: run %s: definition: %s", x->id, why);
		return;
	}
	nt = jsonx_get(def, "notify");
	if (jsonx_get_str(nt, "webhook") != NULL &&
	    listed(jsonx_get(nt, "on"), states_run_name(x->st))) {
		if (x->started_at > 0 && x->ended_at > x->started_at)
			duration_s = (double)(x->ended_at - x->started_at) /
			    1000.0;
		queue_webhook(s->notifier, def, x->flow, x->id, x->st,
		    duration_s, failed_tasks(s, x->id, def));
	}
	json_object_put(def);
}

/*
 * Claims the runs that ended and were not notified yet (by any
 * scheduler) and queues their webhooks; see the top of this file.
 * Called from the loop's database tick; does nothing while libcurl is
 * unavailable, so that a scheduler that can deliver claims them.
 */
void
notify_tick(struct sched *s)
{
	struct ended *e;
	struct db_stmt st;
	int any, n, seen;

	if (s->notifier->multi == NULL)
		return;
	db_prepare(s->db, &st, sql_any);
	any = db_step(&st);
	if (db_finish(&st) != SL_OK || !any)
		return;
	e = xcalloc(NOTIFY_BATCH, sizeof(*e));
	for (int b = 0; b < NOTIFY_MAX_BATCHES; b++) {
		if ((n = claim_batch(s, e, &seen)) == -1) {
			log_warnx("notify: could not claim ended runs; "
			    "trying again later");
			break;
		}
		for (int i = 0; i < n; i++)
			notify_one(s, &e[i]);
		ended_free(e, n);
		if (seen < NOTIFY_BATCH)
			break;
	}
	free(e);
}

static size_t
discard(char *p, size_t size, size_t n, void *u)
{
	(void)p;
	(void)u;
	return size * n;
}

static void
start(struct notifier *nf, struct delivery *d)
{
	d->easy = curl_easy_init();
	if (d->easy == NULL)
		return;
	d->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(d->easy, CURLOPT_URL, d->url);
	curl_easy_setopt(d->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(d->easy, CURLOPT_POSTFIELDS, d->body);
	curl_easy_setopt(d->easy, CURLOPT_HTTPHEADER, d->hdrs);
	curl_easy_setopt(d->easy, CURLOPT_TIMEOUT, (long)NOTIFY_TIMEOUT_S);
	curl_easy_setopt(d->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(d->easy, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(d->easy, CURLOPT_PRIVATE, d);
	curl_easy_setopt(d->easy, CURLOPT_USERAGENT, "sluice-scheduler");
	d->tries++;
	curl_multi_add_handle(nf->multi, d->easy);
}

static void
release(struct notifier *nf, struct delivery *d)
{
	struct delivery **pp;

	for (pp = &nf->queue; *pp != NULL; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	nf->queued--;
	free(d->url);
	free(d->body);
	free(d);
}

static void
finished(struct notifier *nf, struct delivery *d, CURLcode rc)
{
	long status = 0;

	curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(nf->multi, d->easy);
	curl_easy_cleanup(d->easy);
	curl_slist_free_all(d->hdrs);
	d->easy = NULL;
	d->hdrs = NULL;
	if (rc == CURLE_OK && status >= 200 && status < 300) {
		log_info("notify: run %s: webhook delivered (HTTP %ld)",
		    d->run_id, status);
		release(nf, d);
		return;
	}
	if (d->tries >= NOTIFY_TRIES) {
		log_warnx("notify: run %s: webhook failed after %d tries: %s",
		    d->run_id, d->tries, rc != CURLE_OK ?
		    curl_easy_strerror(rc) : "HTTP error status");
		release(nf, d);
		return;
	}
	/* 1 s after the first try, 4 s after the second. */
	d->due_mono = timefmt_mono_ms() + (d->tries == 1 ? 1000 : 4000);
	log_info("notify: run %s: webhook try %d failed (%s, HTTP %ld); "
	    "retrying", d->run_id, d->tries, curl_easy_strerror(rc), status);
}

/* Handles every transfer curl reports finished. */
static void
collect_done(struct notifier *nf)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(nf->multi, &left)) != NULL) {
		struct delivery *d = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &d);
		if (d != NULL)
			finished(nf, d, m->data.result);
	}
}

/* Tells curl about fd (CURL_SOCKET_TIMEOUT: its timer) and re-reads when
 * it wants to be called next. */
static void
act(struct notifier *nf, curl_socket_t fd, int ev)
{
	long ms = -1;
	int running;

	curl_multi_socket_action(nf->multi, fd, ev, &running);
	if (curl_multi_timeout(nf->multi, &ms) == CURLM_OK)
		nf->timer_mono = ms < 0 ? -1 : timefmt_mono_ms() + ms;
}

/*
 * Starts due deliveries, runs curl's timer when it is due and handles
 * finished transfers. Called every loop iteration; never blocks.
 */
void
notify_perform(struct sched *s)
{
	struct notifier *nf = s->notifier;
	int64_t mono = timefmt_mono_ms();

	if (nf->multi == NULL || nf->queue == NULL)
		return;
	for (struct delivery *d = nf->queue; d != NULL; d = d->next)
		if (d->easy == NULL && d->due_mono <= mono)
			start(nf, d);
	if (nf->timer_mono >= 0 && nf->timer_mono <= timefmt_mono_ms())
		act(nf, CURL_SOCKET_TIMEOUT, 0);
	collect_done(nf);
}

/*
 * Returns how many poll entries notify_fds will fill at most (the sockets
 * curl watches now).
 */
size_t
notify_nfds(struct sched *s)
{
	struct notifier *nf = s->notifier;

	return nf->multi == NULL || nf->queue == NULL ? 0 : nf->nwatch;
}

/*
 * Writes curl's sockets into pfd (room for max entries, at least
 * notify_nfds) and lowers *timeout (ms) to when curl or a retry needs
 * attention. Returns the number of entries written; pass them to
 * notify_events after poll.
 */
size_t
notify_fds(struct sched *s, struct pollfd *pfd, size_t max, int *timeout)
{
	struct notifier *nf = s->notifier;
	int64_t mono = timefmt_mono_ms(), wait;
	int in_flight = 0;
	size_t n = 0;

	if (nf->multi == NULL || nf->queue == NULL)
		return 0;
	for (struct delivery *d = nf->queue; d != NULL; d = d->next) {
		wait = d->due_mono - mono;
		in_flight |= d->easy != NULL;
		if (d->easy == NULL && wait < *timeout)
			*timeout = wait < 0 ? 0 : (int)wait;
	}
	wait = nf->timer_mono - mono;
	if (nf->timer_mono >= 0 && wait < *timeout)
		*timeout = wait < 0 ? 0 : (int)wait;
	for (size_t i = 0; i < nf->nwatch && n < max; i++)
		pfd[n++] = (struct pollfd){ .fd = nf->watch[i].fd,
		    .events = nf->watch[i].events };
	/* Nothing to wait for but a transfer: look again soon. */
	if (in_flight && n == 0 && nf->timer_mono < 0 && *timeout > 100)
		*timeout = 100;
	return n;
}

/*
 * Hands curl what poll saw on the n entries notify_fds wrote at pfd,
 * then handles finished transfers.
 */
void
notify_events(struct sched *s, const struct pollfd *pfd, size_t n)
{
	struct notifier *nf = s->notifier;

	if (nf->multi == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		short re = pfd[i].revents;
		int ev = 0;

		if (re == 0)
			continue;
		if (re & (POLLIN | POLLHUP))
			ev |= CURL_CSELECT_IN;
		if (re & POLLOUT)
			ev |= CURL_CSELECT_OUT;
		if (re & (POLLERR | POLLNVAL))
			ev |= CURL_CSELECT_ERR;
		act(nf, pfd[i].fd, ev);
	}
	collect_done(nf);
}
