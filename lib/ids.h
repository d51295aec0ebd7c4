/* ids.h: run ids sortable by creation time (see ids.c). */
#ifndef SLUICE_IDS_H
#define SLUICE_IDS_H

#include <stdint.h>

/* 26 Crockford base-32 characters and a NUL. */
#define IDS_LEN 27

void ids_new(int64_t now_ms, char out[IDS_LEN]);
int ids_valid(const char *s);

#endif
