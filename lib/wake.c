/*
 * wake.c: how sluice-api wakes local schedulers without a shared
 * connection. Each scheduler binds a non-blocking unix datagram socket at
 * <data>/run/scheduler-<worker>.sock (wake_listen) and polls it with its
 * other fds; sluice-api sends one byte to every such socket after a
 * change that has work for them (wake_schedulers), never blocking: a full
 * queue already means "wake up", and a socket nobody listens on is
 * skipped. Schedulers also poll the database every second, so a lost
 * datagram only delays work.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "paths.h"
#include "wake.h"
#include "xalloc.h"

#define WAKE_PREFIX "scheduler-"
#define WAKE_SUFFIX ".sock"

static int
fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -1;
	strcpy(sa->sun_path, path);
	return 0;
}

/*
 * Binds the wake-up socket of worker_name (no '/', not empty), replacing
 * a stale file of that name. Returns a non-blocking, close-on-exec fd and
 * the socket's path in *path_out (the caller frees it and unlinks the
 * file on exit), or -1 after logging.
 */
int
wake_listen(const char *worker_name, char **path_out)
{
	struct sockaddr_un sa;
	char *dir = NULL, *path = NULL;
	int fd = -1;

	*path_out = NULL;
	if (worker_name == NULL || *worker_name == '\0' ||
	    strchr(worker_name, '/') != NULL) {
		log_warnx("wake_listen: invalid worker name");
		return -1;
	}
	dir = paths_data("run");
	path = xasprintf("%s/" WAKE_PREFIX "%s" WAKE_SUFFIX, dir, worker_name);
	if (fill_addr(&sa, path) == -1) {
		log_warnx("wake_listen: %s: path too long", path);
		goto fail;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("wake_listen: socket");
		goto fail;
	}
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("wake_listen: unlink %s", path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		log_warn("wake_listen: bind %s", path);
		goto fail;
	}
	/* sluice-api may run as another user of the same group. */
	if (chmod(path, 0660) == -1)
		log_warn("wake_listen: chmod %s", path);
	free(dir);
	*path_out = path;
	return fd;
fail:
	if (fd != -1)
		close(fd);
	free(dir);
	free(path);
	return -1;
}

/*
 * Sends one byte to every <data>/run/scheduler-*.sock without blocking.
 * Errors (no listener, full queue) are ignored: a full queue already
 * wakes the scheduler and a missing one polls on start.
 */
void
wake_schedulers(void)
{
	struct sockaddr_un sa;
	struct dirent *d;
	char *dir = paths_data("run");
	DIR *dp = opendir(dir);
	int fd = -1;

	if (dp == NULL)
		goto out;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("wake_schedulers: socket");
		goto out;
	}
	while ((d = readdir(dp)) != NULL) {
		size_t n = strlen(d->d_name);
		char *path;

		if (strncmp(d->d_name, WAKE_PREFIX, strlen(WAKE_PREFIX)) ||
		    n <= strlen(WAKE_PREFIX) + strlen(WAKE_SUFFIX) ||
		    strcmp(d->d_name + n - strlen(WAKE_SUFFIX), WAKE_SUFFIX))
			continue;
		path = xasprintf("%s/%s", dir, d->d_name);
		if (fill_addr(&sa, path) == 0)
			(void)sendto(fd, "w", 1, MSG_DONTWAIT,
			    (struct sockaddr *)&sa, sizeof(sa));
		free(path);
	}
out:
	if (fd != -1)
		close(fd);
	if (dp != NULL)
		closedir(dp);
	free(dir);
}

/* Reads and discards every pending wake-up datagram on fd. */
void
wake_drain(int fd)
{
	char buf[64];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}
