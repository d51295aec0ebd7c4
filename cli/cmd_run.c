/*
 * cmd_run.c: `sluicectl run FLOW [-p KEY=VALUE]... [--wait]` starts a run
 * with POST /api/flows/{flow}/runs and prints its id. Parameter values
 * are typed by the flow's declared parameters (GET /api/flows/{flow}):
 * "-p n=3" sends the number 3 when n is an integer parameter and the
 * string "3" when it is a string one; "-p KEY:=JSON" sends raw JSON.
 * With --wait it polls GET /api/runs/{run} until the run ends, prints the
 * final state and exits 0 only for COMPLETED.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "http.h"
#include "json.h"
#include "opts.h"
#include "poll.h"
#include "xalloc.h"

#define RUN_POLL_MS 1000

static const char usage[] =
    "usage: sluicectl run FLOW [-p KEY=VALUE]... [-p KEY:=JSON]... "
    "[--wait]\n"
    "Starts a run of FLOW and prints its id. With --wait, waits for the\n"
    "run to end, prints its final state and exits 0 only if COMPLETED.\n";

/* Returns the declared type of parameter key in a GET /api/flows reply. */
static const char *
param_type(struct json_object *flow, const char *key)
{
	struct json_object *def = jsonx_get(flow, "definition"), *params, *p;

	params = jsonx_get(def ? def : flow, "parameters");
	if (params == NULL || (p = jsonx_get(params, key)) == NULL)
		return NULL;
	return jsonx_get_str(p, "type");
}

/*
 * Converts the text of -p KEY=VALUE to a JSON value of the declared type.
 * Returns a new object or NULL after printing why.
 */
static struct json_object *
typed_value(const char *key, const char *text, const char *type)
{
	struct json_object *v;
	char *end, why[128];
	long long i;
	double d;

	if (type == NULL || strcmp(type, "string") == 0)
		return json_object_new_string(text);
	errno = 0;
	if (strcmp(type, "integer") == 0 || strcmp(type, "int") == 0) {
		i = strtoll(text, &end, 10);
		if (*text != '\0' && *end == '\0' && errno == 0)
			return json_object_new_int64(i);
	} else if (strcmp(type, "number") == 0 || strcmp(type, "float") == 0) {
		d = strtod(text, &end);
		if (*text != '\0' && *end == '\0' && errno == 0)
			return json_object_new_double(d);
	} else if (strcmp(type, "boolean") == 0 || strcmp(type, "bool") == 0) {
		if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)
			return json_object_new_boolean(text[0] == 't');
	} else {
		if ((v = jsonx_parse(text, strlen(text), why,
		    sizeof(why))) != NULL)
			return v;
		return json_object_new_string(text);
	}
	cli_err("parameter %s: \"%s\" is not a valid %s", key, text, type);
	return NULL;
}

/* Adds one -p argument to params. Returns SL_OK or SL_INVALID (printed). */
static enum sl_status
add_param(struct json_object *params, struct json_object *flow,
    const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct json_object *v;
	char *key, why[256];
	int raw;

	if (eq == NULL || eq == arg) {
		cli_err("-p %s: expected KEY=VALUE or KEY:=JSON", arg);
		return SL_INVALID;
	}
	raw = eq[-1] == ':';
	key = xstrndup(arg, (size_t)(eq - arg) - (raw ? 1 : 0));
	if (*key == '\0') {
		cli_err("-p %s: empty parameter name", arg);
		free(key);
		return SL_INVALID;
	}
	if (raw) {
		v = jsonx_parse(eq + 1, strlen(eq + 1), why, sizeof(why));
		if (v == NULL)
			cli_err("parameter %s: %s", key, why);
	} else
		v = typed_value(key, eq + 1, param_type(flow, key));
	if (v != NULL)
		json_object_object_add(params, key, v);
	free(key);
	return v != NULL ? SL_OK : SL_INVALID;
}

/*
 * Polls run id until it ends and prints the final state. Returns SL_OK
 * when it COMPLETED, SL_CONFLICT when it ended otherwise, or the failure
 * to read it (printed).
 */
