/*
 * cmd_list.c: the read-only listings `sluicectl runs` (GET /api/runs),
 * `sluicectl flows` (GET /api/flows) and `sluicectl events` (GET
 * /api/events, the audit trail): their options, query parameters and
 * columns. Fetching and printing (aligned columns under a header, or the
 * API's JSON as is with --json) is cli/list.c's.
 */
#include "list.h"

static const char runs_usage[] =
    "usage: sluicectl runs [--flow FLOW] [--state STATE] [--limit N]\n"
    "                      [--cursor C] [--json]\n"
    "Lists runs, newest first (GET /api/runs): id, flow, flow version,\n"
    "state, trigger, creation time and duration. --limit N shows at most\n"
    "N (the API's default 50, at most 500); --cursor C the next page, as\n"
    "named on standard error. --json prints the API's reply as it is.\n";

static const char flows_usage[] =
    "usage: sluicectl flows [--limit N] [--cursor C] [--json]\n"
    "Lists flows (GET /api/flows): name, version, whether its schedule\n"
    "is paused, cron schedule, next scheduled run and the state of the\n"
    "last run. --json prints the API's reply as it is.\n";

static const char events_usage[] =
    "usage: sluicectl events [--actor USER] [--object ID] [--type TYPE]\n"
    "                        [--action ACTION] [--limit N] [--cursor C]\n"
    "                        [--json]\n"
    "Lists the audit trail, newest first (GET /api/events): who did what\n"
    "to which object, when and from where. --actor keeps one user's\n"
    "events, --object one object's (a run id, flow, worker or user name),\n"
    "--type one kind of object (run, flow, worker, user), --action one\n"
    "action (run.cancel, flow.patch, ...). --json prints the API's reply\n"
    "as it is.\n";

static const struct list_column run_cols[] = {
	{ "ID", "id" }, { "FLOW", "flow" }, { "VERSION", "flow_version" },
	{ "STATE", "state" }, { "TRIGGER", "trigger" },
	{ "CREATED", "created_at" }, { "DURATION_S", "duration_s" },
	{ "COMMIT", "commit.id" }, { NULL, NULL }
};

static const struct list_column flow_cols[] = {
	{ "NAME", "name" }, { "VERSION", "version" }, { "PAUSED", "paused" },
	{ "SCHEDULE", "schedule.cron" }, { "NEXT_RUN", "next_run" },
	{ "LAST_RUN", "last_run.state" }, { "REPO", "repo" }, { NULL, NULL }
};

static const struct list_column event_cols[] = {
	{ "ID", "id" }, { "AT", "at" }, { "ACTOR", "actor" },
	{ "ACTION", "action" }, { "TYPE", "object_type" },
	{ "OBJECT", "object_id" }, { "ADDRESS", "address" },
	{ "DETAIL", "detail" }, { NULL, NULL }
};

/* `sluicectl runs ...`: CLI_OK, CLI_FAIL or CLI_USAGE. */
enum cli_exit
cmd_runs(struct cli *cli, int argc, char **argv)
{
	struct list_args la = { { NULL }, 0 };
	const struct cli_opt opts[] = {
		{ "flow", 'f', CLI_OPT_VALUE, &la.value[0] },
		{ "state", 's', CLI_OPT_VALUE, &la.value[1] },
		LIST_OPTS(la, 2)
	};
	const struct cli_syntax syntax = { runs_usage, opts, 0, 0, 0 };
	const struct listing runs = { "/api/runs", "runs", run_cols,
	    { "flow", "state", "limit", "cursor" } };

	return list_command(cli, &syntax, &runs, &la, argc, argv);
}

/* `sluicectl flows [--json]`: CLI_OK, CLI_FAIL or CLI_USAGE. */
enum cli_exit
cmd_flows(struct cli *cli, int argc, char **argv)
{
	struct list_args la = { { NULL }, 0 };
	const struct cli_opt opts[] = { LIST_OPTS(la, 0) };
	const struct cli_syntax syntax = { flows_usage, opts, 0, 0, 0 };
	const struct listing flows = { "/api/flows", "flows", flow_cols,
	    { "limit", "cursor" } };

	return list_command(cli, &syntax, &flows, &la, argc, argv);
}

/* `sluicectl events ...`: CLI_OK, CLI_FAIL or CLI_USAGE. */
enum cli_exit
cmd_events(struct cli *cli, int argc, char **argv)
{
	struct list_args la = { { NULL }, 0 };
	const struct cli_opt opts[] = {
		{ "actor", 'a', CLI_OPT_VALUE, &la.value[0] },
		{ "object", 'o', CLI_OPT_VALUE, &la.value[1] },
		{ "type", 't', CLI_OPT_VALUE, &la.value[2] },
		{ "action", 0, CLI_OPT_VALUE, &la.value[3] },
		LIST_OPTS(la, 4)
	};
	const struct cli_syntax syntax = { events_usage, opts, 0, 0, 0 };
	const struct listing events = { "/api/events", "events", event_cols,
	    { "actor", "object_id", "object_type", "action", "limit",
	    "cursor" } };

	return list_command(cli, &syntax, &events, &la, argc, argv);
}
