/*-------------------------------------------------------------------------
 *
 * vecfile.c
 *	  Reading and writing TEXMEX .fvecs / .ivecs files for the bench tools.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * bench/vecfile.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vecfile.h"

/* Print a message to stderr and exit with status 1. */
void
VecDie(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* malloc that never returns NULL. */
void *
VecAlloc(size_t size)
{
	void	   *p = malloc(size > 0 ? size : 1);

	if (p == NULL)
		VecDie("out of memory allocating %zu bytes", size);
	return p;
}

/* Read a TEXMEX file whose values are elemsize bytes wide into *out. */
void
VecRead(const char *path, int elemsize, long limit, VecSet *out)
{
	FILE	   *f;
	struct stat st;
	int32_t		dim;
	long		n;
	long		i;
	size_t		rowbytes;
	char	   *dst;

	f = fopen(path, "rb");
	if (f == NULL)
		VecDie("could not open \"%s\": %s", path, strerror(errno));
	if (fstat(fileno(f), &st) != 0)
		VecDie("could not stat \"%s\": %s", path, strerror(errno));
	if (fread(&dim, 4, 1, f) != 1)
		VecDie("\"%s\" is empty or unreadable", path);
	if (dim < 1 || dim > ZVEC_BENCH_MAX_DIM)
		VecDie("\"%s\": bad dimension %d in the first record", path, (int) dim);
	rowbytes = (size_t) dim * elemsize;
	if (st.st_size % (long) (4 + rowbytes) != 0)
		VecDie("\"%s\": size %ld is not a multiple of the record size %zu",
			   path, (long) st.st_size, 4 + rowbytes);
	n = st.st_size / (long) (4 + rowbytes);
	if (limit >= 0 && limit < n)
		n = limit;
	rewind(f);

	out->n = n;
	out->dim = dim;
	out->data = VecAlloc((size_t) n * rowbytes);
	dst = out->data;
	for (i = 0; i < n; i++)
	{
		int32_t		d;

		if (fread(&d, 4, 1, f) != 1 || fread(dst, rowbytes, 1, f) != 1)
			VecDie("\"%s\": truncated at record %ld", path, i);
		if (d != dim)
			VecDie("\"%s\": record %ld has dimension %d, not %d", path, i, (int) d, (int) dim);
		dst += rowbytes;
	}
	fclose(f);
}

/* Append one record of dim 4-byte values to an open TEXMEX file. */
void
VecWriteRow(FILE *f, const char *path, const void *row, int dim)
{
	int32_t		d = dim;

	if (fwrite(&d, 4, 1, f) != 1 || fwrite(row, 4, (size_t) dim, f) != (size_t) dim)
		VecDie("could not write \"%s\": %s", path, strerror(errno));
}

/* Close a file written with VecWriteRow, reporting write errors. */
void
VecClose(FILE *f, const char *path)
{
	if (fflush(f) != 0 || ferror(f) || fclose(f) != 0)
		VecDie("could not write \"%s\": %s", path, strerror(errno));
}
