/* Batched credits and batched wakes: fewer futex wakes, never a lost one, never a stalled link. */
#include "test_rt_common.h"

#include <time.h>

#define CAP 8
#define TOTAL 11
#define HOLD_FROM 3 /* the receiver acks items 0..2 at once and holds the rest */

typedef struct prod {
  iso_link_tx *tx;
  int64_t next;
} prod;

static void prod_pump(iso_link_tx *tx, void *ud) {
  prod *p = ud;
  while (p->next < TOTAL) {
    iso_value *item = iso_int(p->next);
    int rc = iso_link_send(tx, item);
    if (rc == ISO_ENOCREDIT) iso_value_free(item); /* still ours */
    if (rc != ISO_OK) return;                      /* after ISO_ECLOSED the link freed it */
    p->next++;
  }
  /* All sent: no FINISH will come after EOF, so the producer ends here. */
  iso_link_tx_eof(tx);
  iso_link_tx_free(tx);
  free(p);
}

static void prod_finished(iso_link_tx *tx, void *ud) {
  (void)tx;
  prod *p = ud;
  iso_link_tx_free(p->tx);
  free(p);
}

static void prod_entry(iso_value *msg) {
  prod *p = calloc(1, sizeof(*p));
  iso_link_tx_cbs cbs = {prod_pump, prod_finished};
  p->tx = iso_link_tx_new(iso_as_sendport(msg), &cbs, p);
  iso_value_free(msg);
  prod_pump(p->tx, p);
}

typedef struct holder {
  int64_t got;
  bool eof;
} holder;

static void holder_item(iso_link_rx *rx, iso_value *item, void *ud) {
  holder *h = ud;
  assert_int_equal(iso_as_int(item), h->got);
  iso_value_free(item);
  h->got++;
  /* Fewer acks than a batch: only the flush when the loop runs dry can
   * hand these credits back, and the sender needs them to send the rest. */
  if (h->got <= HOLD_FROM) iso_link_rx_ack(rx, 1);
  if (h->got == TOTAL) iso_link_rx_ack(rx, iso_link_rx_depth(rx));
}

static void holder_eof(iso_link_rx *rx, void *ud) {
  (void)rx;
  ((holder *)ud)->eof = true;
}

static void test_held_back_credits_return_when_idle(void **s) {
  (void)s;
  holder h = {0};
  iso_link_rx_cbs cbs = {holder_item, holder_eof};
  iso_link_rx *rx = iso_link_rx_new(CAP, &cbs, &h);
  assert_non_null(rx);
  iso_sendport *lsp = iso_link_rx_sendport(rx);
  assert_int_equal(iso_spawn(prod_entry, iso_v_sendport(lsp), NULL, NULL), ISO_OK);
  for (int i = 0; i < 10000 && !h.eof; i++)
    iso_loop_poll(1 * MS);
  assert_int_equal(h.got, TOTAL); /* a held-back credit would stall at CAP */
  assert_true(h.eof);
  iso_link_rx_free(rx);
  iso_sendport_release(lsp);
}

/* ---- batched wakes ------------------------------------------------------------ */

static void echo_handler(iso_port *port, iso_value *msg, void *ud) {
  (void)ud;
  if (iso_type(msg) == ISO_V_NULL) {
    iso_value_free(msg);
    iso_port_close(port);
    return;
  }
  iso_send_move(iso_as_sendport(iso_list_at(msg, 0)), iso_int(iso_as_int(iso_list_at(msg, 1))));
  iso_value_free(msg);
}

static void echo_entry(iso_value *msg) {
  iso_port *p = iso_port_new_raw(echo_handler, NULL);
  iso_sendport *me = iso_port_sendport(p);
  iso_send_move(iso_as_sendport(msg), iso_v_sendport(me));
  iso_sendport_release(me);
  iso_value_free(msg);
}

/* With batching on, sends to a parked echo and then waits for the answer
 * inside the same event: the wait must release the held wake. */
static void caller_entry(iso_value *msg) {
  iso_set_wake_batching(true);
  iso_sendport *echo = iso_as_sendport(iso_list_at(msg, 0));
  iso_sendport *report = iso_as_sendport(iso_list_at(msg, 1));
  iso_port *p = iso_port_new();
  iso_sendport *me = iso_port_sendport(p);
  int64_t ok = 0;
  for (int64_t i = 0; i < 200; i++) {
    struct timespec ts = {0, 200000}; /* the echo parks meanwhile */
    if (i % 20 == 0) nanosleep(&ts, NULL);
    iso_send_move(echo, iso_listv(iso_v_sendport(me), iso_int(i), NULL));
    iso_value *r = NULL;
    if (iso_port_next(p, 10 * SEC, &r) != ISO_OK) break;
    ok += iso_as_int(r) == i;
    iso_value_free(r);
  }
  /* Three sends, fewer than a burst, then the event ends: the loop running
   * dry must release the wake. */
  for (int k = 0; k < 3; k++)
    iso_send_move(report, iso_int(ok));
  iso_sendport_release(me);
  iso_port_close(p);
  iso_value_free(msg);
}

static void test_batched_wakes_are_never_lost(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_isolate *e;
  assert_int_equal(iso_spawn(echo_entry, iso_v_sendport(sp), NULL, &e), ISO_OK);
  iso_value *hello = next_msg(p);
  assert_int_equal(
      iso_spawn(caller_entry,
                iso_listv(iso_v_sendport(iso_as_sendport(hello)), iso_v_sendport(sp), NULL), NULL,
                NULL),
      ISO_OK);
  for (int k = 0; k < 3; k++) {
    iso_value *r = next_msg(p);
    assert_int_equal(iso_as_int(r), 200);
    iso_value_free(r);
  }
  iso_send_move(iso_as_sendport(hello), iso_null());
  assert_int_equal(iso_isolate_join(e, 10 * SEC), ISO_OK);
  iso_isolate_release(e);
  iso_value_free(hello);
  iso_sendport_release(sp);
  iso_port_close(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      RT_TEST(test_held_back_credits_return_when_idle),
      RT_TEST(test_batched_wakes_are_never_lost),
  };
  return RT_RUN_BOTH(tests);
}
