/*
 * params.h: the -p arguments of `sluicectl run` (see params.c).
 */
#ifndef SLUICE_CLI_PARAMS_H
#define SLUICE_CLI_PARAMS_H

#include <json-c/json.h>

#include "status.h"

enum sl_status params_add(struct json_object *params,
    struct json_object *flow, const char *arg);

#endif
