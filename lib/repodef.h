/*
 * repodef.h: the one validator of a flow repository's settings (see
 * repodef.c), as PUT /api/repos/{name} takes them; the repository sync
 * may check what it reads from the row with the same functions before
 * handing a value to git.
 */
#ifndef SLUICE_REPODEF_H
#define SLUICE_REPODEF_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define REPODEF_INTERVAL_DEFAULT 60
#define REPODEF_INTERVAL_MIN 10		/* 0 is allowed too: no polling */
#define REPODEF_INTERVAL_MAX 86400

/* The secret settings, in the order of the repos table's columns. */
enum repodef_secret {
	REPODEF_WEBHOOK_SECRET,
	REPODEF_TOKEN,
	REPODEF_SSH_KEY,
	REPODEF_SECRET_MAX
};

/* What a request does with one secret. */
enum repodef_change {
	REPODEF_KEEP,	/* absent: the stored value stays */
	REPODEF_CLEAR,	/* JSON null: removed */
	REPODEF_SET	/* a string: replaces it */
};

/* A PUT body once checked. Strings are borrowed from the body (path and
 * env are owned: repodef_fini). */
struct repodef {
	const char *url;
	const char *ref;
	char *path;		/* normalised: relative, ending in "/" */
	int64_t interval_s;
	char *env;		/* JSON object text, PIP_* keys only */
	struct {
		enum repodef_change how;
		const char *value;	/* REPODEF_SET only */
	} secret[REPODEF_SECRET_MAX];
};

const char *repodef_secret_name(enum repodef_secret which);
int repodef_url_valid(const char *url, char *why, size_t whysz);
int repodef_ref_valid(const char *ref, char *why, size_t whysz);
char *repodef_path_normalise(const char *path, char *why, size_t whysz);
enum sl_status repodef_parse(struct json_object *body, struct repodef *d,
    char *why, size_t whysz);
void repodef_fini(struct repodef *d);

#endif
