/*
 * params.h: a run's parameters from `-p KEY=VALUE` arguments (see
 * params.c).
 */
#ifndef SLUICE_CLI_PARAMS_H
#define SLUICE_CLI_PARAMS_H

#include <json-c/json.h>

#include "http.h"
#include "opts.h"
#include "status.h"

/*
 * Adds one -p argument ("KEY=VALUE", typed by flow's declared parameters
 * -- a GET /api/flows reply or a definition, may be NULL -- or
 * "KEY:=JSON") to params. Returns SL_OK or SL_INVALID (printed).
 */
enum sl_status params_add(struct json_object *params,
    struct json_object *flow, const char *arg);
enum sl_status cli_params_build(struct http *h, const char *flow,
    const struct cli_list *pargs, struct json_object *base,
    struct json_object **out);

#endif
