/* buf.h: a growable byte buffer for building replies (see buf.c). */
#ifndef SLUICE_FCGI_BUF_H
#define SLUICE_FCGI_BUF_H

#include <stddef.h>

struct buf {
	char *p;	/* NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
};

void buf_add(struct buf *b, const char *data, size_t n);
void buf_str(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_fini(struct buf *b);

#endif
