/*
 * logwatch.c: notices when an attempt's log file is no longer what the
 * API would serve at its path -- deleted, renamed or moved away, replaced
 * by another file, or made unreadable to the service user -- while
 * logsink.c goes on writing through the descriptor it holds. A look is
 * one fstat of the descriptor and one lstat of the path: logsink.c takes
 * one before writing, at most once every LOGWATCH_MS, and reap.c one when
 * the attempt ends, so nothing taken away goes unsaid.
 *
 * A file gone from its path is re-created there, after removing (never
 * following) whatever was put in its place, with O_CREAT|O_EXCL|
 * O_NOFOLLOW like the first; the bytes left behind are counted in
 * dropped, log_size starts again with the new file, and the new file
 * begins with a marker line (logwatch_marker, written by logsink.c).
 * When it cannot be re-created the old descriptor is written on and the
 * next look tries again. A file made unreadable is left as it is (its
 * permissions are someone's decision) and written on. What was noticed
 * ends up in the attempt's reason through logsink_problem. This file
 * never touches the database.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sched.h"
#include "timefmt.h"

/* How each fate is told: in the marker line and in the reason. */
static const char *const fate_told[LOG_FATE_MAX] = {
	[LOG_FATE_NONE] = "kept",
	[LOG_FATE_DELETED] = "deleted",
	[LOG_FATE_MOVED] = "renamed or moved away",
	[LOG_FATE_REPLACED] = "moved away and another file put in its place",
};

/*
 * Returns 1 when sluice-api, running as our euid without privileges,
 * could read the file sb describes (fcgi/api_logs.c also wants it owned
 * by that user). Our own capabilities would read it anyway, so they are
 * no test.
 */
static int
servable(const struct stat *sb)
{
	if (sb->st_uid != geteuid())
		return 0;
	return geteuid() == 0 || (sb->st_mode & S_IRUSR) != 0;
}

/* Records whether the file at the path (sb) can be served. */
static void
look_readable(struct logsink *l, const struct stat *sb)
{
	if (servable(sb)) {
		l->unreadable = 0;
		return;
	}
	if (l->unreadable)
		return;
	l->unreadable = 1;
	l->unreadable_at = timefmt_now_ms();
	l->unreadable_mode = (unsigned)(sb->st_mode & 07777);
	l->unreadable_uid = sb->st_uid;
	log_warnx("logwatch: %s: the log file was made unreadable (mode %04o, "
	    "owner uid %u); output goes on into it", l->path,
	    l->unreadable_mode, (unsigned)l->unreadable_uid);
}

/*
 * Makes a new file at l's path, first removing what occupies it when
 * occupied, and writes on into it. Returns 0, or -1 with errno (l keeps
 * its old file).
 */
static int
recreate(struct logsink *l, int occupied)
{
	int fd;

	if (occupied && unlink(l->path) == -1 && errno != ENOENT)
		return -1;
	fd = open(l->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_APPEND | O_CLOEXEC, 0640);
	if (fd == -1)
		return -1;
	close(l->file);
	l->file = fd;
	l->left = l->written;
	l->dropped += l->written;
	l->size -= l->written;
	l->written = 0;
	l->midline = 0;
	l->fate_marker = 1;
	l->stray = 0;
	l->unreadable = 0;
	return 0;
}

/* Records that the file met fate (a new event unless it is still stray). */
static void
record(struct logsink *l, enum log_fate fate)
{
	if (l->stray)
		return;	/* the same event, being retried */
	if (l->fate == LOG_FATE_NONE) {
		l->fate = fate;
		l->fate_at = timefmt_now_ms();
	}
	l->last_fate = fate;
	l->fates++;
	log_warnx("logwatch: %s: the log file was %s; %lld bytes of output "
	    "written before are not in the log", l->path, fate_told[fate],
	    (long long)l->written);
}

/*
 * Looks at l's file now: whether the file at its path is still the one
 * l writes and can still be served. A file taken away is re-created
 * (see above); a failure is logged once and retried at the next look.
 */
void
logwatch_look(struct logsink *l)
{
	struct stat fsb, psb;
	enum log_fate fate;
	int at_path;

	l->looked_at = timefmt_mono_ms();
	if (l->file == -1 || l->path == NULL || fstat(l->file, &fsb) == -1)
		return;
	at_path = lstat(l->path, &psb) == 0;
	if (!at_path && errno != ENOENT)
		return;	/* cannot tell (the folder is unreachable) */
	if (at_path && psb.st_dev == fsb.st_dev && psb.st_ino == fsb.st_ino) {
		look_readable(l, &psb);
		return;
	}
	if (fsb.st_nlink == 0)
		fate = LOG_FATE_DELETED;
	else
		fate = at_path ? LOG_FATE_REPLACED : LOG_FATE_MOVED;
	record(l, fate);
	if (recreate(l, at_path) == 0)
		return;
	if (!l->stray)
		log_warn("logwatch: %s: cannot re-create the log file",
		    l->path);
	l->stray = 1;
	l->stray_errno = errno;
}

/*
 * Writes the marker line that begins a re-created log (the text after
 * the "sluice: " prefix's timestamp and stream, newline included) into
 * buf. Returns its length, as snprintf does.
 */
int
logwatch_marker(const struct logsink *l, char *buf, size_t sz)
{
	char ts[TIMEFMT_LEN];

	timefmt_rfc3339(timefmt_now_ms(), ts);
	return snprintf(buf, sz, "sluice: the log file was %s (noticed at "
	    "%s); the %lld bytes of output before this point are %s\n",
	    fate_told[l->last_fate], ts, (long long)l->left,
	    l->last_fate == LOG_FATE_DELETED ? "lost" : "not in this file");
}

/*
 * Describes what became of the file, for the attempt's reason, into buf
 * ("" when it stayed). Returns the length, as snprintf does.
 */
int
logwatch_fate(const struct logsink *l, char *buf, size_t sz)
{
	char ts[TIMEFMT_LEN], more[32] = "", stray[96] = "";

	buf[0] = '\0';
	if (l->fate == LOG_FATE_NONE)
		return 0;
	timefmt_rfc3339(l->fate_at, ts);
	if (l->fates > 1)
		snprintf(more, sizeof(more), ", %d times", l->fates);
	if (l->stray)
		snprintf(stray, sizeof(stray), "; it could not be re-created "
		    "at its path (%s)", strerror(l->stray_errno));
	return snprintf(buf, sz, "the log file was %s (noticed at %s%s); "
	    "%lld bytes of output are not in it%s", fate_told[l->fate], ts,
	    more, (long long)l->dropped, stray);
}

/*
 * Describes a log file the service user cannot read, for the attempt's
 * reason, into buf ("" when it can). Returns the length, as snprintf.
 */
int
logwatch_unreadable(const struct logsink *l, char *buf, size_t sz)
{
	char ts[TIMEFMT_LEN];

	buf[0] = '\0';
	if (!l->unreadable)
		return 0;
	timefmt_rfc3339(l->unreadable_at, ts);
	return snprintf(buf, sz, "log unreadable: the log file was made "
	    "unreadable to the service user (mode %04o, owner uid %u; "
	    "noticed at %s); the output is kept in it", l->unreadable_mode,
	    (unsigned)l->unreadable_uid, ts);
}
