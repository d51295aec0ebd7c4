/* fileio.h: reading a whole file into memory (see fileio.c). */
#ifndef SLUICE_FILEIO_H
#define SLUICE_FILEIO_H

#include <stddef.h>
#include <stdio.h>

char *fileio_read(FILE *f, size_t max, size_t *len);

#endif
