/*
 * cmd_logs.c: `sluicectl logs RUN_ID TASK [--attempt N] [--follow]`
 * copies a task's log to standard output, reading
 * GET /api/runs/{id}/tasks/{task}/log?offset=N in chunks and continuing at
 * X-Log-Next-Offset. The attempt is pinned after the first reply
 * (X-Log-Attempt), so an offset is never applied to another attempt's
 * log. Without --follow it stops when no more bytes come; with --follow
 * it polls every 500 ms until X-Log-Complete: true, or until the run has
 * ended and no more bytes come (so a missing header cannot make it hang).
 * Following without --attempt goes on through retries: when an attempt
 * completes and the task has a newer one, that one is followed from its
 * start, announced on stderr.
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

/* What the run says about the followed task. */
struct task_view {
	int run_ended;		/* the run is in a terminal state */
	long long attempt;	/* the task's latest attempt, or -1 */
};

/*
 * Reads the run into *tv. Returns 0, or -1 (printed) when the run or the
 * task does not exist.
 */
static int
look(struct http *a, const char *run_path, const char *id, const char *task,
    struct task_view *tv)
{
	struct json_object *run = NULL, *tasks, *t, *v;
	const char *state, *tn;
	int rc = -1, found = 0;
	size_t n;

	tv->run_ended = 0;
	tv->attempt = -1;
	if (http_json(a, "GET", run_path, NULL, &run, NULL) != CLI_OK)
		goto out;
	tasks = jsonx_get(run, "tasks");
	if (tasks != NULL && json_object_is_type(tasks, json_type_array)) {
		n = json_object_array_length(tasks);
		for (size_t i = 0; i < n && !found; i++) {
			t = json_object_array_get_idx(tasks, i);
			tn = jsonx_get_str(t, "name");
			if (tn == NULL || strcmp(tn, task) != 0)
				continue;
			found = 1;
			v = jsonx_get(t, "attempt");
			if (v != NULL && jsonx_is_int(v))
				tv->attempt = json_object_get_int64(v);
		}
		if (!found) {
			cli_err("run %s has no task %s", id, task);
			goto out;
		}
	}
	state = jsonx_get_str(run, "state");
	if (cli_run_state_ended(state))
		tv->run_ended = 1;
	rc = 0;
out:
	json_object_put(run);
	return rc;
}

/*
 * Copies the log to stdout. attempt is the one asked for, or 0 for the
 * latest; with follow and no attempt given, a retry's new attempt is
 * followed too (announced on stderr), until the task's latest attempt is
 * complete.
 */
static int
follow_log(struct http *a, const char *id, const char *task,
    long long attempt, int follow)
{
	struct http_reply r = { 0 };
	struct task_view tv;
	char *eid = http_escape(a, id), *etask = http_escape(a, task);
	char *run_path = xasprintf("/api/runs/%s", eid), *path = NULL;
	long long offset = 0, pinned = attempt;
	int rc = CLI_FAIL, empty = 0, ended = 0;

	for (;;) {
		free(path);
		path = xasprintf("/api/runs/%s/tasks/%s/log?offset=%lld",
		    eid, etask, offset);
		if (pinned > 0) {
			/* Never apply one attempt's offset to another. */
			char *p = xasprintf("%s&attempt=%lld", path, pinned);

			free(path);
			path = p;
		}
		http_reply_fini(&r);
		if (http_call(a, "GET", path, NULL, &r) == -1)
			goto out;
		if (r.status < 200 || r.status > 299) {
			http_fail(&r);
			goto out;
		}
		if (pinned <= 0 && r.attempt > 0)
			pinned = r.attempt;
		if (r.len > 0 && fwrite(r.body, 1, r.len, stdout) != r.len) {
			cli_err("writing the log: %s", strerror(errno));
			goto out;
		}
		fflush(stdout);
		offset = r.next_offset >= 0 ? r.next_offset :
		    offset + (long long)r.len;
		if (r.complete) {
			if (!follow || attempt > 0)
				break;
			if (look(a, run_path, id, task, &tv) == -1)
				goto out;
			if (tv.attempt <= pinned)
				break;
			/* The task is being retried: follow the new attempt. */
			fprintf(stderr, "sluicectl: task %s: attempt %lld\n",
			    task, tv.attempt);
			pinned = tv.attempt;
			offset = 0;
			continue;
		}
		if (r.len > 0) {
			empty = 0;
			continue;
		}
		if (!follow || ended)
			break;
		if (++empty % LOGS_STATE_EVERY == 0) {
			/*
			 * A run that ended cannot write more: fetch once
			 * more, then stop, even without X-Log-Complete.
			 */
			if (look(a, run_path, id, task, &tv) == -1)
				goto out;
			if (tv.run_ended) {
				ended = 1;
				continue;
			}
		}
		cli_sleep_ms(LOGS_POLL_MS);
	}
	rc = CLI_OK;
out:
	http_reply_fini(&r);
	free(path);
	free(run_path);
	free(etask);
	free(eid);
	return rc;
}

/* `sluicectl logs RUN_ID TASK ...`: CLI_OK, CLI_FAIL or CLI_USAGE. */
int
cmd_logs(struct cli *cli, int argc, char **argv)
{
	struct http *a;
	char *end;
	int c, follow = 0, rc;
	long long attempt = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "a:fkh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			errno = 0;
			attempt = strtoll(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || errno != 0 ||
			    attempt < 1) {
				cli_err("--attempt: expected a number from 1");
				return cli_usage(usage);
			}
			break;
		case 'f':
			follow = 1;
			break;
		case 'k':
			cli->insecure = 1;
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
	if ((a = http_open(cli->insecure)) == NULL)
		return CLI_FAIL;
	rc = follow_log(a, argv[optind], argv[optind + 1], attempt, follow);
	http_close(a);
	return rc;
}
