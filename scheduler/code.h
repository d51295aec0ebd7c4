/*
 * code.h: repository code on disk, <data>/code/ (see code.c). Private to
 * scheduler/.
 */
#ifndef SLUICE_CODE_H
#define SLUICE_CODE_H

#include <stddef.h>

#include "repo_git.h"
#include "status.h"

enum sl_status code_dirs(const char *data_dir, char *why, size_t whysz);
/* <data>/code/trees/<commit> (caller frees). */
char *code_tree_path(const char *data_dir, const char *commit);
/* Makes commit's checkout from g's clone unless it is there already. */
enum sl_status code_tree_ensure(const char *data_dir, struct repo_git *g,
    const char *commit, char *why, size_t whysz);
/*
 * Where a task of a run starts: for a repository's flow (repo set) its
 * workdir inside the checkout of commit (the checkout itself when
 * workdir is NULL; made now if missing), else workdir itself. *out is
 * NULL for no workdir; caller frees.
 */
enum sl_status code_run_workdir(const char *data_dir, const char *repo,
    const char *commit, const char *workdir, char **out, char *why,
    size_t whysz);
/* Removes path and everything under it; 0 or -1. */
int code_remove(const char *path);

#endif
