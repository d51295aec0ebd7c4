/*
 * cmd_apply.c: `sluicectl apply FILE...` sends each flow file to
 * PUT /api/flows/{name}, the name taken from the file's "name" field.
 * Validation is the API's (lib/flowdef.c); this file only checks that the
 * file is JSON with a name, so errors arrive with the file's path. Every
 * file is tried; the exit code is 1 if any failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "http.h"
#include "json.h"
#include "xalloc.h"

static const char usage[] =
    "usage: sluicectl apply FILE...\n"
    "Creates or updates the flow defined in each JSON FILE (\"-\" reads\n"
    "standard input); a changed definition becomes a new version.\n";

static int
apply_one(struct http *a, const char *file)
{
	struct json_object *def = NULL, *reply = NULL, *v;
	char *buf = NULL, *ename = NULL, *path = NULL, why[256];
	const char *name;
	size_t len;
	long status = 0;
	int rc = CLI_FAIL;

	if ((buf = cli_read_file(file, &len)) == NULL)
		goto out;
	if ((def = jsonx_parse(buf, len, why, sizeof(why))) == NULL) {
		cli_err("%s: %s", file, why);
		goto out;
	}
	if (!json_object_is_type(def, json_type_object) ||
	    (name = jsonx_get_str(def, "name")) == NULL || *name == '\0') {
		cli_err("%s: the flow needs a \"name\" string", file);
		goto out;
	}
	ename = http_escape(a, name);
	path = xasprintf("/api/flows/%s", ename);
	if (http_json(a, "PUT", path, jsonx_text(def), &reply, &status) !=
	    CLI_OK) {
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
	rc = CLI_OK;
out:
	json_object_put(reply);
	json_object_put(def);
	free(path);
	free(ename);
	free(buf);
	return rc;
}

/* `sluicectl apply FILE...`: CLI_OK, CLI_FAIL or CLI_USAGE. */
int
cmd_apply(struct cli *cli, int argc, char **argv)
{
	struct http *a;
	int rc = CLI_OK, first = 1;

	for (; first < argc && argv[first][0] == '-' &&
	    argv[first][1] != '\0'; first++) {
		if (strcmp(argv[first], "--help") == 0 ||
		    strcmp(argv[first], "-h") == 0) {
			fputs(usage, stdout);
			return CLI_OK;
		}
		if (strcmp(argv[first], "--insecure") == 0 ||
		    strcmp(argv[first], "-k") == 0) {
			cli->insecure = 1;
			continue;
		}
		if (strcmp(argv[first], "--") == 0) {
			first++;
			break;
		}
		cli_err("unknown option %s", argv[first]);
		return cli_usage(usage);
	}
	if (first == argc)
		return cli_usage(usage);
	if ((a = http_open(cli->insecure)) == NULL)
		return CLI_FAIL;
	for (int i = first; i < argc; i++)
		if (apply_one(a, argv[i]) != CLI_OK)
			rc = CLI_FAIL;
	http_close(a);
	return rc;
}
