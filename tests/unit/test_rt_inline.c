/* Inline mode: every isolate on the caller's thread, cooperative and deterministic. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "test_rt_common.h"

static pthread_t g_main_thread;

/* Each chatter sends "name:i" to main, one message per event, by pinging itself. */
typedef struct chat {
  iso_sendport *out;
  int left;
  char name[8];
} chat;

static void chat_handler(iso_port *port, iso_value *msg, void *ud) {
  chat *c = ud;
  iso_value_free(msg);
  assert_true(pthread_equal(pthread_self(), g_main_thread));
  iso_value *v = iso_strf("%s%d", c->name, c->left);
  iso_send_move(c->out, v);
  if (--c->left == 0) {
    iso_sendport_release(c->out);
    free(c);
    iso_port_close(port);
    return;
  }
  iso_sendport *self = iso_port_sendport(port);
  iso_send_move(self, iso_null());
  iso_sendport_release(self);
}

static void chat_entry(iso_value *msg) {
  chat *c = calloc(1, sizeof(*c));
  c->out = iso_sendport_ref(iso_as_sendport(iso_list_at(msg, 0)));
  snprintf(c->name, sizeof(c->name), "%s", iso_as_str(iso_list_at(msg, 1)));
  c->left = 4;
  iso_port *p = iso_port_new_raw(chat_handler, c);
  iso_sendport *self = iso_port_sendport(p);
  iso_send_move(self, iso_null());
  iso_sendport_release(self);
  iso_value_free(msg);
}

static void trace_once(char *out, size_t cap) {
  assert_int_equal(iso_runtime_init(ISO_MODE_INLINE), ISO_OK);
  assert_int_equal(iso_runtime_mode(), ISO_MODE_INLINE);
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  const char *names[] = {"a", "b", "c"};
  for (int i = 0; i < 3; i++)
    assert_int_equal(
        iso_spawn(chat_entry, iso_listv(iso_v_sendport(sp), iso_str(names[i]), NULL), NULL, NULL),
        ISO_OK);
  out[0] = 0;
  for (int i = 0; i < 12; i++) {
    iso_value *m = next_msg(p);
    strncat(out, iso_as_str(m), cap - strlen(out) - 1);
    strncat(out, " ", cap - strlen(out) - 1);
    iso_value_free(m);
  }
  iso_sendport_release(sp);
  iso_port_close(p);
  iso_runtime_shutdown();
}

static void test_deterministic_interleaving(void **s) {
  (void)s;
  g_main_thread = pthread_self();
  char t1[256], t2[256];
  trace_once(t1, sizeof(t1));
  trace_once(t2, sizeof(t2));
  assert_string_equal(t1, t2);
  /* FIFO scheduling, one message at a time: the three interleave fairly. */
  assert_string_equal(t1, "a4 b4 c4 a3 b3 c3 a2 b2 c2 a1 b1 c1 ");
}

static void test_deadlock_is_reported(void **s) {
  (void)s;
  assert_int_equal(iso_runtime_init(ISO_MODE_INLINE), ISO_OK);
  iso_port *p = iso_port_new();
  iso_value *m = NULL;
  /* Nothing can ever send to p: waiting forever would hang, so it fails. */
  assert_int_equal(iso_port_next(p, 0, &m), ISO_ESTATE);
  iso_port_close(p);
  iso_runtime_shutdown();
}

static void test_double_init_and_modes(void **s) {
  (void)s;
  assert_int_equal(iso_runtime_init(ISO_MODE_INLINE), ISO_OK);
  assert_int_equal(iso_runtime_init(ISO_MODE_THREADS), ISO_ESTATE);
  iso_runtime_shutdown();
  assert_int_equal(iso_runtime_init((iso_mode)7), ISO_EINVAL);
  assert_int_equal(iso_runtime_init(ISO_MODE_THREADS), ISO_OK);
  assert_int_equal(iso_runtime_mode(), ISO_MODE_THREADS);
  iso_runtime_shutdown();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_deterministic_interleaving),
      cmocka_unit_test(test_deadlock_is_reported),
      cmocka_unit_test(test_double_init_and_modes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
