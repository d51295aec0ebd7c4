/*
 * poll.h: what `run --wait`, `run --follow` and `logs --follow` share
 * while they poll the API (see poll.c).
 */
#ifndef SLUICE_CLI_POLL_H
#define SLUICE_CLI_POLL_H

#include <json-c/json.h>

#include "http.h"
#include "status.h"

/* A run being watched until it ends (cli_run_watch). */
struct run_watch {
	struct http *h;
	const char *id;
	long poll_ms;		/* between reads of the run */
	int json;		/* at the end print the last reply's bytes,
				   not the state */
	/* Called after every read of the run (NULL: none); ended says the
	 * run is in a terminal state (the last call). */
	enum sl_status (*on_poll)(struct run_watch *w, struct json_object *run,
	    int ended);
	void *arg;		/* on_poll's */
};

void cli_sleep_ms(long ms);
int cli_run_state_ended(const char *state);
enum sl_status cli_run_get(struct http *h, const char *id,
    struct json_object **run);
enum sl_status cli_run_watch(struct run_watch *w);
enum sl_status cli_log_get(struct http *h, const char *eid,
    const char *etask, long long offset, long long attempt,
    struct http_reply *r);

#endif
