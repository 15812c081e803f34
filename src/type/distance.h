/*-------------------------------------------------------------------------
 *
 * distance.h
 *	  Distance kernels over float4 arrays: portable C, AVX2+FMA, AVX-512F.
 *
 * This header and distance.c are freestanding (no postgres.h), so the
 * kernel accuracy test in test/kernels/ links them without a server.
 * A kernel set is chosen once, at load time, by DistanceChooseKernels();
 * callers then go through the distance_kernels pointer.
 *
 * Copyright (c) 2026, the zvec developers
 *
 * src/type/distance.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ZVEC_DISTANCE_H
#define ZVEC_DISTANCE_H

/* One set of kernels compiled for one instruction set. */
typedef struct DistanceKernels
{
	const char *name;			/* "portable", "avx2", "avx512" */

	/* sum of (a[i] - b[i])^2, accumulated in float4 */
	float		(*l2sq) (const float *a, const float *b, int n);

	/* sum of a[i] * b[i], accumulated in float4 */
	float		(*ip) (const float *a, const float *b, int n);

	/* 1 - dot / sqrt(|a|^2 |b|^2), clamped to [0, 2]; NaN for a zero vector */
	double		(*cosine) (const float *a, const float *b, int n);

	/* sum of |a[i] - b[i]|, accumulated in float4 */
	float		(*l1) (const float *a, const float *b, int n);

	/*
	 * Dot products of every one of na rows a_i with every one of nb rows
	 * b_j, rows of n floats stored one after another: out[i * nb + j] =
	 * a_i . b_j, accumulated in float4.  One call does the work of na * nb
	 * calls of ip, loading each register of a row once for several rows of
	 * the other (a blocked matrix product, for assigning many vectors to
	 * many centroids).
	 */
	void		(*ip_block) (const float *a, int na, const float *b, int nb,
							 int n, float *out);
} DistanceKernels;

/* The kernels in use; set by DistanceChooseKernels(). */
extern const DistanceKernels *distance_kernels;

/* distance.c */
extern void DistanceChooseKernels(void);
extern int	DistanceSupportedKernels(const DistanceKernels **out, int max);

#endif							/* ZVEC_DISTANCE_H */
