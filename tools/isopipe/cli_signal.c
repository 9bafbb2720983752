/* SIGINT/SIGTERM/SIGXCPU handling: handlers only count; the main isolate's loop acts on the count.
 */
#include "tools/isopipe/cli_signal.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* Lock-free atomics are async-signal-safe, and unlike sig_atomic_t they
 * are also race-free when the handler runs on a worker thread. */
static atomic_int g_count;
static atomic_int g_first;

static void on_signal(int sig) {
  int expected = 0;
  atomic_compare_exchange_strong(&g_first, &expected, sig);
  if (atomic_fetch_add(&g_count, 1) + 1 >= 3) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
    raise(sig);
  }
}

static rlim_t g_cpu_soft = RLIM_INFINITY; /* seconds, read at install */

void cli_signals_on_xcpu(void) {
  if (g_cpu_soft == RLIM_INFINITY) return;
  struct timespec ts;
  /* SIGXCPU also means RLIMIT_RTTIME (cli_sched.c): only CPU time at the
   * soft limit stops the run. */
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0 || (rlim_t)ts.tv_sec + 1 < g_cpu_soft)
    return;
  int expected = 0;
  atomic_compare_exchange_strong(&g_first, &expected, SIGXCPU);
  int c = atomic_load(&g_count);
  while (c < 2 && !atomic_compare_exchange_weak(&g_count, &c, c + 1)) {
  }
}

static void on_xcpu(int sig) {
  (void)sig;
  int saved = errno;
  cli_signals_on_xcpu();
  errno = saved;
}

int cli_signals_install(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_CPU, &rl) == 0) g_cpu_soft = rl.rlim_cur;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  /* SA_RESTART: the runtime's own blocking calls must not see EINTR. */
  sa.sa_flags = SA_RESTART;
  if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0) return -1;
  sa.sa_handler = on_xcpu;
  if (sigaction(SIGXCPU, &sa, NULL) < 0) return -1;
  struct sigaction ign;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  sigaction(SIGPIPE, &ign, NULL);
  /* A file past RLIMIT_FSIZE: without the signal the write fails with
   * EFBIG and the stage that wrote it says which file (the signal would
   * end the process without a word). */
  sigaction(SIGXFSZ, &ign, NULL);
  return 0;
}

int cli_signals_count(void) {
  return atomic_load(&g_count);
}

int cli_signals_first(void) {
  return atomic_load(&g_first);
}
