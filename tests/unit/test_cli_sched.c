/* Unit tests of the main thread's scheduling request: realtime or the fallback, reset on fork, the
 * step-down on SIGXCPU. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "tools/isopipe/cli_sched.h"

static void *policy_of_child(void *arg) {
  *(int *)arg = sched_getscheduler(0);
  return NULL;
}

typedef struct probe {
  cli_sched_mode mode;
  cli_sched_result r;
  int policy, child_policy;
  struct rlimit rttime;
  int demoted_policy;
  int demoted;
} probe;

static void spin_cpu_ms(long ms) {
  struct timespec a, b;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
  for (;;) {
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    if ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 >= ms) return;
    if (cli_sched_demoted()) return;
  }
}

/* Each request runs on a fresh thread: the policy is per thread and the
 * test's own thread must stay normal. */
static void *run_probe(void *arg) {
  probe *p = arg;
  p->r = cli_sched_main_thread(p->mode, 500 * 1000);
  p->policy = sched_getscheduler(0);
  pthread_t t;
  pthread_create(&t, NULL, policy_of_child, &p->child_policy);
  pthread_join(t, NULL);
  getrlimit(RLIMIT_RTTIME, &p->rttime);
  if (p->r.got == CLI_SCHED_GOT_RT) {
    /* Past RLIMIT_RTTIME of CPU without blocking, SIGXCPU steps it down. */
    spin_cpu_ms(1500);
    p->demoted = cli_sched_demoted();
    p->demoted_policy = sched_getscheduler(0);
  }
  return NULL;
}

static probe run(cli_sched_mode mode) {
  probe p;
  memset(&p, 0, sizeof p);
  p.mode = mode;
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, run_probe, &p), 0);
  pthread_join(t, NULL);
  return p;
}

static void test_realtime_or_clear_refusal(void **state) {
  (void)state;
  probe p = run(CLI_SCHED_RT);
  char line[192];
  cli_sched_describe(p.r, 500 * 1000, line, sizeof line);
  if (p.r.got == CLI_SCHED_GOT_RT) {
    assert_int_equal(p.policy & ~SCHED_RESET_ON_FORK, SCHED_FIFO);
    assert_int_equal(p.child_policy, SCHED_OTHER); /* workers never inherit it */
    assert_true(p.rttime.rlim_cur != RLIM_INFINITY && p.rttime.rlim_cur <= 200000);
    assert_true(p.demoted);
    assert_int_equal(p.demoted_policy & ~SCHED_RESET_ON_FORK, SCHED_OTHER);
    assert_non_null(strstr(line, "SCHED_FIFO"));
  } else {
    /* Without privilege: nothing changed, and the reason is kept. */
    assert_int_equal(p.r.got, CLI_SCHED_GOT_NONE);
    assert_int_equal(p.r.rt_error, EPERM);
    assert_int_equal(p.policy, SCHED_OTHER);
    assert_non_null(strstr(line, "realtime refused"));
  }
}

static void test_fair_keeps_normal_policy(void **state) {
  (void)state;
  probe p = run(CLI_SCHED_FAIR);
  assert_int_not_equal(p.r.got, CLI_SCHED_GOT_RT);
  assert_int_equal(p.policy & ~SCHED_RESET_ON_FORK, SCHED_OTHER);
  assert_int_equal(p.child_policy, SCHED_OTHER);
}

static void test_off_changes_nothing(void **state) {
  (void)state;
  probe p = run(CLI_SCHED_OFF);
  assert_int_equal(p.r.got, CLI_SCHED_GOT_NONE);
  assert_int_equal(p.r.rt_error, 0);
  assert_int_equal(p.policy, SCHED_OTHER);
}

static void test_mode_from_env(void **state) {
  (void)state;
  unsetenv("ISOPIPE_MAIN_SCHED");
  assert_int_equal(cli_sched_mode_from_env(), CLI_SCHED_AUTO);
  setenv("ISOPIPE_MAIN_SCHED", "fair", 1);
  assert_int_equal(cli_sched_mode_from_env(), CLI_SCHED_FAIR);
  setenv("ISOPIPE_MAIN_SCHED", "rt", 1);
  assert_int_equal(cli_sched_mode_from_env(), CLI_SCHED_RT);
  setenv("ISOPIPE_MAIN_SCHED", "off", 1);
  assert_int_equal(cli_sched_mode_from_env(), CLI_SCHED_OFF);
  unsetenv("ISOPIPE_MAIN_SCHED");
  setenv("ISOPIPE_MAIN_SLICE_US", "250", 1);
  assert_int_equal(cli_sched_slice_from_env(), 250 * 1000);
  unsetenv("ISOPIPE_MAIN_SLICE_US");
  assert_int_equal(cli_sched_slice_from_env(), 500 * 1000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mode_from_env),
      cmocka_unit_test(test_off_changes_nothing),
      cmocka_unit_test(test_fair_keeps_normal_policy),
      cmocka_unit_test(test_realtime_or_clear_refusal),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
