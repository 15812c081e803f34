/*-------------------------------------------------------------------------
 *
 * vector_recv_fuzzer.c
 *	  libFuzzer harness of the vector binary parser (src/type/vector_parse.c).
 *
 * Each input is the unread part of a message as vector_recv sees it.  The
 * harness reads the header, and then, for any dimension count the header
 * gives (even one vector_recv would refuse, to stress the parser), the
 * values into a buffer of exactly that many floats.  Beyond ASan and UBSan
 * it checks:
 *
 *	- a short message is reported only when a field really is cut off, at
 *	  the offset of that field;
 *	- a NaN or infinity is reported at the element that holds it;
 *	- differential: an accepted vector, encoded again in network byte
 *	  order, is byte for byte the input it was read from, and every float
 *	  equals the one ntohl() and memcpy() give.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * test/fuzz/vector_recv_fuzzer.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <arpa/inet.h>
#include <math.h>

#include "fuzz_common.h"
#include "type/vector_parse.h"

/* The float in the 4 network-order bytes at b, decoded independently. */
static float
FuzzDecodeFloat(const uint8_t *b)
{
	uint32		word;
	float		value;

	memcpy(&word, b, sizeof(word));
	word = ntohl(word);
	memcpy(&value, &word, sizeof(value));
	return value;
}

/* libFuzzer entry point: one binary vector message. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	VectorBinaryParser p;
	VectorParseStatus status;
	float	   *values;
	uint8_t    *again;
	int			i;

	VectorBinaryParserInit(&p, data, size);
	status = VectorParseBinaryHeader(&p);
	if (status != ZVEC_PARSE_OK)
	{
		FUZZ_CHECK(status == ZVEC_PARSE_SHORT && size < ZVEC_VECTOR_BINARY_HEADER);
		FUZZ_CHECK(p.need == 2 && p.pos == (size < 2 ? 0 : 2));
		return 0;
	}
	FUZZ_CHECK(p.pos == ZVEC_VECTOR_BINARY_HEADER);
	FUZZ_CHECK(p.dim == ((data[0] << 8) | data[1]));
	FUZZ_CHECK(p.unused == ((data[2] << 8) | data[3]));
	if (p.dim == 0)
		return 0;

	/* exactly dim floats, so that ASan sees any write past them */
	values = malloc(sizeof(float) * p.dim);
	FUZZ_CHECK(values != NULL);
	status = VectorParseBinaryValues(&p, values);
	switch (status)
	{
		case ZVEC_PARSE_OK:
			FUZZ_CHECK(p.pos == ZVEC_VECTOR_BINARY_HEADER + sizeof(float) * (size_t) p.dim);
			FUZZ_CHECK(p.pos <= size);
			again = malloc(p.pos);
			FUZZ_CHECK(again != NULL);
			again[0] = (uint8_t) (p.dim >> 8);
			again[1] = (uint8_t) p.dim;
			again[2] = (uint8_t) (p.unused >> 8);
			again[3] = (uint8_t) p.unused;
			for (i = 0; i < p.dim; i++)
			{
				uint32		word;
				float		expect = FuzzDecodeFloat(data + ZVEC_VECTOR_BINARY_HEADER + 4 * i);

				FUZZ_CHECK(isfinite(values[i]));
				FUZZ_CHECK(memcmp(&expect, &values[i], sizeof(float)) == 0);
				memcpy(&word, &values[i], sizeof(word));
				word = htonl(word);
				memcpy(again + ZVEC_VECTOR_BINARY_HEADER + 4 * i, &word, sizeof(word));
			}
			FUZZ_CHECK(memcmp(again, data, p.pos) == 0);
			free(again);
			break;
		case ZVEC_PARSE_SHORT:
			FUZZ_CHECK(p.need == 4 && p.index < p.dim);
			FUZZ_CHECK(p.pos == ZVEC_VECTOR_BINARY_HEADER + 4 * (size_t) p.index);
			FUZZ_CHECK(size - p.pos < 4);
			break;
		case ZVEC_PARSE_NAN:
		case ZVEC_PARSE_INFINITE:
			FUZZ_CHECK(p.index < p.dim);
			FUZZ_CHECK(p.pos == ZVEC_VECTOR_BINARY_HEADER + 4 * (size_t) (p.index + 1));
			{
				float		bad = FuzzDecodeFloat(data + p.pos - 4);

				FUZZ_CHECK(status == ZVEC_PARSE_NAN ? isnan(bad) : isinf(bad));
			}
			for (i = 0; i < p.index; i++)
				FUZZ_CHECK(isfinite(values[i]));
			break;
		default:
			FUZZ_CHECK(!"unexpected status");
	}
	free(values);
	return 0;
}
