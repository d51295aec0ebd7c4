/*
 * cmd_runctl.c: what an operator does to a run that exists: `sluicectl
 * cancel RUN` (POST /api/runs/{run}/cancel), `retry RUN` (POST
 * /api/runs/{run}/retry: its failed, cancelled or crashed tasks run
 * again in the same run) and `rerun RUN [-p KEY=VALUE]...` (a new run).
 * POST /api/runs/{run}/rerun takes no parameters, so a rerun with -p
 * reads the run (GET /api/runs/{run}) and starts a new run of its flow
 * (POST /api/flows/{flow}/runs) with the old run's parameters, each -p
 * replacing or adding one; that run has the flow's current version and
 * trigger "manual". Without -p the API's rerun is used: same version,
 * same parameters, trigger "rerun", rerun_of set.
 */
#include <stdio.h>
#include <stdlib.h>

#include "call.h"
#include "json.h"
#include "params.h"
#include "poll.h"
#include "start.h"

static const char cancel_usage[] =
    "usage: sluicectl cancel RUN [--json]\n"
    "Cancels run RUN: a run not yet started is CANCELLED at once; a\n"
    "running one becomes CANCELLING while its processes get SIGTERM (then\n"
    "SIGKILL), then CANCELLED. Prints the run's state. Needs the operator\n"
    "role. --json prints the API's reply as it is.\n";

static const char retry_usage[] =
    "usage: sluicectl retry RUN [--wait | --follow] [--json]\n"
    "Runs again, in the same run, every task of RUN that failed, was\n"
    "cancelled, crashed or was skipped (RUN must be FAILED, CANCELLED or\n"
    "CRASHED). Needs the operator role.\n"
    RUN_OPTS_HELP
    "--follow prints the earlier attempts' logs too.\n";

static const char rerun_usage[] =
    "usage: sluicectl rerun RUN [-p KEY=VALUE]... [-p KEY:=JSON]...\n"
    "                       [--wait | --follow] [--json]\n"
    "Starts a new run like RUN. Without -p: the same flow version and\n"
    "parameters (POST /api/runs/RUN/rerun; RUN must have ended). With -p:\n"
    "a new run of RUN's flow at its current version (POST\n"
    "/api/flows/FLOW/runs), with RUN's parameters except those -p sets.\n"
    "Needs the operator role.\n"
    RUN_OPTS_HELP;

/* Prints the run's id and state after a cancel. */
static enum sl_status
show_cancel(struct json_object *run, void *arg)
{
	(void)arg;
	printf("run %s: %s\n", jsonx_get_str(run, "id") ?
	    jsonx_get_str(run, "id") : "?", jsonx_get_str(run, "state") ?
	    jsonx_get_str(run, "state") : "?");
	return SL_OK;
}

static enum sl_status
cancel_work(struct http *h, const struct cli_args *a, void *arg)
{
	const struct run_line *l = arg;
	char *path = cli_api_path(h, "/api/runs/", a->args[0], "/cancel");
	enum sl_status s;

	s = cli_call(h, "POST", path, NULL, l->o.json, show_cancel, NULL);
	free(path);
	return s;
}

static enum sl_status
retry_work(struct http *h, const struct cli_args *a, void *arg)
{
	const struct run_line *l = arg;
	char *path = cli_api_path(h, "/api/runs/", a->args[0], "/retry");
	enum sl_status s = cli_run_start(h, path, NULL, &l->o);

	free(path);
	return s;
}

/*
 * rerun with -p: a new run of the old run's flow with its parameters
 * and the -p arguments on top.
 */
static enum sl_status
rerun_with(struct http *h, const char *id, const struct run_line *l)
{
	struct json_object *old = NULL, *params = NULL, *body = NULL;
	const char *flow;
	char *path = NULL;
	enum sl_status s;

	if ((s = cli_run_get(h, id, &old)) != SL_OK)
		return s;
	if ((flow = jsonx_get_str(old, "flow")) == NULL) {
		cli_err("run %s: the reply names no flow", id);
		s = SL_IO;
		goto out;
	}
	s = cli_params_build(h, flow, &l->pargs, jsonx_get(old, "parameters"),
	    &params);
	if (s != SL_OK)
		goto out;
	body = json_object_new_object();
	json_object_object_add(body, "parameters", params);
	path = cli_api_path(h, "/api/flows/", flow, "/runs");
	s = cli_run_start(h, path, jsonx_text(body), &l->o);
out:
	json_object_put(body);
	json_object_put(old);
	free(path);
	return s;
}

static enum sl_status
rerun_work(struct http *h, const struct cli_args *a, void *arg)
{
	const struct run_line *l = arg;
	char *path;
	enum sl_status s;

	if (l->pargs.n > 0)
		return rerun_with(h, a->args[0], l);
	path = cli_api_path(h, "/api/runs/", a->args[0], "/rerun");
	s = cli_run_start(h, path, NULL, &l->o);
	free(path);
	return s;
}

/* Which of the options below a command takes: from OPTS_* on. */
enum { OPTS_PARAMS = 0, OPTS_RUN = 1, OPTS_JSON = 3 };

/* Runs one of the three commands with its usage, options and work. */
static enum cli_exit
runctl(struct cli *cli, int argc, char **argv, const char *usage,
    int first, cli_api_fn *fn)
{
	struct run_line l = { { NULL, 0 }, { 0, 0, 0 } };
	const struct cli_opt opts[] = {
		{ "param", 'p', CLI_OPT_LIST, &l.pargs },
		RUN_OPTS(l.o),		/* --wait, --follow, --json */
		{ NULL, 0, CLI_OPT_FLAG, NULL }
	};
	const struct cli_syntax syntax = { usage, opts + first, 1, 1, 0 };
	const struct cli_work w = { cli_run_line_check, fn, &l };
	enum cli_exit rc = cli_api_command(cli, &syntax, argc, argv, &w);

	cli_list_fini(&l.pargs);
	return rc;
}

/* `sluicectl cancel RUN`: CLI_OK, CLI_FAIL or CLI_USAGE. */
enum cli_exit
cmd_cancel(struct cli *cli, int argc, char **argv)
{
	return runctl(cli, argc, argv, cancel_usage, OPTS_JSON, cancel_work);
}

/* `sluicectl retry RUN`: CLI_OK, CLI_FAIL or CLI_USAGE. */
enum cli_exit
cmd_retry(struct cli *cli, int argc, char **argv)
{
	return runctl(cli, argc, argv, retry_usage, OPTS_RUN, retry_work);
}

/* `sluicectl rerun RUN [-p KEY=VALUE]...`: CLI_OK, CLI_FAIL, CLI_USAGE. */
enum cli_exit
cmd_rerun(struct cli *cli, int argc, char **argv)
{
	return runctl(cli, argc, argv, rerun_usage, OPTS_PARAMS, rerun_work);
}
