/*
 * redact.h: what of a stored flow definition or repository a caller may
 * see (see redact.c).
 */
#ifndef SLUICE_FCGI_REDACT_H
#define SLUICE_FCGI_REDACT_H

#include <json-c/json.h>

#include "roles.h"

void redact_flow_def(struct json_object *def, enum role role);
void redact_repo_env(struct json_object *env, enum role role);

#endif
