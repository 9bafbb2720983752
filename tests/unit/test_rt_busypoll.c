/* Busy polling (iso_set_busy_poll) and the mailbox's wakeups: settings, ping-pong, parking, bursts.
 */
#include <pthread.h>
#include <time.h>

#include "test_need.h"
#include "test_rt_common.h"

/* Worker: reports its own setting, sets 7000 ns, reports again, ends. */
static void report_entry(iso_value *msg) {
  iso_sendport *sp = iso_as_sendport(msg);
  iso_send_move(sp, iso_int((int64_t)iso_busy_poll()));
  iso_send_move(sp, iso_int(iso_set_busy_poll(7000)));
  iso_send_move(sp, iso_int((int64_t)iso_busy_poll()));
  iso_value_free(msg);
}

static void test_setting_is_per_isolate(void **s) {
  (void)s;
  assert_int_equal(iso_busy_poll(), 0);
  assert_int_equal(iso_set_busy_poll(5000), ISO_OK);
  assert_int_equal(iso_busy_poll(), 5000);
  /* Out of range: refused, the setting stays. */
  assert_int_equal(iso_set_busy_poll(ISO_BUSY_POLL_MAX_NS + 1), ISO_EINVAL);
  assert_int_equal(iso_busy_poll(), 5000);
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_isolate *w;
  assert_int_equal(iso_spawn(report_entry, iso_v_sendport(sp), NULL, &w), ISO_OK);
  expect_int(p, 0); /* a new isolate starts with the default */
  expect_int(p, ISO_OK);
  expect_int(p, 7000);
  assert_int_equal(iso_isolate_join(w, 10 * SEC), ISO_OK);
  iso_isolate_release(w);
  assert_int_equal(iso_busy_poll(), 5000); /* the worker's call did not touch main */
  assert_int_equal(iso_set_busy_poll(0), ISO_OK);
  assert_int_equal(iso_busy_poll(), 0);
  iso_sendport_release(sp);
  iso_port_close(p);
}

static void *foreign_thread(void *arg) {
  int *rc = arg;
  rc[0] = iso_set_busy_poll(1000);
  rc[1] = (int)iso_busy_poll();
  return NULL;
}

static void test_foreign_thread_refused(void **s) {
  (void)s;
  int rc[2] = {-1, -1};
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, foreign_thread, rc), 0);
  pthread_join(t, NULL);
  assert_int_equal(rc[0], ISO_ESTATE);
  assert_int_equal(rc[1], 0);
}

static void echo_entry(iso_value *msg) {
  iso_set_busy_poll((uint64_t)iso_as_int(iso_list_at(msg, 1)));
  rt_echo_open(iso_as_sendport(iso_list_at(msg, 0)));
  iso_value_free(msg);
}

static iso_isolate *spawn_echo(iso_port *p, uint64_t busy_ns, iso_sendport **echo_sp) {
  iso_sendport *sp = iso_port_sendport(p);
  iso_isolate *w;
  assert_int_equal(iso_spawn(echo_entry,
                             iso_listv(iso_v_sendport(sp), iso_int((int64_t)busy_ns), NULL), NULL,
                             &w),
                   ISO_OK);
  iso_sendport_release(sp);
  iso_value *hello = next_msg(p);
  *echo_sp = iso_sendport_ref(iso_as_sendport(hello));
  assert_non_null(*echo_sp);
  iso_value_free(hello);
  return w;
}

#define PINGS 20000

/* Both sides poll: every reply comes back, in order, with its payload. */
static void test_busy_pingpong(void **s) {
  (void)s;
  assert_int_equal(iso_set_busy_poll(200000), ISO_OK);
  iso_port *p = iso_port_new();
  iso_sendport *esp;
  iso_isolate *w = spawn_echo(p, 200000, &esp);
  iso_counters before;
  iso_counters_get(&before);
  for (int i = 0; i < PINGS; i++) {
    /* Alternate a scalar and a small list (items stored inside the node). */
    iso_value *v = i & 1 ? iso_int(i) : iso_listv(iso_int(i), iso_str("x"), iso_float(0.5), NULL);
    assert_int_equal(iso_send(esp, v), ISO_OK);
    iso_value *m = next_msg(p);
    if (i & 1) {
      assert_int_equal(iso_as_int(m), i);
    } else {
      assert_int_equal(iso_list_len(m), 3);
      assert_int_equal(iso_as_int(iso_list_at(m, 0)), i);
      assert_string_equal(iso_as_str(iso_list_at(m, 1)), "x");
    }
    iso_value_free(m);
    iso_value_free(v);
  }
  iso_counters after;
  iso_counters_get(&after);
  assert_int_equal(after.msgs_sent - before.msgs_sent, PINGS);
  assert_int_equal(after.msgs_received - before.msgs_received, PINGS);
  assert_int_equal(iso_set_busy_poll(0), ISO_OK);
  iso_send_move(esp, iso_null());
  assert_int_equal(iso_isolate_join(w, 10 * SEC), ISO_OK);
  iso_isolate_release(w);
  iso_sendport_release(esp);
  iso_port_close(p);
}

