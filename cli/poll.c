/*
 * poll.c: what `sluicectl run --wait` and `sluicectl logs --follow` share
 * while they poll the API: a pause that survives signals, reading a run,
 * and whether a run has ended (by lib/states.c's rules, the one copy of
 * them).
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "cli.h"
#include "json.h"
#include "poll.h"
#include "states.h"
#include "xalloc.h"

/* Sleeps ms milliseconds, resuming after interrupted sleeps. */
void
cli_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Returns 1 when state (NULL is fine) names a terminal run state. */
int
cli_run_state_ended(const char *state)
{
	enum run_state s;

	return states_run_parse(state, &s) == SL_OK && states_run_terminal(s);
}

/*
 * Reads run id (GET /api/runs/{run}) into *run, which the caller puts.
 * Returns SL_OK, or the failure after printing it (*run NULL).
 */
enum sl_status
cli_run_get(struct http *h, const char *id, struct json_object **run)
{
	char *eid = http_escape(h, id);
	char *path = xasprintf("/api/runs/%s", eid);
	enum sl_status s;

	s = http_json(h, "GET", path, NULL, run, NULL);
	free(path);
	free(eid);
	return s;
}
