/*
 * command.h: one helper program run to its end (see command.c). Private
 * to scheduler/.
 */
#ifndef SLUICE_COMMAND_H
#define SLUICE_COMMAND_H

#include <stddef.h>

#include "status.h"

struct command {
	char **argv;		/* argv[0] found on PATH */
	char **env;		/* "K=V" put over ours, NULL-terminated, or NULL */
	const char *cwd;	/* or NULL */
	int out_fd;		/* stdout goes here; -1: captured in out */
	size_t out_max;		/* capture cap (SL_TOO_LARGE past it) */
	int timeout_s;
	/* out (command_free frees them): */
	char *out;		/* captured stdout, NUL-terminated */
	size_t outlen;
	int out_over;		/* it printed more than out_max */
	char *err;		/* stderr's last bytes, NUL-terminated */
	size_t errlen;
	int status;		/* its wait status */
	int timed_out;
};

/*
 * Runs c and waits for its end. SL_OK when it exited 0 within its time;
 * SL_TOO_LARGE when stdout passed out_max; SL_IO otherwise (command_why
 * says why).
 */
enum sl_status command_run(struct command *c);
/* Words for a failed run: stderr's tail, the exit status or the kill. */
const char *command_why(struct command *c, char *buf, size_t bufsz);
void command_free(struct command *c);

#endif
