/*
 * logsink.c: copies a task's stdout and stderr into its log file,
 * <data>/logs/<run-id>/<task>.<attempt>.log. Every line is written as
 *
 *     2026-11-29T19:00:47.123Z out <the line>
 *     2026-11-29T19:00:47.125Z err <the line>
 *
 * that is a UTC timestamp with milliseconds (when the scheduler read the
 * bytes), a space, the stream ("out" or "err"), a space, the line and a
 * newline. Lines longer than 64 KiB are split into several lines, never
 * dropped; a last line without a newline gets one. Lines the scheduler
 * itself adds (timeouts, cancellation, invalid results) are "err" lines
 * starting with "sluice: ". Once the file reaches SLUICE_LOG_MAX_BYTES a
 * single marker line "sluice: log truncated ..." is written and the rest
 * of the output is read and discarded, so a task never blocks on a full
 * pipe. Output that cannot be written (a full disk) is counted, not
 * written later: the next write that succeeds begins with a marker line
 * "sluice: N bytes of output lost: <why>" (after a newline, should the
 * file end inside a line). Before writing, at most once every
 * LOGWATCH_MS, logwatch.c looks whether the file is still at its path and
 * re-creates it when it was taken away; the new file begins with its
 * marker line. logsink_problem tells the attempt's end what the log
 * misses. size counts the bytes in the current file. Pipes are
 * non-blocking; the caller polls them. This file never touches the
 * database.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sched.h"
#include "timefmt.h"
#include "xalloc.h"

#define WBUF_SIZE (256 * 1024)
/* "2026-11-29T19:00:47.123Z out " */
#define PREFIX_MAX 40

/*
 * Appends s to the text of length n in buf (of sz bytes), cutting it to
 * fit; returns the new length.
 */
static size_t
text_append(char *buf, size_t sz, size_t n, const char *s)
{
	size_t k = strlen(s);

	if (n + 1 >= sz)
		return n;
	if (k > sz - n - 1)
		k = sz - n - 1;
	memcpy(buf + n, s, k);
	buf[n + k] = '\0';
	return n + k;
}

/* Writes what it can of p; returns the bytes not written (errno set). */
static size_t
raw_write(struct logsink *l, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(l->file, p, n);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		l->midline = p[w - 1] != '\n';
		l->written += w;
		p += w;
		n -= (size_t)w;
	}
	return n;
}

/*
 * Before output after a loss or in a re-created file: the marker lines
 * (the file's first, then the loss's); returns 0 once written.
 */
static int
write_marker(struct logsink *l)
{
	char ts[TIMEFMT_LEN], msg[512];
	int m;

	timefmt_rfc3339(timefmt_now_ms(), ts);
	if (l->fate_marker) {
		m = snprintf(msg, sizeof(msg), "%s err ", ts);
		m += logwatch_marker(l, msg + m, sizeof(msg) - (size_t)m);
		if (raw_write(l, msg, (size_t)m) != 0)
			return -1;
		l->size += m;
		l->fate_marker = 0;
	}
	if (l->lost == 0)
		return 0;
	m = snprintf(msg, sizeof(msg), "%s%s err sluice: %lld bytes of "
	    "output lost: %s\n", l->midline ? "\n" : "", ts,
	    (long long)l->lost, strerror(l->lost_errno));
	if (raw_write(l, msg, (size_t)m) != 0)
		return -1;
	l->size += m;
	l->lost = 0;
	return 0;
}

/*
 * Writes n bytes of p, already counted in size; what cannot be written
 * is counted as lost instead.
 */
static void
file_write(struct logsink *l, const char *p, size_t n)
{
	size_t left;

	if (l->file == -1)
		return;
	if (timefmt_mono_ms() - l->looked_at >= LOGWATCH_MS)
		logwatch_look(l);
	if (n == 0 && !l->fate_marker)
		return;
	if ((l->lost > 0 || l->fate_marker) && write_marker(l) == -1) {
		left = n;
	} else if ((left = raw_write(l, p, n)) == 0) {
		return;
	}
	if (l->lost_total == 0) {
		l->lost_errno = errno;
		log_warn("logsink: output lost");
	}
	l->lost += (int64_t)left;
	l->lost_total += (int64_t)left;
	l->size -= (int64_t)left;
}

