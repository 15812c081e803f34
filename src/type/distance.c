/* src/type/distance.c -- placeholder until the kernels land */
#include <stddef.h>
#include "type/distance.h"

const DistanceKernels *distance_kernels = NULL;

/* Pick the kernels for this CPU. */
void
DistanceChooseKernels(void)
{
}

/* List the kernel sets this CPU can run. */
int
DistanceSupportedKernels(const DistanceKernels **out, int max)
{
	return 0;
}
