/*
 * cmd_apply.c: `sluicectl apply FILE... [--dry-run]`. Each flow file is
 * read and checked by the one validator (lib/flowdef.c, through
 * flowfile.c) first, so a refusal names the file, the field and the
 * reason. With --dry-run that is all: no server, no data directory, one
 * line per file. Otherwise each valid file's definition, its relative
 * workdirs made absolute against the file's repository root (and a
 * missing workdir set to that root inside a git repository), is sent to
 * PUT /api/flows/{flow}; the flow's version before and after tell whether
 * it was created, updated, restored or unchanged (the API keeps the
 * version of an identical definition). Every file is tried; the exit code
 * is 1 if any failed.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "flowfile.h"
#include "http.h"
#include "json.h"
#include "opts.h"
#include "xalloc.h"

static const char usage[] =
    "usage: sluicectl apply [--dry-run] FILE...\n"
    "Creates or updates the flow defined in each JSON FILE (\"-\" reads\n"
    "standard input); a changed definition becomes a new version, an\n"
    "unchanged one is left as it is. Relative workdirs are resolved here,\n"
    "against the root of the git repository holding FILE (else FILE's\n"
    "folder), so the server must see the same folders.\n"
    "--dry-run only checks every FILE, without any server, and says ok\n"
    "or what is wrong (file, field, reason).\n";

/* What the server has of a flow before a PUT. */
struct before {
	int64_t version;	/* 0: no such flow */
	int archived;
};

/*
 * Reads flow ename's current version and archived flag (none when the
 * flow does not exist). Returns SL_OK or the failure (printed).
 */
static enum sl_status
read_before(struct http *h, const char *ename, struct before *b)
{
	struct http_reply r;
	struct json_object *o;
	char *path = xasprintf("/api/flows/%s", ename), why[128];
	enum sl_status s;

	b->version = 0;
	b->archived = 0;
	s = http_call(h, "GET", path, NULL, &r);
	free(path);
	if (s != SL_OK || r.status == 404)
		goto out;
	if (r.status != 200) {
		s = http_fail(&r);
		goto out;
	}
	if ((o = jsonx_parse(r.body, r.len, why, sizeof(why))) != NULL) {
		struct json_object *v = jsonx_get(o, "current_version");

		b->version = v ? json_object_get_int64(v) : 0;
		v = jsonx_get(o, "archived");
		b->archived = v ? json_object_get_boolean(v) : 0;
		json_object_put(o);
	}
out:
	http_reply_fini(&r);
	return s;
}

/* Prints what a PUT of flow name did, from the versions before and
 * after and the PUT's status. */
static void
say_applied(const char *name, const struct before *b, long status,
    struct json_object *reply)
{
	struct json_object *v = jsonx_get(reply, "version");
	int64_t after = v && jsonx_is_int(v) ? json_object_get_int64(v) : 0;
	const char *what = "updated";

	if (status == 201)
		what = "created";
	else if (after == b->version)
		what = b->archived ? "restored, unchanged" : "unchanged";
	printf("flow %s %s (version %lld)\n", name, what, (long long)after);
}

/* Sends the valid definition def of file. Returns SL_OK or the failure
 * (printed). */
static enum sl_status
put_flow(struct http *h, const char *file, struct json_object *def)
{
	struct json_object *reply = NULL;
	struct flowfile_root root;
	const char *name = jsonx_get_str(def, "name");
	char *ename = http_escape(h, name), *path = NULL;
	struct before b;
	long status = 0;
	enum sl_status s;

	if ((s = flowfile_root_find(file, &root)) != SL_OK)
		goto out;
	flowfile_resolve(def, &root);
	if ((s = read_before(h, ename, &b)) != SL_OK)
		goto out;
	path = xasprintf("/api/flows/%s", ename);
	s = http_json(h, "PUT", path, jsonx_text(def), &reply, &status);
	if (s == SL_OK)
		say_applied(name, &b, status, reply);
out:
	if (s != SL_OK)
		cli_err("%s: flow %s not applied", file, name);
	json_object_put(reply);
	flowfile_root_fini(&root);
	free(path);
	free(ename);
	return s;
}

/* Checks one file and, unless dry, sends it. Returns SL_OK or the
 * failure (printed). */
static enum sl_status
apply_one(struct http *h, const char *file, int dry)
{
	struct json_object *def;
	enum sl_status s;

	if ((s = flowfile_load(file, &def)) != SL_OK)
		return s;
	if (dry)
		printf("%s: ok (flow %s)\n", file, jsonx_get_str(def, "name"));
	else
		s = put_flow(h, file, def);
	json_object_put(def);
	return s;
}

/* `sluicectl apply [--dry-run] FILE...`: CLI_OK, CLI_FAIL or CLI_USAGE. */
enum cli_exit
cmd_apply(struct cli *cli, int argc, char **argv)
{
	int dry = 0;
	const struct cli_opt opts[] = {
		{ "dry-run", 'n', CLI_OPT_FLAG, &dry },
		{ NULL, 0, CLI_OPT_FLAG, NULL }
	};
	const struct cli_syntax syntax = { usage, opts, 1, INT_MAX, 0 };
	enum sl_status s = SL_OK, one;
	struct cli_args a;
	struct http *h = NULL;

	if (cli_parse(cli, &syntax, argc, argv, &a) != SL_OK || a.help)
		return a.exit;
	if (!dry && (h = http_open(cli->insecure)) == NULL)
		return CLI_FAIL;
	for (int i = 0; i < a.nargs; i++)
		if ((one = apply_one(h, a.args[i], dry)) != SL_OK)
			s = one;
	http_close(h);
	return cli_exit_of(s);
}
