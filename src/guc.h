/*-------------------------------------------------------------------------
 *
 * guc.h
 *	  The variables behind zvec's configuration parameters (zvec.*).
 *
 * Every zvec GUC is defined in guc.c; the rest of the tree reads the
 * variables declared here and never calls DefineCustom*Variable itself.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/guc.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ZVEC_GUC_H
#define ZVEC_GUC_H

/* zvec.mmap_warmup: how a mapped side file is brought into memory */
typedef enum ZvecMmapWarmup
{
	ZVEC_MMAP_WARMUP_OFF,		/* fault pages in on demand */
	ZVEC_MMAP_WARMUP_PREFETCH,	/* madvise(MADV_WILLNEED) on open */
	ZVEC_MMAP_WARMUP_POPULATE	/* fault every page in before the first read */
} ZvecMmapWarmup;

/* zvec.mmap_lock: whether a mapped side file is pinned with mlock() */
typedef enum ZvecMmapLock
{
	ZVEC_MMAP_LOCK_OFF,			/* never mlock */
	ZVEC_MMAP_LOCK_TRY,			/* mlock; on failure WARNING and go on */
	ZVEC_MMAP_LOCK_ON			/* mlock; on failure ERROR */
} ZvecMmapLock;

/* zvec.iterative_scan: whether index scans go on past their first batch */
typedef enum ZvecIterativeScan
{
	ZVEC_ITERATIVE_OFF,			/* at most one batch (ef_search / probes) */
	ZVEC_ITERATIVE_RELAXED,		/* more batches, each in order */
	ZVEC_ITERATIVE_STRICT		/* more batches, dropping out-of-order rows */
} ZvecIterativeScan;

/* zvec.ef_search: candidates an HNSW scan keeps on layer 0 */
extern PGDLLIMPORT int zvec_ef_search;

/* zvec.probes: lists an IVF scan probes (clamped to the index's lists) */
extern PGDLLIMPORT int zvec_probes;

/* zvec.iterative_scan, a ZvecIterativeScan */
extern PGDLLIMPORT int zvec_iterative_scan;

/* zvec.max_scan_tuples: index entries an iterative scan may visit */
extern PGDLLIMPORT int zvec_max_scan_tuples;

/* zvec.memory_limit in MB; -1 = 80% of the detected limit */
extern PGDLLIMPORT int zvec_memory_limit;

/* zvec.memory_quota in MB; -1 = bounded only by the cap */
extern PGDLLIMPORT int zvec_memory_quota;

/* zvec.mmap_warmup, a ZvecMmapWarmup */
extern PGDLLIMPORT int zvec_mmap_warmup;

/* zvec.mmap_lock, a ZvecMmapLock */
extern PGDLLIMPORT int zvec_mmap_lock;

/* zvec.cgroup_root: where /proc and /sys are looked up (tests: fixtures) */
extern PGDLLIMPORT char *zvec_cgroup_root;

#endif							/* ZVEC_GUC_H */
