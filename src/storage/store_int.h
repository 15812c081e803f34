/*-------------------------------------------------------------------------
 *
 * store_int.h
 *	  Page layout shared by the storage layer's own files (not algorithms).
 *
 * Block 0 of every zvec index is the metadata page: the StoreHeader, then
 * the access method's STORE_META_AREA_SIZE bytes.  Only files under
 * src/storage/ include this header.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/storage/store_int.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ZVEC_STORE_INT_H
#define ZVEC_STORE_INT_H

#include "storage/bufpage.h"

#include "storage/store.h"

/* Where the access method's area starts inside the metadata contents. */
#define STORE_META_AREA_OFFSET	MAXALIGN(sizeof(StoreHeader))

/* Bytes of a page available to records: everything after the header. */
#define STORE_PAGE_USABLE		(BLCKSZ - MAXALIGN(SizeOfPageHeaderData))

/* The store header on a metadata page. */
static inline StoreHeader *
StorePageHeader(Page page)
{
	return (StoreHeader *) PageGetContents(page);
}

/* The access method's area on a metadata page. */
static inline char *
StorePageMetaArea(Page page)
{
	return PageGetContents(page) + STORE_META_AREA_OFFSET;
}

/*
 * Initialise a page whose first used_bytes of contents are data.  pd_lower
 * covers the data, so generic WAL and log_newpage keep it.
 */
static inline void
StorePageInit(Page page, Size used_bytes)
{
	PageInit(page, BLCKSZ, 0);
	((PageHeader) page)->pd_lower = MAXALIGN(SizeOfPageHeaderData) + used_bytes;
}

/* Initialise a metadata page. */
static inline void
StoreMetaPageInit(Page page)
{
	StorePageInit(page, STORE_META_AREA_OFFSET + STORE_META_AREA_SIZE);
}

#endif							/* ZVEC_STORE_INT_H */
