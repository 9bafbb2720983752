/* LD_PRELOAD allocation-failure injector: the Nth allocation of a whole process (FFmpeg's and
 * libc's own included) fails, armed by environment variables. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

/*
 * Environment (read once, at the first allocation):
 *   ISO_FAULT_AT=N        the Nth counted allocation fails (1-based); 0 counts only
 *   ISO_FAULT_PERSIST=1   every counted allocation from the Nth on fails too
 *   ISO_FAULT_MIN=BYTES   only allocations of at least BYTES are counted
 *   ISO_FAULT_REPORT=PATH at exit, "COUNTED FAILED\n" is written to PATH, then
 *                         the stack of the first failed allocation
 *   ISO_FAULT_TRACE=1     the stack of the first failed allocation goes to stderr
 * Without ISO_FAULT_AT and ISO_FAULT_REPORT nothing is counted: a pass-through.
 * Armed, a SIGSEGV, SIGBUS or SIGABRT prints "fault_preload: signal N at:",
 * the stack, and "fault_preload: faulting instruction in LIB(+0xOFF)" to
 * stderr before the process dies of it, so that a test can tell where (in
 * FFmpeg or in the program) a run crashed.
 * Counting starts when main() is entered: the shared libraries' constructors
 * (GLib's, libhwy's C++) allocate before it and abort when that fails, which
 * no program can handle.
 *
 * The real allocators come from dlsym(RTLD_NEXT), and glibc's dlsym itself
 * allocates (its error state): those calls, made while resolving, are served
 * from a static arena whose blocks free() and realloc() recognise.
 */

typedef void *(*fp_malloc_fn)(size_t);
typedef void *(*fp_calloc_fn)(size_t, size_t);
typedef void *(*fp_realloc_fn)(void *, size_t);
typedef void (*fp_free_fn)(void *);
typedef int (*fp_memalign_fn)(void **, size_t, size_t);
typedef void *(*fp_aligned_fn)(size_t, size_t);

static fp_malloc_fn real_malloc;
static fp_calloc_fn real_calloc;
static fp_realloc_fn real_realloc;
static fp_free_fn real_free;
static fp_memalign_fn real_posix_memalign;
static fp_aligned_fn real_aligned_alloc, real_memalign;

/* 0 = not resolved, 1 = resolving, 2 = ready. */
static atomic_int fp_state;
/* Set on the thread that resolves (its allocations use the arena) and
 * around the injector's own calls that allocate (they pass through). */
static __thread int fp_resolving __attribute__((tls_model("initial-exec")));
static __thread int fp_bypass __attribute__((tls_model("initial-exec")));

static bool fp_armed, fp_persist, fp_trace;
static atomic_bool fp_in_main;
static long fp_fail_at;
static size_t fp_min;
static char fp_report[4096];
static atomic_long fp_counted, fp_failed;

static _Alignas(max_align_t) unsigned char fp_arena[1 << 16];
static size_t fp_arena_used;

static bool fp_in_arena(const void *p) {
  return (const unsigned char *)p >= fp_arena &&
         (const unsigned char *)p < fp_arena + sizeof fp_arena;
}

/* A block of the arena, its size in the word before it; never freed. */
static void *fp_arena_alloc(size_t n) {
  const size_t align = _Alignof(max_align_t);
  size_t head = (sizeof(size_t) + align - 1) / align * align;
  size_t need = head + (n + align - 1) / align * align;
  if (n > sizeof fp_arena || need > sizeof fp_arena - fp_arena_used) return NULL;
  unsigned char *p = fp_arena + fp_arena_used + head;
  memcpy(p - sizeof(size_t), &n, sizeof n);
  fp_arena_used += need;
  return p;
}

static size_t fp_arena_size(const void *p) {
  size_t n;
  memcpy(&n, (const unsigned char *)p - sizeof(size_t), sizeof n);
  return n;
}

static long fp_env_long(const char *name, long def) {
  const char *v = getenv(name);
  if (!v || !*v) return def;
  char *end;
  long n = strtol(v, &end, 10);
  return *end ? def : n;
}

