/* The runtime when memory runs out: kill, join, run, workers and shutdown must end, not hang. */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "test_rt_common.h"

/*
 * Linked with -Wl,--wrap=SYM (tests/unit/rt_faults.cmake): calls to SYM from
 * the static runtime and this file land in __wrap_SYM, which fails the Nth
 * call from arming on (and every later one when persist). A hang is the bug
 * these tests look for: ctest's timeout reports it.
 */
static atomic_long fa_count, fa_at;
static atomic_bool fa_armed, fa_persist;

static void fa_arm(long at, bool persist) {
  atomic_store(&fa_count, 0);
  atomic_store(&fa_at, at);
  atomic_store(&fa_persist, persist);
  atomic_store(&fa_armed, true);
}
static void fa_disarm(void) {
  atomic_store(&fa_armed, false);
}
static bool fa_fail(void) {
  if (!atomic_load_explicit(&fa_armed, memory_order_relaxed)) return false;
  long n = atomic_fetch_add(&fa_count, 1) + 1, at = atomic_load(&fa_at);
  return n == at || (n > at && atomic_load(&fa_persist));
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t a, size_t n);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);

void *__wrap_malloc(size_t n) {
  return fa_fail() ? NULL : __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t m) {
  return fa_fail() ? NULL : __real_calloc(n, m);
}
void *__wrap_realloc(void *p, size_t n) {
  return fa_fail() ? NULL : __real_realloc(p, n);
}
void *__wrap_aligned_alloc(size_t a, size_t n) {
  return fa_fail() ? NULL : __real_aligned_alloc(a, n);
}
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg) {
  return fa_fail() ? EAGAIN : __real_pthread_create(t, a, fn, arg);
}

/* ---- isolates that stay alive until killed --------------------------------- */

static void keep_entry(iso_value *msg) {
  iso_value_free(msg);
  iso_port *p = iso_port_new(); /* open: keeps the isolate alive */
  (void)p;
}

static void spawn_keepers(int n, iso_port *notices) {
  iso_sendport *sp = notices ? iso_port_sendport(notices) : NULL;
  for (int i = 0; i < n; i++) {
    iso_spawn_opts o;
    iso_spawn_opts_init(&o);
    o.on_exit = sp;
    assert_int_equal(iso_spawn(keep_entry, NULL, &o, NULL), ISO_OK);
  }
  iso_sendport_release(sp);
}

/* Every allocation fails from the start of shutdown on: it must still end
 * every isolate and return. */
static void test_shutdown_without_memory(void **s) {
  (void)s;
  assert_int_equal(iso_runtime_init(g_mode), ISO_OK);
  iso_port *p = iso_port_new();
  spawn_keepers(4, p);
  iso_loop_poll(1 * MS); /* let the entries run (inline: on the scheduler) */
  fa_arm(1, true);
  iso_runtime_shutdown();
  fa_disarm();
}

/* Kill and join need no memory; the exit notice was allocated at spawn. */
static void test_kill_join_without_memory(void **s) {
  (void)s;
  assert_int_equal(iso_runtime_init(g_mode), ISO_OK);
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_spawn_opts o;
  iso_spawn_opts_init(&o);
  o.on_exit = sp; /* exit_msg NULL: a null notice */
  iso_isolate *h = NULL;
  assert_int_equal(iso_spawn(keep_entry, NULL, &o, &h), ISO_OK);
  iso_loop_poll(1 * MS);
  fa_arm(1, true);
  assert_int_equal(iso_kill(h, ISO_PRIO_IMMEDIATE), ISO_OK);
  assert_int_equal(iso_isolate_join(h, 0), ISO_OK);
  iso_value *m = NULL;
  assert_int_equal(iso_port_next(p, 0, &m), ISO_OK);
  assert_int_equal(iso_type(m), ISO_V_NULL);
  fa_disarm();
  iso_value_free(m);
  iso_isolate_release(h);
  iso_sendport_release(sp);
  iso_runtime_shutdown();
}

/* ---- link ends ------------------------------------------------------------------ */

static void on_eof_flag(iso_link_rx *rx, void *ud) {
  (void)rx;
  *(bool *)ud = true;
}
static iso_value *g_got[2]; /* kept, not freed: a freed node would refill the cache */
static void on_item_ack(iso_link_rx *rx, iso_value *item, void *ud) {
  (void)ud;
  int64_t i = iso_as_int(item);
  if (i >= 1 && i <= 2 && !g_got[i - 1])
    g_got[i - 1] = item;
  else
    iso_value_free(item);
  iso_link_rx_ack(rx, 1);
}
static void on_finished_flag(iso_link_tx *tx, void *ud) {
  (void)tx;
  *(bool *)ud = true;
}

/* EOF, FINISH and the credit for the last item in flight need no memory: a
 * lost one left the peer waiting forever (rel_alloc_fail hung under ASan,
 * where every value node is a malloc). */
