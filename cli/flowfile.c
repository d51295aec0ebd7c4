/*
 * flowfile.c: a flow file read the way the server reads one. Loading
 * parses the file and validates it with the one validator
 * (lib/flowdef.c), printing "FILE: FIELD: REASON" when it is refused.
 * A task's workdir may be relative to the root of the repository the
 * file lives in: the git top level of the file's folder (asked of the
 * git program, `git -C DIR rev-parse --show-toplevel`), or, outside git,
 * the file's own folder. Standard input ("-") counts as a file in the
 * current folder. Resolving makes every relative workdir absolute against
 * that root, and gives a task without one the root when it is a
 * repository's (what the server's repository sync does), so the result
 * is what `PUT /api/flows` and a local run accept. Relative workdirs
 * never climb out of the root: the validator refuses "..".
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "flowdef.h"
#include "flowfile.h"
#include "json.h"
#include "prog.h"
#include "xalloc.h"

/*
 * Reads and validates the flow file at path ("-": standard input).
 * Returns SL_OK and the normalised definition in *def (the caller puts
 * it), or SL_IO (unreadable) or SL_INVALID (not a valid flow), printed
 * as "path: field: reason".
 */
enum sl_status
flowfile_load(const char *path, struct json_object **def)
{
	struct json_object *raw;
	char *buf, why[512];
	size_t len;

	*def = NULL;
	if ((buf = cli_read_file(path, &len)) == NULL)
		return SL_IO;
	raw = jsonx_parse(buf, len, why, sizeof(why));
	free(buf);
	if (raw == NULL) {
		cli_err("%s: %s", path, why);
		return SL_INVALID;
	}
	*def = flowdef_validate(raw, why, sizeof(why));
	json_object_put(raw);
	if (*def == NULL) {
		cli_err("%s: %s", path, why);
		return SL_INVALID;
	}
	return SL_OK;
}

/* Returns the absolute folder of the file at path (caller frees), or
 * NULL after printing why. */
static char *
folder_of(const char *path)
{
	const char *slash = strcmp(path, "-") == 0 ? NULL : strrchr(path, '/');
	char *dir, *abs;

	if (slash == NULL)
		dir = xstrdup(".");
	else
		dir = slash == path ? xstrdup("/") :
		    xstrndup(path, (size_t)(slash - path));
	if ((abs = realpath(dir, NULL)) == NULL)
		cli_err("%s: %s", dir, strerror(errno));
	free(dir);
	return abs;
}

/*
 * Finds the repository root of the flow file at path (see the top of
 * this file); a folder git does not know, or a machine without git, gives
 * the file's folder. Returns SL_OK with root filled (release it with
 * flowfile_root_fini), or SL_IO after printing why.
 */
enum sl_status
flowfile_root_find(const char *path, struct flowfile_root *root)
{
	char *dir, *top = NULL;
	size_t n;

	root->dir = NULL;
	root->in_git = 0;
	if ((dir = folder_of(path)) == NULL)
		return SL_IO;
	{
		const char *argv[] = { "git", "-C", dir, "rev-parse",
		    "--show-toplevel", NULL };

		if (prog_run(argv, PROG_QUIET, &top) != SL_OK)
			top = NULL;
	}
	if (top != NULL) {
		n = strcspn(top, "\n");
		top[n] = '\0';
	}
	if (top != NULL && top[0] == '/') {
		root->dir = top;
		root->in_git = 1;
		free(dir);
	} else {
		root->dir = dir;
		free(top);
	}
	return SL_OK;
}

/* Releases what root holds (a zeroed root is fine). */
void
flowfile_root_fini(struct flowfile_root *root)
{
	free(root->dir);
	root->dir = NULL;
}

/*
 * Returns root joined with the relative path rel, with "." parts, empty
 * parts and a trailing slash left out (caller frees).
 */
static char *
join_clean(const char *root, const char *rel)
{
	size_t rlen = strlen(root), cap = rlen + strlen(rel) + 2, n;
	char *out = xmalloc(cap);
	const char *p = rel;

	memcpy(out, root, rlen + 1);
	while (rlen > 1 && out[rlen - 1] == '/')
		out[--rlen] = '\0';
	while (*p != '\0') {
		n = strcspn(p, "/");
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (rlen == 0 || out[rlen - 1] != '/')
				out[rlen++] = '/';
			memcpy(out + rlen, p, n);
			rlen += n;
			out[rlen] = '\0';
		}
		p += n + (p[n] == '/');
	}
	return out;
}

/*
 * Rewrites the tasks of normalised definition def for root: a relative
 * workdir becomes root joined with it; a missing one becomes root when
 * root is a git repository's top level and stays missing otherwise.
 */
void
flowfile_resolve(struct json_object *def, const struct flowfile_root *root)
{
	struct json_object *tasks = jsonx_get(def, "tasks"), *t;
	const char *w;
	char *abs;
	size_t n = json_object_is_type(tasks, json_type_array) ?
	    json_object_array_length(tasks) : 0;

	for (size_t i = 0; i < n; i++) {
		t = json_object_array_get_idx(tasks, i);
		w = jsonx_get_str(t, "workdir");
		if (w != NULL && w[0] == '/')
			continue;
		if (w == NULL && !root->in_git)
			continue;
		abs = join_clean(root->dir, w != NULL ? w : ".");
		jsonx_add_str(t, "workdir", abs);
		free(abs);
	}
}
