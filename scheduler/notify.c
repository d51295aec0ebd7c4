/*
 * notify.c: webhook notifications. When a run ends in a state listed in
 * its definition's notify.on, a JSON document
 *
 *     {"flow": "...", "run_id": "...", "state": "FAILED",
 *      "duration_s": 12.3, "failed_tasks": ["load"], "url": "..."}
 *
 * is POSTed to notify.webhook through libcurl's multi interface: the
 * loop polls curl's sockets with its own (notify_fds) and calls
 * notify_perform, so a slow receiver never blocks the scheduler. A
 * delivery that fails (no connection, timeout, or a status other than
 * 2xx) is tried again after 1 s and 4 s, three tries in all, then
 * dropped with a log line. "url" links the run in the dashboard when
 * SLUICE_PUBLIC_URL (or SLUICE_URL) is set, else it is null. Pending
 * deliveries are lost when the scheduler stops.
 */
#include <curl/curl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include "json.h"
#include "log.h"
#include "sched.h"
#include "timefmt.h"
#include "xalloc.h"

#define NOTIFY_TRIES 3
#define NOTIFY_TIMEOUT_S 10
#define NOTIFY_QUEUE_MAX 1000

struct delivery {
	struct delivery *next;
	char *url, *body, run_id[IDS_LEN];
	int tries;
	int64_t due_mono;
	CURL *easy;		/* in flight when set */
	struct curl_slist *hdrs;
};

static CURLM *multi;
static void release(struct delivery *d);
static struct delivery *queue;
static int queued;

/* Prepares libcurl; notifications are off if it fails (logged). */
void
notify_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (multi = curl_multi_init()) == NULL)
		log_warnx("notify_init: libcurl unavailable; webhooks off");
}

