/*
 * deliver.c: posts the webhook outbox (webhook_deliveries, migration
 * 003; rows queued by notify.c) at least once. deliver_tick leases the
 * pending rows whose next_attempt_at has come and whose lease, if any,
 * has run out, in one short BEGIN IMMEDIATE transaction: claimed_by =
 * our incarnation, lease_until = now + DELIVER_LEASE_MS (longer than a
 * try may take), attempts + 1. So two schedulers never post one row at
 * once, and a row leased by a scheduler that died is taken again once
 * its lease has run out. After the commit, outside any transaction, each
 * row's body is POSTed to its url with the headers Content-Type:
 * application/json and Idempotency-Key: <key> (also the body's
 * "idempotency_key"), the same on every try, so a receiver can drop a
 * duplicate: one comes when a scheduler dies (or cannot record the
 * answer) after the receiver took a POST. A 2xx answer marks the row
 * delivered; anything else (no connection, timeout, another status)
 * sets the next try by retry_at, the one retry rule: 1 s, 4 s, 16 s, ...
 * up to an hour between tries, until the next one would come later than
 * SLUICE_WEBHOOK_MAX_AGE_S (default a day) after the row was queued;
 * then the row is failed, with last_error, and a log line. A clean stop
 * abandons the tries in flight and frees our leases, so the next
 * scheduler takes the rows at once; after a kill, they wait for their
 * leases to run out. Transfers use libcurl's multi-socket interface:
 * curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION) and
 * when it needs time (CURLMOPT_TIMERFUNCTION); the loop polls those
 * sockets with its own (deliver_fds, any number of them, no FD_SETSIZE
 * limit), hands back what poll saw (deliver_events,
 * curl_multi_socket_action) and calls deliver_perform every iteration,
 * so a slow receiver never blocks the scheduler. A server duty: the SQL
 * is here, on the scheduler's own connection (s->db).
 */
#include <curl/curl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "sched.h"
#include "timefmt.h"
#include "xalloc.h"

#define DELIVER_TIMEOUT_S 10
/* A try takes at most DELIVER_TIMEOUT_S; the lease outlasts it. */
#define DELIVER_LEASE_MS 30000
#define DELIVER_IN_FLIGHT 32
#define DELIVER_DELAY_CAP_MS (3600 * 1000)

#define DUE " state = 'pending' AND next_attempt_at <= :now" \
    " AND (lease_until IS NULL OR lease_until <= :now)"

/* Cheap test, outside any transaction, whether a row is due. */
static const char sql_any[] =
    "SELECT 1 FROM webhook_deliveries WHERE" DUE " LIMIT 1";
static const char sql_due[] =
    "SELECT id, key, url, body, attempts, created_at"
    " FROM webhook_deliveries WHERE" DUE
    " ORDER BY next_attempt_at LIMIT :n";
static const char sql_lease[] =
    "UPDATE webhook_deliveries SET claimed_by = :me,"
    " lease_until = :until, attempts = attempts + 1"
    " WHERE id = :id AND" DUE;
static const char sql_delivered[] =
    "UPDATE webhook_deliveries SET state = 'delivered',"
    " delivered_at = :now, claimed_by = NULL, lease_until = NULL"
    " WHERE id = :id AND state = 'pending'";
/* Only while the lease is still ours: else the next try is another's. */
static const char sql_retry[] =
    "UPDATE webhook_deliveries SET next_attempt_at = :next,"
    " last_error = :err, claimed_by = NULL, lease_until = NULL"
    " WHERE id = :id AND state = 'pending' AND claimed_by = :me";
static const char sql_failed[] =
    "UPDATE webhook_deliveries SET state = 'failed', last_error = :err,"
    " claimed_by = NULL, lease_until = NULL"
    " WHERE id = :id AND state = 'pending' AND claimed_by = :me";
static const char sql_release[] =
    "UPDATE webhook_deliveries SET claimed_by = NULL, lease_until = NULL"
    " WHERE claimed_by = :me AND state = 'pending'";

