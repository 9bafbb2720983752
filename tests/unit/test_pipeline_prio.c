/* Unit tests of stage priorities: the levels, the hysteresis, the /proc sampler and the options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "isopipe/pipeline.h"
#include "pipeline/pl_internal.h"
#include "test_pipeline_util.h"

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static void test_levels(void **state) {
  (void)state;
  /* Shared: one weight class apart, as before the machine was judged. */
  assert_int_equal(pl_prio_nice(0, PL_PRIO_DECODE, false), 5);
  assert_int_equal(pl_prio_nice(0, PL_PRIO_CONVERT, false), 3);
  assert_int_equal(pl_prio_nice(0, PL_PRIO_AUDIO_ENCODE, false), 0);
  assert_int_equal(pl_prio_nice(0, PL_PRIO_OTHER, false), 0);
  /* Alone: upstream far below the encoders, which never move. */
  assert_true(pl_prio_nice(0, PL_PRIO_DECODE, true) > pl_prio_nice(0, PL_PRIO_CONVERT, true));
  assert_true(pl_prio_nice(0, PL_PRIO_CONVERT, true) > pl_prio_nice(0, PL_PRIO_DECODE, false));
  assert_true(pl_prio_nice(0, PL_PRIO_AUDIO_ENCODE, true) > 0);
  assert_int_equal(pl_prio_nice(0, PL_PRIO_OTHER, true), 0);
  assert_int_equal(pl_prio_nice(5, PL_PRIO_DECODE, true), 19); /* clamped */
  assert_int_equal(pl_prio_nice(7, PL_PRIO_OTHER, true), 7);
}