/* Drops pending deliveries (logged) and releases libcurl. */
void
notify_fini(void)
{
	while (queue != NULL) {
		struct delivery *d = queue;

		log_warnx("notify: run %s: webhook not delivered before stop",
		    d->run_id);
		if (d->easy != NULL) {
			curl_multi_remove_handle(multi, d->easy);
			curl_easy_cleanup(d->easy);
		}
		curl_slist_free_all(d->hdrs);
		d->easy = NULL;
		release(d);
	}
	if (multi != NULL)
		curl_multi_cleanup(multi);
	multi = NULL;
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
queue_webhook(struct json_object *def, const char *flow, const char *run_id,
    enum run_state st, double duration_s, struct json_object *failed)
{
	struct json_object *nt = jsonx_get(def, "notify"), *doc;
	const char *hook = jsonx_get_str(nt, "webhook");
	const char *base = getenv("SLUICE_PUBLIC_URL");
	struct delivery *d;

	if (multi == NULL || hook == NULL ||
	    !listed(jsonx_get(nt, "on"), states_run_name(st))) {
		json_object_put(failed);
		return;
	}
	if (queued >= NOTIFY_QUEUE_MAX) {
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
	d->next = queue;
	queue = d;
	queued++;
	json_object_put(doc);
}

/*
 * Queues the webhook of run r, which just ended in state st, when its
 * definition asks for it. Takes nothing from r.
 */
void
notify_run_ended(struct sched *s, struct run *r, enum run_state st)
{
	struct json_object *failed = json_object_new_array();

	(void)s;
	for (int i = 0; i < r->ntasks; i++)
		if (r->tasks[i].state == TASK_FAILED ||
		    r->tasks[i].state == TASK_CRASHED)
			json_object_array_add(failed,
			    json_object_new_string(r->tasks[i].name));
	queue_webhook(r->def, r->flow, r->id, st,
	    (double)(timefmt_now_ms() - r->started_at) / 1000.0, failed);
}

/*
 * Queues the webhook of a run of flow (definition def, borrowed) that
 * ended in state st without starting (e.g. CANCELLED as too late).
 */
void
notify_run_unstarted(struct json_object *def, const char *flow,
    const char *run_id, enum run_state st)
{
	queue_webhook(def, flow, run_id, st, 0, json_object_new_array());
}

static size_t
discard(char *p, size_t size, size_t n, void *u)
{
	(void)p;
	(void)u;
	return size * n;
}

static void
start(struct delivery *d)
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
	curl_multi_add_handle(multi, d->easy);
}

static void
release(struct delivery *d)
{
	struct delivery **pp;

	for (pp = &queue; *pp != NULL; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	queued--;
	free(d->url);
	free(d->body);
	free(d);
}

static void
finished(struct delivery *d, CURLcode rc)
{
	long status = 0;

	curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(multi, d->easy);
	curl_easy_cleanup(d->easy);
	curl_slist_free_all(d->hdrs);
	d->easy = NULL;
	d->hdrs = NULL;
	if (rc == CURLE_OK && status >= 200 && status < 300) {
		log_info("notify: run %s: webhook delivered (HTTP %ld)",
		    d->run_id, status);
		release(d);
		return;
	}
	if (d->tries >= NOTIFY_TRIES) {
		log_warnx("notify: run %s: webhook failed after %d tries: %s",
		    d->run_id, d->tries, rc != CURLE_OK ?
		    curl_easy_strerror(rc) : "HTTP error status");
		release(d);
		return;
	}
	/* 1 s after the first try, 4 s after the second. */
	d->due_mono = timefmt_mono_ms() + (d->tries == 1 ? 1000 : 4000);
	log_info("notify: run %s: webhook try %d failed (%s, HTTP %ld); "
	    "retrying", d->run_id, d->tries, curl_easy_strerror(rc), status);
}

/* Starts due deliveries and moves transfers along; never blocks. */
void
notify_perform(struct sched *s)
{
	int64_t mono = timefmt_mono_ms();
	int running, left;
	CURLMsg *m;

	(void)s;
	if (multi == NULL || queue == NULL)
		return;
	for (struct delivery *d = queue; d != NULL; d = d->next)
		if (d->easy == NULL && d->due_mono <= mono)
			start(d);
	curl_multi_perform(multi, &running);
	while ((m = curl_multi_info_read(multi, &left)) != NULL) {
		struct delivery *d = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &d);
		if (d != NULL)
			finished(d, m->data.result);
	}
}

/*
 * Adds curl's sockets to the poll set pfd (struct pollfd[max], *n in
 * use) and lowers *timeout to when curl or a retry needs attention.
 */
void
notify_fds(struct sched *s, void *pfdv, int *n, int max, int *timeout)
{
	struct pollfd *pfd = pfdv;
	fd_set r, w, e;
	int maxfd = -1;
	long ct = -1;
	int64_t mono = timefmt_mono_ms();

	(void)s;
	if (multi == NULL || queue == NULL)
		return;
	for (struct delivery *d = queue; d != NULL; d = d->next)
		if (d->easy == NULL) {
			int64_t wait = d->due_mono - mono;

			if (wait < *timeout)
				*timeout = wait < 0 ? 0 : (int)wait;
		}
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	if (curl_multi_fdset(multi, &r, &w, &e, &maxfd) != CURLM_OK)
		return;
	for (int fd = 0; fd <= maxfd && *n < max; fd++) {
		short ev = 0;

		if (FD_ISSET(fd, &r))
			ev |= POLLIN;
		if (FD_ISSET(fd, &w))
			ev |= POLLOUT;
		if (FD_ISSET(fd, &e))
			ev |= POLLPRI;
		if (ev)
			pfd[(*n)++] = (struct pollfd){ .fd = fd, .events = ev };
	}
	curl_multi_timeout(multi, &ct);
	if (ct >= 0 && ct < *timeout)
		*timeout = (int)ct;
	if (maxfd == -1 && ct < 0 && *timeout > 100)
		*timeout = 100;
}
