/*
 * api_logs.c: GET a task attempt's log, by byte offset, so the dashboard
 * and `sluicectl logs --follow` can tail it. Logs are files written by
 * the scheduler at <data>/logs/<run-id>/<task>.<attempt>.log; the path is
 * built only from a run id and a task name that passed the router's
 * {run} and {task} validators (no "/", no leading ".") and exist in
 * task_runs with the attempt. A task may once have been able to plant
 * links in its log folder, so the file is reached without following any:
 * openat2 with RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS relative to logs/ (or,
 * on a kernel without openat2, an O_NOFOLLOW walk of the two components),
 * and is served only when it is a regular file owned by this process's
 * euid (the service user) with exactly one link; anything else is refused
 * with a 500 naming why, and logged. A log the scheduler wrote (its
 * log_size is not 0) that is no longer there, or that the service user may
 * no longer read, is answered 410 gone naming which; one never written
 * reads as empty. The attempt's state is read before the file, so
 * "complete" is never claimed before the last byte was written.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "reply.h"
#include "request.h"
#include "states.h"
#include "xalloc.h"

#define LOG_CHUNK_MAX (1024 * 1024)

static const char sql_attempt[] =
    "SELECT attempt, state, log_size FROM task_runs WHERE run_id = :id"
    " AND task = :task AND (:attempt = 0 OR attempt = :attempt)"
    " ORDER BY attempt DESC LIMIT 1";

/* One log request: what was asked, then what was found and read. */
struct log_read {
	const char *id, *task;	/* the run and task (validated by router.c) */
	int64_t offset, attempt, limit;	/* attempt 0: the latest */
	int download;
	int terminal;		/* the attempt has finished */
	int64_t logged;		/* task_runs.log_size: bytes written */
	int64_t size;		/* bytes in the log file now */
	char *data;		/* n bytes read from offset */
	int64_t n;
};

/* Phase 1: the query parameters offset, attempt, limit and download. */
static enum sl_status
log_params(struct req *r, struct log_read *lr)
{
	enum sl_status s;

	if ((s = req_query_int(r, "offset", 0, 0, INT64_MAX, &lr->offset)) !=
	    SL_OK ||
	    (s = req_query_int(r, "attempt", 0, 1, 1000000, &lr->attempt)) !=
	    SL_OK ||
	    (s = req_query_int(r, "limit", LOG_CHUNK_MAX, 1, LOG_CHUNK_MAX,
	    &lr->limit)) != SL_OK)
		return s;
	return req_query_bool(r, "download", &lr->download);
}

/*
 * Phase 2: the attempt (the asked one or the latest) and whether it has
 * finished, read before the file so "complete" is never claimed early.
 */
static enum sl_status
log_attempt(struct req *r, struct log_read *lr)
{
	enum task_state ts = TASK_PENDING;
	struct db_stmt st;
	enum sl_status s;
	int row;

	db_prepare(r->db, &st, sql_attempt);
	db_bind_text(&st, ":id", lr->id);
	db_bind_text(&st, ":task", lr->task);
	db_bind_int(&st, ":attempt", lr->attempt);
	if ((row = db_step(&st)) != 0) {
		lr->attempt = db_col_int(&st, 0);
		states_task_parse(db_col_text(&st, 1), &ts);
		lr->logged = db_col_int(&st, 2);
	}
	if ((s = db_finish(&st)) != SL_OK)
		return reply_fail(r, s, "cannot read task runs");
	if (!row && lr->attempt)
		return reply_fail(r, SL_NOTFOUND, "run %s has no attempt %lld "
		    "of task \"%s\"", lr->id, (long long)lr->attempt,
		    lr->task);
	if (!row)
		return reply_fail(r, SL_NOTFOUND, "run %s has no task \"%s\"",
		    lr->id, lr->task);
	lr->terminal = states_task_terminal(ts);
	return SL_OK;
}

/*
 * Opens rel (a "<run-id>/<file>" path) under the directory dirfd for
 * reading without following a symbolic link anywhere and without leaving
 * dirfd: openat2 where the kernel has it, else one O_NOFOLLOW step per
 * component. Returns the descriptor, or -1 with errno (ELOOP for a link,
 * ENOENT when absent).
 */
