/*
 * command.c: runs one helper program of the repository sync (git,
 * python3 -m venv, pip, tar) to its end: an argv, never a shell string;
 * the sync's environment plus a few variables; stdin from /dev/null;
 * stdout into a file or captured up to a cap; stderr's last bytes kept
 * for the message; a deadline after which its whole process group is
 * killed. Only the sync process (reposync.c) calls it: it may block.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "command.h"
#include "proc.h"
#include "timefmt.h"
#include "xalloc.h"

#define ERR_KEEP 4096

extern char **environ;

/* The child's side: own process group, dies with the sync, then exec. */
static void __attribute__((noreturn))
exec_child(const struct command *c, char **envp, int out_fd, int err_fd,
    pid_t parent)
{
	int null = open("/dev/null", O_RDONLY);

	proc_child_start(parent);
	setpgid(0, 0);
	if (null == -1 || dup2(null, 0) == -1 || dup2(out_fd, 1) == -1 ||
	    dup2(err_fd, 2) == -1)
		_exit(126);
	proc_close_from(3);
	if (c->cwd != NULL && chdir(c->cwd) == -1) {
		dprintf(2, "cannot enter %s: %s\n", c->cwd, strerror(errno));
		_exit(127);
	}
	execvpe(c->argv[0], c->argv, envp);
	dprintf(2, "cannot run %s: %s\n", c->argv[0], strerror(errno));
	_exit(127);
}

/* Returns 1 when "K=V" entry e sets variable k=... of another entry. */
static int
same_var(const char *e, const char *k)
{
	size_t n = strcspn(k, "=");

	return strncmp(e, k, n + 1) == 0;
}

/* The environment: ours with c->env's variables put over it (owned
 * array of borrowed strings). */
static char **
make_env(const struct command *c)
{
	size_t n = 0, extra = 0, k = 0;
	char **envp;

	while (environ[n] != NULL)
		n++;
	while (c->env != NULL && c->env[extra] != NULL)
		extra++;
	envp = xcalloc(n + extra + 1, sizeof(*envp));
	for (size_t i = 0; i < n; i++) {
		int over = 0;

		for (size_t j = 0; j < extra && !over; j++)
			over = same_var(environ[i], c->env[j]);
		if (!over)
			envp[k++] = environ[i];
	}
	for (size_t j = 0; j < extra; j++)
		envp[k++] = c->env[j];
	return envp;
}

/* Appends n bytes to a buffer capped at cap (keeping the first bytes). */
static void
keep_head(char **buf, size_t *len, size_t cap, const char *p, size_t n,
    int *over)
{
	if (*len + n > cap) {
		*over = 1;
		n = cap - *len;
	}
	*buf = xrealloc(*buf, *len + n + 1);
	memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* Appends n bytes to stderr's buffer, keeping only its last ERR_KEEP. */
static void
keep_tail(struct command *c, const char *p, size_t n)
{
	if (n >= ERR_KEEP) {
		p += n - ERR_KEEP;
		n = ERR_KEEP;
	}
	if (c->errlen + n > ERR_KEEP) {
		size_t drop = c->errlen + n - ERR_KEEP;

		memmove(c->err, c->err + drop, c->errlen - drop);
		c->errlen -= drop;
	}
	memcpy(c->err + c->errlen, p, n);
	c->errlen += n;
	c->err[c->errlen] = '\0';
}

/* Reads the child's pipes until both end or the deadline passes. */
static void
drain(struct command *c, int out_fd, int err_fd, int64_t deadline)
{
	struct pollfd p[2] = { { out_fd, POLLIN, 0 }, { err_fd, POLLIN, 0 } };
	char buf[16384];
	ssize_t n;

	while (p[0].fd != -1 || p[1].fd != -1) {
		int64_t left = deadline - timefmt_mono_ms();

		if (left <= 0) {
			c->timed_out = 1;
			return;
		}
		if (poll(p, 2, (int)(left > 1000 ? 1000 : left)) == -1 &&
		    errno != EINTR)
			return;
		for (int i = 0; i < 2; i++) {
			if (p[i].fd == -1 || p[i].revents == 0)
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				p[i].fd = -1;
				continue;
			}
			if (i == 0)
				keep_head(&c->out, &c->outlen, c->out_max, buf,
				    (size_t)n, &c->out_over);
			else
				keep_tail(c, buf, (size_t)n);
		}
	}
}

enum sl_status
command_run(struct command *c)
{
	int out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int64_t deadline = timefmt_mono_ms() + (int64_t)c->timeout_s * 1000;
	char **envp = make_env(c);
	pid_t parent = getpid(), pid;

	c->err = xmalloc(ERR_KEEP + 1);
	c->err[0] = '\0';
	c->errlen = 0;
	if ((c->out_fd == -1 && pipe2(out, O_CLOEXEC) == -1) ||
	    pipe2(err, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		snprintf(c->err, ERR_KEEP, "cannot start %s: %s", c->argv[0],
		    strerror(errno));
		c->errlen = strlen(c->err);
		free(envp);
		for (int i = 0; i < 2; i++) {
			if (out[i] != -1)
				close(out[i]);
			if (err[i] != -1)
				close(err[i]);
		}
		return SL_IO;
	}
	if (pid == 0)
		exec_child(c, envp, c->out_fd == -1 ? out[1] : c->out_fd,
		    err[1], parent);
	free(envp);
	setpgid(pid, pid);
	if (out[1] != -1)
		close(out[1]);
	close(err[1]);
	drain(c, out[0], err[0], deadline);
	if (c->timed_out)
		kill(-pid, SIGKILL);
	if (out[0] != -1)
		close(out[0]);
	close(err[0]);
	while (waitpid(pid, &c->status, 0) == -1 && errno == EINTR)
		;
	kill(-pid, SIGKILL);	/* what it left behind in its group */
	if (c->timed_out || !WIFEXITED(c->status) ||
	    WEXITSTATUS(c->status) != 0)
		return SL_IO;
	return c->out_over ? SL_TOO_LARGE : SL_OK;
}

const char *
command_why(struct command *c, char *buf, size_t bufsz)
{
	const char *tail = c->err != NULL ? c->err : "";

	while (*tail == '\n' || *tail == ' ')
		tail++;
	if (c->timed_out)
		snprintf(buf, bufsz, "%s did not finish within %d s%s%s",
		    c->argv[0], c->timeout_s, *tail ? ": " : "", tail);
	else if (WIFSIGNALED(c->status))
		snprintf(buf, bufsz, "%s was killed by signal %d%s%s",
		    c->argv[0], WTERMSIG(c->status), *tail ? ": " : "", tail);
	else if (c->out_over)
		snprintf(buf, bufsz, "%s printed more than %zu bytes",
		    c->argv[0], c->out_max);
	else if (*tail == '\0')
		snprintf(buf, bufsz, "%s exited with status %d", c->argv[0],
		    WEXITSTATUS(c->status));
	else
		snprintf(buf, bufsz, "%s", tail);
	/* One line per message would lose pip's context; trim the end. */
	for (size_t n = strlen(buf); n > 0 && buf[n - 1] == '\n'; n--)
		buf[n - 1] = '\0';
	return buf;
}

void
command_free(struct command *c)
{
	free(c->out);
	free(c->err);
	c->out = c->err = NULL;
	c->outlen = c->errlen = 0;
}
