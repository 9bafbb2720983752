/* The main isolate's scheduling: realtime where allowed, else a short time slice. */
#include "tools/isopipe/cli_sched.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tools/isopipe/cli_signal.h"

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
#define CLI_SCHED_FIFO 1
#define CLI_SCHED_FLAG_RESET_ON_FORK 0x01

/* A realtime thread that never blocks would own its core: past this much
 * CPU without sleeping the kernel sends SIGXCPU and the thread steps down. */
#define CLI_RT_CPU_LIMIT_US 200000

static cli_sched_attr fallback; /* prepared before RT: the handler only issues a syscall */
static pid_t main_tid;
static volatile sig_atomic_t demoted;

static int set_attr(const cli_sched_attr *a) {
#ifdef SYS_sched_setattr
  if (syscall(SYS_sched_setattr, 0, a, 0) != 0) return -errno;
  return 0;
#else
  (void)a;
  return -ENOSYS;
#endif
}

static void fair_attr(cli_sched_attr *a, uint64_t slice_ns) {
  memset(a, 0, sizeof *a);
  a->size = sizeof *a;
  a->sched_policy = CLI_SCHED_OTHER;
  /* Workers are spawned from this thread: without RESET_ON_FORK they would
   * inherit the hint and compete with the tick as eagerly. */
  a->sched_flags = CLI_SCHED_FLAG_RESET_ON_FORK;
  a->sched_nice = (int32_t)getpriority(PRIO_PROCESS, 0);
  a->sched_runtime = slice_ns;
}

static void on_xcpu(int sig) {
  (void)sig;
  int saved = errno;
  /* RLIMIT_RTTIME only fires for the realtime main thread, but the signal
   * is process-wide: whichever thread runs this, it is main that steps down. */
#ifdef SYS_sched_setattr
  syscall(SYS_sched_setattr, main_tid, &fallback, 0);
#endif
  demoted = 1;
  /* The same signal tells of a soft RLIMIT_CPU reached. */
  cli_signals_on_xcpu();
  errno = saved;
}

static int try_realtime(uint64_t slice_ns) {
  fair_attr(&fallback, slice_ns);
  main_tid = (pid_t)syscall(SYS_gettid);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_xcpu;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  if (sigaction(SIGXCPU, &sa, NULL) != 0) return -errno;
  struct rlimit rl;
  if (getrlimit(RLIMIT_RTTIME, &rl) == 0 &&
      (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > CLI_RT_CPU_LIMIT_US)) {
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > CLI_RT_CPU_LIMIT_US
                      ? CLI_RT_CPU_LIMIT_US
                      : rl.rlim_max;
    setrlimit(RLIMIT_RTTIME, &rl);
  }
  cli_sched_attr a;
  memset(&a, 0, sizeof a);
  a.size = sizeof a;
  a.sched_policy = CLI_SCHED_FIFO;
  a.sched_priority =
      1; /* the lowest realtime level: above every normal thread, below audio servers */
  a.sched_flags = CLI_SCHED_FLAG_RESET_ON_FORK;
  return set_attr(&a);
}

cli_sched_mode cli_sched_mode_from_env(void) {
  const char *s = getenv("ISOPIPE_MAIN_SCHED");
  if (!s || !*s || strcmp(s, "auto") == 0) return CLI_SCHED_AUTO;
  if (strcmp(s, "rt") == 0) return CLI_SCHED_RT;
  if (strcmp(s, "fair") == 0) return CLI_SCHED_FAIR;
  if (strcmp(s, "off") == 0) return CLI_SCHED_OFF;
  return CLI_SCHED_AUTO;
}

cli_sched_result cli_sched_main_thread(cli_sched_mode mode, uint64_t slice_ns) {
  cli_sched_result r = {CLI_SCHED_GOT_NONE, 0};
  if (mode == CLI_SCHED_OFF) return r;
  if (mode == CLI_SCHED_AUTO || mode == CLI_SCHED_RT) {
    int e = try_realtime(slice_ns);
    if (e == 0) {
      r.got = CLI_SCHED_GOT_RT;
      return r;
    }
    r.rt_error = -e;
    if (mode == CLI_SCHED_RT) return r;
  }
  if (slice_ns == 0) return r;
  cli_sched_attr a;
  fair_attr(&a, slice_ns);
  if (set_attr(&a) == 0) r.got = CLI_SCHED_GOT_SLICE;
  return r;
}

bool cli_sched_demoted(void) {
  return demoted != 0;
}

void cli_sched_describe(cli_sched_result r, uint64_t slice_ns, char *buf, size_t len) {
  switch (r.got) {
  case CLI_SCHED_GOT_RT:
    snprintf(buf, len, "main isolate: realtime (SCHED_FIFO 1); workers stay normal");
    break;
  case CLI_SCHED_GOT_SLICE:
    snprintf(buf, len, "main isolate: normal policy, %llu us slice%s%s%s",
             (unsigned long long)(slice_ns / 1000), r.rt_error ? " (realtime refused: " : "",
             r.rt_error ? strerror(r.rt_error) : "", r.rt_error ? ")" : "");
    break;
  default:
    snprintf(buf, len, "main isolate: default scheduling%s%s%s",
             r.rt_error ? " (realtime refused: " : "", r.rt_error ? strerror(r.rt_error) : "",
             r.rt_error ? ")" : "");
  }
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