/* Worker that tells main which CPU clock measures its thread. */
static void clock_entry(iso_value *msg) {
  iso_set_busy_poll(2000000); /* 2 ms after each event, then sleep */
  clockid_t cid;
  int rc = pthread_getcpuclockid(pthread_self(), &cid);
  iso_port_new(); /* keeps the isolate alive and idle until the kill */
  iso_send_move(iso_as_sendport(iso_list_at(msg, 0)), iso_int(rc ? -1 : (int64_t)cid));
  iso_value_free(msg);
}

static uint64_t cpu_ns(clockid_t cid) {
  struct timespec ts;
  if (clock_gettime(cid, &ts)) return UINT64_MAX;
  return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

/* The poll is bounded: an idle polling isolate ends up asleep, its thread's
 * CPU clock standing still. Unbounded polling would never get there. */
static void test_idle_poller_sleeps(void **s) {
  (void)s;
  TM_NOT_APPLICABLE(g_mode == ISO_MODE_INLINE, "no threads to poll inline");
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_isolate *w;
  assert_int_equal(iso_spawn(clock_entry, iso_listv(iso_v_sendport(sp), NULL), NULL, &w), ISO_OK);
  iso_value *m = next_msg(p);
  int64_t cid = iso_as_int(m);
  iso_value_free(m);
  assert_true(cid != -1);
  bool still = false;
  for (int i = 0; i < 500 && !still; i++) { /* up to 10 s: long after any poll budget */
    uint64_t a = cpu_ns((clockid_t)cid);
    struct timespec ts = {0, 20 * (long)MS};
    nanosleep(&ts, NULL);
    uint64_t b = cpu_ns((clockid_t)cid);
    assert_true(a != UINT64_MAX && b != UINT64_MAX);
    still = a == b;
  }
  assert_true(still);
  assert_int_equal(iso_kill(w, ISO_PRIO_IMMEDIATE), ISO_OK);
  assert_int_equal(iso_isolate_join(w, 10 * SEC), ISO_OK);
  iso_isolate_release(w);
  iso_sendport_release(sp);
  iso_port_close(p);
}

/* Producers in bursts with pauses, so the receiver keeps falling asleep:
 * only a send onto an empty mailbox wakes it, and none may be lost (a lost
 * wakeup leaves next_msg waiting until it fails). */
#define BURST_PRODUCERS 3
#define BURSTS 200

static void burst_entry(iso_value *msg) {
  iso_sendport *sp = iso_as_sendport(iso_list_at(msg, 0));
  int64_t id = iso_as_int(iso_list_at(msg, 1));
  int64_t seq = 0;
  for (int b = 0; b < BURSTS; b++) {
    int n = 1 + (int)((b * 7 + id * 3) % 5);
    for (int k = 0; k < n; k++)
      iso_send_move(sp, iso_listv(iso_int(id), iso_int(seq++), NULL));
    if (g_mode == ISO_MODE_THREADS) {
      struct timespec ts = {0, (long)(20000 + 15000 * ((b + id) % 4))};
      nanosleep(&ts, NULL); /* longer than the receiver's spin: it parks */
    }
  }
  iso_send_move(sp, iso_listv(iso_int(id), iso_int(-1), NULL));
  iso_value_free(msg);
}

static void test_bursts_lose_no_wakeup(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_isolate *w[BURST_PRODUCERS];
  for (int i = 0; i < BURST_PRODUCERS; i++)
    assert_int_equal(
        iso_spawn(burst_entry, iso_listv(iso_v_sendport(sp), iso_int(i), NULL), NULL, &w[i]),
        ISO_OK);
  int64_t next[BURST_PRODUCERS] = {0};
  int ended = 0;
  while (ended < BURST_PRODUCERS) {
    iso_value *m = next_msg(p);
    int64_t id = iso_as_int(iso_list_at(m, 0)), seq = iso_as_int(iso_list_at(m, 1));
    iso_value_free(m);
    assert_true(id >= 0 && id < BURST_PRODUCERS);
    if (seq < 0) {
      ended++;
      continue;
    }
    assert_int_equal(seq, next[id]); /* each producer's order holds */
    next[id]++;
  }
  for (int i = 0; i < BURST_PRODUCERS; i++) {
    assert_true(next[i] > BURSTS);
    assert_int_equal(iso_isolate_join(w[i], 10 * SEC), ISO_OK);
    iso_isolate_release(w[i]);
  }
  iso_sendport_release(sp);
  iso_port_close(p);
}

/* A sender with wake batching holds back its wake of a parked receiver
 * until its own event ends. A message another isolate sends meanwhile must
 * still wake the receiver: here main waits for the receiver's answer while
 * the batching sender's event cannot end before main has it. */
static atomic_int g_release;

static void batcher_handler(iso_port *port, iso_value *msg, void *ud) {
  (void)port;
  iso_sendport *to = ud;
  if (iso_type(msg) == ISO_V_NULL) {
    iso_value_free(msg);
    iso_sendport_release(to);
    iso_port_close(port);
    return;
  }
  iso_value_free(msg);
  iso_send_move(to, iso_int(-1)); /* its wake is held back: to is parked */
  for (int i = 0; i < 20000 && !atomic_load(&g_release); i++) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL); /* a long event: the held-back wake waits for its end */
  }
}

