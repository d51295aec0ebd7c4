/*
 * cmd_apply.c: `sluicectl apply FILE...` sends each flow file to
 * PUT /api/flows/{flow}, the name taken from the file's "name" field.
 * Validation is the API's (lib/flowdef.c); this file only checks that the
 * file is JSON with a name, so errors arrive with the file's path. Every
 * file is tried; the exit code is 1 if any failed.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "http.h"
#include "json.h"
#include "opts.h"
#include "xalloc.h"

static const char usage[] =
    "usage: sluicectl apply FILE...\n"
    "Creates or updates the flow defined in each JSON FILE (\"-\" reads\n"
    "standard input); a changed definition becomes a new version.\n";

/* Options (only --help and --insecure) come before the files. */
static const struct cli_syntax syntax = { usage, NULL, 1, INT_MAX, 1 };

/* Sends one flow file. Returns SL_OK or the failure (printed). */
static enum sl_status
apply_one(struct http *h, const char *file)
{
	struct json_object *def = NULL, *reply = NULL, *v;
	char *buf = NULL, *ename = NULL, *path = NULL, why[256];
	const char *name;
	size_t len;
	long status = 0;
	enum sl_status s = SL_IO;

	if ((buf = cli_read_file(file, &len)) == NULL)
		goto out;
	s = SL_INVALID;
	if ((def = jsonx_parse(buf, len, why, sizeof(why))) == NULL) {
		cli_err("%s: %s", file, why);
		goto out;
	}
	if (!json_object_is_type(def, json_type_object) ||
	    (name = jsonx_get_str(def, "name")) == NULL || *name == '\0') {
		cli_err("%s: the flow needs a \"name\" string", file);
		goto out;
	}
	ename = http_escape(h, name);
	path = xasprintf("/api/flows/%s", ename);
	s = http_json(h, "PUT", path, jsonx_text(def), &reply, &status);
	if (s != SL_OK) {
		cli_err("%s: flow %s not applied", file, name);
		goto out;
	}
	v = jsonx_get(reply, "version");
	if (v != NULL && jsonx_is_int(v))
		printf("flow %s %s (version %lld)\n", name,
		    status == 201 ? "created" : "updated",
		    (long long)json_object_get_int64(v));
	else
		printf("flow %s %s\n", name,
		    status == 201 ? "created" : "updated");
out:
	json_object_put(reply);
	json_object_put(def);
	free(path);
	free(ename);
	free(buf);
	return s;
}

/* `sluicectl apply FILE...`: CLI_OK, CLI_FAIL or CLI_USAGE. */
enum cli_exit
cmd_apply(struct cli *cli, int argc, char **argv)
{
	enum sl_status s = SL_OK, one;
	struct cli_args a;
	struct http *h;

	if (cli_parse(cli, &syntax, argc, argv, &a) != SL_OK || a.help)
		return a.exit;
	if ((h = http_open(cli->insecure)) == NULL)
		return CLI_FAIL;
	for (int i = 0; i < a.nargs; i++)
		if ((one = apply_one(h, a.args[i])) != SL_OK)
			s = one;
	http_close(h);
	return cli_exit_of(s);
}
