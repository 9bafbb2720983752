/* Percentiles of the profiling histogram on data whose answer is known. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "profiling/prof.h"

/* Within the histogram's documented error (half a 1/16-octave bucket). */
static void assert_near(uint64_t got, double want) {
  double err = want > 0 ? (double)got / want - 1 : (double)got;
  if (err < 0) err = -err;
  if (err > 0.035)
    fail_msg("got %llu, want ~%.1f (error %.3f)", (unsigned long long)got, want, err);
}

static void test_empty(void **state) {
  (void)state;
  pl_hist h;
  pl_hist_init(&h);
  assert_int_equal(pl_hist_quantile(&h, 0.5), 0);
  assert_int_equal(pl_hist_quantile(&h, 1), 0);
  assert_true(pl_hist_mean(&h) == 0);
}

static void test_small_values_exact(void **state) {
  (void)state;
  pl_hist h;
  pl_hist_init(&h);
  for (uint64_t v = 1; v <= 10; v++)
    pl_hist_add(&h, v);
  assert_int_equal(pl_hist_quantile(&h, 0), 1);
  assert_int_equal(pl_hist_quantile(&h, 0.5), 5);
  assert_int_equal(pl_hist_quantile(&h, 0.9), 9);
  assert_int_equal(pl_hist_quantile(&h, 1), 10);
  assert_true(pl_hist_mean(&h) == 5.5);
}

static void test_uniform(void **state) {
  (void)state;
  pl_hist h;
  pl_hist_init(&h);
  for (uint64_t v = 1; v <= 100000; v++)
    pl_hist_add(&h, v);
  assert_near(pl_hist_quantile(&h, 0.5), 50000);
  assert_near(pl_hist_quantile(&h, 0.99), 99000);
  assert_near(pl_hist_quantile(&h, 0.01), 1000);
  assert_int_equal(pl_hist_quantile(&h, 1), 100000);
  assert_int_equal(pl_hist_quantile(&h, 0), 1);
  assert_int_equal(h.count, 100000);
}

/* A long tail: p99 must find the outliers, p50 must ignore them. */
static void test_tail(void **state) {
  (void)state;
  pl_hist h;
  pl_hist_init(&h);
  for (int i = 0; i < 980; i++)
    pl_hist_add(&h, 2000);
  for (int i = 0; i < 20; i++)
    pl_hist_add(&h, 900000);
  assert_near(pl_hist_quantile(&h, 0.5), 2000);
  assert_near(pl_hist_quantile(&h, 0.99), 900000);
  assert_int_equal(pl_hist_quantile(&h, 1), 900000);
}

static void test_huge_and_merge(void **state) {
  (void)state;
  pl_hist a, b;
  pl_hist_init(&a);
  pl_hist_init(&b);
  pl_hist_add(&a, UINT64_MAX);
  pl_hist_add(&a, 0);
  for (int i = 0; i < 99; i++)
    pl_hist_add(&b, 1u << 20);
  pl_hist_merge(&a, &b);
  assert_int_equal(a.count, 101);
  assert_int_equal(pl_hist_quantile(&a, 0), 0);
  assert_true(pl_hist_quantile(&a, 1) == UINT64_MAX);
  assert_near(pl_hist_quantile(&a, 0.5), 1u << 20);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_empty),          cmocka_unit_test(test_small_values_exact),
      cmocka_unit_test(test_uniform),        cmocka_unit_test(test_tail),
      cmocka_unit_test(test_huge_and_merge),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
