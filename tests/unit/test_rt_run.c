/* Isolate.run / compute: results moved back, remote errors, no-result, pooled and async forms. */
#include <string.h>

#include "test_rt_common.h"

static void *g_big;

static iso_value *square(iso_value *arg) {
  int64_t x = iso_as_int(arg);
  iso_value_free(arg);
  return iso_listv(iso_int(x * x), iso_str(iso_name(NULL)), NULL);
}

static iso_value *big_result(iso_value *arg) {
  iso_value_free(arg);
  g_big = malloc(32u << 20);
  memset(g_big, 1, 4096);
  return iso_transfer(g_big, free, 32);
}

static iso_value *failing(iso_value *arg) {
  iso_value_free(arg);
  iso_raise("failing", "cannot do %s", "that");
  return NULL;
}

static iso_value *nothing(iso_value *arg) {
  iso_value_free(arg);
  return NULL;
}

static iso_value *unsendable(iso_value *arg) {
  iso_value_free(arg);
  return iso_opaque(&g_big);
}

typedef int (*run_fn)(iso_fn, iso_value *, iso_value **, iso_error *);

static void check_runner(run_fn run) {
  iso_value *r = NULL;
  iso_error e = {0};
  assert_int_equal(run(square, iso_int(12), &r, &e), ISO_OK);
  assert_int_equal(iso_as_int(iso_list_at(r, 0)), 144);
  assert_string_equal(iso_as_str(iso_list_at(r, 1)), "run");
  iso_value_free(r);

  /* The result comes back by ownership transfer: the very same buffer. */
  assert_int_equal(run(big_result, NULL, &r, &e), ISO_OK);
  assert_ptr_equal(iso_transfer_take(r, NULL), g_big);
  free(g_big);
  iso_value_free(r);

  assert_int_equal(run(failing, iso_null(), &r, &e), ISO_EREMOTE);
  assert_null(r);
  assert_int_equal(e.code, ISO_EREMOTE);
  assert_string_equal(e.message, "cannot do that");
  assert_non_null(strstr(e.where, "failing"));
  iso_error_clear(&e);
  assert_null(e.message);

  assert_int_equal(run(nothing, iso_null(), &r, &e), ISO_ENORESULT);
  assert_int_equal(e.code, ISO_ENORESULT);
  assert_non_null(e.message);
  iso_error_clear(&e);

  assert_int_equal(run(unsendable, iso_null(), &r, &e), ISO_EUNSENDABLE);
  iso_error_clear(&e);
}

static void test_run(void **s) {
  (void)s;
  check_runner(iso_run);
}

static void test_run_pooled(void **s) {
  (void)s;
  for (int i = 0; i < 3; i++)
    check_runner(iso_run_pooled); /* threads get reused */
}

static void test_run_async(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  assert_int_equal(iso_run_async(square, iso_int(3), sp), ISO_OK);
  assert_int_equal(iso_run_async(failing, iso_null(), sp), ISO_OK);
  for (int i = 0; i < 2; i++) {
    iso_value *m = next_msg(p);
    const char *tag = iso_as_str(iso_list_at(m, 0));
    if (strcmp(tag, "ok") == 0) {
      assert_int_equal(iso_as_int(iso_list_at(iso_list_at(m, 1), 0)), 9);
    } else {
      assert_string_equal(tag, "error");
      assert_string_equal(iso_as_str(iso_list_at(m, 1)), "cannot do that");
    }
    iso_value_free(m);
  }
  iso_sendport_release(sp);
  iso_port_close(p);
}

/* Nested: a run inside a spawned isolate's entry (its loop keeps going). */
static void nested_entry(iso_value *msg) {
  iso_value *r = NULL;
  iso_error e = {0};
  int rc = iso_run(square, iso_int(5), &r, &e);
  iso_value *v = iso_int(rc == ISO_OK ? iso_as_int(iso_list_at(r, 0)) : rc);
  iso_send_move(iso_as_sendport(msg), v);
  iso_value_free(r);
  iso_error_clear(&e);
  iso_value_free(msg);
}

static void test_run_from_isolate(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  assert_int_equal(iso_spawn(nested_entry, iso_v_sendport(sp), NULL, NULL), ISO_OK);
  /* No timeout: in inline mode a lost wakeup shows up as ISO_ESTATE
   * ("nothing can happen") instead of a silent sleep. */
  iso_value *m = NULL;
  assert_int_equal(iso_port_next(p, 0, &m), ISO_OK);
  assert_int_equal(iso_as_int(m), 25);
  iso_value_free(m);
  iso_sendport_release(sp);
  iso_port_close(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      RT_TEST(test_run),
      RT_TEST(test_run_pooled),
      RT_TEST(test_run_async),
      RT_TEST(test_run_from_isolate),
  };
  return RT_RUN_BOTH(tests);
}
