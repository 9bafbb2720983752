/* Message values: building, copy on send, blobs shared, transfers moved, unsendable rejected. */
#include <string.h>

#include "test_rt_common.h"

static void test_build_and_read(void **s) {
  (void)s;
  iso_value *m = iso_map();
  assert_int_equal(iso_map_set(m, "n", iso_int(42)), ISO_OK);
  assert_int_equal(iso_map_set(m, "f", iso_float(1.5)), ISO_OK);
  assert_int_equal(iso_map_set(m, "s", iso_strf("x=%d", 7)), ISO_OK);
  assert_int_equal(iso_map_set(m, "b", iso_bytes("\0\1\2", 3)), ISO_OK);
  assert_int_equal(iso_map_set(m, "l", iso_listv(iso_bool(true), iso_null(), NULL)), ISO_OK);
  assert_int_equal(iso_map_set(m, "n", iso_int(43)), ISO_OK); /* replaces */
  assert_int_equal(iso_list_len(m), 5);
  assert_int_equal(iso_as_int(iso_map_get(m, "n")), 43);
  assert_true(iso_as_float(iso_map_get(m, "f")) == 1.5);
  assert_string_equal(iso_as_str(iso_map_get(m, "s")), "x=7");
  size_t n;
  const unsigned char *b = iso_as_bytes(iso_map_get(m, "b"), &n);
  assert_int_equal(n, 3);
  assert_int_equal(b[2], 2);
  iso_value *l = iso_map_get(m, "l");
  assert_int_equal(iso_list_len(l), 2);
  assert_true(iso_as_bool(iso_list_at(l, 0)));
  assert_int_equal(iso_type(iso_list_at(l, 1)), ISO_V_NULL);
  assert_null(iso_list_at(l, 2));
  assert_null(iso_map_get(m, "missing"));
  assert_null(iso_as_str(iso_map_get(m, "n")));
  assert_int_equal(iso_as_int(iso_map_get(m, "s")), 0);
  assert_int_equal(iso_list_push(m, iso_int(1)), ISO_EINVAL); /* not a list; value freed */
  iso_value_free(m);
  assert_string_equal(iso_strerror(ISO_EUNSENDABLE), "message holds a value that cannot be sent");
}

static void test_equal(void **s) {
  (void)s;
  iso_value *a = iso_listv(iso_int(1), iso_str("a"), iso_map(), NULL);
  iso_value *b = iso_listv(iso_int(1), iso_str("a"), iso_map(), NULL);
  iso_value *c = iso_listv(iso_int(1), iso_str("b"), iso_map(), NULL);
  assert_true(iso_value_equal(a, b));
  assert_false(iso_value_equal(a, c));
  iso_value *t1 = iso_transfer(NULL, NULL, 1);
  assert_false(iso_value_equal(t1, t1));
  iso_value_free(t1);
  iso_value_free(a);
  iso_value_free(b);
  iso_value_free(c);
}

static void test_send_copies(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_value *v = iso_listv(iso_str("hello"), iso_bytes("abcd", 4), iso_int(5), NULL);
  iso_counters c0, c1;
  iso_counters_get(&c0);
  assert_int_equal(iso_send(sp, v), ISO_OK);
  iso_counters_get(&c1);
  assert_int_equal(c1.msgs_sent - c0.msgs_sent, 1);
  assert_true(c1.bytes_copied - c0.bytes_copied >= 9);
  assert_int_equal(c1.transfers, c0.transfers);
  iso_value *got = next_msg(p);
  assert_true(got != v);
  assert_true(iso_value_equal(got, v));
  /* Deep copy: the strings are different memory. */
  assert_true(iso_as_str(iso_list_at(got, 0)) != iso_as_str(iso_list_at(v, 0)));
  iso_counters_get(&c1);
  assert_int_equal(c1.msgs_received - c0.msgs_received, 1);
  iso_value_free(got);
  iso_value_free(v);
  iso_sendport_release(sp);
  iso_port_close(p);
}

