/*
 * table.c: prints rows of text cells in aligned columns, the one layout
 * of every sluicectl listing: each column as wide as its widest cell,
 * two spaces between columns, the last column not padded (no trailing
 * blanks). A cell is kept on one line: control characters (a newline in
 * a reason, a tab) print as spaces, so the columns stay aligned. Widths
 * count bytes, except UTF-8 continuation bytes, so names in other
 * scripts line up too. It knows nothing of JSON or the API.
 */
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "xalloc.h"

/* Prepares t for rows of ncols cells (ncols > 0). */
void
table_init(struct table *t, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
}

/* Releases t's cells. */
void
table_fini(struct table *t)
{
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cell[i]);
	free(t->cell);
	memset(t, 0, sizeof(*t));
}

/*
 * Appends a cell (a copy of text, NULL printing as "-") to the last row,
 * starting a new row after every ncols cells.
 */
void
table_add(struct table *t, const char *text)
{
	char *c = xstrdup(text ? text : "-");

	for (char *p = c; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	if (t->ncells == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->cell = xrealloc(t->cell, t->cap * sizeof(*t->cell));
	}
	t->cell[t->ncells++] = c;
}

/* The number of complete rows, the header included. */
size_t
table_rows(const struct table *t)
{
	return t->ncells / t->ncols;
}

/* The width of s on a terminal: its bytes but UTF-8 continuations. */
static size_t
text_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* Prints t's complete rows to f. Returns 0, or -1 when writing failed. */
int
table_print(const struct table *t, FILE *f)
{
	size_t rows = table_rows(t), *width = xcalloc(t->ncols, sizeof(*width));
	size_t w;
	const char *c;

	for (size_t i = 0; i < rows * t->ncols; i++)
		if ((w = text_width(t->cell[i])) > width[i % t->ncols])
			width[i % t->ncols] = w;
	for (size_t r = 0; r < rows; r++) {
		for (size_t k = 0; k < t->ncols; k++) {
			c = t->cell[r * t->ncols + k];
			fputs(c, f);
			if (k + 1 == t->ncols)
				break;
			for (w = text_width(c); w < width[k] + 2; w++)
				fputc(' ', f);
		}
		fputc('\n', f);
	}
	free(width);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
