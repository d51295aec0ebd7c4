/*
 * files.c: whole-file reading and writing for sluicectl's commands (flow
 * files for apply, the template for init). Errors are printed here with
 * the path, so callers only decide what to do next.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fileio.h"
#include "xalloc.h"

/* Largest file sluicectl reads (a flow definition is far smaller). */
#define CLI_FILE_MAX (16 * 1024 * 1024)

/*
 * Reads the file at path ("-" is standard input). Returns its bytes with
 * a NUL appended (caller frees) and the length in *len, or NULL after
 * printing why.
 */
char *
cli_read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	char *buf;

	if (f == NULL) {
		cli_err("%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((buf = fileio_read(f, CLI_FILE_MAX, len)) == NULL)
		cli_err("%s: %s", path, errno == EFBIG ? "file too large" :
		    strerror(errno));
	if (f != stdin)
		fclose(f);
	return buf;
}

/*
 * Creates the file at path (which must not exist) with mode and writes
 * len bytes of buf. Returns SL_OK, or SL_IO after printing why.
 */
enum sl_status
cli_write_new_file(const char *path, const char *buf, size_t len, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	ssize_t w;
	size_t off = 0;

	if (fd == -1) {
		cli_err("%s: %s", path, strerror(errno));
		return SL_IO;
	}
	while (off < len) {
		w = write(fd, buf + off, len - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			cli_err("%s: %s", path, strerror(errno));
			close(fd);
			return SL_IO;
		}
		off += (size_t)w;
	}
	if (close(fd) == -1) {
		cli_err("%s: %s", path, strerror(errno));
		return SL_IO;
	}
	return SL_OK;
}
