/*
 * cmd_pause.c: `sluicectl pause FLOW` and `sluicectl resume FLOW` stop
 * and restart a flow's schedule (PATCH /api/flows/{flow} {"paused":
 * true|false}, admin). Manual runs of a paused flow still start. --json
 * prints the API's reply (the flow) as it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "list.h"

static const char pause_usage[] =
    "usage: sluicectl pause FLOW [--json]\n"
    "Pauses FLOW's schedule: no scheduled runs start until `sluicectl\n"
    "resume FLOW` (runs started by hand still do). Needs the admin role.\n"
    "--json prints the API's reply as it is.\n";

static const char resume_usage[] =
    "usage: sluicectl resume FLOW [--json]\n"
    "Resumes FLOW's paused schedule and prints its next run. Needs the\n"
    "admin role. --json prints the API's reply as it is.\n";

/* Prints the flow as it is after the change. */
static enum sl_status
show_flow(struct json_object *flow, void *arg)
{
	struct json_object *next = jsonx_get(flow, "next_runs");
	char buf[8];

	(void)arg;
	printf("flow %s: schedule %s", list_cell(flow, "name", buf,
	    sizeof(buf)), json_object_get_boolean(jsonx_get(flow, "paused")) ?
	    "paused" : "active");
	if (json_object_is_type(next, json_type_array) &&
	    json_object_array_length(next) > 0)
		printf(", next run %s", json_object_get_string(
		    json_object_array_get_idx(next, 0)));
	printf("\n");
	return SL_OK;
}

/* The line's --json, and whether to pause. */
struct pause_job {
	int json;
	int paused;
};

static enum sl_status
pause_work(struct http *h, const struct cli_args *a, void *arg)
{
	const struct pause_job *j = arg;
	char *path = cli_api_path(h, "/api/flows/", a->args[0], NULL);
	enum sl_status s;

	s = cli_call(h, "PATCH", path, j->paused ? "{\"paused\":true}" :
	    "{\"paused\":false}", j->json, show_flow, NULL);
	free(path);
	return s;
}

/* Pauses (paused 1) or resumes the flow named on the line. */
static enum cli_exit
pause_command(struct cli *cli, int argc, char **argv, int paused)
{
	struct pause_job j = { 0, paused };
	const struct cli_opt opts[] = {
		{ "json", 'j', CLI_OPT_FLAG, &j.json },
		{ NULL, 0, CLI_OPT_FLAG, NULL }
	};
	const struct cli_syntax syntax = { paused ? pause_usage :
	    resume_usage, opts, 1, 1, 0 };
	const struct cli_work w = { NULL, pause_work, &j };

	return cli_api_command(cli, &syntax, argc, argv, &w);
}

/* `sluicectl pause FLOW`: CLI_OK, CLI_FAIL or CLI_USAGE. */
enum cli_exit
cmd_pause(struct cli *cli, int argc, char **argv)
{
	return pause_command(cli, argc, argv, 1);
}

/* `sluicectl resume FLOW`: CLI_OK, CLI_FAIL or CLI_USAGE. */
enum cli_exit
cmd_resume(struct cli *cli, int argc, char **argv)
{
	return pause_command(cli, argc, argv, 0);
}
