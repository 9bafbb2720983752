/* Allocation-failure injection: a small transcode through the embedding API with the Nth allocation
 * failing. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "isopipe/isolate.h"
#include "isopipe/pipeline.h"

#include "fault_alloc.h"
#include "media_gen.h"
#include "rel_util.h"

/* Sanitizer builds run every child several times slower. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FA_DEFAULT_RUNS 100
#else
#define FA_DEFAULT_RUNS 160
#endif

/* What a child tells the parent through shared memory. */
typedef struct fa_shared {
  long count, failed;
  int status;
} fa_shared;

static fa_shared *g_shared;
static char g_errpath[700]; /* each child's stderr, shown when it fails */

/* Runs in a fresh child: exit 0 (done), 1 (clean error), anything else is a bug. */
static void fa_child(const char *in, const char *out, long fail_at, bool persist) {
  rel_fault_arm(fail_at, persist);
  int rc = iso_runtime_init(ISO_MODE_THREADS);
  if (rc == ISO_OK) {
    iso_pipeline *p = iso_pipeline_new();
    if (p) {
      rc = iso_pipeline_set(p, "i", in);
      if (rc == ISO_OK) rc = iso_pipeline_set(p, "o", out);
      if (rc == ISO_OK) rc = iso_pipeline_set(p, "c:v", "mpeg4");
      if (rc == ISO_OK) rc = iso_pipeline_set(p, "c:a", "aac");
      if (rc == ISO_OK) rc = iso_pipeline_set(p, "s", "64x48");
      if (rc == ISO_OK) rc = iso_pipeline_set(p, "overwrite", "1");
      if (rc == ISO_OK) rc = iso_pipeline_run(p);
      iso_pipeline_free(p);
    } else {
      rc = ISO_ENOMEM;
    }
    iso_runtime_shutdown();
  }
  rel_fault_disarm();
  g_shared->count = rel_fault_count();
  g_shared->failed = rel_fault_failed();
  g_shared->status = rc;
  exit(rc == ISO_OK ? 0 : 1);
}

/* The child's own messages, without FFmpeg's "[codec @ 0x...]" chatter. */
static void fa_show_stderr(void) {
  FILE *f = fopen(g_errpath, "r");
  char line[512];
  int shown = 0;
  while (f && shown < 12 && fgets(line, sizeof line, f))
    if (line[0] != '[') {
      printf("    | %s", line);
      shown++;
    }
  if (f) fclose(f);
}

typedef struct fa_result {
  int status;     /* wait status */
  bool timed_out; /* hung */
} fa_result;

static fa_result fa_run(const char *in, const char *out, long fail_at, bool persist,
                        double timeout_s) {
  fa_result r = {0, false};
  memset(g_shared, 0, sizeof *g_shared);
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(g_errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) dup2(fd, 2);
    fa_child(in, out, fail_at, persist);
  }
  if (pid < 0) {
    r.status = -1;
    return r;
  }
  struct timespec t0, now;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    if (waitpid(pid, &r.status, WNOHANG) == pid) break;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double t = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
    if (t > timeout_s && !r.timed_out) {
      /* Opt-in: the hung child's stacks, which --one cannot reproduce. */
      const char *gdb = getenv("ISO_FAULT_GDB_ON_HANG");
      if (gdb && strcmp(gdb, "1") == 0) {
        char cmd[160];
        snprintf(cmd, sizeof cmd, "gdb -p %d -batch -ex 'thread apply all bt' 1>&2", (int)pid);
        if (system(cmd) != 0) fprintf(stderr, "rel_alloc_fail: gdb failed\n");
      }
      kill(pid, SIGKILL);
      r.timed_out = true;
    }
    struct timespec nap = {0, 2000000};
    nanosleep(&nap, NULL);
  }
  return r;
}

