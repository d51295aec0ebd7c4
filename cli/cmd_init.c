/*
 * cmd_init.c: `sluicectl init DIR [--name FLOW]` starts a flow project: a
 * git repository with a first commit, made from the template folder
 * (examples/template beside the program's bin/ folder, else
 * /usr/share/sluice/examples/template, or $SLUICE_TEMPLATE). Every file
 * and folder of the template is copied, dot files included, with
 * "__FLOW__" in names and contents replaced by the flow's name (FLOW, by
 * default DIR's base name made valid); nothing else is rewritten, so the
 * project holds no path of the machine it was made on: its flow files
 * name their folders relative to the repository. DIR (and any missing
 * parent) is created, or must be empty; nothing is overwritten. The git
 * program makes the repository (branch main); when git knows no author
 * here (a bare CI machine), the commit is made as "sluicectl init".
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
#include "opts.h"
#include "paths.h"
#include "prog.h"
#include "xalloc.h"

#define FLOW_NAME_MAX 64
#define PLACEHOLDER "__FLOW__"

static const char usage[] =
    "usage: sluicectl init DIR [--name FLOW]\n"
    "Makes DIR (new or empty) a git repository holding a flow project:\n"
    "flows/FLOW.json, a Python task, a README and CI for GitHub and\n"
    "GitLab, with a first commit. Then, in DIR:\n"
    "  sluicectl run --local flows/FLOW.json\n";

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

/* Creates dir and its missing parents (mode 0755). Returns SL_OK or
 * SL_IO (printed). */
static enum sl_status
make_dirs(const char *dir)
{
	char *p = xstrdup(dir);
	enum sl_status s = SL_OK;

	for (char *c = p + 1; s == SL_OK; c++) {
		int end = *c == '\0';

		if (*c != '/' && !end)
			continue;
		*c = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST) {
			cli_err("cannot create %s: %s", p, strerror(errno));
			s = SL_IO;
		}
		if (end)
			break;
		*c = '/';
	}
	free(p);
	return s;
}

/* Creates dir with its parents, or accepts it when it exists and is
 * empty. Returns SL_OK, SL_IO or SL_CONFLICT (printed). */
