/* src/memory/governor.c -- placeholder until the memory-governor work lands */
#include "postgres.h"
#include "zvec.h"

/* Set up the memory governor. */
void
GovernorInit(void)
{
}
