/*-------------------------------------------------------------------------
 *
 * memory.h
 *	  The memory governor: detected limits, the cap, and accounted contexts.
 *
 * An algorithm that needs memory opens an accounted context for its
 * operation, tells the governor what it expects to use before it starts,
 * and asks again before each large allocation:
 *
 *		cxt = GovernorContextCreate(CurrentMemoryContext,
 *									"zvec hnsw build graph",
 *									psprintf("index build \"%s\"", relname),
 *									GOVERNOR_QUOTA | GOVERNOR_SUGGEST_MMAP);
 *		GovernorReserve(cxt, estimate);			-- before any work
 *		...
 *		GovernorGrow(cxt, nbytes);				-- before a large palloc
 *		...
 *		MemoryContextDelete(cxt);				-- charge released
 *
 * The meter is MemoryContextMemAllocated() of the context and its children
 * (less the memory of any accounted context nested inside it), so whatever
 * is palloc'd there is counted; the charge held is the larger of the
 * reservation and the metered bytes, plus pinned (mlocked) bytes.  Every
 * step that would raise the charge is checked against zvec.memory_quota
 * (for GOVERNOR_QUOTA operations) and against the cap, zvec.memory_limit;
 * a step that does not fit fails with SQLSTATE 53200 and leaves the charge
 * as it was.  The charge is released when the context is reset or deleted,
 * including by transaction abort after an ERROR, through a reset callback;
 * a reset ends the accounting, so reset only contexts you are done with
 * (reset per-tuple child contexts freely).  Give accounted contexts a
 * transaction-lifetime parent so that an ERROR deletes them.
 *
 * With shared_preload_libraries = 'zvec' the charges of all backends are
 * summed in shared memory and the cap bounds that sum; otherwise each
 * backend enforces the cap on its own charges.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/memory/memory.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ZVEC_MEMORY_H
#define ZVEC_MEMORY_H

#include "postgres.h"

#include <sys/mman.h>

#include "utils/memutils.h"
#include "utils/rel.h"

/* Flags for GovernorContextCreate() and GovernorAttachContext(). */
#define GOVERNOR_QUOTA			0x01	/* zvec.memory_quota applies (builds) */
#define GOVERNOR_SUGGEST_MMAP	0x02	/* hint storage = 'mmap' on failure */

/* Where the detected memory limit came from. */
typedef enum CgroupLimitKind
{
	CGROUP_LIMIT_V1,			/* a cgroup v1 memory.limit_in_bytes */
	CGROUP_LIMIT_V2,			/* a cgroup v2 memory.max */
	CGROUP_LIMIT_PHYSICAL		/* no (usable) cgroup limit: physical RAM */
} CgroupLimitKind;

/* What cgroup.c found; cached per process, see CgroupGetLimits(). */
typedef struct CgroupLimits
{
	int64		memory_bytes;	/* the detected memory limit */
	CgroupLimitKind memory_kind;	/* which kind of source it is */
	char		memory_source[MAXPGPATH + 256];	/* human-readable source */
	int64		physical_bytes; /* physical RAM */
	double		cpus;			/* CPU limit (may be fractional) */
	char		cpu_source[MAXPGPATH + 256];	/* human-readable source */
} CgroupLimits;

/* memory/cgroup.c */
extern const CgroupLimits *CgroupGetLimits(void);
extern void CgroupInvalidate(void);

/* memory/governor.c: the cap and the quota */
extern int64 GovernorMemoryCap(void);
extern int64 GovernorMemoryQuota(void);
extern const char *GovernorDescribeCap(void);

/* memory/governor.c: accounted contexts */
extern MemoryContext GovernorContextCreate(MemoryContext parent,
										   const char *name,
										   const char *operation,
										   int flags);
extern void GovernorAttachContext(MemoryContext context,
								  const char *operation, int flags);
extern MemoryContext GovernorScanContextCreate(const char *name,
												Relation index);
extern void GovernorScanContextDelete(MemoryContext context);
extern void GovernorReserve(MemoryContext context, Size bytes);
extern bool GovernorMayGrow(MemoryContext context, Size bytes);
extern void GovernorGrow(MemoryContext context, Size bytes);
extern void GovernorRefresh(MemoryContext context);
extern void GovernorPin(MemoryContext context, Size bytes);
extern void GovernorUnpin(MemoryContext context, Size bytes);
extern int64 GovernorContextCharged(MemoryContext context);

/*
 * Ask the kernel to back the whole 2 MB pages inside [p, p + n) with huge
 * pages (where transparent huge pages are set to "madvise"): for large
 * arrays read at random, such as a build's vectors, fewer TLB misses.
 * Only a hint; memory already touched is left as it is.
 */
static inline void
ZvecAdviseHugePages(void *p, Size n)
{
#ifdef MADV_HUGEPAGE
	uintptr_t	start = TYPEALIGN(2 * 1024 * 1024, (uintptr_t) p);
	uintptr_t	end = TYPEALIGN_DOWN(2 * 1024 * 1024, (uintptr_t) p + n);

	if (end > start)
		(void) madvise((void *) start, end - start, MADV_HUGEPAGE);
#endif
}

/* memory/governor.c: reports */
extern int64 GovernorBackendCharged(void);
extern int64 GovernorBackendPinned(void);
extern int64 GovernorClusterCharged(void);
extern bool GovernorIsShared(void);

#endif							/* ZVEC_MEMORY_H */
