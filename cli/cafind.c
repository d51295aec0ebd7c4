/*
 * cafind.c: finds the certificate sluicectl trusts for a URL on this
 * machine (127.0.0.1, localhost, ::1), where the server's certificate is
 * the self-signed one the launcher made in <data>/tls/cert.pem. The
 * first of these that can be read is used:
 *   1. $SLUICE_DATA/tls/cert.pem when SLUICE_DATA is set (and nothing
 *      else: the user named the server);
 *   2. the data directory of the Sluice serving the URL's port: the
 *      process holding the listening socket (from /proc/net/tcp and
 *      tcp6, then /proc/PID/fd) is the launcher's nginx, whose command
 *      line names <data>/run/nginx.conf. This needs the right to see that
 *      process's descriptors (same user, or root);
 *   3. ./data/tls/cert.pem, the default data directory of `make run`
 *      started in the current folder.
 * What is found rather than named must not let another user of this
 * machine choose the certificate we trust (and so receive the password):
 * the listening process must be root's or ours, and a found certificate
 * a regular file owned by root or by us that no one else may write.
 * It only reads /proc and tests files; the TLS check itself stays
 * libcurl's, so a wrong guess fails verification, never passes it.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cafind.h"
#include "fileio.h"
#include "xalloc.h"

/* Listening sockets on one port we look for (IPv4 and IPv6, a few). */
#define CAFIND_INODES_MAX 16
/* The launcher's nginx names its configuration so (scripts/sluice-run). */
#define NGINX_CONF "/run/nginx.conf"
#define CERT "/tls/cert.pem"

/* The inodes of the sockets listening on one port. */
struct listeners {
	unsigned long inode[CAFIND_INODES_MAX];
	int n;
};

/* Adds the inodes of table (a /proc/net/tcp file) listening on port. */
static void
listeners_read(struct listeners *l, const char *table, unsigned port)
{
	FILE *f = fopen(table, "re");
	char line[512], local[128];
	unsigned st, p;
	unsigned long inode;
	char *colon;

	if (f == NULL)
		return;
	/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
	while (fgets(line, sizeof(line), f) != NULL &&
	    l->n < CAFIND_INODES_MAX) {
		if (sscanf(line, " %*s %127s %*s %x %*s %*s %*s %*s %*s %lu",
		    local, &st, &inode) != 3 || st != 0x0A)
			continue;
		if ((colon = strrchr(local, ':')) == NULL ||
		    sscanf(colon + 1, "%x", &p) != 1 || p != port)
			continue;
		l->inode[l->n++] = inode;
	}
	fclose(f);
}

/* Returns 1 when uid is root's or ours: an owner we may trust. */
static int
trusted_uid(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/*
 * Returns 1 when process dir (/proc/PID), root's or ours, holds one of
 * l's sockets.
 */
static int
holds_listener(const char *dir, const struct listeners *l)
{
	char *fddir = xasprintf("%s/fd", dir), link[64], want[64], *p;
	struct stat sb;
	DIR *d = NULL;
	struct dirent *e;
	ssize_t n;
	int found = 0;

	if (stat(dir, &sb) == 0 && trusted_uid(sb.st_uid))
		d = opendir(fddir);
	while (d != NULL && !found && (e = readdir(d)) != NULL) {
		p = xasprintf("%s/%s", fddir, e->d_name);
		n = readlink(p, link, sizeof(link) - 1);
		free(p);
		if (n <= 0)
			continue;
		link[n] = '\0';
		for (int i = 0; i < l->n && !found; i++) {
			snprintf(want, sizeof(want), "socket:[%lu]",
			    l->inode[i]);
			found = strcmp(link, want) == 0;
		}
	}
	if (d != NULL)
		closedir(d);
	free(fddir);
	return found;
}

/*
 * Returns the data directory named by the command line of process dir
 * when it is the launcher's nginx ("... -c <data>/run/nginx.conf ..."),
 * else NULL; the caller frees it.
 */
static char *
nginx_data_dir(const char *dir)
{
	char *path = xasprintf("%s/cmdline", dir), *cmd, *end, *start, *next;
	char *data = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re");

	free(path);
	if (f == NULL)
		return NULL;
	cmd = fileio_read(f, 64 * 1024, &len);
	fclose(f);
	if (cmd == NULL)
		return NULL;
	/* nginx may rewrite its title into one string: read both forms. */
	for (size_t i = 0; i < len; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	if ((end = strstr(cmd, NGINX_CONF)) != NULL) {
		*end = '\0';
		if ((start = strstr(cmd, " -c ")) != NULL) {
			while ((next = strstr(start + 1, " -c ")) != NULL)
				start = next;
			data = xstrdup(start + 4);
		}
	}
	free(cmd);
	return data;
}

/* The data directory of the Sluice listening on port, or NULL. */
static char *
listener_data_dir(unsigned port)
{
	struct listeners l = { { 0 }, 0 };
	DIR *proc;
	struct dirent *e;
	char *dir, *data = NULL, *found = NULL;

	listeners_read(&l, "/proc/net/tcp", port);
	listeners_read(&l, "/proc/net/tcp6", port);
	if (l.n == 0 || (proc = opendir("/proc")) == NULL)
		return NULL;
	while (found == NULL && (e = readdir(proc)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		dir = xasprintf("/proc/%s", e->d_name);
		/* The command line first: reading it is cheap. */
		if ((data = nginx_data_dir(dir)) != NULL &&
		    holds_listener(dir, &l))
			found = data;
		else
			free(data);
		free(dir);
	}
	closedir(proc);
	return found;
}

/* Appends "path" to the list *looked of places tried. */
static void
looked_add(char **looked, const char *path, const char *why)
{
	char *next = xasprintf("%s%s%s (%s)", *looked ? *looked : "",
	    *looked ? ", " : "", path, why);

	free(*looked);
	*looked = next;
}

/*
 * Tries the certificate of data directory data (NULL: skip); found (not
 * named by the user), it must be a file root or we own that no one else
 * may write. Returns its path when it can be used, else NULL after
 * adding it to *looked.
 */
static char *
try_cert(const char *data, const char *why, int found, char **looked)
{
	struct stat sb;
	char *path, *note;

	if (data == NULL)
		return NULL;
	path = xasprintf("%s" CERT, data);
	if (access(path, R_OK) == 0 && (!found || (stat(path, &sb) == 0 &&
	    S_ISREG(sb.st_mode) && trusted_uid(sb.st_uid) &&
	    (sb.st_mode & 022) == 0)))
		return path;
	note = access(path, R_OK) == 0 ? xasprintf("%s; not root's or yours, "
	    "or others may write it", why) : xstrdup(why);
	looked_add(looked, path, note);
	free(note);
	free(path);
	return NULL;
}

/*
 * Returns the path of the certificate to trust for a URL on this machine
 * at port (a decimal string; NULL when unknown), or NULL for none (then
 * libcurl's system CAs apply). *looked gets a list of the places tried in
 * vain, for an error message, or NULL; the caller frees both.
 */
char *
cafind_local(const char *port, char **looked)
{
	const char *env = getenv("SLUICE_DATA");
	char *data, *cert;
	long p = port ? strtol(port, NULL, 10) : 0;

	*looked = NULL;
	if (env != NULL && *env != '\0')
		return try_cert(env, "SLUICE_DATA", 0, looked);
	data = p > 0 && p < 65536 ? listener_data_dir((unsigned)p) : NULL;
	cert = try_cert(data, "the data directory of the server on that port",
	    1, looked);
	free(data);
	if (cert == NULL)
		cert = try_cert("./data", "the default data directory", 1,
		    looked);
	return cert;
}
