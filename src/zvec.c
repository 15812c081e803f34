/*-------------------------------------------------------------------------
 *
 * zvec.c
 *	  Module initialisation for the zvec extension.
 *
 * _PG_init() runs once per backend (or once in the postmaster with
 * shared_preload_libraries = 'zvec').  It picks the distance kernels for
 * this CPU, defines the GUCs and sets up the memory governor, in that
 * order: the governor's shared-memory mode depends on whether we are being
 * preloaded, and its GUCs must exist before it reads them.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/zvec.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "am/am.h"
#include "zvec.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Set up kernels, GUCs, reloptions, the governor and the mmap store. */
void
_PG_init(void)
{
	VectorInit();
	ZvecDefineGucs();
	ZvecInitReloptions();
	GovernorInit();
	MmapStoreInit();
}
