/*-------------------------------------------------------------------------
 *
 * store.c
 *	  Choosing a storage backend and reading the metadata area.
 *
 * The backend of an index is recorded in the store header on block 0 of
 * the relation; StoreOpen() reads it and picks the backend's methods from
 * a table indexed by ZvecStorageKind, so adding a backend is one new file
 * and one table entry.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/storage/store.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"

#include "storage/store.h"
#include "storage/store_int.h"

/* One entry per backend; NULL where a backend is not available yet. */
typedef struct StoreBackendEntry
{
	const char *name;
	const StoreMethods *methods;
} StoreBackendEntry;

static const StoreBackendEntry store_backends[ZVEC_STORAGE_COUNT] = {
	[ZVEC_STORAGE_INVALID] = {NULL, NULL},
	[ZVEC_STORAGE_BUFFERPOOL] = {"bufferpool", &BufferpoolStoreMethods},
	[ZVEC_STORAGE_MMAP] = {"mmap", &MmapStoreMethods},
};

/* Map a reloption value to a storage kind; ZVEC_STORAGE_INVALID if unknown. */
ZvecStorageKind
StoreParseKind(const char *name)
{
	int			i;

	for (i = 1; i < ZVEC_STORAGE_COUNT; i++)
	{
		if (store_backends[i].name != NULL &&
			pg_strcasecmp(name, store_backends[i].name) == 0)
			return (ZvecStorageKind) i;
	}
	return ZVEC_STORAGE_INVALID;
}

/* The reloption spelling of a storage kind. */
const char *
StoreKindName(ZvecStorageKind kind)
{
	if (kind <= ZVEC_STORAGE_INVALID || kind >= ZVEC_STORAGE_COUNT)
		return "invalid";
	return store_backends[kind].name;
}

/* Error out unless the backend of this kind is built into this release. */
void
StoreCheckAvailable(ZvecStorageKind kind)
{
	if (kind <= ZVEC_STORAGE_INVALID || kind >= ZVEC_STORAGE_COUNT)
		elog(ERROR, "invalid zvec storage kind %d", (int) kind);
	if (store_backends[kind].methods == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("storage \"%s\" is not implemented yet",
						store_backends[kind].name),
				 errhint("Use storage = 'bufferpool'.")));
}

/* Reject a record size no backend can hold. */
void
StoreCheckRecordSize(Size record_size)
{
	if (record_size == 0 || record_size > STORE_MAX_RECORD_SIZE)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("index record of %zu bytes exceeds the maximum of %zu bytes",
						record_size, STORE_MAX_RECORD_SIZE)));
}

/* Allocate a Store for a backend and let the backend set up its state. */
static Store *
StoreAttach(Relation index, ForkNumber fork, ZvecStorageKind storage,
			Size record_size, StoreSlot nslots)
{
	Store	   *store;

	StoreCheckAvailable(storage);
	StoreCheckRecordSize(record_size);

	store = palloc0(sizeof(Store));
	store->methods = store_backends[storage].methods;
	store->index = index;
	store->fork = fork;
	store->storage = storage;
	store->record_size = MAXALIGN(record_size);
	store->nslots = nslots;
	store->methods->open(store);
	return store;
}

/*
 * Prepare to build a new, empty store in the given fork.  Nothing is
 * written until StoreBulkBegin().
 */
Store *
StoreCreate(Relation index, ForkNumber fork, ZvecStorageKind storage,
			Size record_size)
{
	return StoreAttach(index, fork, storage, record_size, 0);
}

/* Report a metadata page that is not a zvec one. */
static void
StoreReportCorrupt(Relation index, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INDEX_CORRUPTED),
			 errmsg("index \"%s\" is not a valid zvec index",
					RelationGetRelationName(index)),
			 errdetail("%s", detail),
			 errhint("REINDEX the index.")));
}

/*
 * Copy the store header and the access method's area out of block 0,
 * checking the header.
 */
