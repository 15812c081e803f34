/*-------------------------------------------------------------------------
 *
 * cost.c
 *	  Planner cost estimate for zvec indexes.
 *
 * A zvec index serves only ORDER BY <distance operator>: a path without
 * such an ordering gets an infinite cost, so the planner never chooses the
 * index for a query it cannot answer.
 *
 * For an ordered path, the startup cost (paid before the first row, since
 * a k-NN search does all its work up front) is that of the search itself,
 * from the number of index tuples the algorithm expects it to visit (V):
 *
 *	- CPU: V times cpu_index_tuple_cost plus one distance operator each;
 *	- I/O: the pages V visits touch: for an algorithm whose visits are
 *	  scattered (HNSW), by core's index_pages_fetched() (which counts a
 *	  page once per scan, and across repeated scans while the index fits
 *	  in effective_cache_size); else (IVF lists) the same share of the
 *	  index's pages as of its tuples.  Each page is charged as core's bitmap
 *	  heap scan charges its pages: random_page_cost when the search touches
 *	  few of the index's pages, sliding to seq_page_cost as it touches
 *	  nearly all of them; and never more than reading the whole index
 *	  once at seq_page_cost, as a sequential scan reads the whole table.
 *
 * When fewer than half of the vectors are visited, the I/O is also capped at
 * the table's main pages read once (see the code for why: TOAST).
 *
 * Charging every visited page at random_page_cost, as a B-tree descent
 * is charged, made a search that touches most of a small index's pages
 * look dearer than a sequential scan of the table plus a top-N sort, which
 * it is not (on 10,000 SIFT vectors the search at ef_search = 400 is several
 * times faster).  The total cost, for a scan read to the end, stays
 * genericcostestimate()'s cost of reading the whole index, so a full
 * ordered scan is still left to a sort; a LIMIT k costs little more than
 * the startup.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/am/cost.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/float.h"
#include "utils/selfuncs.h"
#include "utils/spccache.h"

#include "am/am.h"

/* The amcostestimate callback. */
void
zveccostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				 Cost *indexStartupCost, Cost *indexTotalCost,
				 Selectivity *indexSelectivity, double *indexCorrelation,
				 double *indexPages)
{
	GenericCosts costs;
	ZvecMeta	meta;
	Relation	index;
	const ZvecAlgorithm *alg;
	double		ntuples = path->indexinfo->tuples;
	double		visits;
	double		index_pages;
	double		pages;
	double		loops;
	double		random_page_cost;
	double		seq_page_cost;
	double		page_cost;
	double		io;
	double		search;

	/*
	 * No ordering by distance, or an algorithm this release lacks: this
	 * index cannot serve the query.
	 */
	if (path->indexorderbys != NIL)
	{
		index = index_open(path->indexinfo->indexoid, NoLock);
		ZvecMetaRead(index, &meta);
		index_close(index, NoLock);
		alg = ZvecAlgorithmByKind((ZvecAlgorithmKind) meta.algorithm, false);
	}
	else
		alg = NULL;

	if (alg == NULL)
	{
		*indexStartupCost = get_float8_infinity();
		*indexTotalCost = get_float8_infinity();
		*indexSelectivity = 0;
		*indexCorrelation = 0;
		*indexPages = 0;
		return;
	}

	MemSet(&costs, 0, sizeof(costs));
	genericcostestimate(root, path, loop_count, &costs);

	visits = Min(ntuples, alg->scan_tuples(&meta, ntuples));
	visits = Max(visits, 1.0);
	index_pages = Max(path->indexinfo->pages, 1.0);
	get_tablespace_page_costs(path->indexinfo->reltablespace,
							  &random_page_cost, &seq_page_cost);
	loops = Max(loop_count, 1.0);
	if (alg->scan_scattered)
		pages = index_pages_fetched(visits * loops, (BlockNumber) index_pages,
									index_pages, root) / loops;
	else
		pages = index_pages * visits / Max(ntuples, 1.0);
	pages = Min(Max(pages, 1.0), index_pages);
	page_cost = random_page_cost -
		(random_page_cost - seq_page_cost) * sqrt(pages / index_pages);
	io = Min(pages * page_cost, index_pages * seq_page_cost);

	/*
	 * Vectors of more than about 500 dimensions live in TOAST, and the
	 * planner charges a sequential scan only for the table's main pages,
	 * not for the TOAST pages it reads to compute every distance: on
	 * 100,000 rows of 768 dimensions it chose that scan (600 ms a query)
	 * over an IVF search of 8 lists of 300.  A search that reads fewer than
	 * half of the index's vectors is therefore never charged more I/O than
	 * reading the table's main pages once.
	 */
	if (visits < ntuples / 2 && path->indexinfo->rel->pages >= 1)
		io = Min(io, (double) path->indexinfo->rel->pages * seq_page_cost);
	search = io +
		visits * (cpu_index_tuple_cost +
				  cpu_operator_cost * list_length(path->indexorderbys));

	*indexStartupCost = Min(search, costs.indexTotalCost);
	*indexTotalCost = Max(costs.indexTotalCost, *indexStartupCost);
	*indexSelectivity = costs.indexSelectivity;
	*indexCorrelation = 0;
	*indexPages = costs.numIndexPages;
}
