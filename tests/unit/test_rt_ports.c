/* Ports: FIFO across isolates, raw and listening ports, closing, drops that free their payload. */
#include <string.h>

#include "test_rt_common.h"

#define N_FIFO 2000

/* Worker: sends 0..n-1 to the given port, then ends (no ports left). */
static void counter_entry(iso_value *msg) {
  iso_sendport *sp = iso_as_sendport(iso_list_at(msg, 0));
  int64_t n = iso_as_int(iso_list_at(msg, 1));
  for (int64_t i = 0; i < n; i++) {
    iso_value *v = iso_int(i);
    iso_send_move(sp, v);
  }
  iso_value_free(msg);
}

static void test_fifo_across_isolates(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_isolate *w1, *w2;
  assert_int_equal(
      iso_spawn(counter_entry, iso_listv(iso_v_sendport(sp), iso_int(N_FIFO), NULL), NULL, &w1),
      ISO_OK);
  assert_int_equal(
      iso_spawn(counter_entry, iso_listv(iso_v_sendport(sp), iso_int(N_FIFO), NULL), NULL, &w2),
      ISO_OK);
  /* Two producers interleave, but each one's messages stay in order. */
  int64_t seen[2] = {0, 0};
  for (int i = 0; i < 2 * N_FIFO; i++) {
    iso_value *m = next_msg(p);
    int64_t v = iso_as_int(m);
    iso_value_free(m);
    if (v == seen[0])
      seen[0]++;
    else {
      assert_int_equal(v, seen[1]);
      seen[1]++;
    }
  }
  assert_int_equal(iso_isolate_join(w1, 10 * SEC), ISO_OK);
  assert_int_equal(iso_isolate_join(w2, 10 * SEC), ISO_OK);
  iso_isolate_release(w1);
  iso_isolate_release(w2);
  iso_sendport_release(sp);
  iso_port_close(p);
}

typedef struct raw_state {
  int64_t expect;
  int64_t stop_at;
} raw_state;

static void raw_handler(iso_port *port, iso_value *msg, void *ud) {
  raw_state *st = ud;
  assert_int_equal(iso_as_int(msg), st->expect);
  st->expect++;
  iso_value_free(msg);
  if (st->expect == st->stop_at) iso_port_close(port); /* allowed inside the handler */
}

static void test_raw_port_handler(void **s) {
  (void)s;
  raw_state st = {0, 500};
  iso_port *p = iso_port_new_raw(raw_handler, &st);
  iso_sendport *sp = iso_port_sendport(p);
  assert_int_equal(
      iso_spawn(counter_entry, iso_listv(iso_v_sendport(sp), iso_int(500), NULL), NULL, NULL),
      ISO_OK);
  iso_sendport_release(sp);
  /* The loop returns once the port closed itself: nothing keeps main alive. */
  assert_int_equal(iso_loop_run(), ISO_OK);
  assert_int_equal(st.expect, 500);
}

static void listen_handler(iso_port *port, iso_value *msg, void *ud) {
  int64_t *got = ud;
  assert_int_equal(iso_as_int(msg), *got);
  ++*got;
  iso_value_free(msg);
  if (*got == 10) iso_port_close(port);
}

static void test_receive_port_buffers_until_listen(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  for (int i = 0; i < 10; i++) {
    iso_value *v = iso_int(i);
    iso_send_move(sp, v);
  }
  iso_sendport_release(sp);
  expect_int(p, 0); /* "first" */
  int64_t got = 1;
  assert_int_equal(iso_port_listen(p, listen_handler, &got), ISO_OK);
  iso_loop_run();
  assert_int_equal(got, 10);
}

