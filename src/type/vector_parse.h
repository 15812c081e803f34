/*-------------------------------------------------------------------------
 *
 * vector_parse.h
 *	  Parsers of the vector text and binary forms, free of palloc and ereport.
 *
 * The parsers only read the input and write floats into a buffer the caller
 * provides; they report the outcome as a status and a position, and the
 * type's I/O functions (vector.c) turn each status into its ereport.  Being
 * free of the backend, they are also linked, unchanged, into the libFuzzer
 * harnesses in test/fuzz/.  Include postgres.h (or postgres_fe.h) first.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/type/vector_parse.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ZVEC_VECTOR_PARSE_H
#define ZVEC_VECTOR_PARSE_H

/* The most dimensions a vector may have (pgvector's limit too). */
#define ZVEC_VECTOR_MAX_DIM 16000

/* Bytes of the binary form before the values: int16 dim, int16 unused. */
#define ZVEC_VECTOR_BINARY_HEADER 4

/* What a parser found; the first problem met, reading left to right. */
typedef enum VectorParseStatus
{
	ZVEC_PARSE_OK = 0,			/* a complete vector */
	ZVEC_PARSE_MORE,			/* text: the buffer is full, grow it and call
								 * again */
	ZVEC_PARSE_NO_OPEN,			/* text: does not start with "[" */
	ZVEC_PARSE_EMPTY,			/* text: "[]", no elements */
	ZVEC_PARSE_TOO_MANY,		/* text: more than ZVEC_VECTOR_MAX_DIM */
	ZVEC_PARSE_NO_CLOSE,		/* text: ends before "]" */
	ZVEC_PARSE_NOT_NUMBER,		/* text: an element is not a number */
	ZVEC_PARSE_OUT_OF_RANGE,	/* text: an element overflows float4 */
	ZVEC_PARSE_NAN,				/* an element is NaN */
	ZVEC_PARSE_INFINITE,		/* an element is infinite */
	ZVEC_PARSE_NO_COMMA,		/* text: elements not separated by "," */
	ZVEC_PARSE_JUNK,			/* text: something after the closing "]" */
	ZVEC_PARSE_SHORT			/* binary: the data ends inside a field */
} VectorParseStatus;

/*
 * The state of a text parse.  After a status other than ZVEC_PARSE_MORE,
 * pos is where the problem starts (for ZVEC_PARSE_OUT_OF_RANGE the token
 * is input[pos .. end)), and dim is the number of elements stored.
 */
typedef struct VectorTextParser
{
	const char *input;			/* NUL-terminated text */
	size_t		pos;			/* where parsing resumes, or the problem */
	size_t		end;			/* end of the offending token */
	int			dim;			/* elements stored in the buffer */
	bool		opened;			/* "[" and the first element's check done */
} VectorTextParser;

/* The binary form's header, and where a binary parse stopped. */
typedef struct VectorBinaryParser
{
	const unsigned char *data;
	size_t		len;			/* bytes available */
	size_t		pos;			/* bytes consumed, or where a field is short */
	size_t		need;			/* bytes of the field that is short */
	int			dim;			/* the header's dimension count (0..65535) */
	int			unused;			/* the header's reserved field (0..65535) */
	int			index;			/* element of a NaN or infinity, 0-based */
} VectorBinaryParser;

/* vector_parse.c */
extern void VectorTextParserInit(VectorTextParser *p, const char *input);
extern VectorParseStatus VectorParseText(VectorTextParser *p, float *values,
										 int capacity);
extern void VectorBinaryParserInit(VectorBinaryParser *p, const void *data,
								   size_t len);
extern VectorParseStatus VectorParseBinaryHeader(VectorBinaryParser *p);
extern VectorParseStatus VectorParseBinaryValues(VectorBinaryParser *p,
												 float *values);

#endif							/* ZVEC_VECTOR_PARSE_H */
