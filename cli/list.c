/*
 * list.c: the one way sluicectl lists an API collection (runs, flows,
 * workers, events). It GETs the collection with the filters given, then
 * prints either the reply's bytes (--json) or a header row and one row
 * per item in aligned columns (cli/table.c), each cell one field of the
 * item: strings as they are, numbers, yes/no for booleans, "-" for a
 * field that is absent, null or empty, compact JSON for an object. An
 * empty list prints nothing on standard output (so `| grep -q .` tells
 * whether there is any item) and "no <things>" on standard error; when
 * the API has more items than one page, the --cursor that shows the
 * next page is named on standard error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "list.h"
#include "table.h"
#include "xalloc.h"

/* The value of key in item, following dots ("last_run.state"), or NULL. */
static struct json_object *
field(struct json_object *item, const char *key)
{
	char *path = xstrdup(key), *part, *save = NULL;
	struct json_object *v = item;

	for (part = strtok_r(path, ".", &save); part != NULL && v != NULL;
	    part = strtok_r(NULL, ".", &save))
		v = json_object_is_type(v, json_type_object) ?
		    jsonx_get(v, part) : NULL;
	free(path);
	return v;
}

/*
 * Returns the text of item's field key for a cell: borrowed from item
 * or written into buf; "-" when there is nothing to show.
 */
const char *
list_cell(struct json_object *item, const char *key, char *buf,
    size_t bufsz)
{
	struct json_object *v = field(item, key);
	const char *s;

	switch (v == NULL ? json_type_null : json_object_get_type(v)) {
	case json_type_null:
		return "-";
	case json_type_string:
		s = json_object_get_string(v);
		return *s ? s : "-";
	case json_type_boolean:
		return json_object_get_boolean(v) ? "yes" : "no";
	case json_type_int:
		snprintf(buf, bufsz, "%lld",
		    (long long)json_object_get_int64(v));
		return buf;
	case json_type_double:
		snprintf(buf, bufsz, "%.1f", json_object_get_double(v));
		return buf;
	default:
		return json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	}
}

/* Prints reply's items in l's columns. Returns SL_OK or the failure. */
static enum sl_status
print_table(struct json_object *reply, const struct listing *l)
{
	struct json_object *items = jsonx_get(reply, "items");
	const char *next = jsonx_get_str(reply, "next_cursor");
	struct table t;
	size_t ncols = 0, n;
	char buf[64];
	enum sl_status s = SL_OK;

	if (items == NULL || !json_object_is_type(items, json_type_array)) {
		cli_err("the reply has no \"items\" list");
		return SL_IO;
	}
	while (l->cols[ncols].header != NULL)
		ncols++;
	table_init(&t, ncols);
	for (size_t k = 0; k < ncols; k++)
		table_add(&t, l->cols[k].header);
	n = json_object_array_length(items);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < ncols; k++)
			table_add(&t, list_cell(json_object_array_get_idx(items,
			    i), l->cols[k].key, buf, sizeof(buf)));
	if (n == 0)
		fprintf(stderr, "no %s\n", l->what);
	else if (table_print(&t, stdout) == -1) {
		cli_err("writing the list failed");
		s = SL_IO;
	}
	if (next != NULL && *next != '\0')
		fprintf(stderr, "more %s: add --cursor %s\n", l->what, next);
	table_fini(&t);
	return s;
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

/* Shows reply (a 2xx list) as a table; arg is the listing. */
static enum sl_status
show_list(struct json_object *reply, void *arg)
{
	return print_table(reply, arg);
}

/*
 * GETs listing l with the query values of la and prints it: the reply's
 * bytes with --json, else the table. Returns SL_OK or the failure
 * (printed).
 */
enum sl_status
list_show(struct http *h, const struct listing *l, const struct list_args *la)
{
	char *path = xstrdup(l->path);
	enum sl_status s;

	for (size_t i = 0; i < LIST_QUERY_MAX && l->query[i] != NULL; i++)
		add_query(h, &path, l->query[i], la->value[i]);
	s = cli_call(h, "GET", path, NULL, la->json, show_list, (void *)l);
	free(path);
	return s;
}

/* A listing and its command line's values, for list_work. */
struct list_job {
	const struct listing *l;
	const struct list_args *la;
};

static enum sl_status
list_work(struct http *h, const struct cli_args *a, void *arg)
{
	const struct list_job *j = arg;

	(void)a;
	return list_show(h, j->l, j->la);
}

/*
 * A listing command: parses argv by syn (whose options fill la), then
 * lists l. Returns the command's exit code.
 */
enum cli_exit
list_command(struct cli *cli, const struct cli_syntax *syn,
    const struct listing *l, const struct list_args *la, int argc,
    char **argv)
{
	struct list_job j = { l, la };
	const struct cli_work w = { NULL, list_work, &j };

	return cli_api_command(cli, syn, argc, argv, &w);
}
