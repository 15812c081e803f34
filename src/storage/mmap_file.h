/*-------------------------------------------------------------------------
 *
 * mmap_file.h
 *	  The format of the mmap backend's side files, and its pure checks.
 *
 * A side file is a header in its first MMAP_DATA_ALIGN bytes, the records
 * at a MMAP_RECORD_ALIGN stride, then a CRC-32C of every MMAP_CHUNK_SIZE
 * bytes of records.  The checks here read a file image already in memory
 * and neither allocate nor raise errors, so the libFuzzer harness in
 * test/fuzz/ links them unchanged.  Include postgres.h (or postgres_fe.h)
 * first.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/storage/mmap_file.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ZVEC_MMAP_FILE_H
#define ZVEC_MMAP_FILE_H

#include "port/pg_crc32c.h"

/* "zMAP" and the side file format version. */
#define MMAP_FILE_MAGIC			0x7A4D4150
#define MMAP_FILE_VERSION		1

/* Records start at this alignment in the file (SIMD-friendly). */
#define MMAP_RECORD_ALIGN		64

/* The records area starts at a multiple of this. */
#define MMAP_DATA_ALIGN			4096

/* Bytes of records covered by one CRC. */
#define MMAP_CHUNK_SIZE			((Size) 1024 * 1024)

/*
 * The side file header, in the first MMAP_DATA_ALIGN bytes; the records
 * follow, then one CRC per chunk of records.
 */
typedef struct MmapFileHeader
{
	uint32		magic;			/* MMAP_FILE_MAGIC */
	uint32		version;		/* MMAP_FILE_VERSION */
	Oid			spc_node;		/* the index's RelFileNode */
	Oid			db_node;
	Oid			rel_node;
	uint32		record_size;	/* bytes of a record */
	uint32		stride;			/* bytes between records */
	uint32		nslots;			/* records in the image */
	uint64		build_id;		/* the metadata tail's, when copied */
	uint64		changes;		/* B: the image is the relation after B changes */
	uint64		lsn;			/* WAL flushed before publishing (information) */
	uint64		data_offset;	/* where record 0 starts (MMAP_DATA_ALIGN) */
	uint64		data_size;		/* nslots * stride */
	uint64		crc_offset;		/* where the chunk CRCs start: after the records */
	uint32		chunk_size;		/* bytes of records per CRC */
	uint32		nchunks;
	pg_crc32c	header_crc;		/* of this header (this field 0) and the chunk CRCs */
} MmapFileHeader;

/* mmap_file.c */
extern const char *MmapFileCheckHeader(const void *file, uint64 file_size,
									   Oid spc_node, Oid db_node, Oid rel_node,
									   Size record_size);
extern bool MmapFileCheckChunk(const void *file, uint32 chunk);

#endif							/* ZVEC_MMAP_FILE_H */
