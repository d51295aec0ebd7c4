/*
 * flowfile.h: a flow file read the way the server reads one (see
 * flowfile.c).
 */
#ifndef SLUICE_CLI_FLOWFILE_H
#define SLUICE_CLI_FLOWFILE_H

#include <json-c/json.h>

#include "status.h"

/* Where a flow file's relative paths start. */
struct flowfile_root {
	char *dir;	/* absolute; owned, flowfile_root_fini */
	int in_git;	/* dir is a git repository's top level */
};

enum sl_status flowfile_load(const char *path, struct json_object **def);
enum sl_status flowfile_root_find(const char *path,
    struct flowfile_root *root);
void flowfile_root_fini(struct flowfile_root *root);
void flowfile_resolve(struct json_object *def,
    const struct flowfile_root *root);

#endif
