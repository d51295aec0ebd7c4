/*
 * cmd_list.c: the read-only listings `sluicectl flows` (GET /api/flows)
 * and `sluicectl runs [--flow F] [--state S] [--limit N]` (GET
 * /api/runs), one line per item in aligned columns, or the API's JSON as
 * is with --json. Fields the API does not send print as "-".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "http.h"
#include "json.h"
#include "opts.h"
#include "xalloc.h"

static const char runs_usage[] =
    "usage: sluicectl runs [--flow FLOW] [--state STATE] [--limit N] "
    "[--json]\n"
    "Lists runs, newest first.\n";

static const char flows_usage[] =
    "usage: sluicectl flows [--json]\n"
    "Lists flows: name, version, active or paused, cron schedule, next\n"
    "scheduled run and the state of the last run.\n";

/* Returns obj's string field key, or "-" when absent. */
static const char *
str_or_dash(struct json_object *obj, const char *key)
{
	const char *s = jsonx_get_str(obj, key);

	return s && *s ? s : "-";
}

/* Prints each item of reply's "items" with pr. Returns SL_OK or SL_IO
 * (printed) when the reply has no list. */
static enum sl_status
print_items(struct json_object *reply, void (*pr)(struct json_object *))
{
	struct json_object *items = jsonx_get(reply, "items");
	size_t n;

	if (items == NULL || !json_object_is_type(items, json_type_array)) {
		cli_err("the reply has no \"items\" list");
		return SL_IO;
	}
	n = json_object_array_length(items);
	for (size_t i = 0; i < n; i++)
		pr(json_object_array_get_idx(items, i));
	return SL_OK;
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

/* Appends "&key=escaped value" (or "?...") to *q when value is set. */
static void
add_query(struct http *h, char **q, const char *key, const char *value)
{
	char *e, *next;

	if (value == NULL)
		return;
	e = http_escape(h, value);
	next = xasprintf("%s%s%s=%s", *q, strchr(*q, '?') ? "&" : "?", key, e);
	free(e);
	free(*q);
	*q = next;
}

/* The most query filters a listing takes (runs: flow, state, limit). */
#define LIST_FILTER_MAX 3

/* One listing: its command line, what it asks for, how it prints. */
struct listing {
	const struct cli_syntax *syntax;
	const char *path;			/* GET path without a query */
	void (*print)(struct json_object *);	/* one item */
	const char *filter[LIST_FILTER_MAX];	/* query keys, by --key */
};

/* What the command line gave (filter values by listing.filter). */
struct list_args {
	const char *filter[LIST_FILTER_MAX];
	int json;
};

/* GETs the listing (with its filters) and prints it, or its JSON. */
static enum sl_status
list(struct http *h, const struct listing *l, const struct list_args *la)
{
	struct json_object *reply = NULL;
	char *path = xstrdup(l->path);
	enum sl_status s;

	for (size_t i = 0; i < LIST_FILTER_MAX && l->filter[i] != NULL; i++)
		add_query(h, &path, l->filter[i], la->filter[i]);
	s = http_json(h, "GET", path, NULL, &reply, NULL);
	free(path);
	if (s != SL_OK)
		return s;
	if (la->json)
		printf("%s\n", json_object_to_json_string_ext(reply,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		s = print_items(reply, l->print);
	json_object_put(reply);
	return s;
}

/* Parses the command line of listing l and lists. */
static enum cli_exit
list_command(struct cli *cli, const struct listing *l,
    struct list_args *la, int argc, char **argv)
{
	struct cli_args a;
	struct http *h;
	enum sl_status s;

	if (cli_parse(cli, l->syntax, argc, argv, &a) != SL_OK || a.help)
		return a.exit;
	if ((h = http_open(cli->insecure)) == NULL)
		return CLI_FAIL;
	s = list(h, l, la);
	http_close(h);
	return cli_exit_of(s);
}

/* `sluicectl runs ...`: CLI_OK, CLI_FAIL or CLI_USAGE. */
enum cli_exit
cmd_runs(struct cli *cli, int argc, char **argv)
{
	struct list_args la = { { NULL }, 0 };
	const struct cli_opt opts[] = {
		{ "flow", 'f', CLI_OPT_VALUE, &la.filter[0] },
		{ "state", 's', CLI_OPT_VALUE, &la.filter[1] },
		{ "limit", 'l', CLI_OPT_VALUE, &la.filter[2] },
		{ "json", 'j', CLI_OPT_FLAG, &la.json },
		{ NULL, 0, CLI_OPT_FLAG, NULL }
	};
	const struct cli_syntax syntax = { runs_usage, opts, 0, 0, 0 };
	const struct listing runs = {
		&syntax, "/api/runs", print_run, { "flow", "state", "limit" }
	};

	return list_command(cli, &runs, &la, argc, argv);
}

/* `sluicectl flows [--json]`: CLI_OK, CLI_FAIL or CLI_USAGE. */
enum cli_exit
cmd_flows(struct cli *cli, int argc, char **argv)
{
	struct list_args la = { { NULL }, 0 };
	const struct cli_opt opts[] = {
		{ "json", 'j', CLI_OPT_FLAG, &la.json },
		{ NULL, 0, CLI_OPT_FLAG, NULL }
	};
	const struct cli_syntax syntax = { flows_usage, opts, 0, 0, 0 };
	const struct listing flows = {
		&syntax, "/api/flows", print_flow, { NULL }
	};

	return list_command(cli, &flows, &la, argc, argv);
}
