/* The robust worker: ids match out-of-order responses, remote errors, draining close. */
#include <stdio.h>
#include <string.h>

#include "test_rt_common.h"

typedef struct wstate {
  int64_t calls;
  int64_t base;
} wstate;

static void *w_init(iso_value *arg) {
  wstate *st = calloc(1, sizeof(*st));
  st->base = iso_as_int(arg);
  return st;
}

static void w_fini(void *state) {
  free(state);
}

/* Requests: int n -> base + n; "fail" -> remote error; ["delay", n, id] ->
 * answered after a timer, so responses come back out of order. */
static iso_value *w_fn(iso_value *req, void *state) {
  wstate *st = state;
  st->calls++;
  if (iso_type(req) == ISO_V_STRING) {
    iso_raise("w_fn", "refused: %s", iso_as_str(req));
    return NULL;
  }
  return iso_int(st->base + iso_as_int(req));
}

typedef struct got {
  int n;
  int64_t vals[16];
  int errors;
  char last_err[64];
  iso_worker *w;
  int after_close_rc;
} got;

static void on_resp(void *ud, iso_value *result, const iso_error *err) {
  got *g = ud;
  if (err) {
    g->errors++;
    snprintf(g->last_err, sizeof(g->last_err), "%s", err->message);
  } else {
    g->vals[g->n++] = iso_as_int(result);
  }
  iso_value_free(result);
}

static void test_worker_calls_and_errors(void **s) {
  (void)s;
  iso_worker *w;
  assert_int_equal(iso_worker_start(&w, "adder", w_init, iso_int(1000), w_fn, w_fini), ISO_OK);
  got g = {0};
  for (int i = 0; i < 5; i++)
    assert_int_equal(iso_worker_call(w, iso_int(i), on_resp, &g), ISO_OK);
  assert_int_equal(iso_worker_call(w, iso_str("nope"), on_resp, &g), ISO_OK);
  assert_int_equal(iso_worker_pending(w), 6);
  iso_value *r = NULL;
  iso_error e = {0};
  assert_int_equal(iso_worker_call_sync(w, iso_int(7), &r, &e), ISO_OK);
  assert_int_equal(iso_as_int(r), 1007);
  iso_value_free(r);
  assert_int_equal(iso_worker_call_sync(w, iso_str("bad"), &r, &e), ISO_EREMOTE);
  assert_string_equal(e.message, "refused: bad");
  assert_non_null(strstr(e.where, "adder"));
  iso_error_clear(&e);
  /* Everything sent before the sync calls has been answered by now (FIFO). */
  assert_int_equal(g.n, 5);
  for (int i = 0; i < 5; i++)
    assert_int_equal(g.vals[i], 1000 + i);
  assert_int_equal(g.errors, 1);
  assert_string_equal(g.last_err, "refused: nope");
  /* Unsendable request: fails whole, nothing pending. */
  int local;
  assert_int_equal(iso_worker_call(w, iso_opaque(&local), on_resp, &g), ISO_EUNSENDABLE);
  assert_int_equal(iso_worker_pending(w), 0);
  assert_int_equal(iso_worker_close(w), ISO_OK);
}

static void on_resp_then_call(void *ud, iso_value *result, const iso_error *err) {
  got *g = ud;
  on_resp(ud, result, err);
  /* During close, new requests fail clearly. */
  g->after_close_rc = iso_worker_call(g->w, iso_int(1), on_resp, g);
}

static void test_worker_close_drains(void **s) {
  (void)s;
  iso_worker *w;
  assert_int_equal(iso_worker_start(&w, NULL, w_init, iso_int(0), w_fn, w_fini), ISO_OK);
  got g = {0};
  g.w = w;
  for (int i = 0; i < 10; i++)
    assert_int_equal(iso_worker_call(w, iso_int(i), on_resp_then_call, &g), ISO_OK);
  assert_int_equal(iso_worker_close(w), ISO_OK); /* waits for the 10 in flight */
  assert_int_equal(g.n, 10);
  assert_int_equal(g.after_close_rc, ISO_ECLOSED);
}

/* Out of order: a "slow" request waits (nested) for a timer while the
 * worker's loop keeps dispatching, so later requests are answered first. */
