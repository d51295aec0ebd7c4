/*
 * api_logs.c: GET a task attempt's log, by byte offset, so the dashboard
 * and `sluicectl logs --follow` can tail it. Logs are files written by
 * the scheduler at <data>/logs/<run-id>/<task>.<attempt>.log; the path is
 * built only from a run id and a task name that passed the router's
 * {run} and {task} validators (no "/", no leading ".") and exist in
 * task_runs with the attempt, and opened with O_NOFOLLOW, so no request
 * can reach another file. The attempt's state is read before the file, so "complete" is
 * never claimed before the last byte was written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "reply.h"
#include "request.h"
#include "states.h"
#include "xalloc.h"

#define LOG_CHUNK_MAX (1024 * 1024)

static const char sql_attempt[] =
    "SELECT attempt, state FROM task_runs WHERE run_id = :id"
    " AND task = :task AND (:attempt = 0 OR attempt = :attempt)"
    " ORDER BY attempt DESC LIMIT 1";

/*
 * GET /api/runs/{run}/tasks/{task}/log?offset=N&attempt=K&limit=L&download=1
 * (viewer)
 * Up to limit (default and maximum 1 MiB) bytes of the attempt's log
 * (default: the latest attempt) from byte offset N, as text/plain.
 * Headers: X-Log-Next-Offset (offset to ask next), X-Log-Size (bytes so
 * far), X-Log-Attempt, X-Log-Complete (true once the attempt finished and
 * the end was read). download=1 adds Content-Disposition: attachment.
 * A log not yet created reads as empty.
 * 200; 400 bad parameter; 404 unknown run, task or attempt.
 */
enum sl_status
api_logs_get(struct req *r)
{
	const char *id = r->arg[0], *task = r->arg[1];
	struct db_stmt st;
	enum sl_status s;
	int64_t offset, attempt, limit, size = 0, n = 0;
	enum task_state ts = TASK_PENDING;
	char *path = NULL, *data = NULL;
	struct stat sb;
	int download, terminal, fd = -1, row;

	if ((s = req_query_int(r, "offset", 0, 0, INT64_MAX, &offset)) !=
	    SL_OK || (s = req_query_int(r, "attempt", 0, 1, 1000000,
	    &attempt)) != SL_OK || (s = req_query_int(r, "limit",
	    LOG_CHUNK_MAX, 1, LOG_CHUNK_MAX, &limit)) != SL_OK ||
	    (s = req_query_bool(r, "download", &download)) != SL_OK)
		return s;
	db_prepare(r->db, &st, sql_attempt);
	db_bind_text(&st, ":id", id);
	db_bind_text(&st, ":task", task);
	db_bind_int(&st, ":attempt", attempt);
	if ((row = db_step(&st)) != 0) {
		attempt = db_col_int(&st, 0);
		states_task_parse(db_col_text(&st, 1), &ts);
	}
	if ((s = db_finish(&st)) != SL_OK) {
		reply_fail(r, s, "cannot read task runs");
		goto out;
	}
	if (!row && attempt) {
		s = reply_fail(r, SL_NOTFOUND, "run %s has no attempt %lld of "
		    "task \"%s\"", id, (long long)attempt, task);
		goto out;
	}
	if (!row) {
		s = reply_fail(r, SL_NOTFOUND, "run %s has no task \"%s\"", id,
		    task);
		goto out;
	}
	terminal = states_task_terminal(ts);

	path = xasprintf("%s/%s/%s.%lld.log", r->ctx->logs_dir, id, task,
	    (long long)attempt);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1 && errno != ENOENT) {
		log_warn("api_logs_get: open %s", path);
		s = reply_fail(r, SL_IO, "cannot read the log");
		goto out;
	}
	if (fd != -1) {
		if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
			s = reply_fail(r, SL_IO, "cannot read the log");
			goto out;
		}
		size = sb.st_size;
	}
	if (offset < size) {
		int64_t want = size - offset < limit ? size - offset : limit;
		ssize_t k;

		data = xmalloc((size_t)want);
		while (n < want) {
			k = pread(fd, data + n, (size_t)(want - n),
			    (off_t)(offset + n));
			if (k <= 0)
				break;
			n += k;
		}
	}
	reply_text(r, "text/plain; charset=utf-8", data ? data : "",
	    (size_t)n);
	reply_header(r, "X-Log-Next-Offset", "%lld",
	    (long long)(offset < size ? offset + n : offset));
	reply_header(r, "X-Log-Size", "%lld", (long long)size);
	reply_header(r, "X-Log-Attempt", "%lld", (long long)attempt);
	reply_header(r, "X-Log-Complete", "%s",
	    terminal && offset + n >= size ? "true" : "false");
	if (download)
		reply_header(r, "Content-Disposition", "attachment; "
		    "filename=\"%s-%s.%lld.log\"", id, task,
		    (long long)attempt);
out:
	if (fd != -1)
		close(fd);
	free(path);
	free(data);
	return s;
}