static void test_link_end_without_memory(void **s) {
  (void)s;
  assert_int_equal(iso_runtime_init(g_mode), ISO_OK);
  bool eof = false, finished = false;
  iso_link_rx_cbs rcbs = {0};
  rcbs.on_eof = on_eof_flag;
  rcbs.on_item = on_item_ack;
  iso_link_rx *rx = iso_link_rx_new(2, &rcbs, &eof);
  assert_non_null(rx);
  iso_sendport *rsp = iso_link_rx_sendport(rx);
  iso_link_tx_cbs tcbs = {0};
  tcbs.on_finished = on_finished_flag;
  iso_link_tx *tx = iso_link_tx_new(rsp, &tcbs, &finished);
  assert_non_null(tx);
  iso_loop_poll(1 * MS); /* HELLO */
  iso_value *items[2] = {iso_int(1), iso_int(2)};
  /* Empty this thread's node cache so that a new value needs malloc. */
  enum { HOLD = 5000 };
  static iso_value *held[HOLD];
  for (int i = 0; i < HOLD; i++)
    held[i] = iso_null();
  fa_arm(1, true);
  /* Both credits spent; the receiver acks each item with no memory left. */
  for (int i = 0; i < 2; i++)
    assert_int_equal(iso_link_send(tx, items[i]), ISO_OK);
  for (int i = 0; i < 1000 && iso_link_rx_depth(rx) + iso_link_tx_inflight(tx) > 1; i++)
    iso_loop_poll(1 * MS);
  uint32_t credits = iso_link_tx_credits(tx);
  iso_link_tx_eof(tx);
  for (int i = 0; i < 1000 && !eof; i++)
    iso_loop_poll(1 * MS);
  iso_link_rx_finish(rx); /* after the EOF: a finished receiver ignores it */
  for (int i = 0; i < 1000 && !finished; i++)
    iso_loop_poll(1 * MS);
  fa_disarm();
  for (int i = 0; i < HOLD; i++)
    iso_value_free(held[i]);
  for (int i = 0; i < 2; i++) {
    iso_value_free(g_got[i]);
    g_got[i] = NULL;
  }
  iso_link_tx_free(tx);
  iso_link_rx_free(rx);
  iso_sendport_release(rsp);
  iso_runtime_shutdown(); /* first: a failed assert must not leave the runtime up */
  assert_true(credits > 0);
  assert_true(eof);
  assert_true(finished);
}

/* ---- run, handshake and worker with the Nth allocation failing --------------- */

static iso_value *sum_fn(iso_value *arg) {
  int64_t n = iso_as_int(arg);
  iso_value_free(arg);
  iso_value *l = iso_list();
  for (int64_t i = 0; i < n; i++)
    iso_list_push(l, iso_int(i));
  return l;
}

static iso_value *echo_req(iso_value *req, void *state) {
  (void)state;
  return iso_strf("echo %d", (int)iso_as_int(req));
}

/* One round of everything; each call may fail cleanly, none may hang. */
static void one_round(void) {
  iso_value *r = NULL;
  iso_error e;
  iso_run(sum_fn, iso_int(8), &r, &e);
  iso_value_free(r);
  iso_error_clear(&e);
  iso_run_pooled(sum_fn, iso_int(8), &r, &e);
  iso_value_free(r);
  iso_error_clear(&e);
  iso_worker *w = NULL;
  if (iso_worker_start(&w, "w", NULL, NULL, echo_req, NULL) == ISO_OK) {
    for (int i = 0; i < 3; i++) {
      r = NULL;
      iso_worker_call_sync(w, iso_int(i), &r, &e);
      iso_value_free(r);
      iso_error_clear(&e);
    }
    iso_worker_close(w);
  }
}

static void sweep(bool persist) {
  fa_arm(0, false); /* counting only: how many allocations one round makes */
  assert_int_equal(iso_runtime_init(g_mode), ISO_OK);
  one_round();
  iso_runtime_shutdown();
  fa_disarm();
  long total = atomic_load(&fa_count);
  assert_true(total > 10);
  for (long n = 1; n <= total + 1; n++) {
    fa_arm(n, persist);
    if (iso_runtime_init(g_mode) == ISO_OK) {
      one_round();
      iso_runtime_shutdown();
    }
    fa_disarm();
  }
}

static void test_sweep_single_failure(void **s) {
  (void)s;
  sweep(false);
}
static void test_sweep_persistent_failure(void **s) {
  (void)s;
  sweep(true);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shutdown_without_memory),
      cmocka_unit_test(test_kill_join_without_memory),
      cmocka_unit_test(test_link_end_without_memory),
      cmocka_unit_test(test_sweep_single_failure),
      cmocka_unit_test(test_sweep_persistent_failure),
  };
  return RT_RUN_BOTH(tests);
}
