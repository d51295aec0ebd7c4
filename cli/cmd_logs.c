/*
 * cmd_logs.c: `sluicectl logs RUN_ID TASK [--attempt N] [--follow]`
 * copies a task's log to standard output, reading
 * GET /api/runs/{run}/tasks/{task}/log?offset=N in chunks and continuing at
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "http.h"
#include "json.h"
#include "opts.h"
#include "poll.h"
#include "xalloc.h"

#define LOGS_POLL_MS 500
/* Empty polls between checks of the run's state while following. */
#define LOGS_STATE_EVERY 4

static const char usage[] =
    "usage: sluicectl logs RUN_ID TASK [--attempt N] [--follow]\n"
    "Prints the log of TASK in run RUN_ID (the latest attempt unless\n"
    "--attempt is given); --follow keeps printing until the attempt ends.\n";

/* What the run says about the followed task. */
struct task_view {
	int run_ended;		/* the run is in a terminal state */
	long long attempt;	/* the task's latest attempt, or -1 */
};

/* One log being copied to standard output. */
struct follow {
	struct http *h;
	const char *id, *task;
	char *eid, *etask;	/* escaped id and task */
	long long asked;	/* --attempt, or 0 for the latest */
	int follow;		/* --follow */
	long long pinned;	/* the attempt read, once known, else <= 0 */
	long long offset;	/* the next byte to read */
	int empty;		/* empty polls in a row */
	int ended;		/* the run ended: one more read, then stop */
	int done;
};

/* Finds task in run's "tasks" and stores its latest attempt in *tv.
 * Returns SL_OK, or SL_NOTFOUND (printed) when the run has no such task. */
static enum sl_status
find_task(struct json_object *run, const char *id, const char *task,
    struct task_view *tv)
{
	struct json_object *tasks = jsonx_get(run, "tasks"), *t, *v;
	const char *tn;
	size_t n;

	if (tasks == NULL || !json_object_is_type(tasks, json_type_array))
		return SL_OK;
	n = json_object_array_length(tasks);
	for (size_t i = 0; i < n; i++) {
		t = json_object_array_get_idx(tasks, i);
		tn = jsonx_get_str(t, "name");
		if (tn == NULL || strcmp(tn, task) != 0)
			continue;
		v = jsonx_get(t, "attempt");
		if (v != NULL && jsonx_is_int(v))
			tv->attempt = json_object_get_int64(v);
		return SL_OK;
	}
	cli_err("run %s has no task %s", id, task);
	return SL_NOTFOUND;
}

/*
 * Reads the run into *tv. Returns SL_OK, or the failure (printed) when
 * the run or the task does not exist.
 */
static enum sl_status
look(struct follow *f, struct task_view *tv)
{
	struct json_object *run = NULL;
	enum sl_status s;

	tv->run_ended = 0;
	tv->attempt = -1;
	if ((s = cli_run_get(f->h, f->id, &run)) == SL_OK &&
	    (s = find_task(run, f->id, f->task, tv)) == SL_OK)
		tv->run_ended = cli_run_state_ended(jsonx_get_str(run,
		    "state"));
	json_object_put(run);
	return s;
}

/* Reads the next chunk of the log into r and copies it to stdout. */
static enum sl_status
read_chunk(struct follow *f, struct http_reply *r)
{
	enum sl_status s;

	http_reply_fini(r);
	s = cli_log_get(f->h, f->eid, f->etask, f->offset, f->pinned, r);
	if (s != SL_OK)
		return s;
	if (f->pinned <= 0 && r->attempt > 0)
		f->pinned = r->attempt;
	if (r->len > 0 && fwrite(r->body, 1, r->len, stdout) != r->len) {
		cli_err("writing the log: %s", strerror(errno));
		return SL_IO;
	}
	fflush(stdout);
	f->offset = r->next_offset >= 0 ? r->next_offset :
	    f->offset + (long long)r->len;
	return SL_OK;
}

