/*
 * poll.c: what `sluicectl run --wait` and `sluicectl logs --follow` share
 * while they poll the API: a pause that survives signals, and whether a
 * run has ended (by lib/states.c's rules, the one copy of them).
 */
#include <errno.h>
#include <time.h>

#include "cli.h"
#include "json.h"
#include "states.h"

/* Sleeps ms milliseconds, resuming after interrupted sleeps. */
void
cli_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Returns 1 when state names a terminal run state, else 0. */
int
cli_run_state_ended(const char *state)
{
	enum run_state s;

	return states_run_parse(state, &s) == 0 && states_run_terminal(s);
}
