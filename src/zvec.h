/*-------------------------------------------------------------------------
 *
 * zvec.h
 *	  Module-wide declarations: the initialisers _PG_init() calls.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/zvec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ZVEC_H
#define ZVEC_H

/* guc.c */
extern void ZvecDefineGucs(void);

/* storage/mmap.c */
extern void MmapStoreInit(void);

/* memory/governor.c */
extern void GovernorInit(void);

/* type/vector.c */
extern void VectorInit(void);

#endif							/* ZVEC_H */
