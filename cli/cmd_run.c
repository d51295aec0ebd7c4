/*
 * cmd_run.c: `sluicectl run FLOW [-p KEY=VALUE]... [--wait]` starts a run
 * with POST /api/flows/{name}/runs and prints its id. Parameter values
 * are typed by the flow's declared parameters (GET /api/flows/{name}):
 * "-p n=3" sends the number 3 when n is an integer parameter and the
 * string "3" when it is a string one; "-p KEY:=JSON" sends raw JSON.
 * With --wait it polls GET /api/runs/{id} until the run ends, prints the
 * final state and exits 0 only for COMPLETED.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "http.h"
#include "json.h"
#include "xalloc.h"

#define RUN_POLL_MS 1000

static const char usage[] =
    "usage: sluicectl run FLOW [-p KEY=VALUE]... [-p KEY:=JSON]... "
    "[--wait]\n"
    "Starts a run of FLOW and prints its id. With --wait, waits for the\n"
    "run to end, prints its final state and exits 0 only if COMPLETED.\n";

static const struct option longopts[] = {
	{ "param", required_argument, NULL, 'p' },
	{ "wait", no_argument, NULL, 'w' },
	{ "insecure", no_argument, NULL, 'k' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

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

/* Adds one -p argument to params. Returns 0 or -1 (printed). */
static int
add_param(struct json_object *params, struct json_object *flow,
    const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct json_object *v;
	char *key, why[256];
	int raw;

	if (eq == NULL || eq == arg) {
		cli_err("-p %s: expected KEY=VALUE or KEY:=JSON", arg);
		return -1;
	}
	raw = eq[-1] == ':';
	key = xstrndup(arg, (size_t)(eq - arg) - (raw ? 1 : 0));
	if (*key == '\0') {
		cli_err("-p %s: empty parameter name", arg);
		free(key);
		return -1;
	}
	if (raw) {
		v = jsonx_parse(eq + 1, strlen(eq + 1), why, sizeof(why));
		if (v == NULL)
			cli_err("parameter %s: %s", key, why);
	} else
		v = typed_value(key, eq + 1, param_type(flow, key));
	if (v == NULL) {
		free(key);
		return -1;
	}
	json_object_object_add(params, key, v);
	free(key);
	return 0;
}

/* Polls the run until it ends; prints the state. CLI_OK if COMPLETED. */
static int
wait_run(struct http *a, const char *id)
{
	struct json_object *run = NULL;
	char *eid = http_escape(a, id), *path, *last = NULL;
	const char *state;
	int rc = CLI_FAIL;

	path = xasprintf("/api/runs/%s", eid);
	for (;;) {
		if (http_json(a, "GET", path, NULL, &run, NULL) != CLI_OK)
			goto out;
		state = jsonx_get_str(run, "state");
		if (state == NULL) {
			cli_err("run %s: the reply has no state", id);
			goto out;
		}
		if (last == NULL || strcmp(last, state) != 0) {
			fprintf(stderr, "run %s: %s\n", id, state);
			free(last);
			last = xstrdup(state);
		}
		if (cli_run_state_ended(state)) {
			printf("%s\n", state);
			rc = strcmp(state, "COMPLETED") == 0 ? CLI_OK :
			    CLI_FAIL;
			goto out;
		}
		json_object_put(run);
		run = NULL;
		cli_sleep_ms(RUN_POLL_MS);
	}
out:
	json_object_put(run);
	free(last);
	free(path);
	free(eid);
	return rc;
}

/* `sluicectl run FLOW ...`: CLI_OK, CLI_FAIL or CLI_USAGE. */
int
cmd_run(struct cli *cli, int argc, char **argv)
{
	struct json_object *flow = NULL, *params = NULL, *body = NULL;
	struct json_object *run = NULL;
	struct http *a = NULL;
	char *ename = NULL, *path = NULL, *id = NULL;
	const char *name, **pargs;
	int c, wait = 0, np = 0, rc = CLI_FAIL;

	pargs = xcalloc((size_t)argc, sizeof(*pargs));
	optind = 0;
	while ((c = getopt_long(argc, argv, "p:wkh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pargs[np++] = optarg;
			break;
		case 'w':
			wait = 1;
			break;
		case 'k':
			cli->insecure = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			rc = CLI_OK;
			goto out;
		default:
			rc = cli_usage(usage);
			goto out;
		}
	}
	if (argc - optind != 1) {
		rc = cli_usage(usage);
		goto out;
	}
	name = argv[optind];
	if ((a = http_open(cli->insecure)) == NULL)
		goto out;
	ename = http_escape(a, name);
	params = json_object_new_object();
	if (np > 0) {
		/* The flow's declared parameter types decide the JSON types. */
		path = xasprintf("/api/flows/%s", ename);
		if (http_json(a, "GET", path, NULL, &flow, NULL) != CLI_OK)
			goto out;
		free(path);
		path = NULL;
		for (int i = 0; i < np; i++)
			if (add_param(params, flow, pargs[i]) == -1)
				goto out;
	}
	body = json_object_new_object();
	json_object_object_add(body, "parameters", json_object_get(params));
	path = xasprintf("/api/flows/%s/runs", ename);
	if (http_json(a, "POST", path, jsonx_text(body), &run, NULL) != CLI_OK)
		goto out;
	if (jsonx_get_str(run, "id") == NULL) {
		cli_err("the API did not return a run id");
		goto out;
	}
	id = xstrdup(jsonx_get_str(run, "id"));
	printf("%s\n", id);
	fflush(stdout);
	rc = wait ? wait_run(a, id) : CLI_OK;
out:
	json_object_put(run);
	json_object_put(body);
	json_object_put(params);
	json_object_put(flow);
	http_close(a);
	free(id);
	free(path);
	free(ename);
	free(pargs);
	return rc;
}