/* Lists of every size around the few items kept inside the list's node:
 * built by push (growing out of the node), copied by send, grown again
 * after arrival, and freed. */
static void test_list_sizes(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  const size_t sizes[] = {0, 1, 3, 4, 5, 8, 17};
  for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
    size_t n = sizes[k];
    iso_value *v = iso_list();
    for (size_t i = 0; i < n; i++) {
      iso_value *item = i % 3 == 0   ? iso_int((int64_t)i)
                        : i % 3 == 1 ? iso_strf("item %zu", i)
                                     : iso_listv(iso_int((int64_t)i), iso_null(), NULL);
      assert_int_equal(iso_list_push(v, item), ISO_OK);
    }
    assert_int_equal(iso_list_len(v), n);
    iso_counters c0, c1;
    iso_counters_get(&c0);
    assert_int_equal(iso_send(sp, v), ISO_OK);
    iso_counters_get(&c1);
    assert_true(c1.bytes_copied - c0.bytes_copied >= n * sizeof(void *));
    iso_value *got = next_msg(p);
    assert_true(iso_value_equal(got, v));
    for (size_t i = 0; i < n; i += 3)
      assert_int_equal(iso_as_int(iso_list_at(got, i)), (int64_t)i);
    /* The received copy grows like any list. */
    for (size_t i = 0; i < 6; i++)
      assert_int_equal(iso_list_push(got, iso_int(100 + (int64_t)i)), ISO_OK);
    assert_int_equal(iso_list_len(got), n + 6);
    assert_int_equal(iso_as_int(iso_list_at(got, n + 5)), 105);
    if (n) assert_true(iso_value_equal(iso_list_at(got, n - 1), iso_list_at(v, n - 1)));
    iso_value_free(got);
    iso_value_free(v);
  }
  iso_sendport_release(sp);
  iso_port_close(p);
}

static void test_blob_shared(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_blob *b = iso_blob_new("immutable", 10);
  iso_value *v = iso_v_blob(b);
  iso_counters c0, c1;
  iso_counters_get(&c0);
  assert_int_equal(iso_send(sp, v), ISO_OK);
  iso_counters_get(&c1);
  assert_int_equal(c1.bytes_copied, c0.bytes_copied); /* shared, not copied */
  iso_value *got = next_msg(p);
  assert_ptr_equal(iso_as_blob(got), b);
  size_t n;
  assert_string_equal(iso_blob_data(iso_as_blob(got), &n), "immutable");
  assert_int_equal(n, 10);
  iso_value_free(got);
  iso_value_free(v);
  iso_blob_unref(b);
  /* iso_blob_wrap's dtor runs when the last reference goes. */
  atomic_store(&g_freed, 0);
  iso_blob *w = iso_blob_wrap(counted_alloc(8), 8, counted_free);
  iso_blob_ref(w);
  iso_blob_unref(w);
  assert_int_equal(atomic_load(&g_freed), 0);
  iso_blob_unref(w);
  assert_int_equal(atomic_load(&g_freed), 1);
  iso_sendport_release(sp);
  iso_port_close(p);
}

static void test_transfer_moves(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  size_t big = 8u << 20;
  char *buf = counted_alloc(big);
  memset(buf, 7, big);
  iso_value *v = iso_listv(iso_str("frame"), iso_transfer(buf, counted_free, 99), NULL);
  iso_counters c0, c1;
  iso_counters_get(&c0);
  assert_int_equal(iso_send(sp, v), ISO_OK);
  iso_counters_get(&c1);
  assert_int_equal(c1.transfers - c0.transfers, 1);
  assert_true(c1.bytes_copied - c0.bytes_copied < 1024); /* the 8 MB did not move by copy */
  /* The sender's handle is cleared. */
  assert_null(iso_transfer_take(iso_list_at(v, 1), NULL));
  iso_value *got = next_msg(p);
  assert_int_equal(iso_transfer_tag(iso_list_at(got, 1)), 99);
  uint32_t tag = 0;
  char *recv = iso_transfer_take(iso_list_at(got, 1), &tag);
  assert_ptr_equal(recv, buf); /* zero bytes copied: the same pointer */
  assert_int_equal(tag, 99);
  assert_null(iso_transfer_take(iso_list_at(got, 1), NULL)); /* second take */
  free(recv);
  iso_value_free(got);
  iso_value_free(v);
  iso_sendport_release(sp);
  iso_port_close(p);
}

