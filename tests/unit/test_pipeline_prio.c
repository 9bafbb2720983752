/* Unit tests of stage priorities: the levels, the hysteresis, the /proc sampler and the options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "isopipe/pipeline.h"
#include "pipeline/pl_internal.h"

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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_levels),
      cmocka_unit_test(test_hysteresis),
      cmocka_unit_test(test_sampler),
      cmocka_unit_test(test_options),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