static void test_hysteresis(void **state) {
  (void)state;
  assert_true(pl_prio_decide(false, 0.0));
  assert_true(pl_prio_decide(false, PL_PRIO_ALONE_BELOW - 0.01));
  assert_false(pl_prio_decide(false, PL_PRIO_ALONE_BELOW + 0.01));
  /* Between the thresholds the level stays what it was. */
  double mid = (PL_PRIO_ALONE_BELOW + PL_PRIO_SHARED_AT) / 2;
  assert_true(pl_prio_decide(true, mid));
  assert_false(pl_prio_decide(false, mid));
  assert_false(pl_prio_decide(true, PL_PRIO_SHARED_AT + 0.01));
  assert_false(pl_prio_decide(true, 1.5));
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Real /proc: the first sample only sets the baseline, samples within a
 * period are skipped, and the load others put on the machine lies within
 * what the machine has (whatever else runs beside the test). */
static void test_sampler(void **state) {
  (void)state;
  pl_prio s = {0};
  uint64_t t = now_ns();
  assert_false(pl_prio_sample(&s, t));
  assert_false(s.off);
  assert_int_equal(s.at_ns, t);
  assert_false(pl_prio_sample(&s, t + PL_PRIO_PERIOD_NS / 2));
  assert_int_equal(s.at_ns, t);
  /* Burn our own CPU: it must not count as someone else's. The machine
   * has cpus cores in all, so whatever others ran, they had at most what we
   * left: counting our own spin as theirs would break that. */
  struct timespec c0, c1;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  uint64_t start = now_ns(), end = start + PL_PRIO_PERIOD_NS;
  volatile uint64_t x = 0;
  while (now_ns() < end)
    x++;
  uint64_t stop = now_ns();
  bool changed = pl_prio_sample(&s, stop);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  double own = ((double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9) /
               ((double)(stop - t) / 1e9);
  assert_true(s.at_ns > t);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  print_message("others %.2f CPUs, ours %.2f\n", s.others_cpus, own);
  if (s.others_cpus < 0 || s.others_cpus + own > (double)cpus + 0.35)
    fail_msg("others %.2f CPUs + ours %.2f > the machine's %ld", s.others_cpus, own, cpus);
  assert_int_equal(changed, s.alone); /* it started shared */
  assert_int_equal(s.alone, s.others_cpus < PL_PRIO_ALONE_BELOW);
}

static void test_options(void **state) {
  (void)state;
  iso_pipeline *p = iso_pipeline_new();
  assert_non_null(p);
  assert_int_equal(iso_pipeline_set(p, "adapt_nice", "0"), ISO_OK);
  assert_int_equal(iso_pipeline_set(p, "adapt_nice", "1"), ISO_OK);
  assert_int_equal(iso_pipeline_set(p, "adapt_nice", "yes"), ISO_EINVAL);
  assert_int_equal(iso_pipeline_set(p, "worker_sched", "normal"), ISO_OK);
  assert_int_equal(iso_pipeline_set(p, "worker_sched", "batch"), ISO_OK);
  assert_int_equal(iso_pipeline_set(p, "worker_sched", "auto"), ISO_OK);
  assert_int_equal(iso_pipeline_set(p, "worker_sched", "fifo"), ISO_EINVAL);
  iso_pipeline_free(p);
}

/* What the process's threads run with, seen from /proc while a run is under
 * way: the highest nice value among the workers, whether any runs
 * SCHED_BATCH, and the main thread's nice value. */
typedef struct thread_seen {
  tp_run r;
  int max_nice, main_nice, workers, low; /* low: workers below nice 10 */
  bool batch;
  /* Threads of an earlier run may still be ending: they are not counted. */
  const struct thread_seen *before;
  int tids[512], ntids;
} thread_seen;

static bool seen_in(const thread_seen *t, int tid) {
  for (int i = 0; t && i < t->ntids; i++)
    if (t->tids[i] == tid) return true;
  return false;
}

static void scan_threads(iso_pipeline *p, const iso_progress *g, void *ud) {
  thread_seen *t = ud;
  tp_on_progress(p, g, &t->r);
  DIR *d = opendir("/proc/self/task");
  assert_non_null(d);
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char path[300], buf[1024];
    snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
    FILE *f = fopen(path, "r");
    if (!f) continue; /* the thread ended meanwhile */
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    /* Fields after the command's closing parenthesis start at field 3;
     * nice is field 19, the policy field 41. */
    char *s = strrchr(buf, ')');
    if (!s) continue;
    int field = 2, nice = 0, policy = 0;
    for (char *tok = strtok(s + 1, " "); tok; tok = strtok(NULL, " ")) {
      field++;
      if (field == 19) nice = atoi(tok);
      if (field == 41) policy = atoi(tok);
    }
    int tid = atoi(e->d_name);
    if (tid == getpid()) {
      t->main_nice = nice;
      continue;
    }
    if (seen_in(t->before, tid)) continue;
    if (!seen_in(t, tid) && t->ntids < 512) t->tids[t->ntids++] = tid;
    t->workers++;
    if (nice > t->max_nice) t->max_nice = nice;
    if (nice < 10) t->low++;
    if (policy == SCHED_BATCH) t->batch = true;
  }
  closedir(d);
}

static void run_seen(thread_seen *t, const thread_seen *before, const char *nice,
                     const char *sched) {
  char in[800], out[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  snprintf(out, sizeof out, "%s/prio.mkv", tp_dir());
  const char *kv[] = {"i",          in,  "o", out,           "c:v", "libx264",      "preset",
                      "medium",     "y", "1", "worker_nice", nice,  "worker_sched", sched,
                      "adapt_nice", "0", NULL};
  memset(t, 0, sizeof *t);
  t->before = before;
  tp_init(&t->r);
  t->max_nice = -100;
  iso_pipeline *p = tp_make(&t->r, kv);
  assert_non_null(p);
  iso_pipeline_callbacks cb = {scan_threads, tp_on_log, tp_on_error, tp_on_done};
  iso_pipeline_set_callbacks(p, &cb, t);
  assert_int_equal(iso_pipeline_run(p), ISO_OK);
  iso_pipeline_free(p);
}

/* worker_nice and worker_sched reach the stage threads (and only them). */
static void test_thread_effects(void **state) {
  (void)state;
  /* The levels are absolute nice values: a test started under `nice`
   * would see its workers clamped there. */
  errno = 0;
  int base = getpriority(PRIO_PROCESS, 0);
  if (base != 0 || errno) {
    printf("skipped: the test runs at nice %d, the levels need nice 0\n", base);
    skip();
  }
  thread_seen a, b;
  run_seen(&a, NULL, "10", "batch");
  run_seen(&b, &a, "0", "normal");
  if (getenv("TP_VERBOSE"))
    fprintf(stderr,
            "nice 10 batch: max %d below 10 %d batch %d main %d; nice 0 normal: max %d below "
            "10 %d batch %d\n",
            a.max_nice, a.low, a.batch, a.main_nice, b.max_nice, b.low, b.batch);
  assert_true(a.workers > 3 && b.workers > 3);
  /* Stages upstream of the encoders stand higher still (by how busy the
   * machine is); demux, mux and the video encoder stand at worker_nice. */
  assert_true(a.max_nice >= 10);
  assert_true(b.low >= a.low + 3);
  assert_true(a.batch);
  assert_false(b.batch);
  assert_int_equal(a.main_nice, 0);
  assert_int_equal(b.main_nice, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_levels),         cmocka_unit_test(test_hysteresis),
      cmocka_unit_test(test_sampler),        cmocka_unit_test(test_options),
      cmocka_unit_test(test_thread_effects),
  };
  return cmocka_run_group_tests(tests, tp_setup_dir, tp_teardown_dir);
}
