/* Timers: one-shot, periodic on absolute deadlines with missed counts, stop inside callbacks. */
#include <time.h>

#include "test_rt_common.h"

typedef struct tstate {
  int fired;
  uint64_t started;
  uint64_t at;
  int stop_after;
  uint64_t missed, late_sleep_ns;
} tstate;

static void once_cb(iso_timer *t, void *ud) {
  tstate *st = ud;
  st->fired++;
  st->at = iso_now_ns();
  assert_int_equal(iso_timer_ticks(t), 1);
}

static void test_one_shot(void **s) {
  (void)s;
  tstate st = {0};
  st.started = iso_now_ns();
  iso_timer *t = iso_timer_start(20 * MS, 0, once_cb, &st);
  assert_non_null(t);
  assert_int_equal(iso_loop_run(), ISO_OK); /* the timer alone keeps main's loop alive */
  assert_int_equal(st.fired, 1);
  assert_true(st.at - st.started >= 20 * MS); /* never early */
  iso_timer_stop(t);                          /* fired one-shots may still be stopped */
}

static void periodic_cb(iso_timer *t, void *ud) {
  tstate *st = ud;
  st->fired++;
  if (st->fired == 1 && st->late_sleep_ns) {
    struct timespec ts = {0, (long)st->late_sleep_ns};
    nanosleep(&ts, NULL);
  }
  if (st->fired == st->stop_after) {
    st->missed = iso_timer_missed(t);
    assert_int_equal(iso_timer_ticks(t), (uint64_t)st->stop_after);
    iso_timer_stop(t); /* allowed inside the callback */
  }
}

static void test_periodic_and_stop_in_cb(void **s) {
  (void)s;
  tstate st = {0};
  st.stop_after = 5;
  uint64_t t0 = iso_now_ns();
  assert_non_null(iso_timer_start(0, 5 * MS, periodic_cb, &st));
  iso_loop_run();
  assert_int_equal(st.fired, 5);
  assert_true(iso_now_ns() - t0 >= 20 * MS); /* 5 ticks at 0,5,10,15,20 ms */
}

static void test_missed_deadlines_counted_not_burst(void **s) {
  (void)s;
  tstate st = {0};
  st.stop_after = 3;
  st.late_sleep_ns = 55 * MS; /* the first tick overruns ~5 periods of 10 ms */
  assert_non_null(iso_timer_start(0, 10 * MS, periodic_cb, &st));
  iso_loop_run();
  assert_int_equal(st.fired, 3);
  assert_true(st.missed >= 4);
}

typedef struct late_state {
  iso_timer *t;
  uint64_t lateness;
} late_state;
static void lateness_cb(iso_timer *t, void *ud) {
  late_state *ls = ud;
  ls->lateness = iso_timer_lateness_ns(t);
  iso_timer_stop(t);
}

static void test_lateness_reported(void **s) {
  (void)s;
  late_state ls = {0};
  ls.t = iso_timer_start(1 * MS, 10 * MS, lateness_cb, &ls);
  struct timespec ts = {0, 30 * 1000000L};
  nanosleep(&ts, NULL); /* main is busy past the deadline */
  iso_loop_run();
  assert_true(ls.lateness >= 29 * MS);
}

/* A worker whose only liveness is a timer: it ends when the timer fires. */
static void worker_tick(iso_timer *t, void *ud) {
  (void)t;
  iso_sendport *sp = ud;
  iso_value *v = iso_str("tick");
  iso_send_move(sp, v);
  iso_sendport_release(sp);
}
static void timer_entry(iso_value *msg) {
  iso_timer_start(10 * MS, 0, worker_tick, iso_sendport_ref(iso_as_sendport(msg)));
  iso_value_free(msg);
}

static void test_timer_keeps_isolate_alive(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_isolate *w;
  assert_int_equal(iso_spawn(timer_entry, iso_v_sendport(sp), NULL, &w), ISO_OK);
  iso_value *m = next_msg(p);
  assert_string_equal(iso_as_str(m), "tick");
  iso_value_free(m);
  assert_int_equal(iso_isolate_join(w, 10 * SEC), ISO_OK);
  iso_isolate_release(w);
  iso_sendport_release(sp);
  iso_port_close(p);
}

static void stop_other_cb(iso_timer *t, void *ud) {
  iso_timer **other = ud;
  iso_timer_stop(*other); /* stop a different, pending timer */
  iso_timer_stop(t);
}
static void never_cb(iso_timer *t, void *ud) {
  (void)t;
  (void)ud;
  fail_msg("stopped timer fired");
}

static void test_stop_pending_timer(void **s) {
  (void)s;
  iso_timer *late = iso_timer_start(50 * MS, 0, never_cb, NULL);
  assert_non_null(iso_timer_start(1 * MS, 1 * MS, stop_other_cb, &late));
  iso_loop_run();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      RT_TEST(test_one_shot),
      RT_TEST(test_periodic_and_stop_in_cb),
      RT_TEST(test_missed_deadlines_counted_not_burst),
      RT_TEST(test_lateness_reported),
      RT_TEST(test_timer_keeps_isolate_alive),
      RT_TEST(test_stop_pending_timer),
  };
  return RT_RUN_BOTH(tests);
}
