/*
 * cmd_run.c: `sluicectl run FLOW [-p KEY=VALUE]... [--wait|--follow]
 * [--json]` starts a run of FLOW with POST /api/flows/{flow}/runs, its
 * parameters made from the -p arguments by cli/params.c; what follows
 * (the id, --wait, --follow) is cli/start.c's. `run --local FILE` runs a
 * flow file on this machine instead, without a server (cmd_local.c).
 */
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "json.h"
#include "params.h"
#include "start.h"

static const char usage[] =
    "usage: sluicectl run FLOW [-p KEY=VALUE]... [-p KEY:=JSON]...\n"
    "                     [--wait | --follow] [--json]\n"
    "Starts a run of FLOW. -p sets a parameter, typed by the flow's\n"
    "declaration (-p n=3 is the number 3 for an integer parameter);\n"
    "-p KEY:=JSON gives its JSON value as it is.\n"
    RUN_OPTS_HELP
    "`sluicectl run --local FLOW_FILE` runs a flow file here instead\n"
    "(sluicectl run --local --help).\n";

/* Builds the parameters and starts the run of the flow named first. */
static enum sl_status
run_work(struct http *h, const struct cli_args *a, void *arg)
{
	const struct run_line *l = arg;
	struct json_object *params = NULL, *body = NULL;
	char *path = NULL;
	enum sl_status s;

	if ((s = cli_params_build(h, a->args[0], &l->pargs, NULL,
	    &params)) != SL_OK)
		return s;
	body = json_object_new_object();
	json_object_object_add(body, "parameters", params);
	path = cli_api_path(h, "/api/flows/", a->args[0], "/runs");
	s = cli_run_start(h, path, jsonx_text(body), &l->o);
	json_object_put(body);
	free(path);
	return s;
}

/* `sluicectl run FLOW ...`: CLI_OK, CLI_FAIL or CLI_USAGE. */
enum cli_exit
cmd_run(struct cli *cli, int argc, char **argv)
{
	struct run_line l = { { NULL, 0 }, { 0, 0, 0 } };
	const struct cli_opt opts[] = {
		{ "param", 'p', CLI_OPT_LIST, &l.pargs },
		RUN_OPTS(l.o),
		{ NULL, 0, CLI_OPT_FLAG, NULL }
	};
	const struct cli_syntax syntax = { usage, opts, 1, 1, 0 };
	const struct cli_work w = { cli_run_line_check, run_work, &l };
	enum cli_exit rc;

	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--local") == 0)
			return cmd_local(cli, argc, argv);
	rc = cli_api_command(cli, &syntax, argc, argv, &w);
	cli_list_fini(&l.pargs);
	return rc;
}
