/*
 * prog.c: runs a helper program for sluicectl's commands (git, for init
 * and for finding a flow file's repository) and waits for it. The
 * program is found on PATH and started with an argv array, never through
 * a shell, with standard input from /dev/null; its standard output can be
 * captured. It owns no knowledge of any program's arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "prog.h"
#include "xalloc.h"

/* The most of a program's standard output kept; the rest is read and
 * dropped so the program never blocks on a full pipe. */
#define PROG_OUT_MAX (64 * 1024)

extern char **environ;

/* Reads fd to its end into a new NUL-terminated string (caller frees). */
static char *
read_all(int fd)
{
	char *buf = xmalloc(PROG_OUT_MAX + 1), chunk[4096];
	size_t len = 0;
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (len < PROG_OUT_MAX) {
			size_t k = (size_t)n < PROG_OUT_MAX - len ? (size_t)n :
			    PROG_OUT_MAX - len;

			memcpy(buf + len, chunk, k);
			len += k;
		}
	}
	buf[len] = '\0';
	return buf;
}

/* Sets up the child's standard streams: stdin /dev/null, stdout the pipe's
 * write end (when there is one; else /dev/null when quiet), stderr
 * /dev/null when quiet. */
static int
file_actions(posix_spawn_file_actions_t *fa, int pipe_r, int pipe_w,
    int quiet)
{
	if (posix_spawn_file_actions_init(fa) != 0)
		return -1;
	posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
	if (pipe_w >= 0) {
		posix_spawn_file_actions_adddup2(fa, pipe_w, 1);
		posix_spawn_file_actions_addclose(fa, pipe_w);
		posix_spawn_file_actions_addclose(fa, pipe_r);
	}
	else if (quiet)
		posix_spawn_file_actions_addopen(fa, 1, "/dev/null", O_WRONLY,
		    0);
	if (quiet)
		posix_spawn_file_actions_addopen(fa, 2, "/dev/null", O_WRONLY,
		    0);
	return 0;
}

/* Waits for pid; returns SL_OK for exit 0, SL_INVALID for another exit
 * status, SL_IO for a signal (printed unless quiet). */
static enum sl_status
wait_for(pid_t pid, const char *name, int quiet)
{
	int st;

	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR) {
			if (!quiet)
				cli_err("%s: waitpid: %s", name,
				    strerror(errno));
			return SL_IO;
		}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return SL_OK;
	if (WIFEXITED(st)) {
		if (!quiet)
			cli_err("%s exited with status %d", name,
			    WEXITSTATUS(st));
		return SL_INVALID;
	}
	if (!quiet)
		cli_err("%s died of signal %d", name, WTERMSIG(st));
	return SL_IO;
}

/*
 * Runs argv (argv[0] looked up on PATH; the array ends with NULL) and
 * waits for it. With out, its standard output (at most 64 KiB) is
 * returned in *out, NUL-terminated (the caller frees it; NULL on every
 * failure); else it goes to sluicectl's, or with PROG_QUIET nowhere.
 * Returns SL_OK when it exited 0, SL_INVALID when it exited with another
 * status, SL_NOTFOUND when the program is not installed, SL_IO when it
 * could not be started or died of a signal; the failure is printed
 * unless quiet (what the program printed to standard error went out as
 * it ran).
 */
enum sl_status
prog_run(const char *const argv[], int flags, char **out)
{
	posix_spawn_file_actions_t fa;
	int quiet = flags & PROG_QUIET, fds[2] = { -1, -1 }, rc;
	char *text = NULL;
	enum sl_status s;
	pid_t pid;

	if (out != NULL)
		*out = NULL;
	if ((out != NULL && pipe2(fds, O_CLOEXEC) == -1) ||
	    file_actions(&fa, fds[0], fds[1], quiet) == -1) {
		if (!quiet)
			cli_err("%s: %s", argv[0], strerror(errno));
		if (fds[0] != -1) {
			close(fds[0]);
			close(fds[1]);
		}
		return SL_IO;
	}
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv,
	    environ);
	posix_spawn_file_actions_destroy(&fa);
	if (fds[1] != -1)
		close(fds[1]);
	if (rc == 0 && fds[0] != -1)
		text = read_all(fds[0]);
	if (fds[0] != -1)
		close(fds[0]);
	if (rc != 0) {
		if (!quiet)
			cli_err("cannot run %s: %s", argv[0], strerror(rc));
		return rc == ENOENT ? SL_NOTFOUND : SL_IO;
	}
	s = wait_for(pid, argv[0], quiet);
	if (s == SL_OK && out != NULL)
		*out = text;
	else
		free(text);
	return s;
}
