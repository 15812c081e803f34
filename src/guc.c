/* src/guc.c -- placeholder until the memory-governor work lands */
#include "postgres.h"
#include "zvec.h"

/* Define zvec's GUCs. */
void
ZvecDefineGucs(void)
{
}