static int
open_beneath(int dirfd, const char *run, const char *file)
{
	struct open_how how = {
		.flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
		    RESOLVE_NO_MAGICLINKS,
	};
	char rel[PATH_MAX];
	int fd, sub, e;

	snprintf(rel, sizeof(rel), "%s/%s", run, file);
	fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
	if (fd != -1 || errno != ENOSYS)
		return fd;
	sub = openat(dirfd, run, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (sub == -1)
		return errno == ENOTDIR ? (errno = ELOOP, -1) : -1;
	fd = openat(sub, file, (int)how.flags);
	e = errno;
	close(sub);
	errno = e;
	return fd;
}

/*
 * Returns NULL when the open log sb describes may be served: a regular
 * file owned by our euid with one link. Else the reason, for the reply.
 */
static const char *
log_file_refused(const struct stat *sb)
{
	if (!S_ISREG(sb->st_mode))
		return "is not a regular file";
	if (sb->st_uid != geteuid())
		return "is not owned by the service user";
	if (sb->st_nlink != 1)
		return "has more than one link (a hard link)";
	return NULL;
}

/*
 * For a log that cannot be opened with errno err (ENOENT or EACCES):
 * SL_OK for one missing that was never written (it reads as empty), else
 * SL_GONE (replied) naming why.
 */
static enum sl_status
log_gone(struct req *r, const struct log_read *lr, int err)
{
	const char *why;

	if (err == ENOENT && lr->logged == 0)
		return SL_OK;
	if (err == ENOENT)
		why = "is gone (deleted or moved away)";
	else
		why = "is not readable by the service user (its permissions "
		    "were changed)";
	return reply_fail(r, SL_GONE, "the log of run %s, task \"%s\", "
	    "attempt %lld %s; %lld bytes had been written to it", lr->id,
	    lr->task, (long long)lr->attempt, why, (long long)lr->logged);
}

/*
 * Opens the attempt's log into *fd (-1 when it does not exist yet) and
 * its size into lr->size. Returns SL_OK; SL_GONE (replied) for a log
 * written once and missing or unreadable now; SL_IO (replied) for a
 * link, a file that may not be served, or an I/O failure.
 */
static enum sl_status
log_open(struct req *r, struct log_read *lr, int *fd)
{
	const char *why = NULL;
	char file[NAME_MAX + 1];
	struct stat sb;
	int dirfd, e;

	*fd = -1;
	snprintf(file, sizeof(file), "%s.%lld.log", lr->task,
	    (long long)lr->attempt);
	dirfd = open(r->ctx->logs_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd == -1 && errno == ENOENT)
		return log_gone(r, lr, ENOENT);
	if (dirfd != -1) {
		*fd = open_beneath(dirfd, lr->id, file);
		e = errno;
		close(dirfd);
		errno = e;
	}
	if (*fd == -1 && (errno == ENOENT || errno == EACCES))
		return log_gone(r, lr, errno);
	if (*fd == -1 && (errno == ELOOP || errno == EXDEV))
		why = "is a symbolic link or lies behind one";
	else if (*fd == -1)
		why = "cannot be opened";
	else if (fstat(*fd, &sb) == -1)
		why = "cannot be read";
	else if ((why = log_file_refused(&sb)) == NULL)
		lr->size = sb.st_size;
	if (why == NULL)
		return SL_OK;
	log_warnx("api_logs_get: run %s task %s attempt %lld: the log %s; "
	    "refused", lr->id, lr->task, (long long)lr->attempt, why);
	if (*fd != -1)
		close(*fd);
	*fd = -1;
	return reply_fail(r, SL_IO, "refused to serve the log of run %s, "
	    "task \"%s\", attempt %lld: the file %s", lr->id, lr->task,
	    (long long)lr->attempt, why);
}

/*
 * Phase 3: the log file's size and up to limit bytes from offset. A log
 * not yet created reads as empty.
 */
static enum sl_status
log_read_chunk(struct req *r, struct log_read *lr)
{
	enum sl_status s;
	int fd;

	if ((s = log_open(r, lr, &fd)) != SL_OK)
		return s;
	if (fd != -1 && lr->offset < lr->size) {
		int64_t want = lr->size - lr->offset < lr->limit ?
		    lr->size - lr->offset : lr->limit;
		ssize_t k;

		lr->data = xmalloc((size_t)want);
		while (lr->n < want) {
			k = pread(fd, lr->data + lr->n, (size_t)(want - lr->n),
			    (off_t)(lr->offset + lr->n));
			if (k <= 0)
				break;
			lr->n += k;
		}
	}
	if (fd != -1)
		close(fd);
	return SL_OK;
}

/* Phase 4: the chunk as text/plain with the X-Log-* headers. */
static enum sl_status
log_reply(struct req *r, const struct log_read *lr)
{
	reply_text(r, "text/plain; charset=utf-8", lr->data ? lr->data : "",
	    (size_t)lr->n);
	reply_header(r, "X-Log-Next-Offset", "%lld", (long long)(lr->offset <
	    lr->size ? lr->offset + lr->n : lr->offset));
	reply_header(r, "X-Log-Size", "%lld", (long long)lr->size);
	reply_header(r, "X-Log-Attempt", "%lld", (long long)lr->attempt);
	reply_header(r, "X-Log-Complete", "%s", lr->terminal &&
	    lr->offset + lr->n >= lr->size ? "true" : "false");
	if (lr->download)
		reply_header(r, "Content-Disposition", "attachment; "
		    "filename=\"%s-%s.%lld.log\"", lr->id, lr->task,
		    (long long)lr->attempt);
	return SL_OK;
}

/*
 * GET /api/runs/{run}/tasks/{task}/log?offset=N&attempt=K&limit=L&download=1
 * (viewer)
 * Up to limit (default and maximum 1 MiB) bytes of the attempt's log
 * (default: the latest attempt) from byte offset N, as text/plain.
 * Headers: X-Log-Next-Offset (offset to ask next), X-Log-Size (bytes so
 * far), X-Log-Attempt, X-Log-Complete (true once the attempt finished and
 * the end was read). download=1 adds Content-Disposition: attachment.
 * A log not yet created reads as empty. A log that is a symbolic link,
 * lies behind one, is not a regular file, is owned by another user or
 * has more than one link is refused (500, never its contents). A log that
 * was written (log_size > 0) and is no longer there, or no longer
 * readable by the service user, is answered 410 gone naming which.
 * 200; 400 bad parameter; 404 unknown run, task or attempt; 410 gone;
 * 500 refused.
 */
enum sl_status
api_logs_get(struct req *r)
{
	struct log_read lr = {.id = r->arg[0], .task = r->arg[1]};
	enum sl_status s;

	if ((s = log_params(r, &lr)) == SL_OK &&
	    (s = log_attempt(r, &lr)) == SL_OK &&
	    (s = log_read_chunk(r, &lr)) == SL_OK)
		s = log_reply(r, &lr);
	free(lr.data);
	return s;
}