static void fp_resolve(void) {
  fp_resolving = 1;
  real_malloc = (fp_malloc_fn)dlsym(RTLD_NEXT, "malloc");
  real_calloc = (fp_calloc_fn)dlsym(RTLD_NEXT, "calloc");
  real_realloc = (fp_realloc_fn)dlsym(RTLD_NEXT, "realloc");
  real_free = (fp_free_fn)dlsym(RTLD_NEXT, "free");
  real_posix_memalign = (fp_memalign_fn)dlsym(RTLD_NEXT, "posix_memalign");
  real_aligned_alloc = (fp_aligned_fn)dlsym(RTLD_NEXT, "aligned_alloc");
  real_memalign = (fp_aligned_fn)dlsym(RTLD_NEXT, "memalign");
  fp_resolving = 0;
  if (!real_malloc || !real_calloc || !real_realloc || !real_free || !real_posix_memalign ||
      !real_aligned_alloc || !real_memalign) {
    static const char msg[] = "fault_preload: the real allocators cannot be found\n";
    if (write(2, msg, sizeof msg - 1) < 0) _exit(127);
    _exit(127);
  }
  const char *at = getenv("ISO_FAULT_AT");
  const char *report = getenv("ISO_FAULT_REPORT");
  fp_fail_at = fp_env_long("ISO_FAULT_AT", 0);
  fp_persist = fp_env_long("ISO_FAULT_PERSIST", 0) != 0;
  fp_min = (size_t)fp_env_long("ISO_FAULT_MIN", 0);
  fp_trace = fp_env_long("ISO_FAULT_TRACE", 0) != 0;
  if (report && strlen(report) < sizeof fp_report) strcpy(fp_report, report);
  fp_armed = (at && *at) || fp_report[0];
}

/* True once the real allocators are known; false on the resolving thread
 * while they are not (the caller then uses the arena). */
static bool fp_ready(void) {
  int s = atomic_load_explicit(&fp_state, memory_order_acquire);
  if (s == 2) return true;
  if (fp_resolving) return false;
  int expected = 0;
  if (atomic_compare_exchange_strong(&fp_state, &expected, 1)) {
    fp_resolve();
    atomic_store_explicit(&fp_state, 2, memory_order_release);
    if (fp_trace) {
      /* backtrace() loads libgcc on its first call, which allocates. */
      void *warm[2];
      fp_bypass = 1;
      backtrace(warm, 2);
      fp_bypass = 0;
    }
    return true;
  }
  while (atomic_load_explicit(&fp_state, memory_order_acquire) != 2)
    sched_yield();
  return true;
}

/* The first failed allocation's stack (written by the one thread that
 * failed it first, read at exit). */
static void *fp_first_frames[32];
static int fp_first_depth;
static long fp_first_at;
static size_t fp_first_size;

/* Whether this allocation of n bytes is to fail. */
static bool fp_fail(size_t n) {
  if (!fp_armed || fp_bypass || n < fp_min ||
      !atomic_load_explicit(&fp_in_main, memory_order_relaxed))
    return false;
  long k = atomic_fetch_add_explicit(&fp_counted, 1, memory_order_relaxed) + 1;
  if (fp_fail_at <= 0 || k < fp_fail_at || (k > fp_fail_at && !fp_persist)) return false;
  if (atomic_fetch_add_explicit(&fp_failed, 1, memory_order_relaxed) == 0) {
    /* Kept for the report: whose allocation it was. */
    fp_bypass = 1;
    fp_first_depth = backtrace(fp_first_frames, 32);
    fp_first_at = k;
    fp_first_size = n;
    if (fp_trace) {
      char head[96];
      int len =
          snprintf(head, sizeof head, "fault_preload: allocation %ld (%zu bytes) fails:\n", k, n);
      if (len > 0 && write(2, head, (size_t)len) >= 0)
        backtrace_symbols_fd(fp_first_frames, fp_first_depth, 2);
    }
    fp_bypass = 0;
  }
  errno = ENOMEM;
  return true;
}

void *malloc(size_t n) {
  if (!fp_ready()) return fp_arena_alloc(n);
  return fp_fail(n) ? NULL : real_malloc(n);
}

void *calloc(size_t n, size_t m) {
  if (!fp_ready()) {
    if (m && n > SIZE_MAX / m) return NULL;
    return fp_arena_alloc(n * m); /* the arena is static: already zero */
  }
  size_t total = m && n > SIZE_MAX / m ? SIZE_MAX : n * m;
  return fp_fail(total) ? NULL : real_calloc(n, m);
}

void *realloc(void *p, size_t n) {
  if (!fp_ready()) {
    void *q = fp_arena_alloc(n);
    if (q && p) memcpy(q, p, fp_arena_size(p) < n ? fp_arena_size(p) : n);
    return q;
  }
  if (p && fp_in_arena(p)) {
    void *q = malloc(n);
    if (q) memcpy(q, p, fp_arena_size(p) < n ? fp_arena_size(p) : n);
    return q;
  }
  if (p && n == 0) return real_realloc(p, n); /* a free, not an allocation */
  return fp_fail(n) ? NULL : real_realloc(p, n);
}

