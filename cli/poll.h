/*
 * poll.h: what `run --wait` and `logs --follow` share (see poll.c).
 */
#ifndef SLUICE_CLI_POLL_H
#define SLUICE_CLI_POLL_H

#include <json-c/json.h>

#include "http.h"
#include "status.h"

void cli_sleep_ms(long ms);
int cli_run_state_ended(const char *state);
enum sl_status cli_run_get(struct http *h, const char *id,
    struct json_object **run);

#endif
