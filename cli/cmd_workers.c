/*
 * cmd_workers.c: `sluicectl workers` lists the workers (GET
 * /api/workers: the schedulers with their heartbeat, load and limits);
 * `workers pause|resume NAME` and `workers limit NAME N` change one
 * (PATCH /api/workers/{name}, admin): a paused worker claims no new
 * runs (running ones go on), and N is how many runs it may run at once.
 * Every form takes --json, which prints the API's reply as it is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "list.h"

static const char usage[] =
    "usage: sluicectl workers [--limit N] [--cursor C] [--json]\n"
    "       sluicectl workers pause NAME [--json]\n"
    "       sluicectl workers resume NAME [--json]\n"
    "       sluicectl workers limit NAME N [--json]\n"
    "Lists the workers: name, pool, host, pid, whether online, runs\n"
    "running, concurrency limit, whether paused, last heartbeat. pause\n"
    "stops a worker claiming new runs (its running ones go on), resume\n"
    "undoes it, limit sets how many runs it runs at once (1 to 1000);\n"
    "these need the admin role. --json prints the API's reply as it is.\n";

static const struct list_column worker_cols[] = {
	{ "NAME", "name" }, { "POOL", "pool" }, { "HOST", "host" },
	{ "PID", "pid" }, { "ONLINE", "online" }, { "RUNNING", "running" },
	{ "LIMIT", "concurrency_limit" }, { "PAUSED", "paused" },
	{ "LAST_HEARTBEAT", "last_heartbeat" }, { NULL, NULL }
};

/* One change: the subcommand, and the --json flag of its line. */
struct worker_change {
	const char *sub;	/* "pause", "resume" or "limit" */
	int json;
	long long limit;	/* limit's N, once checked */
};

/* Prints the worker as it is after the change. */
static enum sl_status
show_worker(struct json_object *w, void *arg)
{
	char name[8], lim[32], run[32];

	(void)arg;
	printf("worker %s: %s, limit %s, running %s\n",
	    list_cell(w, "name", name, sizeof(name)),
	    json_object_get_boolean(jsonx_get(w, "paused")) ? "paused" :
	    "not paused", list_cell(w, "concurrency_limit", lim, sizeof(lim)),
	    list_cell(w, "running", run, sizeof(run)));
	return SL_OK;
}

/* Checks limit's N: a whole number (the API checks its range). */
static enum sl_status
check_change(const struct cli_args *a, void *arg)
{
	struct worker_change *c = arg;
	char *end;

	if (strcmp(c->sub, "limit") != 0)
		return SL_OK;
	errno = 0;
	c->limit = strtoll(a->args[1], &end, 10);
	if (*a->args[1] == '\0' || *end != '\0' || errno != 0) {
		cli_err("limit: \"%s\" is not a whole number", a->args[1]);
		return SL_INVALID;
	}
	return SL_OK;
}

/* PATCH /api/workers/{name} with the change; prints the worker. */
static enum sl_status
change_work(struct http *h, const struct cli_args *a, void *arg)
{
	struct worker_change *c = arg;
	struct json_object *body = json_object_new_object();
	char *path = cli_api_path(h, "/api/workers/", a->args[0], NULL);
	enum sl_status s;

	if (strcmp(c->sub, "limit") == 0)
		jsonx_add_int(body, "concurrency_limit", c->limit);
	else
		json_object_object_add(body, "paused",
		    json_object_new_boolean(strcmp(c->sub, "pause") == 0));
	s = cli_call(h, "PATCH", path, jsonx_text(body), c->json,
	    show_worker, c);
	json_object_put(body);
	free(path);
	return s;
}

/* `sluicectl workers pause|resume|limit ...` (argv[0] is the sub). */
static enum cli_exit
workers_change(struct cli *cli, int argc, char **argv)
{
	struct worker_change c = { argv[0], 0, 0 };
	const struct cli_opt opts[] = {
		{ "json", 'j', CLI_OPT_FLAG, &c.json },
		{ NULL, 0, CLI_OPT_FLAG, NULL }
	};
	int n = strcmp(c.sub, "limit") == 0 ? 2 : 1;
	const struct cli_syntax syntax = { usage, opts, n, n, 0 };
	const struct cli_work w = { check_change, change_work, &c };

	return cli_api_command(cli, &syntax, argc, argv, &w);
}

/* `sluicectl workers ...`: CLI_OK, CLI_FAIL or CLI_USAGE. */
enum cli_exit
cmd_workers(struct cli *cli, int argc, char **argv)
{
	static const char *const subs[] = { "pause", "resume", "limit" };
	struct list_args la = { { NULL }, 0 };
	const struct cli_opt opts[] = { LIST_OPTS(la, 0) };
	const struct cli_syntax syntax = { usage, opts, 0, 0, 0 };
	const struct listing workers = { "/api/workers", "workers",
	    worker_cols, { "limit", "cursor" } };

	for (size_t i = 0; argc > 1 && i < sizeof(subs) / sizeof(*subs); i++)
		if (strcmp(argv[1], subs[i]) == 0)
			return workers_change(cli, argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "list") == 0) {
		argc--;
		argv++;
	}
	return list_command(cli, &syntax, &workers, &la, argc, argv);
}
