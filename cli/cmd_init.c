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
#include "json.h"
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

/* Makes a valid flow name ([a-z0-9][a-z0-9_.-]{0,63}) from a folder name. */
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

static int
name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > FLOW_NAME_MAX ||
	    !((name[0] >= 'a' && name[0] <= 'z') ||
	    (name[0] >= '0' && name[0] <= '9')))
		return 0;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

/* Creates dir, or accepts it when it exists and is empty. */
static int
prepare_dir(const char *dir)
{
	DIR *d;
	struct dirent *e;
	int empty = 1;

	if (mkdir(dir, 0755) == 0)
		return 0;
	if (errno != EEXIST) {
		cli_err("cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if ((d = opendir(dir)) == NULL) {
		cli_err("%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = 0;
	closedir(d);
	if (!empty) {
		cli_err("%s is not empty; refusing to overwrite anything", dir);
		return -1;
	}
	return 0;
}

/* Writes flow.json with name and workdir filled in. */
static int
write_flow(const char *src, const char *dst, const char *name,
    const char *absdir)
{
	struct json_object *def = NULL, *tasks, *t;
	char *buf = NULL, *text = NULL, why[256];
	size_t len;
	int rc = -1;

	if ((buf = cli_read_file(src, &len)) == NULL)
		goto out;
	if ((def = jsonx_parse(buf, len, why, sizeof(why))) == NULL) {
		cli_err("%s: %s", src, why);
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
	rc = cli_write_new_file(dst, text, strlen(text), 0644);
out:
	free(text);
	json_object_put(def);
	free(buf);
	return rc;
}

/* Copies the regular file src to the new file dst with src's mode. */
static int
copy_file(const char *src, const char *dst)
{
	struct stat sb;
	char *buf;
	size_t len;
	int rc;

	if (stat(src, &sb) == -1) {
		cli_err("%s: %s", src, strerror(errno));
		return -1;
	}
	if ((buf = cli_read_file(src, &len)) == NULL)
		return -1;
	rc = cli_write_new_file(dst, buf, len, (int)(sb.st_mode & 0755));
	free(buf);
	return rc;
}

static int
init_project(const char *dir, const char *name_opt)
{
	char *tdir = NULL, *absdir = NULL, *name = NULL, *src = NULL;
	char *dst = NULL, *copy = NULL;
	DIR *d = NULL;
	struct dirent *e;
	struct stat sb;
	int rc = CLI_FAIL, found_flow = 0;

	if ((tdir = template_dir()) == NULL)
		goto out;
	if (prepare_dir(dir) == -1)
		goto out;
	if ((absdir = realpath(dir, NULL)) == NULL) {
		cli_err("%s: %s", dir, strerror(errno));
		goto out;
	}
	copy = xstrdup(absdir);
	name = name_opt ? xstrdup(name_opt) :
	    flow_name_from(strrchr(copy, '/') ? strrchr(copy, '/') + 1 : copy);
	if ((d = opendir(tdir)) == NULL) {
		cli_err("%s: %s", tdir, strerror(errno));
		goto out;
	}
	while ((e = readdir(d)) != NULL) {
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
			if (write_flow(src, dst, name, absdir) == -1)
				goto out;
		} else if (copy_file(src, dst) == -1)
			goto out;
	}
	if (!found_flow) {
		cli_err("%s has no flow.json", tdir);
		goto out;
	}
	printf("created flow project %s (flow %s)\n"
	    "next: sluicectl apply %s/flow.json && sluicectl run %s --wait\n",
	    absdir, name, dir, name);
	rc = CLI_OK;
out:
	if (d != NULL)
		closedir(d);
	free(copy);
	free(dst);
	free(src);
	free(name);
	free(absdir);
	free(tdir);
	return rc;
}

/* `sluicectl init DIR [--name FLOW]`: CLI_OK, CLI_FAIL or CLI_USAGE. */
int
cmd_init(struct cli *cli, int argc, char **argv)
{
	const char *dir = NULL, *name = NULL;

	(void)cli;	/* a local command: no API connection */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			fputs(usage, stdout);
			return CLI_OK;
		} else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			name = argv[++i];
		else if (argv[i][0] == '-' || dir != NULL)
			return cli_usage(usage);
		else
			dir = argv[i];
	}
	if (dir == NULL)
		return cli_usage(usage);
	if (name != NULL && !name_valid(name)) {
		cli_err("invalid flow name \"%s\" ([a-z0-9][a-z0-9_.-]{0,63})",
		    name);
		return CLI_USAGE;
	}
	return init_project(dir, name);
}
