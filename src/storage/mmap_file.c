/*-------------------------------------------------------------------------
 *
 * mmap_file.c
 *	  Checks of a side file image: its header, and the CRC of a chunk.
 *
 * mmap.c maps a side file and asks these functions whether it may be used;
 * anything they do not accept is discarded and rebuilt from the relation.
 * The header check must accept only headers whose every offset and length
 * lies inside the file, since mmap.c then reads records and CRCs through
 * them without further bounds checks.  Nothing here allocates or raises an
 * error: the libFuzzer harness test/fuzz/mmap_header_fuzzer.c builds this
 * file with -DFRONTEND and feeds it arbitrary bytes.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/storage/mmap_file.c
 *
 *-------------------------------------------------------------------------
 */
#ifndef FRONTEND
#include "postgres.h"
#else
#include "postgres_fe.h"
#endif

#include "storage/mmap_file.h"

/*
 * Check the header of a side file image of file_size bytes against the
 * relfilenode and record size it should have: identity, arithmetic, size,
 * then the CRC of the header and of the chunk CRCs.  Returns NULL if the
 * image may be used, else why not (a phrase for a log message).
 */
const char *
MmapFileCheckHeader(const void *file, uint64 file_size,
					Oid spc_node, Oid db_node, Oid rel_node, Size record_size)
{
	const MmapFileHeader *h = (const MmapFileHeader *) file;
	MmapFileHeader copy;
	pg_crc32c	crc;

	if (file_size < sizeof(MmapFileHeader))
		return "it is shorter than its header";
	if (h->magic != MMAP_FILE_MAGIC)
		return "its magic number is wrong";
	if (h->version != MMAP_FILE_VERSION)
		return "its format version is not this zvec's";
	if (h->spc_node != spc_node || h->db_node != db_node ||
		h->rel_node != rel_node)
		return "it belongs to another relfilenode";

	/*
	 * nchunks is 32 bits, so data_size passing these checks is below 2^52
	 * and no sum below can wrap.
	 */
	if (h->record_size != record_size ||
		h->stride != TYPEALIGN(MMAP_RECORD_ALIGN, record_size) ||
		h->chunk_size != MMAP_CHUNK_SIZE ||
		h->data_offset != MMAP_DATA_ALIGN ||
		h->data_size != (uint64) h->nslots * h->stride ||
		h->nchunks != (h->data_size + MMAP_CHUNK_SIZE - 1) / MMAP_CHUNK_SIZE ||
		h->crc_offset != h->data_offset + h->data_size)
		return "its header is inconsistent";
	if (h->crc_offset + (uint64) h->nchunks * sizeof(pg_crc32c) != file_size)
		return "its size does not match its header (truncated or extended)";

	memcpy(&copy, h, sizeof(MmapFileHeader));
	copy.header_crc = 0;
	INIT_CRC32C(crc);
	COMP_CRC32C(crc, &copy, sizeof(MmapFileHeader));
	COMP_CRC32C(crc, (const char *) file + h->crc_offset,
				(Size) h->nchunks * sizeof(pg_crc32c));
	FIN_CRC32C(crc);
	if (!EQ_CRC32C(crc, h->header_crc))
		return "its header fails its checksum";
	return NULL;
}

/*
 * Whether chunk number chunk of the records of an image whose header
 * MmapFileCheckHeader() accepted matches its CRC.
 */
bool
MmapFileCheckChunk(const void *file, uint32 chunk)
{
	const MmapFileHeader *h = (const MmapFileHeader *) file;
	const char *records = (const char *) file + h->data_offset;
	const pg_crc32c *crcs = (const pg_crc32c *) ((const char *) file + h->crc_offset);
	Size		start = (Size) chunk * h->chunk_size;
	Size		len = Min((Size) h->chunk_size, (Size) h->data_size - start);
	pg_crc32c	crc;

	Assert(chunk < h->nchunks);
	INIT_CRC32C(crc);
	COMP_CRC32C(crc, records + start, len);
	FIN_CRC32C(crc);
	return EQ_CRC32C(crc, crcs[chunk]);
}
