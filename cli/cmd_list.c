/*
 * cmd_list.c: the read-only listings `sluicectl flows` (GET /api/flows)
 * and `sluicectl runs [--flow F] [--state S] [--limit N]` (GET
 * /api/runs), one line per item in aligned columns, or the API's JSON as
 * is with --json. Fields the API does not send print as "-".
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "http.h"
#include "json.h"
#include "xalloc.h"

static const char runs_usage[] =
    "usage: sluicectl runs [--flow FLOW] [--state STATE] [--limit N] "
    "[--json]\n"
    "Lists runs, newest first.\n";

static const char flows_usage[] =
    "usage: sluicectl flows [--json]\n"
    "Lists flows: name, version, active or paused, cron schedule, next\n"
    "scheduled run and the state of the last run.\n";

static const struct option longopts[] = {
	{ "flow", required_argument, NULL, 'f' },
	{ "state", required_argument, NULL, 's' },
	{ "limit", required_argument, NULL, 'l' },
	{ "json", no_argument, NULL, 'j' },
	{ "insecure", no_argument, NULL, 'k' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* Returns obj's string field key, or "-" when absent. */
static const char *
str_or_dash(struct json_object *obj, const char *key)
{
	const char *s = jsonx_get_str(obj, key);

	return s && *s ? s : "-";
}

/* Prints each item of reply's "items" with pr. Returns CLI_OK/CLI_FAIL. */
static int
print_items(struct json_object *reply, void (*pr)(struct json_object *))
{
	struct json_object *items = jsonx_get(reply, "items");
	size_t n;

	if (items == NULL || !json_object_is_type(items, json_type_array)) {
		cli_err("the reply has no \"items\" list");
		return CLI_FAIL;
	}
	n = json_object_array_length(items);
	for (size_t i = 0; i < n; i++)
		pr(json_object_array_get_idx(items, i));
	return CLI_OK;
}

static void
print_run(struct json_object *run)
{
	printf("%-26s  %-24s  %-10s  %s\n", str_or_dash(run, "id"),
	    str_or_dash(run, "flow"), str_or_dash(run, "state"),
	    str_or_dash(run, "created_at"));
}

static void
print_flow(struct json_object *flow)
{
	struct json_object *v = jsonx_get(flow, "version");
	struct json_object *sched = jsonx_get(flow, "schedule");
	struct json_object *paused = jsonx_get(flow, "paused");
	struct json_object *last = jsonx_get(flow, "last_run");
	const char *cron = NULL, *last_state;
	char ver[32] = "-";

	if (v != NULL && jsonx_is_int(v))
		snprintf(ver, sizeof(ver), "%lld",
		    (long long)json_object_get_int64(v));
	if (sched != NULL && json_object_is_type(sched, json_type_object))
		cron = jsonx_get_str(sched, "cron");
	else if (sched != NULL && json_object_is_type(sched, json_type_string))
		cron = json_object_get_string(sched);
	last_state = jsonx_get_str(flow, "last_run_state");
	if (last_state == NULL && last != NULL)
		last_state = jsonx_get_str(last, "state");
	printf("%-24s  v%-4s  %-6s  %-16s  %-24s  %s\n",
	    str_or_dash(flow, "name"), ver,
	    paused && json_object_get_boolean(paused) ? "paused" : "active",
	    cron ? cron : "-", str_or_dash(flow, "next_run"),
	    last_state ? last_state : "-");
}

struct list_opts {
	const char *flow, *state, *limit;
	int json;
};

/* Parses the options; returns -1 to go on, else the exit code. */
static int
parse(struct cli *cli, int argc, char **argv, const char *usage, int runs,
    struct list_opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	optind = 0;
	while ((c = getopt_long(argc, argv, runs ? "f:s:l:jkh" : "jkh",
	    longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->flow = optarg;
			break;
		case 's':
			o->state = optarg;
			break;
		case 'l':
			o->limit = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'k':
			cli->insecure = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return CLI_OK;
		default:
			return cli_usage(usage);
		}
		if (!runs && (c == 'f' || c == 's' || c == 'l'))
			return cli_usage(usage);
	}
	if (optind != argc)
		return cli_usage(usage);
	return -1;
}

/* Appends "&key=escaped value" (or "?...") to *q when value is set. */
static void
add_query(struct http *a, char **q, const char *key, const char *value)
{
	char *e, *next;

	if (value == NULL)
		return;
	e = http_escape(a, value);
	next = xasprintf("%s%s%s=%s", *q, strchr(*q, '?') ? "&" : "?", key, e);
	free(e);
	free(*q);
	*q = next;
}

static int
list(const char *path, int json, void (*pr)(struct json_object *),
    struct http *a)
{
	struct json_object *reply = NULL;
	int rc;

	if ((rc = http_json(a, "GET", path, NULL, &reply, NULL)) != CLI_OK)
		return rc;
	if (json) {
		printf("%s\n", json_object_to_json_string_ext(reply,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		rc = CLI_OK;
	} else
		rc = print_items(reply, pr);
	json_object_put(reply);
	return rc;
}

/* `sluicectl runs ...`: CLI_OK, CLI_FAIL or CLI_USAGE. */
int
cmd_runs(struct cli *cli, int argc, char **argv)
{
	struct list_opts o;
	struct http *a;
	char *path;
	int rc;

	if ((rc = parse(cli, argc, argv, runs_usage, 1, &o)) != -1)
		return rc;
	if ((a = http_open(cli->insecure)) == NULL)
		return CLI_FAIL;
	path = xstrdup("/api/runs");
	add_query(a, &path, "flow", o.flow);
	add_query(a, &path, "state", o.state);
	add_query(a, &path, "limit", o.limit);
	rc = list(path, o.json, print_run, a);
	free(path);
	http_close(a);
	return rc;
}

/* `sluicectl flows [--json]`: CLI_OK, CLI_FAIL or CLI_USAGE. */
int
cmd_flows(struct cli *cli, int argc, char **argv)
{
	struct list_opts o;
	struct http *a;
	int rc;

	if ((rc = parse(cli, argc, argv, flows_usage, 0, &o)) != -1)
		return rc;
	if ((a = http_open(cli->insecure)) == NULL)
		return CLI_FAIL;
	rc = list("/api/flows", o.json, print_flow, a);
	http_close(a);
	return rc;
}