static void test_send_move(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_value *v = iso_listv(iso_str("a long string, not copied"), iso_int(1), NULL);
  iso_value *inner = iso_list_at(v, 0);
  iso_counters c0, c1;
  iso_counters_get(&c0);
  assert_int_equal(iso_send_move(sp, v), ISO_OK);
  iso_counters_get(&c1);
  assert_int_equal(c1.bytes_copied, c0.bytes_copied);
  iso_value *got = next_msg(p);
  assert_ptr_equal(got, v);
  assert_ptr_equal(iso_list_at(got, 0), inner);
  iso_value_free(got);
  iso_sendport_release(sp);
  iso_port_close(p);
}

static void test_unsendable(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  atomic_store(&g_freed, 0);
  int local;
  iso_value *v = iso_listv(iso_transfer(counted_alloc(16), counted_free, 1), iso_map(), NULL);
  iso_map_set(iso_list_at(v, 1), "p", iso_opaque(&local));
  iso_counters c0, c1;
  iso_counters_get(&c0);
  assert_int_equal(iso_send(sp, v), ISO_EUNSENDABLE);
  assert_int_equal(iso_send_move(sp, v), ISO_EUNSENDABLE);
  iso_counters_get(&c1);
  assert_int_equal(c1.msgs_sent, c0.msgs_sent);
  assert_int_equal(c1.transfers, c0.transfers);
  /* Nothing moved: the transfer is still ours; nothing was delivered. */
  assert_int_equal(iso_type(iso_list_at(v, 0)), ISO_V_TRANSFER);
  assert_ptr_equal(iso_as_opaque(iso_map_get(iso_list_at(v, 1), "p")), &local);
  iso_value *m = NULL;
  assert_int_equal(iso_port_next(p, 20 * MS, &m), ISO_ETIMEDOUT);
  assert_null(m);
  assert_int_equal(atomic_load(&g_freed), 0);
  iso_value_free(v);
  assert_int_equal(atomic_load(&g_freed), 1);
  iso_sendport_release(sp);
  iso_port_close(p);
}

static void test_sendport_in_message(void **s) {
  (void)s;
  iso_port *a = iso_port_new(), *b = iso_port_new();
  iso_sendport *spa = iso_port_sendport(a), *spb = iso_port_sendport(b);
  iso_value *v = iso_v_sendport(spb);
  assert_int_equal(iso_send(spa, v), ISO_OK);
  iso_value_free(v);
  iso_value *got = next_msg(a);
  iso_sendport *carried = iso_as_sendport(got);
  assert_true(iso_sendport_equal(carried, spb));
  iso_value *x = iso_int(77);
  assert_int_equal(iso_send(carried, x), ISO_OK);
  iso_value_free(x);
  expect_int(b, 77);
  iso_value_free(got);
  iso_sendport_release(spa);
  iso_sendport_release(spb);
  iso_port_close(a);
  iso_port_close(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      RT_TEST(test_build_and_read), RT_TEST(test_equal),
      RT_TEST(test_send_copies),    RT_TEST(test_blob_shared),
      RT_TEST(test_transfer_moves), RT_TEST(test_send_move),
      RT_TEST(test_unsendable),     RT_TEST(test_sendport_in_message),
      RT_TEST(test_list_sizes),
  };
  return RT_RUN_BOTH(tests);
}
