/* The main isolate's scheduling hint: a short time slice so its 60 Hz tick preempts busy workers.
 */
#ifndef ISOPIPE_CLI_SCHED_H
#define ISOPIPE_CLI_SCHED_H

#include <stdint.h>

/* Asks the kernel for a slice of slice_ns for the calling thread only
 * (threads it creates later get the default back). Linux >= 6.12 (EEVDF)
 * lets a normal, unprivileged thread with a short slice preempt a running
 * one when it wakes, and carries the hint up to its process's scheduling
 * group; older kernels ignore it. Returns 0, or -errno when refused. */
int cli_sched_short_slice(uint64_t slice_ns);

/* The slice wanted: ISOPIPE_MAIN_SLICE_US from the environment (0 turns
 * the hint off), else 500 us. */
uint64_t cli_sched_slice_from_env(void);

#endif
