/*
 * poll.c: what `sluicectl run --wait|--follow` and `sluicectl logs
 * --follow` share while they poll the API: a pause that survives
 * signals, reading a run, watching it until it ends, whether a run has
 * ended (by lib/states.c's rules, the one copy of them) and reading one
 * chunk of a task attempt's log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "call.h"

#include "cli.h"
#include "json.h"
#include "poll.h"
#include "states.h"
#include "xalloc.h"

/* Sleeps ms milliseconds, resuming after interrupted sleeps. */
void
cli_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Returns 1 when state (NULL is fine) names a terminal run state. */
int
cli_run_state_ended(const char *state)
{
	enum run_state s;

	return states_run_parse(state, &s) == SL_OK && states_run_terminal(s);
}

/*
 * Reads run id (GET /api/runs/{run}) into *run, which the caller puts.
 * Returns SL_OK, or the failure after printing it (*run NULL).
 */
enum sl_status
cli_run_get(struct http *h, const char *id, struct json_object **run)
{
	char *path = cli_api_path(h, "/api/runs/", id, NULL);
	enum sl_status s;

	s = http_json(h, "GET", path, NULL, run, NULL);
	free(path);
	return s;
}

/*
 * Reads run w->id every w->poll_ms until it ends, saying each new state
 * on standard error ("run ID: RUNNING") and calling w->on_poll after
 * every read. At the end prints the final state on standard output, or
 * with w->json the bytes of the last GET /api/runs/{run} reply. Returns
 * SL_OK when the run COMPLETED, SL_CONFLICT when it ended otherwise, or
 * the failure to read it or on_poll's (printed).
 */
enum sl_status
cli_run_watch(struct run_watch *w)
{
	struct json_object *run = NULL;
	struct http_reply r = { 0 };
	char *path = cli_api_path(w->h, "/api/runs/", w->id, NULL);
	char *last = NULL;
	const char *state;
	enum sl_status s;
	int ended;

	for (;;) {
		json_object_put(run);
		http_reply_fini(&r);
		s = http_json_reply(w->h, "GET", path, NULL, &run, &r);
		if (s != SL_OK)
			break;
		if ((state = jsonx_get_str(run, "state")) == NULL) {
			cli_err("run %s: the reply has no state", w->id);
			s = SL_IO;
			break;
		}
		if (last == NULL || strcmp(last, state) != 0) {
			fprintf(stderr, "run %s: %s\n", w->id, state);
			free(last);
			last = xstrdup(state);
		}
		ended = cli_run_state_ended(state);
		if (w->on_poll != NULL && (s = w->on_poll(w, run, ended)) !=
		    SL_OK)
			break;
		if (ended) {
			if (w->json)
				s = cli_write_body(&r);
			else
				printf("%s\n", state);
			if (s == SL_OK && strcmp(state, "COMPLETED") != 0)
				s = SL_CONFLICT;
			break;
		}
		cli_sleep_ms(w->poll_ms);
	}
	json_object_put(run);
	http_reply_fini(&r);
	free(last);
	free(path);
	return s;
}

/*
 * Reads the chunk of a task attempt's log from offset (GET
 * /api/runs/{run}/tasks/{task}/log; eid and etask escaped; attempt 0:
 * the latest) into r, which the caller releases with http_reply_fini.
 * Returns SL_OK for a 2xx reply, else the failure (printed).
 */
enum sl_status
cli_log_get(struct http *h, const char *eid, const char *etask,
    long long offset, long long attempt, struct http_reply *r)
{
	char *path, attempt_q[32] = "";
	enum sl_status s;

	/* Never apply one attempt's offset to another: name it. */
	if (attempt > 0)
		snprintf(attempt_q, sizeof(attempt_q), "&attempt=%lld",
		    attempt);
	path = xasprintf("/api/runs/%s/tasks/%s/log?offset=%lld%s", eid,
	    etask, offset, attempt_q);
	s = http_call(h, "GET", path, NULL, r);
	free(path);
	if (s == SL_OK && (r->status < 200 || r->status > 299))
		s = http_fail(r);
	return s;
}
