/*
 * code.c: where the code of repository flows lives on disk, under
 * <data>/code/: git/<repo>.git (bare clones, private), trees/<commit>/
 * (one read-only checkout per commit, shared by every run of it: tasks
 * read it, only the scheduler writes it), venvs/<id>/ (one virtual
 * environment per requirements.txt content, venv.c), home/ (HOME of git
 * and pip) and tmp/. A checkout is made whole in tmp/ and renamed into
 * place, so a path under trees/ is always complete; two makers of the
 * same one race harmlessly (the loser removes its copy).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "code.h"
#include "command.h"
#include "xalloc.h"

#define TAR_TIMEOUT_S 120

static const struct {
	const char *name;
	mode_t mode;
} dirs[] = {
	{ "code", 0755 }, { "code/git", 0700 }, { "code/trees", 0755 },
	{ "code/venvs", 0755 }, { "code/home", 0700 }, { "code/tmp", 0700 },
};

enum sl_status
code_dirs(const char *data_dir, char *why, size_t whysz)
{
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *p = xasprintf("%s/%s", data_dir, dirs[i].name);
		int bad = mkdir(p, dirs[i].mode) == -1 && errno != EEXIST;

		if (bad)
			snprintf(why, whysz, "cannot create %s: %s", p,
			    strerror(errno));
		free(p);
		if (bad)
			return SL_IO;
	}
	return SL_OK;
}

char *
code_tree_path(const char *data_dir, const char *commit)
{
	return xasprintf("%s/code/trees/%s", data_dir, commit);
}

static int
remove_one(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) == -1 && errno != ENOENT;
	return unlink(path) == -1 && errno != ENOENT;
}

/* Makes every folder under path writable by us, so it can go. */
static int
unlock_one(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D)
		chmod(path, (sb->st_mode & 07777) | S_IRWXU);
	return 0;
}

int
code_remove(const char *path)
{
	struct stat sb;

	if (lstat(path, &sb) == -1)
		return errno == ENOENT ? 0 : -1;
	nftw(path, unlock_one, 16, FTW_PHYS);
	return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* Unpacks the tar file at tar into the new folder dir. */
static enum sl_status
untar(const char *tar, const char *dir, char *why, size_t whysz)
{
	char *argv[] = { "tar", "-x", "--no-same-owner", "-f", (char *)tar,
	    "-C", (char *)dir, NULL };
	struct command c = { .argv = argv, .out_fd = -1, .out_max = 65536,
	    .timeout_s = TAR_TIMEOUT_S };
	enum sl_status s;

	if ((s = command_run(&c)) != SL_OK)
		command_why(&c, why, whysz);
	command_free(&c);
	return s;
}

/* Exports commit into tmp/<x>/tree and renames it to trees/<commit>. */
static enum sl_status
make_tree(const char *data_dir, struct repo_git *g, const char *commit,
    const char *final, char *why, size_t whysz)
{
	char *tmp = xasprintf("%s/code/tmp/tree.XXXXXX", data_dir);
	char *tar = NULL, *tree = NULL;
	enum sl_status s = SL_IO;
	int fd = -1;

	if (mkdtemp(tmp) == NULL) {
		snprintf(why, whysz, "cannot create %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	tar = xasprintf("%s/commit.tar", tmp);
	tree = xasprintf("%s/tree", tmp);
	if ((fd = open(tar, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1 || mkdir(tree, 0755) == -1) {
		snprintf(why, whysz, "cannot write in %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	if ((s = repo_git_archive(g, commit, fd, why, whysz)) != SL_OK ||
	    (s = untar(tar, tree, why, whysz)) != SL_OK)
		goto out;
	chmod(tree, 0755);
	if (rename(tree, final) == -1 && errno != EEXIST &&
	    errno != ENOTEMPTY) {
		snprintf(why, whysz, "cannot move the checkout to %s: %s",
		    final, strerror(errno));
		s = SL_IO;
	}
out:
	if (fd != -1)
		close(fd);
	code_remove(tmp);
	free(tmp);
	free(tar);
	free(tree);
	return s;
}

enum sl_status
code_tree_ensure(const char *data_dir, struct repo_git *g,
    const char *commit, char *why, size_t whysz)
{
	char *final = code_tree_path(data_dir, commit);
	enum sl_status s = SL_OK;
	struct stat sb;

	if (stat(final, &sb) == -1)
		s = make_tree(data_dir, g, commit, final, why, whysz);
	free(final);
	return s;
}

enum sl_status
code_run_workdir(const char *data_dir, const char *repo, const char *commit,
    const char *workdir, char **out, char *why, size_t whysz)
{
	struct repo_auth none = { NULL, NULL };
	struct repo_git g;
	char *tree;
	enum sl_status s = SL_OK;
	struct stat sb;

	*out = NULL;
	if (repo == NULL || commit == NULL || (workdir && workdir[0] == '/')) {
		*out = workdir ? xstrdup(workdir) : NULL;
		return SL_OK;
	}
	tree = code_tree_path(data_dir, commit);
	if (stat(tree, &sb) == -1) {
		/* Removed by retention, or never made here: make it now. */
		s = code_dirs(data_dir, why, whysz);
		if (s == SL_OK && (s = repo_git_open(&g, data_dir, repo, &none,
		    why, whysz)) == SL_OK) {
			s = code_tree_ensure(data_dir, &g, commit, why, whysz);
			repo_git_close(&g);
		}
	}
	if (s == SL_OK)
		*out = workdir ? xasprintf("%s/%s", tree, workdir) :
		    xstrdup(tree);
	else
		snprintf(why + strlen(why), whysz - strlen(why), " (the "
		    "checkout of commit %s of repository %s)", commit, repo);
	free(tree);
	return s;
}
