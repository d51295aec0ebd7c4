/*
 * params.c: the parameters of a run started by `sluicectl run` or
 * `rerun` from its -p arguments. Values are typed by the flow's declared
 * parameters (GET /api/flows/{flow}): "-p n=3" sends the number 3 when n
 * is an integer parameter and the string "3" when it is a string one;
 * "-p KEY:=JSON" sends raw JSON. Whether the values are right is the
 * API's to say (lib/flowdef.c); this file only builds the object.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "json.h"
#include "params.h"
#include "xalloc.h"

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
		if (*text != '\0' && *end == '\0' && errno == 0 &&
		    isfinite(d))	/* JSON has no NaN or Infinity */
			return jsonx_new_double(d);
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
enum sl_status
params_add(struct json_object *params, struct json_object *flow,
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
 * Makes the "parameters" object of a run of flow from the -p arguments,
 * typed by the flow's declared parameters (GET /api/flows/{flow}, read
 * only when there are any), on top of base (NULL for none; borrowed):
 * every key of base is kept unless a -p names it. Returns SL_OK with *out
 * set (the caller puts it), or the failure (printed; *out NULL).
 */
enum sl_status
cli_params_build(struct http *h, const char *flow,
    const struct cli_list *pargs, struct json_object *base,
    struct json_object **out)
{
	struct json_object *def = NULL, *params = json_object_new_object();
	enum sl_status s = SL_OK;
	char *path;

	if (base != NULL && json_object_is_type(base, json_type_object)) {
		json_object_object_foreach(base, key, v)
			json_object_object_add(params, key, json_object_get(v));
	}
	if (pargs->n > 0) {
		path = cli_api_path(h, "/api/flows/", flow, NULL);
		s = http_json(h, "GET", path, NULL, &def, NULL);
		free(path);
	}
	for (int i = 0; s == SL_OK && i < pargs->n; i++)
		s = params_add(params, def, pargs->v[i]);
	json_object_put(def);
	if (s != SL_OK) {
		json_object_put(params);
		params = NULL;
	}
	*out = params;
	return s;
}
