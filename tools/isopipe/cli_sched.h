/* The main isolate's scheduling request, so its 60 Hz tick preempts busy workers.
 */
#ifndef ISOPIPE_CLI_SCHED_H
#define ISOPIPE_CLI_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ISOPIPE_MAIN_SCHED: auto (default: realtime if allowed, else a short
 * slice), rt (realtime or nothing), fair (short slice only), off. */
typedef enum { CLI_SCHED_AUTO, CLI_SCHED_RT, CLI_SCHED_FAIR, CLI_SCHED_OFF } cli_sched_mode;

typedef enum { CLI_SCHED_GOT_NONE, CLI_SCHED_GOT_SLICE, CLI_SCHED_GOT_RT } cli_sched_got;

typedef struct cli_sched_result {
  cli_sched_got got;
  int rt_error; /* errno of a refused realtime request (EPERM without privilege) */
} cli_sched_result;

cli_sched_mode cli_sched_mode_from_env(void);

/* Applies to the calling thread only, before it creates any: threads it
 * creates later get the default policy back (SCHED_FLAG_RESET_ON_FORK).
 *
 * Realtime is SCHED_FIFO priority 1, allowed to root, CAP_SYS_NICE or a
 * non-zero RLIMIT_RTPRIO (e.g. "@audio - rtprio 95" in limits.conf). It is
 * the only policy that preempts a busy worker at once on every kernel: on a
 * PREEMPT_NONE kernel a normal thread waking with a short slice still
 * waits for the running thread's tick. The main isolate only sleeps, draws and
 * forwards messages; in case it ever spins, RLIMIT_RTTIME (200 ms of CPU
 * without blocking) makes the kernel send SIGXCPU, and the thread steps down
 * to the normal policy.
 *
 * The short slice (slice_ns, SCHED_OTHER) needs no privilege: Linux >= 6.12
 * (EEVDF) lets a waking thread with a short slice preempt a running one;
 * older kernels ignore it. */
cli_sched_result cli_sched_main_thread(cli_sched_mode mode, uint64_t slice_ns);

/* True once SIGXCPU made the realtime main thread step down. */
bool cli_sched_demoted(void);

/* One line saying what the main thread got, for -v verbose. */
void cli_sched_describe(cli_sched_result r, uint64_t slice_ns, char *buf, size_t len);

/* The slice wanted: ISOPIPE_MAIN_SLICE_US from the environment (0 turns
 * the hint off), else 500 us. */
uint64_t cli_sched_slice_from_env(void);

#endif
