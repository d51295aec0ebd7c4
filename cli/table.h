/*
 * table.h: aligned text columns for sluicectl's listings (see table.c).
 */
#ifndef SLUICE_CLI_TABLE_H
#define SLUICE_CLI_TABLE_H

#include <stddef.h>
#include <stdio.h>

/* Cells in rows of ncols; the first row is the header. */
struct table {
	size_t ncols;
	size_t ncells, cap;
	char **cell;		/* owned copies */
};

void table_init(struct table *t, size_t ncols);
void table_fini(struct table *t);
void table_add(struct table *t, const char *text);
size_t table_rows(const struct table *t);
int table_print(const struct table *t, FILE *f);

#endif
