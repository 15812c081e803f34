/* src/memory/cgroup.c -- placeholder until the memory-governor work lands */
#include "postgres.h"
