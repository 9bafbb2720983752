/* Credit links: at most 'capacity' items in flight, credits flow back, EOF down, finish up. */
#include "test_rt_common.h"

#define ITEMS 200
#define CAP 4

/* Producer isolate: sends ITEMS transfers over a link, only while it has credit. */
typedef struct prod {
  iso_link_tx *tx;
  int64_t next;
  uint32_t max_inflight;
  iso_sendport *report;
  bool done;
} prod;

static void prod_finish(prod *p, const char *why) {
  if (p->done) return;
  p->done = true;
  iso_value *v = iso_listv(iso_str(why), iso_int(p->next), iso_int(p->max_inflight), NULL);
  iso_send_move(p->report, v);
  iso_sendport_release(p->report);
  iso_link_tx_free(p->tx);
  free(p);
}

static void prod_pump(iso_link_tx *tx, void *ud) {
  prod *p = ud;
  while (p->next < ITEMS) {
    int64_t *x = malloc(sizeof(*x));
    *x = p->next;
    iso_value *item = iso_transfer(x, counted_free, 7);
    int rc = iso_link_send(tx, item);
    if (rc == ISO_ENOCREDIT) {
      free(iso_transfer_take(item, NULL)); /* still ours: nothing was sent */
      iso_value_free(item);
      return;
    }
    if (rc == ISO_ECLOSED) {
      prod_finish(p, "finished");
      return;
    }
    p->next++;
    if (iso_link_tx_inflight(tx) > p->max_inflight) p->max_inflight = iso_link_tx_inflight(tx);
  }
  iso_link_tx_eof(tx);
  prod_finish(p, "eof");
}

static void prod_finished(iso_link_tx *tx, void *ud) {
  (void)tx;
  prod_finish(ud, "finished");
}

static void prod_entry(iso_value *msg) {
  prod *p = calloc(1, sizeof(*p));
  p->report = iso_sendport_ref(iso_as_sendport(iso_list_at(msg, 1)));
  iso_link_tx_cbs cbs = {prod_pump, prod_finished};
  p->tx = iso_link_tx_new(iso_as_sendport(iso_list_at(msg, 0)), &cbs, p);
  iso_value_free(msg);
  prod_pump(p->tx, p);
}

typedef struct cons {
  int64_t expect;
  bool eof;
  int finish_at;
  uint32_t max_depth;
} cons;

static void cons_item(iso_link_rx *rx, iso_value *item, void *ud) {
  cons *c = ud;
  int64_t *x = iso_transfer_take(item, NULL);
  assert_non_null(x);
  assert_int_equal(*x, c->expect);
  c->expect++;
  free(x);
  iso_value_free(item);
  if (iso_link_rx_depth(rx) > c->max_depth) c->max_depth = iso_link_rx_depth(rx);
  if (c->finish_at && c->expect == c->finish_at) {
    iso_link_rx_finish(rx);
    return;
  }
  iso_link_rx_ack(rx, 1);
}

static void cons_eof(iso_link_rx *rx, void *ud) {
  (void)rx;
  ((cons *)ud)->eof = true;
}

static iso_value *run_link(cons *c) {
  iso_link_rx_cbs cbs = {cons_item, cons_eof};
  iso_link_rx *rx = iso_link_rx_new(CAP, &cbs, c);
  assert_non_null(rx);
  iso_port *rep = iso_port_new();
  iso_sendport *rsp = iso_port_sendport(rep), *lsp = iso_link_rx_sendport(rx);
  assert_int_equal(
      iso_spawn(prod_entry, iso_listv(iso_v_sendport(lsp), iso_v_sendport(rsp), NULL), NULL, NULL),
      ISO_OK);
  iso_value *report = next_msg(rep);
  /* Let the rest of the items (and EOF) arrive. */
  for (int i = 0; i < 1000 && !c->eof && c->expect < (c->finish_at ? c->finish_at : ITEMS); i++)
    iso_loop_poll(1 * MS);
  iso_link_rx_free(rx);
  iso_sendport_release(rsp);
  iso_sendport_release(lsp);
  iso_port_close(rep);
  return report;
}

static void test_link_bounded_in_order_with_eof(void **s) {
  (void)s;
  cons c = {0};
  iso_value *r = run_link(&c);
  assert_string_equal(iso_as_str(iso_list_at(r, 0)), "eof");
  assert_int_equal(iso_as_int(iso_list_at(r, 1)), ITEMS);
  assert_true(iso_as_int(iso_list_at(r, 2)) <= CAP); /* never more than capacity in flight */
  assert_true(c.eof);
  assert_int_equal(c.expect, ITEMS);
  assert_true(c.max_depth <= CAP);
  iso_value_free(r);
}