static void slow_tick(iso_timer *t, void *ud) {
  (void)t;
  iso_sendport *sp = ud;
  iso_send_move(sp, iso_null());
  iso_sendport_release(sp);
}
static iso_value *maybe_slow(iso_value *req, void *state) {
  (void)state;
  if (iso_type(req) == ISO_V_STRING) {
    iso_port *q = iso_port_new();
    iso_timer_start(30 * MS, 0, slow_tick, iso_port_sendport(q));
    iso_value *m = NULL;
    iso_port_next(q, 0, &m);
    iso_value_free(m);
    iso_port_close(q);
    if (strcmp(iso_as_str(req), "slowfail") == 0) {
      /* Raised after other requests ran nested: still this request's error. */
      iso_raise("maybe_slow", "late failure");
      return NULL;
    }
    return iso_int(-1);
  }
  return iso_int(iso_as_int(req) * 10);
}

static int g_order;
typedef struct ordered {
  int64_t val;
  int order;
} ordered;
static void on_ordered(void *ud, iso_value *result, const iso_error *err) {
  ordered *o = ud;
  assert_null(err);
  o->val = iso_as_int(result);
  o->order = ++g_order;
  iso_value_free(result);
}

static void test_worker_out_of_order_ids_match(void **s) {
  (void)s;
  g_order = 0;
  iso_worker *w;
  assert_int_equal(iso_worker_start(&w, "slowpoke", NULL, NULL, maybe_slow, NULL), ISO_OK);
  ordered o[3] = {{0, 0}};
  assert_int_equal(iso_worker_call(w, iso_str("slow"), on_ordered, &o[0]), ISO_OK);
  assert_int_equal(iso_worker_call(w, iso_int(1), on_ordered, &o[1]), ISO_OK);
  assert_int_equal(iso_worker_call(w, iso_int(2), on_ordered, &o[2]), ISO_OK);
  got late = {0};
  assert_int_equal(iso_worker_call(w, iso_str("slowfail"), on_resp, &late), ISO_OK);
  assert_int_equal(iso_worker_call(w, iso_int(3), on_resp, &late), ISO_OK);
  assert_int_equal(iso_worker_close(w), ISO_OK);
  assert_int_equal(late.errors, 1);
  assert_string_equal(late.last_err, "late failure");
  assert_int_equal(late.n, 1);
  assert_int_equal(late.vals[0], 30);
  assert_int_equal(o[0].val, -1);
  assert_int_equal(o[1].val, 10);
  assert_int_equal(o[2].val, 20);
  assert_int_equal(o[0].order, 3); /* answered last, still matched to its request */
}

static iso_value *dies_on_string(iso_value *req, void *state) {
  (void)state;
  if (iso_type(req) == ISO_V_STRING) iso_exit(NULL, NULL); /* ends after this request */
  return iso_int(1);
}

static void test_worker_death_fails_pending(void **s) {
  (void)s;
  iso_worker *w;
  assert_int_equal(iso_worker_start(&w, "mortal", NULL, NULL, dies_on_string, NULL), ISO_OK);
  got g = {0};
  assert_int_equal(iso_worker_call(w, iso_str("die"), on_resp, &g), ISO_OK);
  for (int i = 0; i < 3; i++)
    assert_int_equal(iso_worker_call(w, iso_int(i), on_resp, &g), ISO_OK);
  iso_value *r = NULL;
  iso_error e = {0};
  assert_int_equal(iso_worker_call_sync(w, iso_int(9), &r, &e), ISO_ECLOSED);
  assert_int_equal(e.code, ISO_ECLOSED);
  iso_error_clear(&e);
  assert_int_equal(g.n, 1);      /* the "die" request itself was answered */
  assert_int_equal(g.errors, 3); /* the rest failed clearly, none hangs */
  assert_int_equal(iso_worker_pending(w), 0);
  assert_int_equal(iso_worker_call(w, iso_int(1), on_resp, &g), ISO_ECLOSED);
  assert_int_equal(iso_worker_close(w), ISO_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      RT_TEST(test_worker_calls_and_errors),
      RT_TEST(test_worker_close_drains),
      RT_TEST(test_worker_out_of_order_ids_match),
      RT_TEST(test_worker_death_fails_pending),
  };
  return RT_RUN_BOTH(tests);
}
