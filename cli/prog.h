/*
 * prog.h: running a helper program such as git (see prog.c).
 */
#ifndef SLUICE_CLI_PROG_H
#define SLUICE_CLI_PROG_H

#include "status.h"

/* What it prints goes to /dev/null (standard output too, unless it is
 * captured) and its failure is not printed. */
#define PROG_QUIET 1

enum sl_status prog_run(const char *const argv[], int flags, char **out);

#endif