/*
 * Writes into buf what the attempt's log misses, for its reason: "log
 * incomplete: ..." (output a full disk lost, a file taken away) and "log
 * unreadable: ...", or "" when nothing. Returns the length.
 */
size_t
logsink_problem(const struct logsink *l, char *buf, size_t sz)
{
	char fate[320], unread[200];
	size_t n = 0;

	logwatch_fate(l, fate, sizeof(fate));
	logwatch_unreadable(l, unread, sizeof(unread));
	buf[0] = '\0';
	if (l->lost_total > 0 || fate[0])
		n = text_append(buf, sz, n, "log incomplete: ");
	if (l->lost_total > 0) {
		char lost[96];

		snprintf(lost, sizeof(lost), "%lld bytes of output lost (%s)",
		    (long long)l->lost_total, strerror(l->lost_errno));
		n = text_append(buf, sz, n, lost);
	}
	if (fate[0]) {
		if (l->lost_total > 0)
			n = text_append(buf, sz, n, "; ");
		n = text_append(buf, sz, n, fate);
	}
	if (unread[0]) {
		if (n > 0)
			n = text_append(buf, sz, n, "; ");
		n = text_append(buf, sz, n, unread);
	}
	return n;
}

/* Writes the pending bytes (and a pending marker line) to the log file. */
void
logsink_flush(struct logsink *l)
{
	if (l->wlen > 0 || l->fate_marker)
		file_write(l, l->wbuf, l->wlen);
	l->wlen = 0;
}

static void
put(struct logsink *l, const char *p, size_t n)
{
	if (l->wlen + n > WBUF_SIZE) {
		logsink_flush(l);
		if (n > WBUF_SIZE) {
			file_write(l, p, n);
			return;
		}
	}
	memcpy(l->wbuf + l->wlen, p, n);
	l->wlen += n;
}

static size_t
prefix(char *buf, const char *tag)
{
	char ts[TIMEFMT_LEN];

	timefmt_rfc3339(timefmt_now_ms(), ts);
	return (size_t)snprintf(buf, PREFIX_MAX, "%s %s ", ts, tag);
}

/* Writes one line (without its newline) unless the cap was reached. */
static void
emit(struct logsink *l, const char *pfx, size_t pfxlen, const char *line,
    size_t n)
{
	int64_t add = (int64_t)(pfxlen + n + 1);

	if (l->truncated)
		return;
	if (l->size + add > l->max) {
		char p[PREFIX_MAX], msg[160];
		int m;

		l->truncated = 1;
		m = snprintf(msg, sizeof(msg), "sluice: log truncated: limit "
		    "of %lld bytes reached; further output discarded\n",
		    (long long)l->max);
		pfxlen = prefix(p, "err");
		put(l, p, pfxlen);
		put(l, msg, (size_t)m);
		l->size += (int64_t)pfxlen + m;
		return;
	}
	put(l, pfx, pfxlen);
	put(l, line, n);
	put(l, "\n", 1);
	l->size += add;
}

/*
 * Prepares l for an attempt: creates the file path afresh (an old file
 * of that name, or a link planted there, is removed first; O_EXCL and
 * O_NOFOLLOW refuse one that reappears) and takes the read ends of the
 * stdout and stderr pipes (made non-blocking here; l closes them).
 * Returns 0, or -1 when the file cannot be made (logged; the pipes are
 * then closed too).
 */
int
logsink_open(struct logsink *l, const char *path, int out_fd, int err_fd,
    int64_t max)
{
	memset(l, 0, sizeof(*l));
	l->looked_at = timefmt_mono_ms();
	l->s[0].fd = out_fd;
	l->s[0].tag = "out";
	l->s[1].fd = err_fd;
	l->s[1].tag = "err";
	l->max = max;
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("logsink_open: unlink %s", path);
	l->file = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_APPEND | O_CLOEXEC, 0640);
	if (l->file == -1) {
		log_warn("logsink_open: %s", path);
		logsink_close_pipes(l);
		return -1;
	}
	l->path = xstrdup(path);
	for (int i = 0; i < 2; i++) {
		fcntl(l->s[i].fd, F_SETFL, fcntl(l->s[i].fd, F_GETFL) |
		    O_NONBLOCK);
		l->s[i].buf = xmalloc(LOG_LINE_MAX);
	}
	l->wbuf = xmalloc(WBUF_SIZE);
	return 0;
}

