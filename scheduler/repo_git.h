/*
 * repo_git.h: git operations on one flow repository's bare clone (see
 * repo_git.c). Private to scheduler/.
 */
#ifndef SLUICE_REPO_GIT_H
#define SLUICE_REPO_GIT_H

#include <stddef.h>

#include "status.h"

/* A commit id as hex text (sha1 or sha256 object names) and its NUL. */
#define REPO_COMMIT_LEN 65

struct repo_auth {
	const char *token;	/* https token, or NULL */
	const char *ssh_key;	/* ssh deploy key (PEM text), or NULL */
};

struct repo_git {
	const char *name;
	char *git_dir;		/* <data>/code/git/<name>.git */
	char **env;		/* for every git call */
	char *key_path;		/* the deploy key's file, or NULL */
};

enum sl_status repo_git_open(struct repo_git *g, const char *data_dir,
    const char *name, const struct repo_auth *auth, char *why, size_t whysz);
void repo_git_close(struct repo_git *g);
/* Fetches ref from url; commit and its subject (caller frees) out. */
enum sl_status repo_git_fetch(struct repo_git *g, const char *url,
    const char *ref, char commit[REPO_COMMIT_LEN], char **subject,
    char *why, size_t whysz);
/* Every file under path in commit, NUL-separated (caller frees). */
enum sl_status repo_git_files(struct repo_git *g, const char *commit,
    const char *path, char **list, size_t *len, char *why, size_t whysz);
/* File's content in commit, at most max bytes (SL_TOO_LARGE past). */
enum sl_status repo_git_blob(struct repo_git *g, const char *commit,
    const char *file, size_t max, char **text, char *why, size_t whysz);
/* File's object id in commit (its content's hash); SL_NOTFOUND: none. */
enum sl_status repo_git_blob_id(struct repo_git *g, const char *commit,
    const char *file, char id[REPO_COMMIT_LEN]);
/* Writes commit's files as a tar archive to out_fd. */
enum sl_status repo_git_archive(struct repo_git *g, const char *commit,
    int out_fd, char *why, size_t whysz);

#endif
