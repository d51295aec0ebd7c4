/*
 * htpasswd.c: the password file <data>/htpasswd, one "name:hash" line per
 * user, compatible with nginx's auth_basic_user_file (an optional third
 * ":comment" field is tolerated on read and kept on rewrite). Hashes are
 * crypt(3) strings made by libxcrypt; new ones are yescrypt ("$y$").
 *
 * Only sluicectl writes the file. Every change rewrites it whole: a
 * temporary file in the same directory (mode 0640) is written, fsynced and
 * renamed over the old one, then the directory is fsynced, so a reader
 * sees either the old or the new file and a crash never loses other users.
 * Writers hold an exclusive flock on the directory while they read, edit
 * and rename, so two concurrent sluicectl runs cannot drop each other's
 * change. A missing file means "no users yet" and is not an error.
 * Roles are not kept here; they live in the users table.
 */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "htpasswd.h"
#include "log.h"
#include "xalloc.h"

/*
 * The user-name rule, the one copy of it (HTPASSWD_NAME_RULE says it to
 * people): 1 to HTPASSWD_NAME_MAX characters from [A-Za-z0-9_.@-], so a
 * name can never break the "name:hash" line format or a log line.
 * Returns 1 when name (NULL is fine) follows it, else 0.
 */
int
htpasswd_name_valid(const char *name)
{
	size_t n;

	if (name == NULL)
		return 0;
	n = strlen(name);
	if (n == 0 || n > HTPASSWD_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		    c == '@' || c == '-'))
			return 0;
	}
	return 1;
}

/* Returns 1 when hash can be stored in a line: non-empty, no ':' or EOL. */
static int
hash_storable(const char *hash)
{
	return hash != NULL && *hash != '\0' &&
	    strpbrk(hash, ":\r\n") == NULL && strlen(hash) < CRYPT_OUTPUT_SIZE;
}

/*
 * If line (without its newline) is name's entry, returns a pointer to
 * the start of the hash inside line and its length in *len; else NULL.
 */
static const char *
line_hash(const char *line, const char *name, size_t *len)
{
	size_t n = strlen(name);
	const char *h, *end;

	if (strncmp(line, name, n) != 0 || line[n] != ':')
		return NULL;
	h = line + n + 1;
	end = strchr(h, ':');
	*len = end ? (size_t)(end - h) : strlen(h);
	return h;
}

/* Strips a trailing "\n" or "\r\n" in place. */
static void
chomp(char *line)
{
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
}

/*
 * Returns a copy of name's hash from the file at path, which the caller
 * frees, or NULL when the user (or the file) does not exist or the name
 * is invalid. A file that cannot be read for another reason is logged.
 */
char *
htpasswd_lookup(const char *path, const char *name)
{
	FILE *f = NULL;
	char *line = NULL, *found = NULL;
	size_t cap = 0, len;
	const char *h;

	if (!htpasswd_name_valid(name))
		goto out;
	if ((f = fopen(path, "re")) == NULL) {
		if (errno != ENOENT)
			log_warn("htpasswd_lookup: %s", path);
		goto out;
	}
	while (getline(&line, &cap, f) != -1) {
		chomp(line);
		if ((h = line_hash(line, name, &len)) != NULL && len > 0) {
			found = xstrndup(h, len);
			break;
		}
	}
out:
	free(line);
	if (f != NULL)
		fclose(f);
	return found;
}

/* Opens the directory holding path (for flock and fsync); -1 logged. */
static int
open_parent(const char *path)
{
	char *copy = xstrdup(path);
	int fd;

	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		log_warn("htpasswd: open directory of %s", path);
	free(copy);
	return fd;
}

/* The new file a rewrite writes beside the old one, then renames over it. */
struct newfile {
	char *path;	/* NULL once renamed */
	FILE *f;
};

/* Creates the new file for path (mode 0640). Returns SL_OK or SL_IO. */
static enum sl_status
newfile_open(struct newfile *nf, const char *path)
{
	int fd;

	nf->f = NULL;
	nf->path = xasprintf("%s.tmpXXXXXX", path);
	if ((fd = mkostemp(nf->path, O_CLOEXEC)) == -1) {
		log_warn("htpasswd: create %s", nf->path);
		free(nf->path);
		nf->path = NULL;
		return SL_IO;
	}
	if (fchmod(fd, 0640) == -1) {
		log_warn("htpasswd: chmod %s", nf->path);
		close(fd);
		return SL_IO;
	}
	if ((nf->f = fdopen(fd, "w")) == NULL) {
		log_warn("htpasswd: fdopen %s", nf->path);
		close(fd);
		return SL_IO;
	}
	return SL_OK;
}

/* Removes the new file unless it was renamed into place. */
static void
newfile_discard(struct newfile *nf)
{
	if (nf->f != NULL)
		fclose(nf->f);
	nf->f = NULL;
	if (nf->path != NULL) {
		unlink(nf->path);
		free(nf->path);
		nf->path = NULL;
	}
}

/* Writes, syncs and renames the new file over path. SL_OK or SL_IO. */
static enum sl_status
newfile_commit(struct newfile *nf, const char *path, int dirfd)
{
	FILE *f = nf->f;

	nf->f = NULL;
	if (fflush(f) == EOF || fsync(fileno(f)) == -1) {
		log_warn("htpasswd: write %s", nf->path);
		fclose(f);
		return SL_IO;
	}
	if (fclose(f) == EOF) {
		log_warn("htpasswd: close %s", nf->path);
		return SL_IO;
	}
	if (rename(nf->path, path) == -1) {
		log_warn("htpasswd: rename %s to %s", nf->path, path);
		return SL_IO;
	}
	free(nf->path);
	nf->path = NULL;
	if (fsync(dirfd) == -1)
		log_warn("htpasswd: fsync directory of %s", path);
	return SL_OK;
}

