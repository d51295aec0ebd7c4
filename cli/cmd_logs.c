/*
 * cmd_logs.c: `sluicectl logs RUN_ID TASK [--attempt N] [--follow]`
 * copies a task's log to standard output, reading
 * GET /api/runs/{id}/tasks/{task}/log?offset=N in chunks and continuing at
 * X-Log-Next-Offset. Without --follow it stops when no more bytes come;
 * with --follow it polls every 500 ms until X-Log-Complete: true, or
 * until the run has ended and no more bytes come (so an older server
 * without the header cannot make it hang). A log that does not exist yet
 * (the task has not started) is waited for while the run is still going.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "http.h"
#include "json.h"
#include "xalloc.h"

#define LOGS_POLL_MS 500
/* Empty polls between checks of the run's state while following. */
#define LOGS_STATE_EVERY 4

static const char usage[] =
    "usage: sluicectl logs RUN_ID TASK [--attempt N] [--follow]\n"
    "Prints the log of TASK in run RUN_ID (the latest attempt unless\n"
    "--attempt is given); --follow keeps printing until the attempt ends.\n";

static const struct option longopts[] = {
	{ "attempt", required_argument, NULL, 'a' },
	{ "follow", no_argument, NULL, 'f' },
	{ "insecure", no_argument, NULL, 'k' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const char *const terminal[] = {
	"COMPLETED", "FAILED", "CANCELLED", "CRASHED", NULL
};

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Looks at the run: returns 1 when it has ended, 0 when it is still
 * going, -1 (printed) when it or the task does not exist.
 */
static int
run_ended(struct api *a, const char *run_path, const char *id,
    const char *task)
{
	struct json_object *run = NULL, *tasks, *t;
	const char *state, *tn;
	int ended = -1, found = 0;
	size_t n;

	if (api_json(a, "GET", run_path, NULL, &run, NULL) != CLI_OK)
		goto out;
	tasks = jsonx_get(run, "tasks");
	if (tasks == NULL)
		tasks = jsonx_get(run, "task_runs");
	if (tasks != NULL && json_object_is_type(tasks, json_type_array)) {
		n = json_object_array_length(tasks);
		for (size_t i = 0; i < n && !found; i++) {
			t = json_object_array_get_idx(tasks, i);
			tn = jsonx_get_str(t, "task");
			if (tn == NULL)
				tn = jsonx_get_str(t, "name");
			found = tn != NULL && strcmp(tn, task) == 0;
		}
		if (!found) {
			cli_err("run %s has no task %s", id, task);
			goto out;
		}
	}
	state = jsonx_get_str(run, "state");
	ended = 0;
	for (int i = 0; state != NULL && terminal[i] != NULL; i++)
		if (strcmp(state, terminal[i]) == 0)
			ended = 1;
out:
	json_object_put(run);
	return ended;
}

static int
follow_log(struct api *a, const char *id, const char *task,
    const char *attempt, int follow)
{
	struct api_reply r = { 0 };
	char *eid = api_escape(a, id), *etask = api_escape(a, task);
	char *run_path = xasprintf("/api/runs/%s", eid), *path = NULL;
	long long offset = 0;
	int rc = CLI_FAIL, empty = 0, ended = 0, st;

	for (;;) {
		free(path);
		path = xasprintf("/api/runs/%s/tasks/%s/log?offset=%lld%s%s",
		    eid, etask, offset, attempt ? "&attempt=" : "",
		    attempt ? attempt : "");
		api_reply_fini(&r);
		if (api_call(a, "GET", path, NULL, &r) == -1)
			goto out;
		if (r.status == 404 && follow && !ended) {
			/* No log yet: wait while the run may still start it. */
			if ((st = run_ended(a, run_path, id, task)) != 0) {
				if (st == 1)
					api_fail(&r);
				goto out;
			}
			sleep_ms(LOGS_POLL_MS);
			continue;
		}
		if (r.status < 200 || r.status > 299) {
			api_fail(&r);
			goto out;
		}
		if (r.len > 0 && fwrite(r.body, 1, r.len, stdout) != r.len) {
			cli_err("writing the log: %s", strerror(errno));
			goto out;
		}
		fflush(stdout);
		offset = r.next_offset >= 0 ? r.next_offset :
		    offset + (long long)r.len;
		if (r.complete)
			break;
		if (r.len > 0) {
			empty = 0;
			continue;
		}
		if (!follow || ended)
			break;
		if (++empty % LOGS_STATE_EVERY == 0) {
			/* Fetch once more after the run ended, then stop. */
			if ((st = run_ended(a, run_path, id, task)) == -1)
				goto out;
			if (st == 1) {
				ended = 1;
				continue;
			}
		}
		sleep_ms(LOGS_POLL_MS);
	}
	rc = CLI_OK;
out:
	api_reply_fini(&r);
	free(path);
	free(run_path);
	free(etask);
	free(eid);
	return rc;
}

/* `sluicectl logs RUN_ID TASK ...`: CLI_OK, CLI_FAIL or CLI_USAGE. */
int
cmd_logs(int argc, char **argv)
{
	const char *attempt = NULL;
	struct api *a;
	char *end;
	int c, follow = 0, rc;
	long n;

	optind = 0;
	while ((c = getopt_long(argc, argv, "a:fkh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || errno != 0 ||
			    n < 1) {
				cli_err("--attempt: expected a number from 1");
				return cli_usage(usage);
			}
			attempt = optarg;
			break;
		case 'f':
			follow = 1;
			break;
		case 'k':
			cli_insecure = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return CLI_OK;
		default:
			return cli_usage(usage);
		}
	}
	if (argc - optind != 2)
		return cli_usage(usage);
	if ((a = api_open()) == NULL)
		return CLI_FAIL;
	rc = follow_log(a, argv[optind], argv[optind + 1], attempt, follow);
	api_close(a);
	return rc;
}