static void test_close_frees_queued(void **s) {
  (void)s;
  atomic_store(&g_freed, 0);
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  for (int i = 0; i < 3; i++) {
    iso_value *v = iso_transfer(counted_alloc(32), counted_free, 1);
    assert_int_equal(iso_send_move(sp, v), ISO_OK);
  }
  iso_loop_poll(0); /* moves them from the mailbox into the port */
  iso_port_close(p);
  assert_int_equal(atomic_load(&g_freed), 3);
  /* A send to the closed port: dropped, payload freed, counter grows. */
  iso_counters c0, c1;
  iso_counters_get(&c0);
  iso_value *v = iso_listv(iso_transfer(counted_alloc(32), counted_free, 1), NULL);
  assert_int_equal(iso_send(sp, v), ISO_OK);
  iso_counters_get(&c1);
  assert_int_equal(c1.dropped - c0.dropped, 1);
  assert_int_equal(atomic_load(&g_freed), 4);
  assert_null(iso_transfer_take(iso_list_at(v, 0), NULL)); /* it moved, then was freed */
  iso_value_free(v);
  iso_sendport_release(sp);
}

/* Closes the port given as ud, then its own. */
static void close_other(iso_port *port, iso_value *msg, void *ud) {
  iso_value_free(msg);
  iso_port_close(ud);
  iso_port_close(port);
}

static void test_iso_port_next_closed_and_timeout(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_value *m = NULL;
  assert_int_equal(iso_port_next(p, 5 * MS, &m), ISO_ETIMEDOUT);
  assert_null(m);
  /* Closed while waited on: the loop runs another port's handler during
   * the wait, and that handler closes p. */
  iso_port *closer = iso_port_new_raw(close_other, p);
  iso_sendport *csp = iso_port_sendport(closer);
  iso_send_move(csp, iso_null());
  assert_int_equal(iso_port_next(p, 5000 * MS, &m), ISO_ECLOSED);
  assert_null(m);
  iso_sendport_release(csp);
}

/* Worker that keeps a port open and reports it; ends on any message. */
static void end_on_msg(iso_port *port, iso_value *msg, void *ud) {
  (void)ud;
  iso_value_free(msg);
  iso_port_close(port);
}
static void ported_entry(iso_value *msg) {
  iso_port *mine = iso_port_new_raw(end_on_msg, NULL);
  iso_sendport *back = iso_as_sendport(msg);
  iso_sendport *me = iso_port_sendport(mine);
  iso_value *v = iso_v_sendport(me);
  iso_send_move(back, v);
  iso_sendport_release(me);
  iso_value_free(msg);
}

static void test_send_to_dead_isolate_is_dropped(void **s) {
  (void)s;
  atomic_store(&g_freed, 0);
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_isolate *w;
  assert_int_equal(iso_spawn(ported_entry, iso_v_sendport(sp), NULL, &w), ISO_OK);
  iso_value *m = next_msg(p);
  iso_sendport *wsp = iso_sendport_ref(iso_as_sendport(m));
  iso_value_free(m);
  iso_value *bye = iso_null();
  iso_send_move(wsp, bye);
  assert_int_equal(iso_isolate_join(w, 10 * SEC), ISO_OK);
  assert_true(iso_isolate_done(w));
  iso_counters c0, c1;
  iso_counters_get(&c0);
  iso_value *t = iso_transfer(counted_alloc(64), counted_free, 2);
  assert_int_equal(iso_send_move(wsp, t), ISO_OK);
  iso_counters_get(&c1);
  assert_int_equal(c1.dropped - c0.dropped, 1);
  assert_int_equal(atomic_load(&g_freed), 1);
  iso_sendport_release(wsp);
  iso_isolate_release(w);
  iso_sendport_release(sp);
  iso_port_close(p);
}

static void weak_entry(iso_value *msg) {
  iso_port *p = iso_port_new();
  iso_port_weak(p, true); /* does not keep us alive: we end right after entry */
  iso_value_free(msg);
}

static void test_weak_port(void **s) {
  (void)s;
  iso_isolate *w;
  assert_int_equal(iso_spawn(weak_entry, NULL, NULL, &w), ISO_OK);
  assert_int_equal(iso_isolate_join(w, 10 * SEC), ISO_OK);
  iso_isolate_release(w);
}

