/*
 * cmd_run.c: `sluicectl run FLOW [-p KEY=VALUE]... [--wait]` starts a run
 * with POST /api/flows/{flow}/runs and prints its id. Parameter values
 * are typed by the flow's declared parameters (GET /api/flows/{flow}):
 * "-p n=3" sends the number 3 when n is an integer parameter and the
 * string "3" when it is a string one; "-p KEY:=JSON" sends raw JSON.
 * With --wait it polls GET /api/runs/{run} until the run ends, prints the
 * final state and exits 0 only for COMPLETED. `run --local FILE` runs a
 * flow file on this machine instead, without a server (cmd_local.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "http.h"
#include "json.h"
#include "opts.h"
#include "params.h"
#include "poll.h"
#include "xalloc.h"

#define RUN_POLL_MS 1000

static const char usage[] =
    "usage: sluicectl run FLOW [-p KEY=VALUE]... [-p KEY:=JSON]... "
    "[--wait]\n"
    "Starts a run of FLOW and prints its id. With --wait, waits for the\n"
    "run to end, prints its final state and exits 0 only if COMPLETED.\n"
    "`sluicectl run --local FLOW_FILE` runs a flow file here instead\n"
    "(sluicectl run --local --help).\n";

/*
 * Polls run id until it ends and prints the final state. Returns SL_OK
 * when it COMPLETED, SL_CONFLICT when it ended otherwise, or the failure
 * to read it (printed).
 */
static enum sl_status
wait_run(struct http *h, const char *id)
{
	struct json_object *run = NULL;
	char *last = NULL;
	const char *state;
	enum sl_status s;

	for (;;) {
		if ((s = cli_run_get(h, id, &run)) != SL_OK)
			break;
		if ((state = jsonx_get_str(run, "state")) == NULL) {
			cli_err("run %s: the reply has no state", id);
			s = SL_IO;
			break;
		}
		if (last == NULL || strcmp(last, state) != 0) {
			fprintf(stderr, "run %s: %s\n", id, state);
			free(last);
			last = xstrdup(state);
		}
		if (cli_run_state_ended(state)) {
			printf("%s\n", state);
			s = strcmp(state, "COMPLETED") == 0 ? SL_OK :
			    SL_CONFLICT;
			break;
		}
		json_object_put(run);
		run = NULL;
		cli_sleep_ms(RUN_POLL_MS);
	}
	json_object_put(run);
	free(last);
	return s;
}

/*
 * Makes the "parameters" object of the run from the -p arguments, typed
 * by the flow's declared parameters (read only when there are any).
 * Returns SL_OK with *out set (the caller puts it), or the failure.
 */
static enum sl_status
build_params(struct http *h, const char *ename,
    const struct cli_list *pargs, struct json_object **out)
{
	struct json_object *flow = NULL, *params = json_object_new_object();
	enum sl_status s = SL_OK;
	char *path;

	if (pargs->n > 0) {
		path = xasprintf("/api/flows/%s", ename);
		s = http_json(h, "GET", path, NULL, &flow, NULL);
		free(path);
	}
	for (int i = 0; s == SL_OK && i < pargs->n; i++)
		s = params_add(params, flow, pargs->v[i]);
	json_object_put(flow);
	if (s != SL_OK) {
		json_object_put(params);
		params = NULL;
	}
	*out = params;
	return s;
}

/*
 * Starts a run of flow name with the -p arguments and prints its id;
 * with wait, waits for its end too. Returns SL_OK or the failure.
 */
static enum sl_status
start_run(struct http *h, const char *name, const struct cli_list *pargs,
    int wait)
{
	struct json_object *params = NULL, *body = NULL, *run = NULL;
	char *ename = http_escape(h, name), *path = NULL;
	const char *id;		/* borrowed from run */
	enum sl_status s;

	if ((s = build_params(h, ename, pargs, &params)) != SL_OK)
		goto out;
	body = json_object_new_object();
	json_object_object_add(body, "parameters", params);
	path = xasprintf("/api/flows/%s/runs", ename);
	s = http_json(h, "POST", path, jsonx_text(body), &run, NULL);
	if (s != SL_OK)
		goto out;
	if ((id = jsonx_get_str(run, "id")) == NULL) {
		cli_err("the API did not return a run id");
		s = SL_IO;
		goto out;
	}
	printf("%s\n", id);
	fflush(stdout);
	if (wait)
		s = wait_run(h, id);
out:
	json_object_put(run);
	json_object_put(body);
	free(path);
	free(ename);
	return s;
}

/* `sluicectl run FLOW ...`: CLI_OK, CLI_FAIL or CLI_USAGE. */
enum cli_exit
cmd_run(struct cli *cli, int argc, char **argv)
{
	struct cli_list pargs = { NULL, 0 };
	int wait = 0;
	const struct cli_opt opts[] = {
		{ "param", 'p', CLI_OPT_LIST, &pargs },
		{ "wait", 'w', CLI_OPT_FLAG, &wait },
		{ NULL, 0, CLI_OPT_FLAG, NULL }
	};
	const struct cli_syntax syntax = { usage, opts, 1, 1, 0 };
	struct cli_args a;
	struct http *h = NULL;
	enum cli_exit rc;

	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--local") == 0)
			return cmd_local(cli, argc, argv);
	if (cli_parse(cli, &syntax, argc, argv, &a) != SL_OK || a.help)
		rc = a.exit;
	else if ((h = http_open(cli->insecure)) == NULL)
		rc = CLI_FAIL;
	else
		rc = cli_exit_of(start_run(h, a.args[0], &pargs, wait));
	http_close(h);
	cli_list_fini(&pargs);
	return rc;
}
