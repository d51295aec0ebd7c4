/*
 * call.c: the one path of sluicectl's API commands, from the command line
 * to what they print. cli_api_command parses a command's line, opens the
 * client (cli/http.c) and runs the command's work; cli_call sends one
 * request and prints its reply: with --json exactly the bytes the API
 * sent (so a script reads what curl would), else the command's own view
 * of the parsed JSON. Resources and their wording are the cmd_*.c
 * files'; this file knows none of them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "xalloc.h"

/*
 * Parses argv by syn, checks the line with w->check (NULL: no check; it
 * prints what is wrong and returns SL_INVALID, or SL_OK), opens the API
 * client and runs w->fn(h, args, w->arg). Returns the exit code:
 * CLI_OK after --help or when fn succeeded, CLI_USAGE for a wrong line
 * (the usage printed), else CLI_FAIL (printed).
 */
enum cli_exit
cli_api_command(struct cli *cli, const struct cli_syntax *syn, int argc,
    char **argv, const struct cli_work *w)
{
	struct cli_args a;
	struct http *h;
	enum sl_status s;

	if (cli_parse(cli, syn, argc, argv, &a) != SL_OK || a.help)
		return a.exit;
	if (w->check != NULL && w->check(&a, w->arg) != SL_OK)
		return cli_usage(syn->usage);
	if ((h = http_open(cli->insecure)) == NULL)
		return CLI_FAIL;
	s = w->fn(h, &a, w->arg);
	http_close(h);
	return cli_exit_of(s);
}

/*
 * Copies r's body to standard output unchanged. Returns SL_OK, or SL_IO
 * after printing why writing failed.
 */
enum sl_status
cli_write_body(const struct http_reply *r)
{
	if ((r->len > 0 && fwrite(r->body, 1, r->len, stdout) != r->len) ||
	    fflush(stdout) != 0) {
		cli_err("writing the reply: %s", strerror(errno));
		return SL_IO;
	}
	return SL_OK;
}

/*
 * Sends method path with body (NULL for none) and prints a 2xx reply:
 * its bytes when json is set, else show(reply, arg). Returns SL_OK, or
 * the failure (printed: the API's error, the transport's, or show's).
 */
enum sl_status
cli_call(struct http *h, const char *method, const char *path,
    const char *body, int json, cli_show_fn *show, void *arg)
{
	struct json_object *reply = NULL;
	struct http_reply r;
	enum sl_status s;

	s = http_json_reply(h, method, path, body, &reply, &r);
	if (s == SL_OK)
		s = json ? cli_write_body(&r) : show(reply, arg);
	json_object_put(reply);
	http_reply_fini(&r);
	return s;
}

/*
 * Returns "<prefix><seg escaped><suffix>" (suffix may be NULL), e.g.
 * cli_api_path(h, "/api/runs/", id, "/cancel"); the caller frees it.
 */
char *
cli_api_path(struct http *h, const char *prefix, const char *seg,
    const char *suffix)
{
	char *e = http_escape(h, seg);
	char *path = xasprintf("%s%s%s", prefix, e, suffix ? suffix : "");

	free(e);
	return path;
}
