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

/* An echo isolate's port: replies to reply with what it gets; null ends it.
 * rt_echo_open, called from the echo's entry, sends the port's sendport to
 * reply first. */
typedef struct rt_echo {
  iso_sendport *reply;
} rt_echo;

static inline void rt_echo_handler(iso_port *port, iso_value *msg, void *ud) {
  rt_echo *e = ud;
  if (iso_type(msg) == ISO_V_NULL) {
    iso_value_free(msg);
    iso_sendport_release(e->reply);
    free(e);
    iso_port_close(port);
    return;
  }
  iso_send_move(e->reply, msg);
}

static inline void rt_echo_open(iso_sendport *reply) {
  rt_echo *e = calloc(1, sizeof(*e));
  e->reply = iso_sendport_ref(reply);
  iso_port *p = iso_port_new_raw(rt_echo_handler, e);
  iso_sendport *me = iso_port_sendport(p);
  iso_send_move(e->reply, iso_v_sendport(me));
  iso_sendport_release(me);
}

#endif
