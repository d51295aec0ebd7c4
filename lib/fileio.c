/*
 * fileio.c: reads a whole stream into memory, for the files Sluice reads
 * at once (migrations, flow files given to sluicectl). It only reads;
 * opening, closing and telling a person what failed are the caller's.
 */
#include <errno.h>
#include <stdlib.h>

#include "fileio.h"
#include "xalloc.h"

/*
 * Reads f to its end. Returns the bytes with a NUL appended (the caller
 * frees them) and their number in *len (may be NULL), or NULL with errno
 * set: the read's error, or EFBIG when f holds more than max bytes.
 */
char *
fileio_read(FILE *f, size_t max, size_t *len)
{
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	do {
		if (cap - n < 4096)
			buf = xrealloc(buf, cap = cap * 2 + 8192);
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0 && n <= max);
	if (ferror(f) || n > max) {
		errno = ferror(f) ? (errno ? errno : EIO) : EFBIG;
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}
