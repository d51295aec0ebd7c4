/*
 * proc.c: what the scheduler knows about processes by their pid, read
 * from /proc: a process's start time (field 22 of /proc/<pid>/stat, in
 * clock ticks after boot), which together with the pid names one process
 * for good, and the checked kill of an attempt's process group that
 * relies on it, so a pid or group id reused by someone else is never
 * signalled. A leaf: it calls nothing in scheduler/ and never touches
 * the database or the structs of sched.h.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "proc.h"
#include "xalloc.h"

/* Task environments are read up to this size when checking ownership. */
#define ENVIRON_MAX (1024 * 1024)

/*
 * Returns the start time of process pid in clock ticks after boot (field
 * 22 of /proc/<pid>/stat), or -1 when the process does not exist.
 */
int64_t
proc_start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	long long v = -1;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name may contain spaces and parentheses. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	p++;
	/* Fields 3..21 precede the start time. */
	for (int field = 3; field <= 22 && p != NULL; field++) {
		while (*p == ' ')
			p++;
		if (field == 22) {
			v = strtoll(p, NULL, 10);
			break;
		}
		p = strchr(p, ' ');
	}
	return v;
}

/*
 * Returns 1 when process q's environment holds every one of the nwant
 * lines want, read once into buf (ENVIRON_MAX + 1 bytes, the caller's).
 */
static int
environ_holds(pid_t q, char *buf, const char *const *want, int nwant)
{
	char path[64];
	size_t len = 0;
	ssize_t n;
	int fd, found = 0;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)q);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	while (len < ENVIRON_MAX &&
	    (n = read(fd, buf + len, ENVIRON_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	for (int k = 0; k < nwant; k++) {
		size_t wl = strlen(want[k]);

		found = 0;
		for (size_t i = 0; i < len && !found; i += strlen(buf + i) + 1)
			found = strncmp(buf + i, want[k], wl) == 0 &&
			    buf[i + wl] == '\0';
		if (!found)
			return 0;
	}
	return 1;
}

/*
 * Kills the processes that carry the attempt's SLUICE_RUN_ID, SLUICE_TASK
 * and (attempt > 0) SLUICE_ATTEMPT and, when pgid > 0, are in group pgid
 * and started after its leader (start time >= proc_start), so that a
 * group id reused by someone else is never touched. Returns the number
 * killed.
 */
static int
kill_leftovers(pid_t pgid, int64_t proc_start, const char *run_id,
    const char *task, int attempt)
{
	char want_run[64], want_task[128], want_att[32], path[64], buf[1024];
	const char *want[] = { want_run, want_task, want_att };
	char *p, *env;
	DIR *d = opendir("/proc");
	struct dirent *e;
	int killed = 0;

	if (d == NULL)
		return 0;
	snprintf(want_run, sizeof(want_run), "SLUICE_RUN_ID=%s", run_id);
	snprintf(want_task, sizeof(want_task), "SLUICE_TASK=%s", task);
	snprintf(want_att, sizeof(want_att), "SLUICE_ATTEMPT=%d", attempt);
	env = xmalloc(ENVIRON_MAX + 1);
	while ((e = readdir(d)) != NULL) {
		pid_t q = (pid_t)strtol(e->d_name, &p, 10);
		long long grp = 0, start = -1;
		ssize_t n;
		int fd;

		if (*p != '\0' || q <= 1 || q == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)q);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		/* After "pid (comm) ": state ppid pgrp ... field 22. */
		if ((p = strrchr(buf, ')')) == NULL ||
		    sscanf(p + 1, " %*c %*d %lld %*d %*d %*d %*u %*u %*u %*u "
		    "%*u %*u %*u %*d %*d %*d %*d %*d %*d %lld", &grp,
		    &start) != 2)
			continue;
		if ((pgid > 0 && (grp != pgid || start < proc_start)) ||
		    !environ_holds(q, env, want, attempt > 0 ? 3 : 2))
			continue;
		if (kill(q, SIGKILL) == 0)
			killed++;
	}
	free(env);
	closedir(d);
	return killed;
}

/*
 * Kills what is left of an attempt's process group pid (SIGKILL), never
 * a process that merely reuses the pid: the whole group when its leader
 * is alive with the recorded start time proc_start; when the leader is
 * gone, only group members that started after it and carry the
 * attempt's SLUICE_RUN_ID and SLUICE_TASK. Returns the number of signals
 * sent (0 when nothing was safe or left to kill).
 */
int
proc_kill_group(pid_t pid, int64_t proc_start, const char *run_id,
    const char *task)
{
	int64_t now_start;

	if (pid <= 1)
		return 0;
	now_start = proc_start_time(pid);
	if (now_start == proc_start)
		return kill(-pid, SIGKILL) == 0;
	if (now_start != -1)
		return 0;	/* the pid was reused: not ours */
	return kill_leftovers(pid, proc_start, run_id, task, 0);
}

/*
 * Kills every process, in whatever group or session, whose environment
 * says it belongs to attempt attempt of task of run run_id: what an
 * attempt run as the scheduler's own user left behind. Returns the
 * number killed.
 */
int
proc_kill_attempt(const char *run_id, const char *task, int attempt)
{
	return kill_leftovers(0, 0, run_id, task, attempt);
}

void
proc_close_from(unsigned int fd)
{
	if (close_range(fd, ~0U, 0) == -1)
		for (int i = (int)fd; i < 65536; i++)
			close(i);
}

void
proc_die_with(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1 ||
	    getppid() != parent)
		_exit(125);
}

void
proc_child_start(pid_t parent)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	proc_die_with(parent);
}
