/* Mail latency (iso_set_mail_latency): senders leave a lazy reader parked, yet every message
 * reaches it, in order. */
#include <pthread.h>
#include <time.h>

#include "test_need.h"
#include "test_rt_common.h"

static void *foreign_thread(void *arg) {
  int *rc = arg;
  *rc = iso_set_mail_latency(1000000);
  return NULL;
}

static void test_settings(void **s) {
  (void)s;
  assert_int_equal(iso_set_mail_latency(ISO_BUSY_POLL_MAX_NS + 1), ISO_EINVAL);
  assert_int_equal(iso_set_mail_latency(5000000), ISO_OK);
  assert_int_equal(iso_set_mail_latency(0), ISO_OK);
  int rc = -1;
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, foreign_thread, &rc), 0);
  pthread_join(t, NULL);
  assert_int_equal(rc, ISO_ESTATE);
}

static void echo_entry(iso_value *msg) {
  assert_int_equal(iso_set_mail_latency((uint64_t)iso_as_int(iso_list_at(msg, 1))), ISO_OK);
  rt_echo_open(iso_as_sendport(iso_list_at(msg, 0)));
  iso_value_free(msg);
}

#define BURSTS 20
#define BURST 200

/* The echo has no timer: only its lazy wait brings it back to its mail.
 * Bursts from main (which is woken at once) all come back, in order; a
 * wait that never ended would fail the reply's 10 s limit. */
static void test_lazy_reader_gets_everything(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_isolate *w;
  assert_int_equal(
      iso_spawn(echo_entry, iso_listv(iso_v_sendport(sp), iso_int(20000000), NULL), NULL, &w),
      ISO_OK);
  iso_sendport_release(sp);
  iso_value *hello = next_msg(p);
  iso_sendport *esp = iso_sendport_ref(iso_as_sendport(hello));
  iso_value_free(hello);
  for (int b = 0; b < BURSTS; b++) {
    for (int i = 0; i < BURST; i++)
      assert_int_equal(iso_send_move(esp, iso_int(b * BURST + i)), ISO_OK);
    for (int i = 0; i < BURST; i++)
      expect_int(p, b * BURST + i);
  }
  assert_int_equal(iso_send_move(esp, iso_null()), ISO_OK);
  assert_int_equal(iso_isolate_join(w, 10 * SEC), ISO_OK);
  iso_isolate_release(w);
  iso_sendport_release(esp);
  iso_port_close(p);
}

/* Mail really waits: a lazy echo (1 s) parked before a ping answers it
 * only when its wait ends, not at once. Load can only delay the reply
 * further, so the bound holds on a busy machine too. Threads mode. */
static void test_mail_waits_for_latency(void **s) {
  (void)s;
  TM_NOT_APPLICABLE(iso_runtime_mode() != ISO_MODE_THREADS, "inline mode ignores the latency");
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_isolate *w;
  assert_int_equal(
      iso_spawn(echo_entry,
                iso_listv(iso_v_sendport(sp), iso_int((int64_t)ISO_BUSY_POLL_MAX_NS), NULL), NULL,
                &w),
      ISO_OK);
  iso_sendport_release(sp);
  iso_value *hello = next_msg(p);
  iso_sendport *esp = iso_sendport_ref(iso_as_sendport(hello));
  iso_value_free(hello);
  struct timespec nap = {0, 300000000};
  nanosleep(&nap, NULL); /* the echo has parked */
  uint64_t t0 = iso_now_ns();
  assert_int_equal(iso_send_move(esp, iso_int(7)), ISO_OK);
  expect_int(p, 7);
  uint64_t waited = iso_now_ns() - t0;
  if (waited < 300000000u) fail_msg("the lazy echo answered after %.3f s", waited / 1e9);
  assert_int_equal(iso_send_move(esp, iso_null()), ISO_OK);
  assert_int_equal(iso_isolate_join(w, 10 * SEC), ISO_OK);
  iso_isolate_release(w);
  iso_sendport_release(esp);
  iso_port_close(p);
}

/* An isolate that only keeps a port open (nothing of its own to free when
 * killed), reads its mail lazily, says hello and parks. */
static void idle_handler(iso_port *port, iso_value *msg, void *ud) {
  (void)port;
  (void)ud;
  iso_value_free(msg);
}

static void idle_entry(iso_value *msg) {
  assert_int_equal(iso_set_mail_latency(ISO_BUSY_POLL_MAX_NS), ISO_OK);
  iso_port_new_raw(idle_handler, NULL);
  iso_send_move(iso_as_sendport(msg), iso_int(1));
  iso_value_free(msg);
}

/* Kill is control: it reaches a lazy isolate parked with the longest
 * latency, which then ends. */
static void test_kill_reaches_lazy_reader(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_isolate *w;
  assert_int_equal(iso_spawn(idle_entry, iso_v_sendport(sp), NULL, &w), ISO_OK);
  iso_sendport_release(sp);
  expect_int(p, 1);
  assert_int_equal(iso_kill(w, ISO_PRIO_IMMEDIATE), ISO_OK);
  assert_int_equal(iso_isolate_join(w, 10 * SEC), ISO_OK);
  iso_isolate_release(w);
  iso_port_close(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      RT_TEST(test_settings),
      RT_TEST(test_lazy_reader_gets_everything),
      RT_TEST(test_mail_waits_for_latency),
      RT_TEST(test_kill_reaches_lazy_reader),
  };
  return RT_RUN_BOTH(tests);
}