static void batcher_entry(iso_value *msg) {
  iso_set_wake_batching(true);
  iso_sendport *to = iso_sendport_ref(iso_as_sendport(iso_list_at(msg, 1)));
  iso_port *p = iso_port_new_raw(batcher_handler, to);
  iso_sendport *me = iso_port_sendport(p);
  iso_send_move(iso_as_sendport(iso_list_at(msg, 0)), iso_v_sendport(me));
  iso_sendport_release(me);
  iso_value_free(msg);
}

static void test_held_back_wake_delays_no_one_else(void **s) {
  (void)s;
  TM_NOT_APPLICABLE(g_mode == ISO_MODE_INLINE, "wakes are a threads-mode matter");
  atomic_store(&g_release, 0);
  iso_port *p = iso_port_new();
  iso_sendport *esp, *bsp;
  iso_isolate *echo_w = spawn_echo(p, 0, &esp); /* the receiver: default policy, parks */
  iso_sendport *sp = iso_port_sendport(p);
  iso_isolate *bw;
  assert_int_equal(
      iso_spawn(batcher_entry, iso_listv(iso_v_sendport(sp), iso_v_sendport(esp), NULL), NULL, &bw),
      ISO_OK);
  iso_value *hello = next_msg(p);
  bsp = iso_sendport_ref(iso_as_sendport(hello));
  iso_value_free(hello);
  struct timespec ts = {0, 20 * (long)MS};
  nanosleep(&ts, NULL); /* the echo parks (no assertion rests on it) */
  assert_int_equal(iso_send_move(bsp, iso_int(1)), ISO_OK); /* the batcher's long event */
  nanosleep(&ts, NULL); /* its held-back wake is pending by now */
  assert_int_equal(iso_send_move(esp, iso_int(7)), ISO_OK);
  iso_value *m = NULL;
  int rc = iso_port_next(p, 10 * SEC, &m);
  atomic_store(&g_release, 1); /* let the batcher end before any assertion */
  assert_int_equal(rc, ISO_OK);
  /* Whichever comes first, 7 must come while the batcher's event still runs
   * (it ran until g_release): the echo answers both, in arrival order. */
  int64_t first = iso_as_int(m);
  iso_value_free(m);
  assert_true(first == 7 || first == -1);
  expect_int(p, first == 7 ? -1 : 7);
  iso_send_move(bsp, iso_null());
  iso_send_move(esp, iso_null());
  assert_int_equal(iso_isolate_join(bw, 10 * SEC), ISO_OK);
  assert_int_equal(iso_isolate_join(echo_w, 10 * SEC), ISO_OK);
  iso_isolate_release(bw);
  iso_isolate_release(echo_w);
  iso_sendport_release(bsp);
  iso_sendport_release(esp);
  iso_sendport_release(sp);
  iso_port_close(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      RT_TEST(test_setting_is_per_isolate), RT_TEST(test_foreign_thread_refused),
      RT_TEST(test_busy_pingpong),          RT_TEST(test_idle_poller_sleeps),
      RT_TEST(test_bursts_lose_no_wakeup),  RT_TEST(test_held_back_wake_delays_no_one_else),
  };
  return RT_RUN_BOTH(tests);
}