static void
StoreReadMetaPage(Relation index, StoreHeader *header, char *meta_area)
{
	Buffer		buf;
	Page		page;

	if (RelationGetNumberOfBlocks(index) == 0)
		StoreReportCorrupt(index, "The index has no metadata page.");

	buf = ReadBuffer(index, STORE_META_BLOCK);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	memcpy(header, StorePageHeader(page), sizeof(StoreHeader));
	if (meta_area != NULL)
		memcpy(meta_area, StorePageMetaArea(page), STORE_META_AREA_SIZE);
	UnlockReleaseBuffer(buf);

	if (header->magic != STORE_HEADER_MAGIC)
		StoreReportCorrupt(index, "The metadata page has no zvec store header.");
	if (header->storage <= ZVEC_STORAGE_INVALID ||
		header->storage >= ZVEC_STORAGE_COUNT)
		StoreReportCorrupt(index, "The metadata page names an unknown storage backend.");
	if (header->record_size == 0 || header->record_size > STORE_MAX_RECORD_SIZE)
		StoreReportCorrupt(index, "The metadata page has an invalid record size.");
}

/* Copy the access method's area of the metadata page into meta_area. */
void
StoreReadMeta(Relation index, char *meta_area)
{
	StoreHeader header;

	StoreReadMetaPage(index, &header, meta_area);
}

/*
 * Open the store of an existing index; the access method's area of the
 * metadata is copied into meta_area (if not NULL) in the same read.
 */
Store *
StoreOpen(Relation index, char *meta_area)
{
	StoreHeader header;

	StoreReadMetaPage(index, &header, meta_area);
	return StoreAttach(index, MAIN_FORKNUM, (ZvecStorageKind) header.storage,
					   header.record_size, header.nslots);
}

/* Release everything an open store holds. */
void
StoreClose(Store *store)
{
	if (store == NULL)
		return;
	store->methods->close(store);
	pfree(store);
}

/* Hand one problem to a reporter; the detail is formatted like errdetail. */
void
StoreReport(StoreReporter *rep, const char *kind, const char *location,
			const char *fmt,...)
{
	StringInfoData detail;

	initStringInfo(&detail);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&detail, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&detail, needed);
	}
	rep->nproblems++;
	rep->report(rep, kind, location, detail.data);
	pfree(detail.data);
}

/*
 * Check the metadata page the way StoreOpen() would, reporting instead of
 * raising errors.  Returns true (with the store header and the access
 * method's area copied out) if the store can be opened.
 */
bool
StoreCheckMeta(Relation index, StoreReporter *rep, StoreHeader *header_out,
			   char *meta_area)
{
	StoreHeader header;
	Buffer		buf;
	Page		page;
	bool		ok = true;

	if (RelationGetNumberOfBlocks(index) == 0)
	{
		StoreReport(rep, "bad_metapage", "block 0",
					"The index has no metadata page.");
		return false;
	}
	buf = ReadBuffer(index, STORE_META_BLOCK);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	memcpy(&header, StorePageHeader(page), sizeof(StoreHeader));
	memcpy(meta_area, StorePageMetaArea(page), STORE_META_AREA_SIZE);
	UnlockReleaseBuffer(buf);

	if (header.magic != STORE_HEADER_MAGIC)
	{
		StoreReport(rep, "bad_magic", "block 0",
					"The store header's magic number is 0x%08X; expected 0x%08X.",
					header.magic, STORE_HEADER_MAGIC);
		return false;
	}
	if (header.storage <= ZVEC_STORAGE_INVALID ||
		header.storage >= ZVEC_STORAGE_COUNT ||
		store_backends[header.storage].methods == NULL)
	{
		StoreReport(rep, "bad_metapage", "block 0",
					"The store header names storage backend %u, which this zvec does not provide.",
					(unsigned int) header.storage);
		ok = false;
	}
	if (header.record_size == 0 || header.record_size > STORE_MAX_RECORD_SIZE ||
		header.record_size != MAXALIGN(header.record_size))
	{
		StoreReport(rep, "bad_metapage", "block 0",
					"The store header gives a record size of %u bytes.",
					header.record_size);
		ok = false;
	}
	if (header.nslots == STORE_INVALID_SLOT)
	{
		StoreReport(rep, "bad_metapage", "block 0",
					"The store header gives an invalid slot count.");
		ok = false;
	}
	*header_out = header;
	return ok;
}

/* The slot count the metadata page holds now (0 if it is not readable). */
StoreSlot
StoreReadSlotCount(Relation index)
{
	Buffer		buf;
	StoreSlot	nslots;

	if (RelationGetNumberOfBlocks(index) == 0)
		return 0;
	buf = ReadBuffer(index, STORE_META_BLOCK);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	nslots = StorePageHeader(BufferGetPage(buf))->nslots;
	UnlockReleaseBuffer(buf);
	return nslots;
}