/* One leased row, being posted. */
struct delivery {
	struct delivery *next;
	int64_t id;
	char *key, *url, *body;
	int attempts;		/* tries started, this one included */
	int64_t created_at;	/* wall ms */
	CURL *easy;
	struct curl_slist *hdrs;
};

/* A socket curl asked us to watch. */
struct watch {
	curl_socket_t fd;
	short events;		/* POLLIN and/or POLLOUT */
};

/* The scheduler's deliveries in flight (struct sched owns it). */
struct deliverer {
	CURLM *multi;		/* NULL: libcurl unavailable, webhooks off */
	struct delivery *queue;	/* leased by us, in flight */
	int queued;
	struct watch *watch;	/* the sockets curl wants polled */
	size_t nwatch, capwatch;
	int64_t timer_mono;	/* curl wants to be called then; -1: never */
	int64_t max_age_ms;	/* $SLUICE_WEBHOOK_MAX_AGE_S */
};

/*
 * The retry rule, the one place it lives: a delivery queued at
 * created_at whose tries-th try failed at now is tried again 4^(tries-1)
 * seconds later (1 s, 4 s, 16 s, ...), never more than an hour later.
 * Returns when (wall ms), or -1 when that would be more than max_age_ms
 * after created_at: the delivery has failed.
 */
static int64_t
retry_at(int tries, int64_t created_at, int64_t now, int64_t max_age_ms)
{
	int64_t delay = 1000;

	for (int i = 1; i < tries && delay < DELIVER_DELAY_CAP_MS; i++)
		delay *= 4;
	if (delay > DELIVER_DELAY_CAP_MS)
		delay = DELIVER_DELAY_CAP_MS;
	if (now + delay > created_at + max_age_ms)
		return -1;
	return now + delay;
}

/* A single write, run by db_write through write_tx. */
struct write {
	const char *sql;
	const struct db_arg *a;
	size_t n;
};

static enum sl_status
write_tx(struct db *db, void *arg)
{
	struct write *w = arg;

	return db_run_args(db, w->sql, w->a, w->n);
}

/* Runs one statement with its arguments in a write transaction. */
#define write1(db, sql, ...) db_write((db), write_tx, \
    &(struct write){ (sql), DB_ARGS(__VA_ARGS__) })

