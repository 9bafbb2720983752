/* Shared fixtures of the runtime tests: each test runs in threads mode and again in inline mode. */
#ifndef TEST_RT_COMMON_H
#define TEST_RT_COMMON_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first. */
#include <cmocka.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "isopipe/isolate.h"

#define SEC 1000000000ull
#define MS 1000000ull

static iso_mode g_mode __attribute__((unused));

static inline int group_threads(void **s) {
  (void)s;
  g_mode = ISO_MODE_THREADS;
  return 0;
}
static inline int group_inline(void **s) {
  (void)s;
  g_mode = ISO_MODE_INLINE;
  return 0;
}
static inline int rt_setup(void **s) {
  (void)s;
  return iso_runtime_init(g_mode) == ISO_OK ? 0 : -1;
}
static inline int rt_teardown(void **s) {
  (void)s;
  iso_runtime_shutdown();
  return 0;
}

#define RT_TEST(t) cmocka_unit_test_setup_teardown(t, rt_setup, rt_teardown)
/* Runs the same table in both modes. */
#define RT_RUN_BOTH(tests)                                                                         \
  (cmocka_run_group_tests_name("threads", tests, group_threads, NULL) +                            \
   cmocka_run_group_tests_name("inline", tests, group_inline, NULL))

/* Payload whose destructor counts, to prove drops free and moves do not copy. */
static atomic_int g_freed __attribute__((unused));
static inline void counted_free(void *p) {
  atomic_fetch_add(&g_freed, 1);
  free(p);
}
static inline void *counted_alloc(size_t n) {
  void *p = malloc(n);
  assert_non_null(p);
  return p;
}

/* Next message on p within 10 s, or fail the test. */
static inline iso_value *next_msg(iso_port *p) {
  iso_value *m = NULL;
  int rc = iso_port_next(p, 10 * SEC, &m);
  assert_int_equal(rc, ISO_OK);
  assert_non_null(m);
  return m;
}

static inline void expect_int(iso_port *p, int64_t want) {
  iso_value *m = next_msg(p);
  assert_int_equal(iso_type(m), ISO_V_INT);
  assert_int_equal(iso_as_int(m), want);
  iso_value_free(m);
}

#endif
