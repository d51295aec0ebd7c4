/*
 * venv.c: Python virtual environments for repository flows. One per
 * requirements.txt content, <data>/code/venvs/<id> where id is the file's
 * git object id (a hash of its bytes), built by `python3 -m venv` then
 * `pip install -r`, and marked ready only when both succeeded; a failed
 * build leaves nothing behind. Builders of the same environment take
 * turns (a lock file beside it). pip uses the machine's configuration
 * plus the PIP_* variables the repository and the scheduler's own
 * environment give.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "code.h"
#include "command.h"
#include "venv.h"
#include "xalloc.h"

#define VENV_TIMEOUT_S 120
#define PIP_TIMEOUT_S 900
#define READY ".sluice-ready"

char *
venv_path(const char *data_dir, const char *id)
{
	return xasprintf("%s/code/venvs/%s", data_dir, id);
}

/* Runs argv with env; on failure why gets what (and pip's words). */
static enum sl_status
run(char **argv, char **env, int timeout_s, const char *what, char *why,
    size_t whysz)
{
	struct command c = { .argv = argv, .env = env, .out_fd = -1,
	    .out_max = 1024 * 1024, .timeout_s = timeout_s };
	enum sl_status s;
	char msg[3000];

	if ((s = command_run(&c)) != SL_OK)
		snprintf(why, whysz, "%s failed: %s", what,
		    command_why(&c, msg, sizeof(msg)));
	command_free(&c);
	return s;
}

/* Writes text to path (0644), replacing it. */
static enum sl_status
write_file(const char *path, const char *text, char *why, size_t whysz)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd == -1 || write(fd, text, len) != (ssize_t)len) {
		snprintf(why, whysz, "cannot write %s: %s", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return SL_IO;
	}
	return close(fd) == 0 ? SL_OK : SL_IO;
}

/* Builds the environment at dir from the requirements file req. */
static enum sl_status
build(const char *dir, const char *req, char **env, char *why, size_t whysz)
{
	char *py = xasprintf("%s/bin/python", dir), *ready;
	char *mk[] = { "python3", "-m", "venv", (char *)dir, NULL };
	char *pip[] = { py, "-m", "pip", "install", "--disable-pip-version-check",
	    "--no-input", "-r", (char *)req, NULL };
	enum sl_status s;

	code_remove(dir);
	s = run(mk, env, VENV_TIMEOUT_S, "python3 -m venv", why, whysz);
	if (s == SL_OK)
		s = run(pip, env, PIP_TIMEOUT_S, "pip install", why, whysz);
	ready = xasprintf("%s/" READY, dir);
	if (s == SL_OK)
		s = write_file(ready, "", why, whysz);
	if (s != SL_OK)
		code_remove(dir);
	free(ready);
	free(py);
	return s;
}

enum sl_status
venv_ensure(const char *data_dir, const char *id, const char *requirements,
    char **env, char *why, size_t whysz)
{
	char *dir = venv_path(data_dir, id);
	char *lock = xasprintf("%s.lock", dir), *req = NULL, *ready;
	enum sl_status s = SL_OK;
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	struct stat sb;

	ready = xasprintf("%s/" READY, dir);
	if (fd == -1 || flock(fd, LOCK_EX) == -1) {
		snprintf(why, whysz, "cannot lock %s: %s", lock,
		    strerror(errno));
		s = SL_IO;
	} else if (stat(ready, &sb) == -1) {
		req = xasprintf("%s.requirements.txt", dir);
		s = write_file(req, requirements, why, whysz);
		if (s == SL_OK)
			s = build(dir, req, env, why, whysz);
	}
	if (fd != -1)
		close(fd);
	free(ready);
	free(req);
	free(lock);
	free(dir);
	return s;
}