static enum sl_status
prepare_dir(const char *dir)
{
	DIR *d;
	struct dirent *e;
	int empty = 1;
	enum sl_status s;

	if ((s = make_dirs(dir)) != SL_OK)
		return s;
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

/*
 * Returns the len bytes of s with every PLACEHOLDER replaced by name, in
 * a new NUL-terminated string (caller frees); *outlen gets its length.
 */
static char *
fill_in(const char *s, size_t len, const char *name, size_t *outlen)
{
	size_t plen = strlen(PLACEHOLDER), nlen = strlen(name), n = 0;
	size_t count = 0;
	char *out;

	for (const char *p = s; (p = memmem(p, len - (size_t)(p - s),
	    PLACEHOLDER, plen)) != NULL; p += plen)
		count++;
	out = xmalloc(len + count * (nlen > plen ? nlen - plen : 0) + 1);
	for (size_t i = 0; i < len;) {
		if (len - i >= plen && memcmp(s + i, PLACEHOLDER, plen) == 0) {
			memcpy(out + n, name, nlen);
			n += nlen;
			i += plen;
		} else
			out[n++] = s[i++];
	}
	out[n] = '\0';
	*outlen = n;
	return out;
}

/* Copies the regular file src to the new file dst (mode from src, at
 * most 0755), its placeholders filled in. Returns SL_OK or SL_IO. */
static enum sl_status
copy_file(const char *src, const char *dst, mode_t mode, const char *name)
{
	char *buf, *text;
	size_t len, tlen;
	enum sl_status s;

	if ((buf = cli_read_file(src, &len)) == NULL)
		return SL_IO;
	text = fill_in(buf, len, name, &tlen);
	s = cli_write_new_file(dst, text, tlen, (int)(mode & 0755));
	free(text);
	free(buf);
	return s;
}

/*
 * Copies the folder src into the existing folder dst: regular files and
 * folders (links and the like are left out), every name and file with
 * its placeholders filled in with name. Returns SL_OK or the failure
 * (printed).
 */
static enum sl_status
copy_tree(const char *src, const char *dst, const char *name)
{
	char *from = NULL, *to = NULL, *base;
	DIR *d;
	struct dirent *e;
	struct stat sb;
	size_t blen;
	enum sl_status s = SL_OK;

	if ((d = opendir(src)) == NULL) {
		cli_err("%s: %s", src, strerror(errno));
		return SL_IO;
	}
	while (s == SL_OK && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		free(from);
		free(to);
		base = fill_in(e->d_name, strlen(e->d_name), name, &blen);
		from = xasprintf("%s/%s", src, e->d_name);
		to = xasprintf("%s/%s", dst, base);
		free(base);
		if (lstat(from, &sb) == -1) {
			cli_err("%s: %s", from, strerror(errno));
			s = SL_IO;
		} else if (S_ISDIR(sb.st_mode)) {
			if (mkdir(to, 0755) == -1) {
				cli_err("%s: %s", to, strerror(errno));
				s = SL_IO;
			} else
				s = copy_tree(from, to, name);
		} else if (S_ISREG(sb.st_mode))
			s = copy_file(from, to, sb.st_mode, name);
	}
	closedir(d);
	free(to);
	free(from);
	return s;
}

/* Runs git with args (after "git -C dir"), printing its failure. */
static enum sl_status
git_in(const char *dir, const char *const args[], int flags)
{
	const char *argv[16] = { "git", "-C", dir };
	size_t n = 3;

	for (size_t i = 0; args[i] != NULL && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return prog_run(argv, flags, NULL);
}

/*
 * Makes dir a git repository on branch main with everything in it as the
 * first commit. Returns SL_OK or the failure (printed).
 */
static enum sl_status
git_first_commit(const char *dir, const char *name)
{
	const char *const init[] = { "init", "-q", NULL };
	const char *const branch[] = { "symbolic-ref", "HEAD",
	    "refs/heads/main", NULL };
	const char *const add[] = { "add", "-A", NULL };
	const char *const author[] = { "var", "GIT_AUTHOR_IDENT", NULL };
	const char *const committer[] = { "var", "GIT_COMMITTER_IDENT", NULL };
	char *msg = xasprintf("New Sluice flow %s (sluicectl init)", name);
	const char *const commit[] = { "-c", "user.name=sluicectl init",
	    "-c", "user.email=sluicectl@localhost", "commit", "-q", "-m", msg,
	    NULL };
	enum sl_status s;
	int known;

	if ((s = git_in(dir, init, 0)) == SL_OK &&
	    (s = git_in(dir, branch, 0)) == SL_OK &&
	    (s = git_in(dir, add, 0)) == SL_OK) {
		known = git_in(dir, author, PROG_QUIET) == SL_OK &&
		    git_in(dir, committer, PROG_QUIET) == SL_OK;
		/* Without an identity of its own, git is told one. */
		s = git_in(dir, known ? commit + 4 : commit, 0);
	}
	if (s != SL_OK)
		cli_err("%s: git could not make the first commit", dir);
	free(msg);
	return s;
}

/* Makes the project in dir (flow name_opt, or one made from dir's name).
 * Returns SL_OK or the failure (printed). */
static enum sl_status
init_project(const char *dir, const char *name_opt)
{
	const char *const version[] = { "git", "--version", NULL };
	char *tdir = NULL, *absdir = NULL, *name = NULL, *base;
	enum sl_status s = SL_NOTFOUND;

	if (*dir == '\0') {
		cli_err("init: the folder name is empty");
		goto out;
	}
	if ((tdir = template_dir()) == NULL)
		goto out;
	if (prog_run(version, PROG_QUIET, NULL) != SL_OK) {
		cli_err("init needs the git program: install git");
		goto out;
	}
	if ((s = prepare_dir(dir)) != SL_OK)
		goto out;
	if ((absdir = realpath(dir, NULL)) == NULL) {
		cli_err("%s: %s", dir, strerror(errno));
		s = SL_IO;
		goto out;
	}
	base = strrchr(absdir, '/') ? strrchr(absdir, '/') + 1 : absdir;
	name = name_opt ? xstrdup(name_opt) : flow_name_from(base);
	if ((s = copy_tree(tdir, absdir, name)) != SL_OK ||
	    (s = git_first_commit(absdir, name)) != SL_OK)
		goto out;
	printf("created flow project %s (flow %s), a git repository\n"
	    "next: cd %s && sluicectl run --local flows/%s.json\n"
	    "then read README.md there: how to push and where to watch it\n",
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
