/*
 * follow.h: `sluicectl run --follow`, every task's log while a run goes
 * (see follow.c).
 */
#ifndef SLUICE_CLI_FOLLOW_H
#define SLUICE_CLI_FOLLOW_H

#include "http.h"
#include "status.h"

enum sl_status cli_follow_run(struct http *h, const char *id);

#endif
