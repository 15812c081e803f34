/*-------------------------------------------------------------------------
 *
 * vecfile.h
 *	  Reading and writing TEXMEX .fvecs / .ivecs files for the bench tools.
 *
 * Each record of a TEXMEX file is a little-endian int32 dimension followed
 * by that many float32 (.fvecs) or int32 (.ivecs) values.  Every record of
 * one file must have the same dimension.  These helpers are freestanding
 * (no postgres.h) and die with a message on any error.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * bench/vecfile.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ZVEC_BENCH_VECFILE_H
#define ZVEC_BENCH_VECFILE_H

#include <stdio.h>

/* Largest dimension the bench tools accept (the vector type's limit). */
#define ZVEC_BENCH_MAX_DIM 16000

/* A whole file in memory: n rows of dim values each, row-major. */
typedef struct VecSet
{
	long		n;
	int			dim;
	void	   *data;			/* float * for .fvecs, int * for .ivecs */
} VecSet;

/* vecfile.c */
extern void VecDie(const char *fmt,...) __attribute__((format(printf, 1, 2), noreturn));
extern void *VecAlloc(size_t size);
extern void VecRead(const char *path, int elemsize, long limit, VecSet *out);
extern void VecWriteRow(FILE *f, const char *path, const void *row, int dim);
extern void VecClose(FILE *f, const char *path);

/* Read a whole .fvecs file, at most limit rows (limit < 0: all). */
static inline void
VecReadFvecs(const char *path, long limit, VecSet *out)
{
	VecRead(path, 4, limit, out);
}

/* Row i of an .fvecs set. */
static inline float *
VecFloatRow(const VecSet *set, long i)
{
	return (float *) set->data + (size_t) i * set->dim;
}

/* Row i of an .ivecs set. */
static inline int *
VecIntRow(const VecSet *set, long i)
{
	return (int *) set->data + (size_t) i * set->dim;
}

#endif							/* ZVEC_BENCH_VECFILE_H */
