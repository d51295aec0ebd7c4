/*
 * call.h: the one path of sluicectl's API commands from command line to
 * printed reply (see call.c).
 */
#ifndef SLUICE_CLI_CALL_H
#define SLUICE_CLI_CALL_H

#include <json-c/json.h>

#include "cli.h"
#include "http.h"
#include "opts.h"
#include "status.h"

/* Prints a command's own view of a 2xx JSON reply. */
typedef enum sl_status cli_show_fn(struct json_object *reply, void *arg);

/* Does a command's work once its line is parsed and the client open. */
typedef enum sl_status cli_api_fn(struct http *h, const struct cli_args *a,
    void *arg);

/* Checks a parsed line before anything is sent (see cli_api_command). */
typedef enum sl_status cli_check_fn(const struct cli_args *a, void *arg);

/* What an API command does with its parsed line. */
struct cli_work {
	cli_check_fn *check;	/* NULL: the syntax says all */
	cli_api_fn *fn;
	void *arg;		/* handed to both */
};

enum cli_exit cli_api_command(struct cli *cli, const struct cli_syntax *syn,
    int argc, char **argv, const struct cli_work *w);
enum sl_status cli_call(struct http *h, const char *method, const char *path,
    const char *body, int json, cli_show_fn *show, void *arg);
enum sl_status cli_write_body(const struct http_reply *r);
char *cli_api_path(struct http *h, const char *prefix, const char *seg,
    const char *suffix);

#endif
