/*-------------------------------------------------------------------------
 *
 * opclass.c
 *	  Turning an index's operator class into a distance it can compute fast.
 *
 * Support function 1 is the distance; support function 2, when present,
 * normalises vectors before they are stored or searched (vector_cosine_ops
 * normalises and then orders by negative inner product, which is cheaper
 * than cosine distance and orders the same).  When the distance function is
 * one of zvec's own, the index calls the SIMD kernel directly; any other
 * function is called through fmgr, so a user's opclass still works.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/am/opclass.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "utils/rel.h"

#include "am/am.h"

/* zvec's own distance functions (type/vector.c), recognised by address. */
extern Datum l2_distance(PG_FUNCTION_ARGS);
extern Datum vector_l2_squared_distance(PG_FUNCTION_ARGS);
extern Datum inner_product(PG_FUNCTION_ARGS);
extern Datum vector_negative_inner_product(PG_FUNCTION_ARGS);
extern Datum cosine_distance(PG_FUNCTION_ARGS);
extern Datum l1_distance(PG_FUNCTION_ARGS);

/* Resolve the distance of an index from its opclass's support functions. */
void
ZvecDistanceInit(Relation index, ZvecDistance *dist)
{
	FmgrInfo   *proc = index_getprocinfo(index, 1, ZVEC_DISTANCE_PROC);
	PGFunction	fn = proc->fn_addr;

	if (distance_kernels == NULL)
		elog(ERROR, "zvec distance kernels are not initialised");

	memset(dist, 0, sizeof(ZvecDistance));
	dist->proc = proc;
	dist->collation = index->rd_indcollation[0];
	if (OidIsValid(index_getprocid(index, 1, ZVEC_NORMALIZE_PROC)))
		dist->normalize = index_getprocinfo(index, 1, ZVEC_NORMALIZE_PROC);

	if (fn == l2_distance || fn == vector_l2_squared_distance)
	{
		dist->kind = ZVEC_DISTANCE_L2SQ;
		dist->kernel = distance_kernels->l2sq;
	}
	else if (fn == vector_negative_inner_product)
	{
		dist->kind = ZVEC_DISTANCE_NEG_IP;
		dist->kernel = distance_kernels->ip;
	}
	else if (fn == inner_product)
	{
		dist->kind = ZVEC_DISTANCE_IP;
		dist->kernel = distance_kernels->ip;
	}
	else if (fn == cosine_distance)
		dist->kind = ZVEC_DISTANCE_COSINE;
	else if (fn == l1_distance)
	{
		dist->kind = ZVEC_DISTANCE_L1;
		dist->kernel = distance_kernels->l1;
	}
	else
		dist->kind = ZVEC_DISTANCE_FMGR;
}