/*
 * Copies the lines of the old file at path (if any) to out, with name's
 * line replaced by "name:hash", or removed when hash is NULL, and
 * "name:hash" appended when name had no line. Blank lines are dropped.
 * Returns SL_OK or SL_IO (logged).
 */
static enum sl_status
copy_lines(const char *path, FILE *out, const char *name, const char *hash)
{
	FILE *in;
	char *line = NULL;
	size_t cap = 0, len;
	struct stat sb;
	int done = 0, failed;

	if ((in = fopen(path, "re")) == NULL && errno != ENOENT) {
		log_warn("htpasswd: %s", path);
		return SL_IO;
	}
	if (in != NULL) {
		/* Keep the owner and group a previous writer chose. */
		if (fstat(fileno(in), &sb) == 0 &&
		    fchown(fileno(out), sb.st_uid, sb.st_gid) == -1)
			log_debug("htpasswd: chown new copy of %s", path);
		while (getline(&line, &cap, in) != -1) {
			chomp(line);
			if (line_hash(line, name, &len) != NULL) {
				if (hash != NULL && !done)
					fprintf(out, "%s:%s\n", name, hash);
				done = 1;
			} else if (*line != '\0')
				fprintf(out, "%s\n", line);
		}
		failed = ferror(in);
		free(line);
		fclose(in);
		if (failed) {
			log_warn("htpasswd: read %s", path);
			return SL_IO;
		}
	}
	if (hash != NULL && !done)
		fprintf(out, "%s:%s\n", name, hash);
	return SL_OK;
}

/*
 * Rewrites the file at path with name's line replaced by "name:hash", or
 * appended when absent, or removed when hash is NULL. The directory lock
 * is held throughout. Returns SL_OK or SL_IO (logged); on failure the old
 * file stays.
 */
static enum sl_status
rewrite(const char *path, const char *name, const char *hash)
{
	struct newfile nf = { NULL, NULL };
	enum sl_status s = SL_IO;
	int dirfd;

	if ((dirfd = open_parent(path)) == -1)
		return SL_IO;
	if (flock(dirfd, LOCK_EX) == -1) {
		log_warn("htpasswd: lock directory of %s", path);
		goto out;
	}
	if ((s = newfile_open(&nf, path)) != SL_OK)
		goto out;
	if ((s = copy_lines(path, nf.f, name, hash)) != SL_OK)
		goto out;
	s = newfile_commit(&nf, path, dirfd);
out:
	newfile_discard(&nf);
	close(dirfd);
	return s;
}

/*
 * Sets name's hash in the file at path (adding the user if new), keeping
 * every other line. name must follow htpasswd_name_valid; hash must be a
 * crypt string without ':' or newlines. Returns SL_OK, SL_INVALID for a
 * bad name or hash, or SL_IO after logging an I/O failure (the old file
 * is then unchanged).
 */
enum sl_status
htpasswd_set(const char *path, const char *name, const char *hash)
{
	if (!htpasswd_name_valid(name) || !hash_storable(hash))
		return SL_INVALID;
	return rewrite(path, name, hash);
}

/*
 * Removes name's line from the file at path, keeping every other line.
 * Returns SL_OK when the user is gone (including when it was never there;
 * the file is then left untouched), SL_INVALID for a bad name, or SL_IO
 * after logging an I/O failure.
 */
enum sl_status
htpasswd_del(const char *path, const char *name)
{
	char *old;

	if (!htpasswd_name_valid(name))
		return SL_INVALID;
	if ((old = htpasswd_lookup(path, name)) == NULL)
		return SL_OK;
	free(old);
	return rewrite(path, name, NULL);
}

/*
 * Hashes password with yescrypt at libxcrypt's default cost and a fresh
 * random salt. Returns the crypt string, which the caller frees, or NULL
 * after logging (no entropy, or the library refused).
 */
char *
htpasswd_hash(const char *password)
{
	char *setting = NULL, *res = NULL;
	void *data = NULL;
	int size = 0;
	const char *h;

	if (password == NULL)
		goto out;
	setting = crypt_gensalt_ra("$y$", 0, NULL, 0);
	if (setting == NULL) {
		log_warn("htpasswd_hash: crypt_gensalt_ra");
		goto out;
	}
	h = crypt_ra(password, setting, &data, &size);
	if (h == NULL || *h == '*') {
		log_warn("htpasswd_hash: crypt_ra");
		goto out;
	}
	res = xstrdup(h);
out:
	if (data != NULL) {
		explicit_bzero(data, (size_t)size);
		free(data);
	}
	free(setting);
	return res;
}

/*
 * Checks password against a crypt hash. Returns 1 when it matches and 0
 * when it does not, when hash is empty or locked ("*..." or "!...", which
 * never match), or when libxcrypt does not know its method. The final
 * comparison takes the same time whatever the position of a difference.
 */
int
htpasswd_matches(const char *password, const char *hash)
{
	void *data = NULL;
	int size = 0, rc = 0;
	const char *h;
	size_t n;
	unsigned char diff = 0;

	if (password == NULL || hash == NULL || *hash == '\0' ||
	    *hash == '*' || *hash == '!')
		return 0;
	h = crypt_ra(password, hash, &data, &size);
	if (h == NULL || *h == '*')
		goto out;
	n = strlen(hash);
	if (strlen(h) != n)
		goto out;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(h[i] ^ hash[i]);
	rc = diff == 0;
out:
	if (data != NULL) {
		explicit_bzero(data, (size_t)size);
		free(data);
	}
	return rc;
}