static void test_link_finish_stops_sender(void **s) {
  (void)s;
  atomic_store(&g_freed, 0);
  cons c = {0};
  c.finish_at = 10;
  iso_value *r = run_link(&c);
  assert_string_equal(iso_as_str(iso_list_at(r, 0)), "finished");
  assert_true(iso_as_int(iso_list_at(r, 1)) < ITEMS);
  assert_false(c.eof);
  iso_value_free(r);
}

static void test_link_credit_accounting(void **s) {
  (void)s;
  /* Both ends on main: credits are visible synchronously. */
  cons c = {0};
  iso_link_rx_cbs rcbs = {NULL, NULL};
  iso_link_rx *rx = iso_link_rx_new(2, &rcbs, &c);
  iso_sendport *lsp = iso_link_rx_sendport(rx);
  iso_link_tx *tx = iso_link_tx_new(lsp, NULL, NULL);
  assert_int_equal(iso_link_tx_credits(tx), 2);
  assert_int_equal(iso_link_send(tx, iso_int(1)), ISO_OK);
  assert_int_equal(iso_link_send(tx, iso_int(2)), ISO_OK);
  iso_value *third = iso_int(3);
  assert_int_equal(iso_link_send(tx, third), ISO_ENOCREDIT);
  assert_int_equal(iso_link_tx_inflight(tx), 2);
  iso_value_free(third);
  iso_link_rx_finish(rx);
  for (int i = 0; i < 100 && !iso_link_tx_finished(tx); i++)
    iso_loop_poll(1 * MS);
  assert_true(iso_link_tx_finished(tx));
  assert_int_equal(iso_link_send(tx, iso_int(4)), ISO_ECLOSED);
  iso_link_tx_free(tx);
  iso_link_rx_free(rx);
  iso_sendport_release(lsp);
}

/* Receiver isolate that holds a link and dies: the sender must not wait forever. */
static void doomed_rx_entry(iso_value *msg) {
  iso_link_rx_cbs cbs = {NULL, NULL};
  iso_link_rx *rx = iso_link_rx_new(1, &cbs, NULL); /* never freed by us: the end frees it */
  iso_sendport *lsp = iso_link_rx_sendport(rx);
  iso_send_move(iso_as_sendport(msg), iso_v_sendport(lsp));
  iso_sendport_release(lsp);
  iso_value_free(msg);
}

static void count_finished(iso_link_tx *tx, void *ud) {
  (void)tx;
  (*(int *)ud)++;
}

static void test_link_receiver_dies(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_isolate *w;
  assert_int_equal(iso_spawn(doomed_rx_entry, iso_v_sendport(sp), NULL, &w), ISO_OK);
  iso_value *m = next_msg(p);
  int told = 0;
  iso_link_tx_cbs cbs = {NULL, count_finished};
  iso_link_tx *tx = iso_link_tx_new(iso_as_sendport(m), &cbs, &told);
  assert_non_null(tx);
  iso_kill(w, ISO_PRIO_IMMEDIATE);
  assert_int_equal(iso_isolate_join(w, 10 * SEC), ISO_OK);
  /* The send sees the receiver gone before its FINISH is read: the owner
   * must still be told, once, or it would feed a dead link for ever. */
  assert_int_equal(iso_link_send(tx, iso_int(1)), ISO_ECLOSED);
  assert_true(iso_link_tx_finished(tx));
  for (int i = 0; i < 200 && !told; i++)
    iso_loop_poll(1 * MS);
  assert_int_equal(told, 1);
  assert_int_equal(iso_link_send(tx, iso_int(2)), ISO_ECLOSED);
  iso_loop_poll(5 * MS);
  assert_int_equal(told, 1);
  iso_link_tx_free(tx);
  iso_value_free(m);
  iso_isolate_release(w);
  iso_sendport_release(sp);
  iso_port_close(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      RT_TEST(test_link_bounded_in_order_with_eof),
      RT_TEST(test_link_finish_stops_sender),
      RT_TEST(test_link_credit_accounting),
      RT_TEST(test_link_receiver_dies),
  };
  return RT_RUN_BOTH(tests);
}