int main(int argc, char **argv) {
  /* A child sanitizer report must not look like a clean error (exit 1).
   * The children are forks, so the sanitizer options must be in place when
   * this process starts: set them and start again once. */
  if (!getenv("REL_ALLOC_REEXEC")) {
    rel_env_init();
    setenv("REL_ALLOC_REEXEC", "1", 1);
    execv("/proc/self/exe", argv);
  }
  /* --one N [persist]: a single run in this process, for a debugger. */
  if (argc > 3 && strcmp(argv[1], "--one") == 0) {
    static fa_shared local;
    g_shared = &local;
    char dir[512], in[600], out[600];
    if (tm_tmpdir_make(dir, sizeof dir) != 0 ||
        tm_gen_simple(in, sizeof in, dir, "in.mkv", "mpeg4", "aac", 96, 64, 0.4, 2, 48000) < 0)
      return 1;
    tm_path(out, sizeof out, dir, "out.mkv");
    fa_child(in, out, atol(argv[2]), strcmp(argv[3], "persist") == 0);
  }
  long runs = getenv("ISO_FAULT_RUNS") ? atol(getenv("ISO_FAULT_RUNS")) : FA_DEFAULT_RUNS;
  double timeout = getenv("ISO_FAULT_TIMEOUT") ? atof(getenv("ISO_FAULT_TIMEOUT")) : 10.0;
  g_shared =
      mmap(NULL, sizeof *g_shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (g_shared == MAP_FAILED) return 1;

  char dir[512], in[600], out[600];
  if (tm_tmpdir_make(dir, sizeof dir) != 0) return 1;
  if (argc > 1) {
    snprintf(in, sizeof in, "%s", argv[1]);
  } else if (tm_gen_simple(in, sizeof in, dir, "in.mkv", "mpeg4", "aac", 96, 64, 0.4, 2, 48000) <
             0) {
    tm_tmpdir_remove(dir);
    return 1;
  }
  tm_path(out, sizeof out, dir, "out.mkv");
  tm_path(g_errpath, sizeof g_errpath, dir, "child.err");

  /* Calibration: the same job without a failure must succeed; it also
   * tells how many allocations there are to fail. */
  fa_result base = fa_run(in, out, 0, false, timeout);
  if (base.timed_out || !WIFEXITED(base.status) || WEXITSTATUS(base.status) != 0) {
    fa_show_stderr();
    printf("FAIL: the transcode without injected failures did not succeed (status %d, %s)\n",
           g_shared->status, base.timed_out ? "timeout" : "see above");
    tm_tmpdir_remove(dir);
    return 1;
  }
  long total = g_shared->count;
  printf("calibration: %ld counted allocations in one transcode\n", total);

  /* Every N at first (setup paths), then spread over the rest; a few
   * persistent runs fail everything from N on (cascading failures). */
  long dense = runs / 2, bad = 0, clean_err = 0, ok = 0, tried = 0;
  long persist_runs = runs / 8;
  for (long k = 0; k < runs; k++) {
    bool persist = k >= runs - persist_runs;
    long n;
    if (persist)
      n = 1 + (total * (k - (runs - persist_runs))) / (persist_runs ? persist_runs : 1);
    else if (k < dense)
      n = k + 1;
    else
      n = dense + 1 + ((total - dense) * (k - dense)) / (runs - persist_runs - dense);
    if (n < 1 || n > total) continue;
    fa_result r = fa_run(in, out, n, persist, timeout);
    tried++;
    char what[64];
    if (r.timed_out)
      snprintf(what, sizeof what, "HANG (killed after %.0f s)", timeout);
    else if (WIFSIGNALED(r.status))
      snprintf(what, sizeof what, "CRASH (signal %d)", WTERMSIG(r.status));
    else if (WEXITSTATUS(r.status) == REL_SANITIZER_EXIT)
      snprintf(what, sizeof what, "SANITIZER REPORT (leak or error)");
    else if (WEXITSTATUS(r.status) > 1)
      snprintf(what, sizeof what, "unexpected exit %d", WEXITSTATUS(r.status));
    else
      what[0] = '\0';
    if (what[0]) {
      bad++;
      printf("FAIL: allocation #%ld%s: %s\n", n, persist ? " and later" : "", what);
      fa_show_stderr();
    } else if (WEXITSTATUS(r.status) == 0) {
      ok++;
    } else {
      clean_err++;
    }
    fflush(stdout);
  }
  printf("alloc-fail: %ld runs over %ld allocations: %ld clean errors, %ld still succeeded, "
         "%ld failures\n",
         tried, total, clean_err, ok, bad);
  tm_tmpdir_remove(dir);
  munmap(g_shared, sizeof *g_shared);
  return bad ? 1 : 0;
}
