/*
 * start.c: what `sluicectl run` and `sluicectl rerun` share once they
 * know what to send: the POST that starts the run (POST
 * /api/flows/{flow}/runs or /api/runs/{run}/rerun), then the run's id
 * (or the API's reply with --json), then --wait (cli/poll.c) or --follow
 * (cli/follow.c). The exit status of a waited run is 0 only for
 * COMPLETED.
 */
#include <stdio.h>

#include "call.h"
#include "follow.h"
#include "json.h"
#include "poll.h"
#include "start.h"

#define WAIT_POLL_MS 1000

/*
 * Checks the options of a run's command line (arg, a struct run_line)
 * together. Returns SL_OK, or SL_INVALID after printing why (--json and
 * --follow both want standard output).
 */
enum sl_status
cli_run_line_check(const struct cli_args *a, void *arg)
{
	const struct run_line *l = arg;

	(void)a;
	if (l->o.json && l->o.follow) {
		cli_err("--json and --follow do not mix: --follow prints "
		    "the logs; use --json with --wait");
		return SL_INVALID;
	}
	return SL_OK;
}

/*
 * Starts a run by POSTing body to path and goes on as o says. Returns
 * SL_OK (with --wait or --follow: the run COMPLETED), SL_CONFLICT when a
 * waited run ended otherwise, or the failure (printed).
 */
enum sl_status
cli_run_start(struct http *h, const char *path, const char *body,
    const struct run_opts *o)
{
	struct json_object *run = NULL;
	struct http_reply r;
	struct run_watch w = { h, NULL, WAIT_POLL_MS, o->json, NULL, NULL };
	enum sl_status s;

	s = http_json_reply(h, "POST", path, body, &run, &r);
	if (s == SL_OK && (w.id = jsonx_get_str(run, "id")) == NULL) {
		cli_err("the API did not return a run id");
		s = SL_IO;
	}
	if (s != SL_OK)
		goto out;
	if (o->json && !o->wait)
		s = cli_write_body(&r);
	else if (!o->json) {
		printf("%s\n", w.id);
		fflush(stdout);
	}
	if (s == SL_OK && o->follow)
		s = cli_follow_run(h, w.id);
	else if (s == SL_OK && o->wait)
		s = cli_run_watch(&w);
out:
	json_object_put(run);
	http_reply_fini(&r);
	return s;
}
