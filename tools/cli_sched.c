/* The main isolate's scheduling hint: a short time slice so its 60 Hz tick preempts busy workers.
 */
#include "tools/cli_sched.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's struct sched_attr (sched_setattr(2)); glibc 2.36 has no
 * wrapper. */
typedef struct cli_sched_attr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime; /* SCHED_OTHER: the requested slice (Linux >= 6.12) */
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
} cli_sched_attr;

#define CLI_SCHED_OTHER 0
#define CLI_SCHED_FLAG_RESET_ON_FORK 0x01

int cli_sched_short_slice(uint64_t slice_ns) {
#ifdef SYS_sched_setattr
  if (slice_ns == 0) return 0;
  cli_sched_attr a;
  memset(&a, 0, sizeof a);
  a.size = sizeof a;
  a.sched_policy = CLI_SCHED_OTHER;
  /* Workers are spawned from this thread: without RESET_ON_FORK they
   * would inherit the short slice and preempt each other as eagerly. */
  a.sched_flags = CLI_SCHED_FLAG_RESET_ON_FORK;
  a.sched_nice = (int32_t)getpriority(PRIO_PROCESS, 0);
  a.sched_runtime = slice_ns;
  if (syscall(SYS_sched_setattr, 0, &a, 0) != 0) return -errno;
  return 0;
#else
  (void)slice_ns;
  return -ENOSYS;
#endif
}

uint64_t cli_sched_slice_from_env(void) {
  const char *s = getenv("ISOPIPE_MAIN_SLICE_US");
  if (s && *s) {
    char *end;
    unsigned long long us = strtoull(s, &end, 10);
    if (*end == '\0' && us <= 100000) return (uint64_t)us * 1000;
  }
  return 500 * 1000;
}
