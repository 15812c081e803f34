/*-------------------------------------------------------------------------
 *
 * vector_parse.c
 *	  Parsers of the vector text and binary forms, free of palloc and ereport.
 *
 * The text grammar, read left to right as pgvector reads it:
 *
 *		ws "[" ws number ws ("," ws number ws)* "]" ws
 *
 * where ws is any of " \t\n\r\v\f" and a number is whatever strtof()
 * accepts (so each is rounded once, straight to float4, as float4in does).
 * The parse stops at the first problem and says which and where; vector_in
 * raises the matching error.  The buffer the floats go to belongs to the
 * caller: when it is full the parser returns ZVEC_PARSE_MORE and resumes,
 * where it stopped, once the caller has made it bigger.
 *
 * The binary form is an int16 dimension count, an int16 that must be zero,
 * then that many float4s, all in network byte order.
 *
 * This file is part of the server module and of the libFuzzer harnesses in
 * test/fuzz/, which build it with -DFRONTEND.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/type/vector_parse.c
 *
 *-------------------------------------------------------------------------
 */
#ifndef FRONTEND
#include "postgres.h"
#else
#include "postgres_fe.h"
#endif

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "type/vector_parse.h"

/* Whitespace the text form allows around numbers and brackets. */
static inline bool
VectorParseIsSpace(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' ||
		ch == '\r' || ch == '\v' || ch == '\f';
}

/* The offset of the first non-whitespace character at or after pos. */
static inline size_t
VectorParseSkipSpace(const char *s, size_t pos)
{
	while (VectorParseIsSpace(s[pos]))
		pos++;
	return pos;
}

/* Start parsing a NUL-terminated text. */
void
VectorTextParserInit(VectorTextParser *p, const char *input)
{
	p->input = input;
	p->pos = 0;
	p->end = 0;
	p->dim = 0;
	p->opened = false;
}

/*
 * Parse (or go on parsing) a vector's text into values, which has room for
 * capacity floats, the first p->dim of them already filled.  Returns
 * ZVEC_PARSE_MORE, before reading another element, when the buffer is full
 * and fewer than ZVEC_VECTOR_MAX_DIM elements were read.
 */
VectorParseStatus
VectorParseText(VectorTextParser *p, float *values, int capacity)
{
	const char *s = p->input;
	size_t		pos = p->pos;

	if (!p->opened)
	{
		pos = VectorParseSkipSpace(s, pos);
		p->pos = pos;
		if (s[pos] != '[')
			return ZVEC_PARSE_NO_OPEN;
		pos = VectorParseSkipSpace(s, pos + 1);
		p->pos = pos;
		if (s[pos] == ']')
			return ZVEC_PARSE_EMPTY;
		p->opened = true;
	}

	for (;;)
	{
		char	   *end;
		float		value;

		p->pos = pos;
		if (p->dim == ZVEC_VECTOR_MAX_DIM)
			return ZVEC_PARSE_TOO_MANY;
		if (p->dim >= capacity)
			return ZVEC_PARSE_MORE;

		pos = VectorParseSkipSpace(s, pos);
		p->pos = pos;
		if (s[pos] == '\0')
			return ZVEC_PARSE_NO_CLOSE;

		errno = 0;
		value = strtof(s + pos, &end);
		if (end == s + pos)
			return ZVEC_PARSE_NOT_NUMBER;
		p->end = (size_t) (end - s);
		if (errno == ERANGE && isinf(value))
			return ZVEC_PARSE_OUT_OF_RANGE;
		if (isnan(value))
			return ZVEC_PARSE_NAN;
		if (isinf(value))
			return ZVEC_PARSE_INFINITE;
		values[p->dim++] = value;

		pos = VectorParseSkipSpace(s, p->end);
		p->pos = pos;
		if (s[pos] == ',')
			pos++;
		else if (s[pos] == ']')
		{
			pos++;
			break;
		}
		else if (s[pos] == '\0')
			return ZVEC_PARSE_NO_CLOSE;
		else
			return ZVEC_PARSE_NO_COMMA;
	}

	pos = VectorParseSkipSpace(s, pos);
	p->pos = pos;
	if (s[pos] != '\0')
		return ZVEC_PARSE_JUNK;
	return ZVEC_PARSE_OK;
}

/* Start parsing len bytes of a vector's binary form. */
void
VectorBinaryParserInit(VectorBinaryParser *p, const void *data, size_t len)
{
	p->data = (const unsigned char *) data;
	p->len = len;
	p->pos = 0;
	p->need = 0;
	p->dim = 0;
	p->unused = 0;
	p->index = 0;
}

/* Read an unsigned big-endian 16-bit field; false if the data ends first. */
static bool
VectorParseUint16(VectorBinaryParser *p, int *out)
{
	if (p->len - p->pos < 2)
	{
		p->need = 2;
		return false;
	}
	*out = (p->data[p->pos] << 8) | p->data[p->pos + 1];
	p->pos += 2;
	return true;
}

/*
 * Read the binary header: p->dim and p->unused, unchecked (the caller
 * checks them against the limits and the type modifier).
 */
VectorParseStatus
VectorParseBinaryHeader(VectorBinaryParser *p)
{
	if (!VectorParseUint16(p, &p->dim) || !VectorParseUint16(p, &p->unused))
		return ZVEC_PARSE_SHORT;
	return ZVEC_PARSE_OK;
}

/*
 * Read the p->dim values that follow the header into values (room for
 * p->dim floats); a NaN or an infinity stops the parse at p->index.
 */
VectorParseStatus
VectorParseBinaryValues(VectorBinaryParser *p, float *values)
{
	int			i;

	for (i = 0; i < p->dim; i++)
	{
		const unsigned char *b;
		uint32		bits;
		float		value;

		p->index = i;
		if (p->len - p->pos < sizeof(uint32))
		{
			p->need = sizeof(uint32);
			return ZVEC_PARSE_SHORT;
		}
		b = p->data + p->pos;
		bits = ((uint32) b[0] << 24) | ((uint32) b[1] << 16) |
			((uint32) b[2] << 8) | (uint32) b[3];
		memcpy(&value, &bits, sizeof(value));
		p->pos += sizeof(uint32);
		if (isnan(value))
			return ZVEC_PARSE_NAN;
		if (isinf(value))
			return ZVEC_PARSE_INFINITE;
		values[i] = value;
	}
	return ZVEC_PARSE_OK;
}