void free(void *p) {
  if (!p || fp_in_arena(p)) return;
  if (fp_ready()) real_free(p);
}

int posix_memalign(void **p, size_t align, size_t n) {
  if (!fp_ready()) return ENOMEM;
  return fp_fail(n) ? ENOMEM : real_posix_memalign(p, align, n);
}

void *aligned_alloc(size_t align, size_t n) {
  if (!fp_ready()) return NULL;
  return fp_fail(n) ? NULL : real_aligned_alloc(align, n);
}

void *memalign(size_t align, size_t n) {
  if (!fp_ready()) return NULL;
  return fp_fail(n) ? NULL : real_memalign(align, n);
}

/* The program's start is wrapped so that counting begins with its main(). */
typedef int (*fp_main_fn)(int, char **, char **);
typedef int (*fp_start_fn)(fp_main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void),
                           void *);
static fp_main_fn fp_real_main;

/* The stack, then the faulting instruction's library: code without unwind
 * information (hand-written assembly) ends the stack before its own frame. */
static void fp_on_crash(int sig, siginfo_t *si, void *uc_) {
  (void)si;
  char head[64];
  int len = snprintf(head, sizeof head, "fault_preload: signal %d at:\n", sig);
  void *frames[48];
  int depth = backtrace(frames, 48);
  if (len > 0 && write(2, head, (size_t)len) >= 0) backtrace_symbols_fd(frames, depth, 2);
#if defined(__x86_64__)
  const ucontext_t *uc = uc_;
  Dl_info info;
  void *pc = (void *)uc->uc_mcontext.gregs[REG_RIP];
  if (dladdr(pc, &info) && info.dli_fname) {
    char line[600];
    int n = snprintf(line, sizeof line, "fault_preload: faulting instruction in %s(+0x%lx)\n",
                     info.dli_fname, (unsigned long)((char *)pc - (char *)info.dli_fbase));
    if (n > 0 && write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1) < 0) {
    }
  } else if (!pc) {
    /* A call through a null pointer: the return address the call pushed
     * names the caller, whose frame the stack may not show. */
    void *ret = *(void *const *)uc->uc_mcontext.gregs[REG_RSP];
    if (dladdr(ret, &info) && info.dli_fname) {
      char line[600];
      int n = snprintf(line, sizeof line, "fault_preload: null call from %s(+0x%lx)\n",
                       info.dli_fname, (unsigned long)((char *)ret - (char *)info.dli_fbase));
      if (n > 0 && write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1) < 0) {
      }
    }
  }
#else
  (void)uc_;
#endif
  signal(sig, SIG_DFL);
  raise(sig);
}

static int fp_main(int argc, char **argv, char **envp) {
  fp_ready();
  if (fp_armed) {
    /* backtrace() loads libgcc on its first call, which allocates. */
    void *warm[2];
    fp_bypass = 1;
    backtrace(warm, 2);
    fp_bypass = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fp_on_crash;
    sa.sa_flags = SA_RESETHAND | SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGABRT, &sa, NULL);
  }
  atomic_store(&fp_in_main, true);
  return fp_real_main(argc, argv, envp);
}

int __libc_start_main(fp_main_fn main_fn, int argc, char **argv, void (*init)(void),
                      void (*fini)(void), void (*rtld_fini)(void), void *stack_end);
int __libc_start_main(fp_main_fn main_fn, int argc, char **argv, void (*init)(void),
                      void (*fini)(void), void (*rtld_fini)(void), void *stack_end) {
  fp_start_fn real_start = (fp_start_fn)dlsym(RTLD_NEXT, "__libc_start_main");
  if (!real_start) _exit(127);
  fp_real_main = main_fn;
  return real_start(fp_main, argc, argv, init, fini, rtld_fini, stack_end);
}

__attribute__((destructor)) static void fp_write_report(void) {
  if (!fp_report[0]) return;
  fp_bypass = 1;
  char line[64];
  int len =
      snprintf(line, sizeof line, "%ld %ld\n", atomic_load(&fp_counted), atomic_load(&fp_failed));
  int fd = open(fp_report, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  if (len > 0 && write(fd, line, (size_t)len) < 0) len = -1;
  if (fp_first_depth > 0) {
    char head[96];
    len = snprintf(head, sizeof head, "fault_preload: allocation %ld (%zu bytes) fails:\n",
                   fp_first_at, fp_first_size);
    if (len > 0 && write(fd, head, (size_t)len) >= 0)
      backtrace_symbols_fd(fp_first_frames, fp_first_depth, fd);
  }
  close(fd);
}
