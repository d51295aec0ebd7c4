/*
 * follow.c: `sluicectl run --follow` (and `rerun --follow`): copies the
 * log of every task of one run to standard output while the run goes,
 * each line prefixed with its task's name ("extract | <line>", names
 * padded to one width, as docker compose does), until the run ends. It
 * polls the run (cli/poll.c's watch, which also prints state changes and
 * the end state) and, after each read, every task that has begun: GET
 * .../tasks/{task}/log?offset=N&attempt=K from where the last read
 * ended (X-Log-Next-Offset), so no byte is printed twice or skipped.
 * Attempts are read in order; once an attempt's log is complete
 * (X-Log-Complete) and the task has a newer one, that one follows from
 * its start, announced on standard error. A line is printed only once
 * whole (its newline read), except the last of a complete log. A log the
 * API cannot give (410 gone, refused) is named on standard error and
 * skipped; the other tasks go on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "follow.h"
#include "json.h"
#include "poll.h"
#include "xalloc.h"

#define FOLLOW_POLL_MS 500

/* One task's log being copied. */
struct task_log {
	char *task, *etask;	/* its name, and escaped */
	long long attempt;	/* the attempt being read; 0: not begun */
	long long offset;	/* its next byte */
	int done;		/* that attempt's log was read to its end */
	char *part;		/* an unfinished line, plen bytes */
	size_t plen;
};

/* Every task of the run. */
struct follow_run {
	struct http *h;
	char *eid;		/* the run's id, escaped */
	struct task_log *t;
	size_t n;
	int width;		/* the longest task name */
};

/* Prints one line of task tl (len bytes, without its newline). */
static void
print_line(const struct follow_run *f, const struct task_log *tl,
    const char *line, size_t len)
{
	printf("%-*s | %.*s\n", f->width, tl->task, (int)len, line);
}

/*
 * Prints the whole lines of len bytes of tl's log (after the unfinished
 * line kept from the last chunk) and keeps the rest; at_end prints the
 * rest too (the log is complete).
 */
static void
print_chunk(const struct follow_run *f, struct task_log *tl,
    const char *data, size_t len, int at_end)
{
	const char *nl;

	tl->part = xrealloc(tl->part, tl->plen + len + 1);
	memcpy(tl->part + tl->plen, data, len);
	tl->plen += len;
	data = tl->part;
	while ((nl = memchr(data, '\n', tl->plen - (size_t)(data - tl->part)))
	    != NULL) {
		print_line(f, tl, data, (size_t)(nl - data));
		data = nl + 1;
	}
	len = tl->plen - (size_t)(data - tl->part);
	if (at_end && len > 0) {
		print_line(f, tl, data, len);
		len = 0;
	}
	memmove(tl->part, data, len);
	tl->plen = len;
	fflush(stdout);
}

/* Makes f's task list from the run's "tasks" (definition order). */
static void
tasks_init(struct follow_run *f, struct json_object *tasks)
{
	const char *name;
	int len;

	f->n = json_object_array_length(tasks);
	f->t = xcalloc(f->n ? f->n : 1, sizeof(*f->t));
	for (size_t i = 0; i < f->n; i++) {
		name = jsonx_get_str(json_object_array_get_idx(tasks, i),
		    "name");
		f->t[i].task = xstrdup(name ? name : "?");
		f->t[i].etask = http_escape(f->h, f->t[i].task);
		if ((len = (int)strlen(f->t[i].task)) > f->width)
			f->width = len;
	}
}

/*
 * Reads tl's current attempt from its offset once. Sets *more when bytes
 * came (there may be more). Returns SL_OK, or the transport's failure;
 * a log the API refuses (an error reply) is skipped (done) after its
 * error was printed.
 */
static enum sl_status
read_once(struct follow_run *f, struct task_log *tl, int *more)
{
	struct http_reply r = { 0 };
	enum sl_status s;

	*more = 0;
	s = cli_log_get(f->h, f->eid, tl->etask, tl->offset, tl->attempt, &r);
	if (s == SL_OK) {
		print_chunk(f, tl, r.body, r.len, r.complete);
		tl->offset = r.next_offset >= 0 ? r.next_offset :
		    tl->offset + (long long)r.len;
		tl->done = r.complete;
		*more = r.len > 0 && !r.complete;
	} else if (r.status != 0) {
		/* The API answered, but not with the log. */
		fprintf(stderr, "sluicectl: task %s: attempt %lld's log "
		    "skipped\n", tl->task, tl->attempt);
		tl->done = 1;
		s = SL_OK;
	}
	http_reply_fini(&r);
	return s;
}

/*
 * Copies what is new in the log of task tl, whose latest attempt is
 * latest (begun: it has left PENDING and AWAITING_RETRY). Returns SL_OK
 * or the failure to read.
 */
static enum sl_status
copy_task(struct follow_run *f, struct task_log *tl, long long latest,
    int begun)
{
	enum sl_status s = SL_OK;
	int more = 1;

	if (tl->attempt == 0)
		tl->attempt = 1;
	while (s == SL_OK) {
		if (tl->attempt == latest && (!begun || tl->done || !more))
			break;
		if (tl->done) {
			tl->attempt++;
			tl->offset = 0;
			tl->done = 0;
			fprintf(stderr, "sluicectl: task %s: attempt %lld\n",
			    tl->task, tl->attempt);
			more = 1;
			continue;
		}
		if (!more)
			break;
		s = read_once(f, tl, &more);
	}
	return s;
}

/* After each read of the run: copies every task's new log lines. */
static enum sl_status
on_poll(struct run_watch *w, struct json_object *run, int ended)
{
	struct follow_run *f = w->arg;
	struct json_object *tasks = jsonx_get(run, "tasks"), *t, *v;
	const char *state;
	enum sl_status s = SL_OK;

	(void)ended;	/* the run read ended: one more pass reads it all */
	if (!json_object_is_type(tasks, json_type_array))
		return SL_OK;
	if (f->t == NULL)
		tasks_init(f, tasks);
	for (size_t i = 0; s == SL_OK && i < f->n &&
	    i < json_object_array_length(tasks); i++) {
		t = json_object_array_get_idx(tasks, i);
		v = jsonx_get(t, "attempt");
		state = jsonx_get_str(t, "state");
		if (v == NULL || !jsonx_is_int(v) ||
		    json_object_get_int64(v) < 1 || state == NULL)
			continue;
		s = copy_task(f, &f->t[i], json_object_get_int64(v),
		    strcmp(state, "PENDING") != 0 &&
		    strcmp(state, "AWAITING_RETRY") != 0);
	}
	return s;
}

/*
 * Follows run id: every task's log to standard output, prefixed, until
 * the run ends; then prints its end state. Returns SL_OK when it
 * COMPLETED, SL_CONFLICT when it ended otherwise, or the failure.
 */
enum sl_status
cli_follow_run(struct http *h, const char *id)
{
	struct follow_run f = { h, http_escape(h, id), NULL, 0, 0 };
	struct run_watch w = { h, id, FOLLOW_POLL_MS, 0, on_poll, &f };
	enum sl_status s = cli_run_watch(&w);

	for (size_t i = 0; i < f.n; i++) {
		free(f.t[i].task);
		free(f.t[i].etask);
		free(f.t[i].part);
	}
	free(f.t);
	free(f.eid);
	return s;
}
