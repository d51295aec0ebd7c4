/*
 * flowdef.h: the one flow-definition validator, used by sluice-api,
 * sluicectl and the scheduler (implemented in flowdef.c). See
 * ../shared/DESIGN.md "Flow definition" for the format.
 */
#ifndef SLUICE_FLOWDEF_H
#define SLUICE_FLOWDEF_H

#include <json-c/json.h>
#include <stddef.h>

#include "status.h"

/* Returns 1 when name matches [a-z0-9][a-z0-9_.-]{0,63}. */
int flowdef_name_valid(const char *name);

/*
 * Validates def. On success returns a new, normalised definition (every
 * optional field present with its default) that the caller puts; on
 * failure returns NULL and writes "field.path: reason" into why, e.g.
 * "tasks[1].command: must be an array of strings, not a string".
 * Defaults: description "", parameters {} (each {type, default: null when
 * required, description ""}), schedule null or {cron, timezone "UTC",
 * catchup false, max_lateness_s null = no limit}, pool "default",
 * max_concurrent_runs 1, timeout_s null, notify null or {on ["FAILED",
 * "CRASHED"], webhook}; per task workdir null, env {}, retries 0,
 * retry_delay_s 0, retry_backoff 1.0, retry_jitter_s 0, timeout_s null,
 * depends_on []. A JSON null counts as absent, so the result validates
 * to itself.
 */
struct json_object *flowdef_validate(struct json_object *def, char *why,
    size_t whysz);

/*
 * A task's workdir may be relative: to the root of the repository the
 * flow comes from (a repository sync, sluicectl apply and run --local
 * resolve it). For a flow stored through the API, which has no
 * repository, returns -1 with why unless every workdir of normalised
 * definition def is absolute or null; 0 otherwise.
 */
int flowdef_workdirs_absolute(struct json_object *def, char *why,
    size_t whysz);

/*
 * Checks run parameters given (may be NULL) against a normalised
 * definition's "parameters": unknown names and wrong types are refused,
 * missing ones take their default (a parameter without a default is
 * required). Returns 0 and a new object in *out, or -1 with why.
 */
enum sl_status flowdef_bind_params(struct json_object *def, struct json_object *given,
    struct json_object **out, char *why, size_t whysz);

/*
 * Substitutes {{params.X}} inside one argv element with the bound
 * parameter's value (strings as is, numbers and booleans as JSON text).
 * Returns a new string the caller frees, or NULL with why when X is not
 * a parameter.
 */
char *flowdef_render_arg(const char *arg, struct json_object *params,
    char *why, size_t whysz);

#endif
