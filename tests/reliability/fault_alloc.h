/* Allocation-failure injection for code linked with -Wl,--wrap (see fault_alloc.c). */
#ifndef ISOPIPE_REL_FAULT_ALLOC_H
#define ISOPIPE_REL_FAULT_ALLOC_H

#include <stdbool.h>

/* fail_at 0 counts without failing; n > 0 makes the nth counted allocation
 * fail (and every later one too when persist). Resets the counters. */
void rel_fault_arm(long fail_at, bool persist);
void rel_fault_disarm(void);
long rel_fault_count(void);  /* allocations counted since the last arm */
long rel_fault_failed(void); /* allocations that were made to fail */

#endif
