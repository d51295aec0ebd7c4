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

enum sl_status cli_params_build(struct http *h, const char *flow,
    const struct cli_list *pargs, struct json_object *base,
    struct json_object **out);

#endif