/* The attempt read is complete: stop, or follow the task's retry. */
static enum sl_status
on_complete(struct follow *f)
{
	struct task_view tv;
	enum sl_status s;

	if (!f->follow || f->asked > 0) {
		f->done = 1;
		return SL_OK;
	}
	if ((s = look(f, &tv)) != SL_OK)
		return s;
	if (tv.attempt <= f->pinned) {
		f->done = 1;
		return SL_OK;
	}
	/* The task is being retried: follow the new attempt. */
	fprintf(stderr, "sluicectl: task %s: attempt %lld\n", f->task,
	    tv.attempt);
	f->pinned = tv.attempt;
	f->offset = 0;
	return SL_OK;
}

/* No bytes came: stop, or wait for more (checking the run now and then). */
static enum sl_status
on_empty(struct follow *f)
{
	struct task_view tv;
	enum sl_status s;

	if (!f->follow || f->ended) {
		f->done = 1;
		return SL_OK;
	}
	if (++f->empty % LOGS_STATE_EVERY == 0) {
		/*
		 * A run that ended cannot write more: fetch once more, then
		 * stop, even without X-Log-Complete.
		 */
		if ((s = look(f, &tv)) != SL_OK)
			return s;
		if (tv.run_ended) {
			f->ended = 1;
			return SL_OK;
		}
	}
	cli_sleep_ms(LOGS_POLL_MS);
	return SL_OK;
}

/*
 * Copies the log to stdout. With --follow and no --attempt, a retry's new
 * attempt is followed too (announced on stderr), until the task's latest
 * attempt is complete.
 */
static enum sl_status
follow_log(struct follow *f)
{
	struct http_reply r = { 0 };
	enum sl_status s = SL_OK;

	f->eid = http_escape(f->h, f->id);
	f->etask = http_escape(f->h, f->task);
	f->pinned = f->asked;
	while (s == SL_OK && !f->done) {
		if ((s = read_chunk(f, &r)) != SL_OK)
			break;
		if (r.complete)
			s = on_complete(f);
		else if (r.len > 0)
			f->empty = 0;
		else
			s = on_empty(f);
	}
	http_reply_fini(&r);
	free(f->etask);
	free(f->eid);
	return s;
}

/* Parses --attempt's value into *attempt. Returns SL_OK or SL_INVALID. */
static enum sl_status
parse_attempt(const char *text, long long *attempt)
{
	char *end;

	if (text == NULL)
		return SL_OK;
	errno = 0;
	*attempt = strtoll(text, &end, 10);
	if (*text == '\0' || *end != '\0' || errno != 0 || *attempt < 1) {
		cli_err("--attempt: expected a number from 1");
		return SL_INVALID;
	}
	return SL_OK;
}

/* `sluicectl logs RUN_ID TASK ...`: CLI_OK, CLI_FAIL or CLI_USAGE. */
enum cli_exit
cmd_logs(struct cli *cli, int argc, char **argv)
{
	struct follow f = { 0 };
	const char *attempt = NULL;
	const struct cli_opt opts[] = {
		{ "attempt", 'a', CLI_OPT_VALUE, &attempt },
		{ "follow", 'f', CLI_OPT_FLAG, &f.follow },
		{ NULL, 0, CLI_OPT_FLAG, NULL }
	};
	const struct cli_syntax syntax = { usage, opts, 2, 2, 0 };
	struct cli_args a;
	enum sl_status s;

	if (cli_parse(cli, &syntax, argc, argv, &a) != SL_OK || a.help)
		return a.exit;
	if (parse_attempt(attempt, &f.asked) != SL_OK)
		return cli_usage(usage);
	if ((f.h = http_open(cli->insecure)) == NULL)
		return CLI_FAIL;
	f.id = a.args[0];
	f.task = a.args[1];
	s = follow_log(&f);
	http_close(f.h);
	return cli_exit_of(s);
}