static void test_port_ud_and_equal(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  int x;
  iso_port_set_ud(p, &x);
  assert_ptr_equal(iso_port_ud(p), &x);
  iso_sendport *a = iso_port_sendport(p), *b = iso_port_sendport(p);
  assert_true(iso_sendport_equal(a, b));
  iso_port *q = iso_port_new();
  iso_sendport *c = iso_port_sendport(q);
  assert_false(iso_sendport_equal(a, c));
  iso_sendport_release(a);
  iso_sendport_release(b);
  iso_sendport_release(c);
  iso_port_close(p);
  iso_port_close(q);
}

static void test_reused_slot_gets_no_stale_message(void **s) {
  (void)s;
  atomic_store(&g_freed, 0);
  iso_port *a = iso_port_new();
  iso_sendport *spa = iso_port_sendport(a);
  iso_send_move(spa, iso_transfer(counted_alloc(8), counted_free, 1)); /* still in the mailbox */
  iso_port_close(a);
  iso_port *b = iso_port_new(); /* may reuse a's table slot */
  iso_value *m = NULL;
  assert_int_equal(iso_port_next(b, 20 * MS, &m), ISO_ETIMEDOUT);
  assert_int_equal(atomic_load(&g_freed), 1); /* dropped on arrival, payload freed */
  iso_sendport_release(spa);
  iso_port_close(b);
}

/* Producers keep sending transfers while the receiver closes its port
 * mid-stream: every payload is either delivered or freed, none leaks. */
#define FIRE_N 5000
static atomic_int g_delivered;
static void fire_entry(iso_value *msg) {
  iso_sendport *to = iso_as_sendport(msg);
  for (int i = 0; i < FIRE_N; i++)
    iso_send_move(to, iso_transfer(counted_alloc(16), counted_free, 5));
  iso_value_free(msg);
}
static void fire_handler(iso_port *port, iso_value *msg, void *ud) {
  int *n = ud;
  free(iso_transfer_take(msg, NULL)); /* delivered: we free it ourselves */
  atomic_fetch_add(&g_delivered, 1);
  iso_value_free(msg);
  if (++*n == FIRE_N / 2) iso_port_close(port);
}

static void test_close_under_fire(void **s) {
  (void)s;
  atomic_store(&g_freed, 0);
  atomic_store(&g_delivered, 0);
  int n = 0;
  iso_port *p = iso_port_new_raw(fire_handler, &n);
  iso_sendport *sp = iso_port_sendport(p);
  iso_isolate *w[3];
  for (int i = 0; i < 3; i++)
    assert_int_equal(iso_spawn(fire_entry, iso_v_sendport(sp), NULL, &w[i]), ISO_OK);
  iso_loop_run(); /* returns once the handler closed the port */
  for (int i = 0; i < 3; i++) {
    assert_int_equal(iso_isolate_join(w[i], 30 * SEC), ISO_OK);
    iso_isolate_release(w[i]);
  }
  /* Messages that raced the close are dropped on arrival, a batch per poll. */
  for (int i = 0; i < 10000 && atomic_load(&g_freed) + atomic_load(&g_delivered) < 3 * FIRE_N; i++)
    iso_loop_poll(1 * MS);
  assert_int_equal(atomic_load(&g_delivered), FIRE_N / 2);
  assert_int_equal(atomic_load(&g_freed) + atomic_load(&g_delivered), 3 * FIRE_N);
  iso_sendport_release(sp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      RT_TEST(test_fifo_across_isolates),
      RT_TEST(test_raw_port_handler),
      RT_TEST(test_receive_port_buffers_until_listen),
      RT_TEST(test_close_frees_queued),
      RT_TEST(test_iso_port_next_closed_and_timeout),
      RT_TEST(test_send_to_dead_isolate_is_dropped),
      RT_TEST(test_weak_port),
      RT_TEST(test_port_ud_and_equal),
      RT_TEST(test_reused_slot_gets_no_stale_message),
      RT_TEST(test_close_under_fire),
  };
  return RT_RUN_BOTH(tests);
}
