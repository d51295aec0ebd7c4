/*
 * list.h: sluicectl's listings of API collections (see list.c).
 */
#ifndef SLUICE_CLI_LIST_H
#define SLUICE_CLI_LIST_H

#include "call.h"

/* The most query parameters one listing takes. */
#define LIST_QUERY_MAX 8

/* One column: its header and the item's field ("last_run.state"). */
struct list_column {
	const char *header;
	const char *key;
};

/* One listing: what it asks for and how it prints. */
struct listing {
	const char *path;			/* GET path, no query */
	const char *what;			/* "runs": "no runs" */
	const struct list_column *cols;		/* ends with a NULL header */
	const char *query[LIST_QUERY_MAX];	/* query keys, by index */
};

/* What the command line gave: query values (by listing.query), --json. */
struct list_args {
	const char *value[LIST_QUERY_MAX];
	int json;
};

/*
 * The options every listing takes, last in its table: --limit and
 * --cursor (query keys "limit" and "cursor" at index first and first +
 * 1) and --json; ends the table.
 */
#define LIST_OPTS(la, first) \
	{ "limit", 'l', CLI_OPT_VALUE, &(la).value[(first)] }, \
	{ "cursor", 'c', CLI_OPT_VALUE, &(la).value[(first) + 1] }, \
	{ "json", 'j', CLI_OPT_FLAG, &(la).json }, \
	{ NULL, 0, CLI_OPT_FLAG, NULL }

const char *list_cell(struct json_object *item, const char *key,
    char *buf, size_t bufsz);
enum sl_status list_show(struct http *h, const struct listing *l,
    const struct list_args *la);
enum cli_exit list_command(struct cli *cli, const struct cli_syntax *syn,
    const struct listing *l, const struct list_args *la, int argc,
    char **argv);

#endif