/* CURLMOPT_SOCKETFUNCTION: curl wants fd watched for what, or no more. */
static int
on_socket(CURL *easy, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct deliverer *dv = arg;
	size_t i;

	(void)easy;
	(void)sockp;
	for (i = 0; i < dv->nwatch && dv->watch[i].fd != fd; i++)
		;
	if (what == CURL_POLL_REMOVE) {
		if (i < dv->nwatch)
			dv->watch[i] = dv->watch[--dv->nwatch];
		return 0;
	}
	if (i == dv->nwatch) {
		if (dv->nwatch == dv->capwatch) {
			dv->capwatch = dv->capwatch * 2 + 8;
			dv->watch = xrealloc(dv->watch, dv->capwatch *
			    sizeof(*dv->watch));
		}
		dv->watch[dv->nwatch++].fd = fd;
	}
	dv->watch[i].events = (short)((what & CURL_POLL_IN ? POLLIN : 0) |
	    (what & CURL_POLL_OUT ? POLLOUT : 0));
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: curl wants to be called in ms (-1: never). */
static int
on_timer(CURLM *multi, long ms, void *arg)
{
	struct deliverer *dv = arg;

	(void)multi;
	dv->timer_mono = ms < 0 ? -1 : timefmt_mono_ms() + ms;
	return 0;
}

/*
 * Prepares libcurl; deliveries are off if it fails (logged), and the
 * outbox then waits for a scheduler that can post.
 */
void
deliver_init(struct sched *s)
{
	struct deliverer *dv = xcalloc(1, sizeof(*dv));

	s->deliverer = dv;
	dv->timer_mono = -1;
	dv->max_age_ms = s->cfg.webhook_max_age_ms;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (dv->multi = curl_multi_init()) == NULL) {
		log_warnx("deliver_init: libcurl unavailable; webhooks off");
		return;
	}
	curl_multi_setopt(dv->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(dv->multi, CURLMOPT_SOCKETDATA, dv);
	curl_multi_setopt(dv->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(dv->multi, CURLMOPT_TIMERDATA, dv);
}

/* Ends d's transfer, if any, and frees it (not unlinked here). */
static void
delivery_free(struct deliverer *dv, struct delivery *d)
{
	if (d == NULL)
		return;
	if (d->easy != NULL) {
		curl_multi_remove_handle(dv->multi, d->easy);
		curl_easy_cleanup(d->easy);
	}
	curl_slist_free_all(d->hdrs);
	free(d->key);
	free(d->url);
	free(d->body);
	free(d);
}

/* Unlinks d from the queue and frees it. */
static void
release(struct deliverer *dv, struct delivery *d)
{
	struct delivery **pp;

	for (pp = &dv->queue; *pp != NULL; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			dv->queued--;
			break;
		}
	delivery_free(dv, d);
}

/*
 * Abandons the tries in flight, frees our leases so that the next
 * scheduler takes those rows at once (they stay pending; logged), and
 * releases libcurl. Called once the loop has returned.
 */
void
deliver_fini(struct sched *s)
{
	struct deliverer *dv = s->deliverer;

	if (dv == NULL)
		return;
	if (dv->queued > 0) {
		log_info("deliver: %d webhooks in flight left for the next "
		    "scheduler", dv->queued);
		if (write1(s->db, sql_release,
		    DB_TEXT(":me", s->incarnation)) != SL_OK)
			log_warnx("deliver: could not free our leases; they "
			    "run out in %d s", DELIVER_LEASE_MS / 1000);
	}
	while (dv->queue != NULL)
		release(dv, dv->queue);
	if (dv->multi != NULL)
		curl_multi_cleanup(dv->multi);
	free(dv->watch);
	free(dv);
	s->deliverer = NULL;
	curl_global_cleanup();
}

static size_t
discard(char *p, size_t size, size_t n, void *u)
{
	(void)p;
	(void)u;
	return size * n;
}

/* Starts the POST of leased d; a failure to start is a failed try. */
static int
start(struct deliverer *dv, struct delivery *d)
{
	char *idem = xasprintf("Idempotency-Key: %s", d->key);
	struct curl_slist *h;

	d->easy = curl_easy_init();
	h = curl_slist_append(NULL, "Content-Type: application/json");
	if (h != NULL && (d->hdrs = curl_slist_append(h, idem)) == NULL)
		curl_slist_free_all(h);
	free(idem);
	if (d->easy == NULL || d->hdrs == NULL)
		return -1;
	curl_easy_setopt(d->easy, CURLOPT_URL, d->url);
	curl_easy_setopt(d->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(d->easy, CURLOPT_POSTFIELDS, d->body);
	curl_easy_setopt(d->easy, CURLOPT_HTTPHEADER, d->hdrs);
	curl_easy_setopt(d->easy, CURLOPT_TIMEOUT, (long)DELIVER_TIMEOUT_S);
	curl_easy_setopt(d->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(d->easy, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(d->easy, CURLOPT_PRIVATE, d);
	curl_easy_setopt(d->easy, CURLOPT_USERAGENT, "sluice-scheduler");
	if (curl_multi_add_handle(dv->multi, d->easy) != CURLM_OK)
		return -1;
	return 0;
}

/*
 * Records a failed try of d (why): the next try by retry_at, or the
 * row failed. Only while our lease holds; d is freed.
 */
static void
record_failure(struct sched *s, struct delivery *d, const char *why)
{
	struct deliverer *dv = s->deliverer;
	int64_t now = timefmt_now_ms();
	int64_t next = retry_at(d->attempts, d->created_at, now,
	    dv->max_age_ms);
	enum sl_status rc;

	if (next == -1) {
		log_warnx("deliver: webhook %s failed after %d tries: %s",
		    d->key, d->attempts, why);
		rc = write1(s->db, sql_failed, DB_INT(":id", d->id),
		    DB_TEXT(":err", why), DB_TEXT(":me", s->incarnation));
	} else {
		log_info("deliver: webhook %s: try %d failed (%s); retrying "
		    "in %lld ms", d->key, d->attempts, why,
		    (long long)(next - now));
		rc = write1(s->db, sql_retry, DB_INT(":id", d->id),
		    DB_INT(":next", next), DB_TEXT(":err", why),
		    DB_TEXT(":me", s->incarnation));
	}
	if (rc != SL_OK)
		log_warnx("deliver: webhook %s: could not record the try; "
		    "tried again when its lease runs out", d->key);
	release(dv, d);
}

/* Records a delivered d (HTTP status); d is freed. */
static void
record_success(struct sched *s, struct delivery *d, long status)
{
	log_info("deliver: webhook %s delivered (HTTP %ld, try %d)", d->key,
	    status, d->attempts);
	if (write1(s->db, sql_delivered, DB_INT(":id", d->id),
	    DB_INT(":now", timefmt_now_ms())) != SL_OK)
		log_warnx("deliver: webhook %s: could not record the "
		    "delivery; it may be sent again (same key)", d->key);
	release(s->deliverer, d);
}

/* Handles the end of d's transfer (curl's rc). */
static void
finished(struct sched *s, struct delivery *d, CURLcode rc)
{
	long status = 0;
	char why[160];

	curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_OK && status >= 200 && status < 300) {
		record_success(s, d, status);
		return;
	}
	if (rc != CURLE_OK)
		snprintf(why, sizeof(why), "%s", curl_easy_strerror(rc));
	else
		snprintf(why, sizeof(why), "HTTP %ld", status);
	record_failure(s, d, why);
}

/* Handles every transfer curl reports finished. */
static void
collect_done(struct sched *s)
{
	struct deliverer *dv = s->deliverer;
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(dv->multi, &left)) != NULL) {
		struct delivery *d = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &d);
		if (d != NULL)
			finished(s, d, m->data.result);
	}
}

/* One lease of due rows, filled by lease_tx. */
struct lease {
	const char *me;
	int room;		/* rows we may take */
	struct delivery *got;	/* leased, not yet in the queue */
	int n;
};

/* Reads up to l->room due rows into l->got (not leased yet). */
static enum sl_status
read_due(struct db *db, struct lease *l, int64_t now)
{
	struct db_stmt st;

	db_prepare(db, &st, sql_due);
	db_bind_all(&st, DB_INT(":now", now), DB_INT(":n", l->room));
	while (db_step(&st)) {
		struct delivery *d = xcalloc(1, sizeof(*d));

		d->id = db_col_int(&st, 0);
		d->key = xstrdup(db_col_text(&st, 1));
		d->url = xstrdup(db_col_text(&st, 2));
		d->body = xstrdup(db_col_text(&st, 3));
		d->attempts = (int)db_col_int(&st, 4) + 1;
		d->created_at = db_col_int(&st, 5);
		d->next = l->got;
		l->got = d;
	}
	return db_finish(&st);
}

/* Inside db_write: leases the due rows read; drops any taken already. */
static enum sl_status
lease_tx(struct db *db, void *arg)
{
	struct lease *l = arg;
	int64_t now = timefmt_now_ms();
	struct delivery **pp, *d;
	enum sl_status s;

	if ((s = read_due(db, l, now)) != SL_OK)
		return s;
	for (pp = &l->got; (d = *pp) != NULL;) {
		s = db_run(db, sql_lease, DB_TEXT(":me", l->me),
		    DB_INT(":until", now + DELIVER_LEASE_MS),
		    DB_INT(":id", d->id), DB_INT(":now", now));
		if (s != SL_OK)
			return s;
		if (db_changes(db) == 1) {
			pp = &d->next;
			l->n++;
			continue;
		}
		*pp = d->next;
		delivery_free(NULL, d);
	}
	return SL_OK;
}

/* Frees a list of deliveries that never started. */
static void
free_list(struct delivery *d)
{
	while (d != NULL) {
		struct delivery *next = d->next;

		delivery_free(NULL, d);
		d = next;
	}
}

/*
 * Leases the outbox rows that are due (while there is room in flight)
 * and starts their POSTs. Called from the loop's database tick, after
 * notify_tick; does nothing while libcurl is unavailable, so that a
 * scheduler that can post takes them.
 */
void
deliver_tick(struct sched *s)
{
	struct deliverer *dv = s->deliverer;
	struct lease l = { .me = s->incarnation };
	struct db_stmt st;
	int any;

	if (dv->multi == NULL || dv->queued >= DELIVER_IN_FLIGHT)
		return;
	db_prepare(s->db, &st, sql_any);
	db_bind_int(&st, ":now", timefmt_now_ms());
	any = db_step(&st);
	if (db_finish(&st) != SL_OK || !any)
		return;
	l.room = DELIVER_IN_FLIGHT - dv->queued;
	if (db_write(s->db, lease_tx, &l) != SL_OK) {
		log_warnx("deliver: could not lease due webhooks; trying "
		    "again later");
		free_list(l.got);
		return;
	}
	while (l.got != NULL) {
		struct delivery *d = l.got;

		l.got = d->next;
		d->next = dv->queue;
		dv->queue = d;
		dv->queued++;
		if (start(dv, d) == -1)
			record_failure(s, d, "cannot start the transfer");
	}
}

/* Tells curl about fd (CURL_SOCKET_TIMEOUT: its timer) and re-reads when
 * it wants to be called next. */
static void
act(struct deliverer *dv, curl_socket_t fd, int ev)
{
	long ms = -1;
	int running;

	curl_multi_socket_action(dv->multi, fd, ev, &running);
	if (curl_multi_timeout(dv->multi, &ms) == CURLM_OK)
		dv->timer_mono = ms < 0 ? -1 : timefmt_mono_ms() + ms;
}

/*
 * Runs curl's timer when it is due and handles finished transfers.
 * Called every loop iteration; never blocks on the network.
 */
void
deliver_perform(struct sched *s)
{
	struct deliverer *dv = s->deliverer;

	if (dv->multi == NULL || dv->queue == NULL)
		return;
	if (dv->timer_mono >= 0 && dv->timer_mono <= timefmt_mono_ms())
		act(dv, CURL_SOCKET_TIMEOUT, 0);
	collect_done(s);
}

/*
 * Returns how many poll entries deliver_fds will fill at most (the
 * sockets curl watches now).
 */
size_t
deliver_nfds(struct sched *s)
{
	struct deliverer *dv = s->deliverer;

	return dv->multi == NULL || dv->queue == NULL ? 0 : dv->nwatch;
}

/*
 * Writes curl's sockets into pfd (room for max entries, at least
 * deliver_nfds) and lowers *timeout (ms) to when curl needs attention.
 * Returns the number of entries written; pass them to deliver_events
 * after poll. (Rows due later are found by the database tick.)
 */
size_t
deliver_fds(struct sched *s, struct pollfd *pfd, size_t max, int *timeout)
{
	struct deliverer *dv = s->deliverer;
	int64_t wait = dv->timer_mono - timefmt_mono_ms();
	size_t n = 0;

	if (dv->multi == NULL || dv->queue == NULL)
		return 0;
	if (dv->timer_mono >= 0 && wait < *timeout)
		*timeout = wait < 0 ? 0 : (int)wait;
	for (size_t i = 0; i < dv->nwatch && n < max; i++)
		pfd[n++] = (struct pollfd){ .fd = dv->watch[i].fd,
		    .events = dv->watch[i].events };
	/* Nothing to wait for but a transfer: look again soon. */
	if (n == 0 && dv->timer_mono < 0 && *timeout > 100)
		*timeout = 100;
	return n;
}

/*
 * Hands curl what poll saw on the n entries deliver_fds wrote at pfd,
 * then handles finished transfers.
 */
void
deliver_events(struct sched *s, const struct pollfd *pfd, size_t n)
{
	struct deliverer *dv = s->deliverer;

	if (dv->multi == NULL)
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
		act(dv, pfd[i].fd, ev);
	}
	collect_done(s);
}
