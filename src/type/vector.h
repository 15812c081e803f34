/*-------------------------------------------------------------------------
 *
 * vector.h
 *	  The pgvector-compatible "vector" type: on-disk layout and helpers.
 *
 * A vector is a varlena: the usual 4-byte header, an int16 dimension count,
 * an int16 that is always zero, then dim float4 values.  This is exactly the
 * layout of pgvector's vector, so a dump, a binary COPY or a physical value
 * moves between the two extensions unchanged.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/type/vector.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ZVEC_VECTOR_H
#define ZVEC_VECTOR_H

#include "postgres.h"

#include "fmgr.h"

#include "type/vector_parse.h"

/* One vector value, as stored on disk and passed around in Datums. */
typedef struct Vector
{
	int32		vl_len_;		/* varlena header; use SET_VARSIZE/VARSIZE */
	int16		dim;			/* number of dimensions, 1 .. ZVEC_VECTOR_MAX_DIM */
	int16		unused;			/* reserved, always zero */
	float4		x[FLEXIBLE_ARRAY_MEMBER];	/* the values, all finite */
} Vector;

/* Bytes needed for a vector of dim dimensions, header included. */
#define ZVEC_VECTOR_SIZE(dim) \
	(offsetof(Vector, x) + sizeof(float4) * (Size) (dim))

/* Fetch a detoasted vector from a Datum or a function argument. */
#define DatumGetVectorP(d)		((Vector *) PG_DETOAST_DATUM(d))
#define PG_GETARG_VECTOR_P(n)	DatumGetVectorP(PG_GETARG_DATUM(n))
#define PG_RETURN_VECTOR_P(v)	PG_RETURN_POINTER(v)

/* vector.c */
extern Vector *VectorAllocate(int dim);
extern int	VectorCompare(const Vector *a, const Vector *b);
extern void VectorCheckDim(int dim);
extern void VectorCheckSameDims(const Vector *a, const Vector *b);

#endif							/* ZVEC_VECTOR_H */