static enum sl_status
wait_run(struct http *h, const char *id)
{
	struct json_object *run = NULL;
	char *last = NULL;
	const char *state;
	enum sl_status s;

	for (;;) {
		if ((s = cli_run_get(h, id, &run)) != SL_OK)
			break;
		if ((state = jsonx_get_str(run, "state")) == NULL) {
			cli_err("run %s: the reply has no state", id);
			s = SL_IO;
			break;
		}
		if (last == NULL || strcmp(last, state) != 0) {
			fprintf(stderr, "run %s: %s\n", id, state);
			free(last);
			last = xstrdup(state);
		}
		if (cli_run_state_ended(state)) {
			printf("%s\n", state);
			s = strcmp(state, "COMPLETED") == 0 ? SL_OK :
			    SL_CONFLICT;
			break;
		}
		json_object_put(run);
		run = NULL;
		cli_sleep_ms(RUN_POLL_MS);
	}
	json_object_put(run);
	free(last);
	return s;
}

/*
 * Makes the "parameters" object of the run from the -p arguments, typed
 * by the flow's declared parameters (read only when there are any).
 * Returns SL_OK with *out set (the caller puts it), or the failure.
 */
static enum sl_status
build_params(struct http *h, const char *ename,
    const struct cli_list *pargs, struct json_object **out)
{
	struct json_object *flow = NULL, *params = json_object_new_object();
	enum sl_status s = SL_OK;
	char *path;

	if (pargs->n > 0) {
		path = xasprintf("/api/flows/%s", ename);
		s = http_json(h, "GET", path, NULL, &flow, NULL);
		free(path);
	}
	for (int i = 0; s == SL_OK && i < pargs->n; i++)
		s = add_param(params, flow, pargs->v[i]);
	json_object_put(flow);
	if (s != SL_OK) {
		json_object_put(params);
		params = NULL;
	}
	*out = params;
	return s;
}

/*
 * Starts a run of flow name with the -p arguments and prints its id;
 * with wait, waits for its end too. Returns SL_OK or the failure.
 */
static enum sl_status
start_run(struct http *h, const char *name, const struct cli_list *pargs,
    int wait)
{
	struct json_object *params = NULL, *body = NULL, *run = NULL;
	char *ename = http_escape(h, name), *path = NULL;
	const char *id;		/* borrowed from run */
	enum sl_status s;

	if ((s = build_params(h, ename, pargs, &params)) != SL_OK)
		goto out;
	body = json_object_new_object();
	json_object_object_add(body, "parameters", params);
	path = xasprintf("/api/flows/%s/runs", ename);
	s = http_json(h, "POST", path, jsonx_text(body), &run, NULL);
	if (s != SL_OK)
		goto out;
	if ((id = jsonx_get_str(run, "id")) == NULL) {
		cli_err("the API did not return a run id");
		s = SL_IO;
		goto out;
	}
	printf("%s\n", id);
	fflush(stdout);
	if (wait)
		s = wait_run(h, id);
out:
	json_object_put(run);
	json_object_put(body);
	free(path);
	free(ename);
	return s;
}

/* `sluicectl run FLOW ...`: CLI_OK, CLI_FAIL or CLI_USAGE. */
enum cli_exit
cmd_run(struct cli *cli, int argc, char **argv)
{
	struct cli_list pargs = { NULL, 0 };
	int wait = 0;
	const struct cli_opt opts[] = {
		{ "param", 'p', CLI_OPT_LIST, &pargs },
		{ "wait", 'w', CLI_OPT_FLAG, &wait },
		{ NULL, 0, CLI_OPT_FLAG, NULL }
	};
	const struct cli_syntax syntax = { usage, opts, 1, 1, 0 };
	struct cli_args a;
	struct http *h = NULL;
	enum cli_exit rc;

	if (cli_parse(cli, &syntax, argc, argv, &a) != SL_OK || a.help)
		rc = a.exit;
	else if ((h = http_open(cli->insecure)) == NULL)
		rc = CLI_FAIL;
	else
		rc = cli_exit_of(start_run(h, a.args[0], &pargs, wait));
	http_close(h);
	cli_list_fini(&pargs);
	return rc;
}