/* Writes out whatever partial line stream i holds, as a line. */
static void
emit_partial(struct logsink *l, int i)
{
	struct logstream *s = &l->s[i];
	char p[PREFIX_MAX];
	size_t n;

	if (s->len == 0)
		return;
	n = prefix(p, s->tag);
	emit(l, p, n, s->buf, s->len);
	s->len = 0;
}

/*
 * Reads what stream (0 = stdout, 1 = stderr) has, up to about budget
 * bytes, and writes the complete lines. At end of file the partial line
 * is written and the pipe closed. Returns 1 when the pipe still has more
 * to read (budget used up), else 0.
 */
int
logsink_read(struct logsink *l, int stream, size_t budget)
{
	struct logstream *s = &l->s[stream];
	char p[PREFIX_MAX];
	size_t got = 0, pfxlen = 0;

	while (s->fd != -1 && got < budget) {
		ssize_t n = read(s->fd, s->buf + s->len, LOG_LINE_MAX - s->len);
		char *start, *nl, *end;

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return 0;
		if (n <= 0) {
			if (n == -1)
				log_warn("logsink_read");
			emit_partial(l, stream);
			close(s->fd);
			s->fd = -1;
			return 0;
		}
		got += (size_t)n;
		if (pfxlen == 0)
			pfxlen = prefix(p, s->tag);
		start = s->buf;
		end = s->buf + s->len + n;
		if (s->split && s->len == 0 && *start == '\n')
			start++;	/* the newline ending a split line */
		s->split = 0;
		while ((nl = memchr(start, '\n', (size_t)(end - start))) !=
		    NULL) {
			emit(l, p, pfxlen, start, (size_t)(nl - start));
			start = nl + 1;
		}
		s->len = (size_t)(end - start);
		if (s->len == LOG_LINE_MAX) {
			/* A line longer than we keep: split it here. */
			emit(l, p, pfxlen, s->buf, s->len);
			s->len = 0;
			s->split = 1;
		} else if (start != s->buf && s->len > 0) {
			memmove(s->buf, start, s->len);
		}
	}
	return s->fd != -1;
}

/*
 * Appends a line of the scheduler's own ("sluice: ..." on the err
 * stream), written even when the cap was reached, since it explains how
 * the attempt ended.
 */
void
logsink_note(struct logsink *l, const char *fmt, ...)
{
	char p[PREFIX_MAX], msg[1024];
	va_list ap;
	size_t n;
	int m;

	va_start(ap, fmt);
	m = vsnprintf(msg, sizeof(msg) - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	if ((size_t)m > sizeof(msg) - 2)
		m = (int)sizeof(msg) - 2;
	msg[m++] = '\n';
	n = prefix(p, "err");
	if (l->wbuf == NULL) {
		file_write(l, p, n);
		file_write(l, msg, (size_t)m);
	} else {
		put(l, p, n);
		put(l, msg, (size_t)m);
	}
	l->size += (int64_t)n + m;
}

/* Returns 1 when both pipes reached end of file (or were closed). */
int
logsink_eof(const struct logsink *l)
{
	return l->s[0].fd == -1 && l->s[1].fd == -1;
}

/*
 * Stops reading: writes partial lines and closes both pipes. Used when
 * processes that outlived the task keep the pipes open.
 */
void
logsink_close_pipes(struct logsink *l)
{
	for (int i = 0; i < 2; i++) {
		if (l->s[i].fd == -1)
			continue;
		if (l->s[i].buf != NULL)
			emit_partial(l, i);
		close(l->s[i].fd);
		l->s[i].fd = -1;
	}
}

/* Flushes, closes everything and frees l's buffers (l itself is not). */
void
logsink_fini(struct logsink *l)
{
	logsink_close_pipes(l);
	if (l->wbuf != NULL)
		logsink_flush(l);
	if (l->file != -1)
		close(l->file);
	l->file = -1;
	for (int i = 0; i < 2; i++) {
		free(l->s[i].buf);
		l->s[i].buf = NULL;
	}
	free(l->wbuf);
	l->wbuf = NULL;
	free(l->path);
	l->path = NULL;
}
