/*
 * cmd_init.c: `sluicectl init DIR [--name FLOW]` starts a new flow project
 * by copying the template folder (examples/template beside the program's
 * bin/ folder, else /usr/share/sluice/examples/template, or
 * $SLUICE_TEMPLATE) into DIR. The template's flow.json is rewritten on the
 * way: its name becomes FLOW (by default DIR's base name made valid) and
 * every task's workdir becomes DIR's absolute path, so the scheduler finds
 * the project's scripts. DIR must be new or empty; nothing is overwritten.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "flowdef.h"
#include "json.h"
#include "opts.h"
#include "paths.h"
#include "xalloc.h"

#define FLOW_NAME_MAX 64

static const char usage[] =
    "usage: sluicectl init DIR [--name FLOW]\n"
    "Creates a new flow project in DIR (new or empty) from the template:\n"
    "flow.json and a sample Python script. Then: sluicectl apply "
    "DIR/flow.json\n";

/* Returns the template folder (caller frees) or NULL after printing. */
static char *
template_dir(void)
{
	char *p = paths_share("examples/template", "SLUICE_TEMPLATE");
	struct stat sb;

	if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
		return p;
	free(p);
	cli_err("cannot find the template folder (set SLUICE_TEMPLATE)");
	return NULL;
}

/* Makes a valid flow name (flowdef_name_valid) from a folder name. */
static char *
flow_name_from(const char *base)
{
	char *name = xcalloc(1, FLOW_NAME_MAX + 1);
	size_t n = 0;

	for (const char *c = base; *c != '\0' && n < FLOW_NAME_MAX; c++) {
		char ch = *c;

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '_' || ch == '.' || ch == '-'))
			ch = '-';
		if (n == 0 && !((ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9')))
			continue;
		name[n++] = ch;
	}
	if (n == 0)
		strcpy(name, "my-flow");
	return name;
}

/* Creates dir, or accepts it when it exists and is empty. Returns SL_OK
 * or SL_IO (printed). */
static enum sl_status
prepare_dir(const char *dir)
{
	DIR *d;
	struct dirent *e;
	int empty = 1;

	if (mkdir(dir, 0755) == 0)
		return SL_OK;
	if (errno != EEXIST) {
		cli_err("cannot create %s: %s", dir, strerror(errno));
		return SL_IO;
	}
	if ((d = opendir(dir)) == NULL) {
		cli_err("%s: %s", dir, strerror(errno));
		return SL_IO;
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = 0;
	closedir(d);
	if (!empty) {
		cli_err("%s is not empty; refusing to overwrite anything", dir);
		return SL_CONFLICT;
	}
	return SL_OK;
}

/* Writes flow.json with name and workdir filled in. Returns SL_OK or the
 * failure (printed). */
static enum sl_status
write_flow(const char *src, const char *dst, const char *name,
    const char *absdir)
{
	struct json_object *def = NULL, *tasks, *t;
	char *buf = NULL, *text = NULL, why[256];
	size_t len;
	enum sl_status s = SL_IO;

	if ((buf = cli_read_file(src, &len)) == NULL)
		goto out;
	if ((def = jsonx_parse(buf, len, why, sizeof(why))) == NULL) {
		cli_err("%s: %s", src, why);
		s = SL_INVALID;
		goto out;
	}
	json_object_object_add(def, "name", json_object_new_string(name));
	tasks = jsonx_get(def, "tasks");
	if (tasks != NULL && json_object_is_type(tasks, json_type_array))
		for (size_t i = 0; i < json_object_array_length(tasks); i++) {
			t = json_object_array_get_idx(tasks, i);
			if (json_object_is_type(t, json_type_object))
				json_object_object_add(t, "workdir",
				    json_object_new_string(absdir));
		}
	text = xasprintf("%s\n", json_object_to_json_string_ext(def,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	s = cli_write_new_file(dst, text, strlen(text), 0644);
out:
	free(text);
	json_object_put(def);
	free(buf);
	return s;
}

/* Copies the regular file src to the new file dst with src's mode.
 * Returns SL_OK or SL_IO (printed). */
static enum sl_status
copy_file(const char *src, const char *dst)
{
	struct stat sb;
	char *buf;
	size_t len;
	enum sl_status s;

	if (stat(src, &sb) == -1) {
		cli_err("%s: %s", src, strerror(errno));
		return SL_IO;
	}
	if ((buf = cli_read_file(src, &len)) == NULL)
		return SL_IO;
	s = cli_write_new_file(dst, buf, len, (int)(sb.st_mode & 0755));
	free(buf);
	return s;
}

/*
 * Copies every regular file of the template folder tdir into absdir,
 * flow.json rewritten for flow name. Returns SL_OK or the failure
 * (printed).
 */
static enum sl_status
copy_template(const char *tdir, const char *absdir, const char *name)
{
	char *src = NULL, *dst = NULL;
	DIR *d;
	struct dirent *e;
	struct stat sb;
	enum sl_status s = SL_OK;
	int found_flow = 0;

	if ((d = opendir(tdir)) == NULL) {
		cli_err("%s: %s", tdir, strerror(errno));
		return SL_IO;
	}
	while (s == SL_OK && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		free(src);
		free(dst);
		src = xasprintf("%s/%s", tdir, e->d_name);
		dst = xasprintf("%s/%s", absdir, e->d_name);
		if (stat(src, &sb) == -1 || !S_ISREG(sb.st_mode))
			continue;
		if (strcmp(e->d_name, "flow.json") == 0) {
			found_flow = 1;
			s = write_flow(src, dst, name, absdir);
		} else
			s = copy_file(src, dst);
	}
	closedir(d);
	free(dst);
	free(src);
	if (s == SL_OK && !found_flow) {
		cli_err("%s has no flow.json", tdir);
		s = SL_NOTFOUND;
	}
	return s;
}

/* Makes the project in dir (flow name_opt, or one made from dir's name).
 * Returns SL_OK or the failure (printed). */
static enum sl_status
init_project(const char *dir, const char *name_opt)
{
	char *tdir = NULL, *absdir = NULL, *name = NULL, *base;
	enum sl_status s = SL_NOTFOUND;

	if ((tdir = template_dir()) == NULL)
		goto out;
	if ((s = prepare_dir(dir)) != SL_OK)
		goto out;
	if ((absdir = realpath(dir, NULL)) == NULL) {
		cli_err("%s: %s", dir, strerror(errno));
		s = SL_IO;
		goto out;
	}
	base = strrchr(absdir, '/') ? strrchr(absdir, '/') + 1 : absdir;
	name = name_opt ? xstrdup(name_opt) : flow_name_from(base);
	if ((s = copy_template(tdir, absdir, name)) != SL_OK)
		goto out;
	printf("created flow project %s (flow %s)\n"
	    "next: sluicectl apply %s/flow.json && sluicectl run %s --wait\n",
	    absdir, name, dir, name);
out:
	free(name);
	free(absdir);
	free(tdir);
	return s;
}

/* `sluicectl init DIR [--name FLOW]`: CLI_OK, CLI_FAIL or CLI_USAGE. */
enum cli_exit
cmd_init(struct cli *cli, int argc, char **argv)
{
	const char *name = NULL;
	const struct cli_opt opts[] = {
		{ "name", 0, CLI_OPT_VALUE, &name },
		{ NULL, 0, CLI_OPT_FLAG, NULL }
	};
	const struct cli_syntax syntax = { usage, opts, 1, 1, 0 };
	struct cli_args a;

	if (cli_parse(cli, &syntax, argc, argv, &a) != SL_OK || a.help)
		return a.exit;
	if (name != NULL && !flowdef_name_valid(name)) {
		cli_err("invalid flow name \"%s\" ([a-z0-9][a-z0-9_.-]{0,63})",
		    name);
		return CLI_USAGE;
	}
	return cli_exit_of(init_project(a.args[0], name));
}
