/* Lifecycle: exit hand-over, error and exit notices, errors-are-fatal, kill, ping, handshake. */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test_rt_common.h"

static atomic_int g_gate;

static void nap(void) {
  struct timespec ts = {0, 200000};
  nanosleep(&ts, NULL);
}

/* ---- exit --------------------------------------------------------------- */

static void exit_entry(iso_value *msg) {
  void *payload = (void *)(uintptr_t)iso_as_int(iso_list_at(msg, 1));
  iso_sendport *sp = iso_as_sendport(iso_list_at(msg, 0));
  iso_exit(sp, iso_transfer(payload, counted_free, 3));
  /* Nothing after exit is dispatched; a port opened now does not keep it alive. */
  iso_value_free(msg);
}

static void test_exit_hands_over_before_exit_notice(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  void *payload = counted_alloc(1 << 20);
  iso_spawn_opts o;
  iso_spawn_opts_init(&o);
  o.on_exit = sp;
  o.exit_msg = iso_str("exited");
  iso_value *m = iso_listv(iso_v_sendport(sp), iso_int((int64_t)(uintptr_t)payload), NULL);
  assert_int_equal(iso_spawn(exit_entry, m, &o, NULL), ISO_OK);
  iso_value *first = next_msg(p);
  assert_int_equal(iso_type(first), ISO_V_TRANSFER);
  void *got = iso_transfer_take(first, NULL);
  assert_ptr_equal(got, payload); /* moved, not copied */
  free(got);
  iso_value_free(first);
  iso_value *second = next_msg(p);
  assert_string_equal(iso_as_str(second), "exited");
  iso_value_free(second);
  iso_sendport_release(sp);
  iso_port_close(p);
}

/* ---- errors ------------------------------------------------------------- */

static void raiser(iso_port *port, iso_value *msg, void *ud) {
  (void)ud;
  int64_t n = iso_as_int(msg);
  iso_value_free(msg);
  if (n < 0) {
    iso_port_close(port);
    return;
  }
  iso_raise("raiser", "bad value %d", (int)n);
}
static void raise_entry(iso_value *msg) {
  iso_port *p = iso_port_new_raw(raiser, NULL);
  iso_sendport *me = iso_port_sendport(p);
  iso_value *v = iso_v_sendport(me);
  iso_send_move(iso_as_sendport(msg), v);
  iso_sendport_release(me);
  iso_value_free(msg);
}

static void run_errors(bool fatal) {
  iso_port *p = iso_port_new(), *errs = iso_port_new(), *exits = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p), *esp = iso_port_sendport(errs),
               *xsp = iso_port_sendport(exits);
  iso_spawn_opts o;
  iso_spawn_opts_init(&o);
  o.name = "raiser";
  o.on_error = esp;
  o.errors_are_fatal = fatal;
  iso_isolate *w;
  assert_int_equal(iso_spawn(raise_entry, iso_v_sendport(sp), &o, &w), ISO_OK);
  assert_int_equal(iso_add_on_exit(w, xsp, iso_str("gone")), ISO_OK);
  iso_value *hello = next_msg(p);
  iso_sendport *wsp = iso_as_sendport(hello);
  iso_send_move(wsp, iso_int(1));
  iso_value *e = next_msg(errs);
  assert_string_equal(iso_as_str(iso_list_at(e, 0)), "bad value 1");
  assert_non_null(strstr(iso_as_str(iso_list_at(e, 1)), "raiser"));
  iso_value_free(e);
  if (fatal) {
    iso_value *x = next_msg(exits);
    assert_string_equal(iso_as_str(x), "gone");
    iso_value_free(x);
    assert_int_equal(iso_isolate_join(w, 10 * SEC), ISO_OK);
  } else {
    iso_send_move(wsp, iso_int(2)); /* still alive: handles the next one */
    e = next_msg(errs);
    assert_string_equal(iso_as_str(iso_list_at(e, 0)), "bad value 2");
    iso_value_free(e);
    assert_false(iso_isolate_done(w));
    iso_send_move(wsp, iso_int(-1));
    assert_int_equal(iso_isolate_join(w, 10 * SEC), ISO_OK);
  }
  iso_value_free(hello);
  iso_isolate_release(w);
  iso_sendport_release(sp);
  iso_sendport_release(esp);
  iso_sendport_release(xsp);
  iso_port_close(p);
  iso_port_close(errs);
  iso_port_close(exits);
}

static void test_error_notice_fatal(void **s) {
  (void)s;
  run_errors(true);
}
static void test_error_notice_not_fatal(void **s) {
  (void)s;
  run_errors(false);
}

static void test_on_exit_after_death_is_immediate(void **s) {
  (void)s;
  iso_isolate *w;
  assert_int_equal(iso_spawn(exit_entry, iso_listv(iso_null(), iso_int(0), NULL), NULL, &w),
                   ISO_OK);
  assert_int_equal(iso_isolate_join(w, 10 * SEC), ISO_OK);
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  assert_int_equal(iso_add_on_exit(w, sp, iso_int(9)), ISO_OK);
  expect_int(p, 9);
  iso_isolate_release(w);
  iso_sendport_release(sp);
  iso_port_close(p);
}

/* ---- kill and ping: control overtakes data ------------------------------- */

typedef struct busy {
  iso_sendport *report;
} busy;

static void busy_handler(iso_port *port, iso_value *msg, void *ud) {
  busy *b = ud;
  int64_t n = iso_type(msg) == ISO_V_INT ? iso_as_int(msg) : -1;
  iso_value_free(msg); /* transfers are freed here when handled */
  if (n == 1) {
    iso_value *v = iso_str("entered");
    iso_send_move(b->report, v);
    /* Threads mode: stay busy so the next messages queue behind us. */
    while (iso_runtime_mode() == ISO_MODE_THREADS && !atomic_load(&g_gate))
      nap();
    return;
  }
  iso_value *v = iso_str("data");
  iso_send_move(b->report, v);
  (void)port;
}
static busy *g_busy; /* freed by the test: a killed isolate runs no code of ours */
static void busy_entry(iso_value *msg) {
  busy *b = g_busy = calloc(1, sizeof(*b));
  b->report = iso_sendport_ref(iso_as_sendport(msg));
  iso_port *p = iso_port_new_raw(busy_handler, b);
  iso_sendport *me = iso_port_sendport(p);
  iso_value *v = iso_v_sendport(me);
  iso_send_move(b->report, v);
  iso_sendport_release(me);
  iso_value_free(msg);
}

static void busy_cleanup(void) {
  iso_sendport_release(g_busy->report);
  free(g_busy);
  g_busy = NULL;
}

static iso_sendport *start_busy(iso_port *p, iso_sendport *sp, iso_isolate **w,
                                iso_sendport *on_exit) {
  atomic_store(&g_gate, 0);
  iso_spawn_opts o;
  iso_spawn_opts_init(&o);
  o.on_exit = on_exit;
  assert_int_equal(iso_spawn(busy_entry, iso_v_sendport(sp), &o, w), ISO_OK);
  iso_value *hello = next_msg(p);
  iso_sendport *wsp = iso_sendport_ref(iso_as_sendport(hello));
  iso_value_free(hello);
  iso_send_move(wsp, iso_int(1));
  iso_value *e = next_msg(p);
  assert_string_equal(iso_as_str(e), "entered");
  iso_value_free(e);
  return wsp;
}

static void test_kill_overtakes_queued_data(void **s) {
  (void)s;
  for (int prio = 0; prio < 2; prio++) {
    atomic_store(&g_freed, 0);
    iso_port *p = iso_port_new();
    iso_sendport *sp = iso_port_sendport(p);
    iso_isolate *w;
    iso_sendport *wsp = start_busy(p, sp, &w, sp);
    for (int i = 0; i < 9; i++)
      iso_send_move(wsp, iso_transfer(counted_alloc(100), counted_free, 1));
    assert_int_equal(iso_kill(w, (iso_priority)prio), ISO_OK);
    atomic_store(&g_gate, 1);
    assert_int_equal(iso_isolate_join(w, 10 * SEC), ISO_OK);
    /* The exit notice (null) is the next message: no "data" was handled. */
    iso_value *m = next_msg(p);
    assert_int_equal(iso_type(m), ISO_V_NULL);
    iso_value_free(m);
    assert_int_equal(atomic_load(&g_freed), 9); /* dropped payloads were freed */
    busy_cleanup();
    iso_isolate_release(w);
    iso_sendport_release(wsp);
    iso_sendport_release(sp);
    iso_port_close(p);
  }
}

static void test_ping_overtakes_data(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_isolate *w;
  iso_sendport *wsp = start_busy(p, sp, &w, NULL);
  for (int i = 0; i < 5; i++)
    iso_send_move(wsp, iso_int(2));
  assert_int_equal(iso_ping(w, sp, iso_str("pong"), ISO_PRIO_IMMEDIATE), ISO_OK);
  atomic_store(&g_gate, 1);
  iso_value *m = next_msg(p);
  assert_string_equal(iso_as_str(m), "pong");
  iso_value_free(m);
  for (int i = 0; i < 5; i++) {
    m = next_msg(p);
    assert_string_equal(iso_as_str(m), "data");
    iso_value_free(m);
  }
  iso_kill(w, ISO_PRIO_BEFORE_NEXT_EVENT);
  assert_int_equal(iso_isolate_join(w, 10 * SEC), ISO_OK);
  /* A ping to a dead isolate is dropped. */
  assert_int_equal(iso_ping(w, sp, iso_str("late"), ISO_PRIO_IMMEDIATE), ISO_OK);
  assert_int_equal(iso_port_next(p, 20 * MS, &m), ISO_ETIMEDOUT);
  busy_cleanup();
  iso_isolate_release(w);
  iso_sendport_release(wsp);
  iso_sendport_release(sp);
  iso_port_close(p);
}

static void end_on_null(iso_port *port, iso_value *msg, void *ud) {
  (void)ud;
  iso_value_free(msg);
  iso_port_close(port);
}

/* ---- on_close: state freed even when the isolate is killed ----------------- */

static atomic_int g_closed;
static void state_closed(iso_port *port, void *ud) {
  (void)port;
  free(ud);
  atomic_fetch_add(&g_closed, 1);
}
static void stateful_entry(iso_value *msg) {
  iso_port *p = iso_port_new_raw(end_on_null, malloc(64));
  iso_port_on_close(p, state_closed);
  iso_value *v = iso_str("up");
  iso_send_move(iso_as_sendport(msg), v);
  iso_value_free(msg);
}

static void test_on_close_runs_on_kill(void **s) {
  (void)s;
  atomic_store(&g_closed, 0);
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_isolate *w;
  assert_int_equal(iso_spawn(stateful_entry, iso_v_sendport(sp), NULL, &w), ISO_OK);
  iso_value *m = next_msg(p);
  iso_value_free(m);
  assert_int_equal(atomic_load(&g_closed), 0);
  assert_int_equal(iso_kill(w, ISO_PRIO_IMMEDIATE), ISO_OK);
  assert_int_equal(iso_isolate_join(w, 10 * SEC), ISO_OK);
  assert_int_equal(atomic_load(&g_closed), 1);
  iso_isolate_release(w);
  iso_sendport_release(sp);
  iso_port_close(p);
}

/* ---- handshake ------------------------------------------------------------- */

static void hs_handler(iso_port *port, iso_value *msg, void *ud) {
  iso_sendport *main_sp = ud;
  int64_t n = iso_as_int(msg);
  iso_value_free(msg);
  iso_value *v = iso_int(n * 2);
  iso_send_move(main_sp, v);
  if (n == 0) {
    iso_sendport_release(main_sp);
    iso_port_close(port);
  }
}
static void hs_entry(iso_value *msg) {
  iso_sendport *main_sp = iso_sendport_ref(iso_as_sendport(iso_list_at(msg, 0)));
  int64_t base = iso_as_int(iso_handshake_msg(msg));
  iso_port *p = iso_port_new_raw(hs_handler, main_sp);
  iso_value *v = iso_int(base);
  iso_send_move(main_sp, v);
  assert_int_equal(iso_handshake_reply(msg, p), ISO_OK);
  iso_value_free(msg);
}

static void test_handshake(void **s) {
  (void)s;
  iso_isolate *w;
  iso_sendport *peer;
  iso_port *from;
  assert_int_equal(iso_spawn_handshake(hs_entry, iso_int(100), NULL, 10 * SEC, &w, &peer, &from),
                   ISO_OK);
  expect_int(from, 100);
  iso_send_move(peer, iso_int(21));
  expect_int(from, 42);
  iso_send_move(peer, iso_int(0));
  expect_int(from, 0);
  assert_int_equal(iso_isolate_join(w, 10 * SEC), ISO_OK);
  iso_isolate_release(w);
  iso_sendport_release(peer);
  iso_port_close(from);
}

static void silent_entry(iso_value *msg) {
  iso_value_free(msg);
}

static void test_handshake_worker_dies_first(void **s) {
  (void)s;
  iso_sendport *peer = NULL;
  assert_int_equal(iso_spawn_handshake(silent_entry, NULL, NULL, 10 * SEC, NULL, &peer, NULL),
                   ISO_ENORESULT);
  assert_null(peer);
}

/* ---- shutdown and a handler stuck in foreign code (threads mode) ---------- */

static int g_pipe[2];

static void blocked_entry(iso_value *msg) {
  iso_value_free(msg);
  iso_port_new(); /* keeps it alive once the read returns */
  atomic_store(&g_gate, 1);
  char c;
  ssize_t n = read(g_pipe[0], &c, 1); /* no kill can interrupt this */
  (void)n;
}

static void test_shutdown_gives_up_on_stuck_handler(void **s) {
  (void)s;
  assert_int_equal(pipe(g_pipe), 0);
  atomic_store(&g_gate, 0);
  assert_int_equal(iso_runtime_init(ISO_MODE_THREADS), ISO_OK);
  assert_int_equal(iso_spawn(blocked_entry, NULL, NULL, NULL), ISO_OK);
  while (!atomic_load(&g_gate))
    nap();
  assert_int_equal(iso_runtime_shutdown_timed(50 * MS), ISO_ETIMEDOUT);
  /* The stuck thread still uses the old runtime: no new one yet. */
  assert_int_equal(iso_runtime_init(ISO_MODE_THREADS), ISO_ESTATE);
  assert_int_equal(write(g_pipe[1], "x", 1), 1);
  int rc = ISO_ESTATE;
  for (int i = 0; i < 50000 && rc == ISO_ESTATE; i++) {
    rc = iso_runtime_init(ISO_MODE_THREADS);
    if (rc == ISO_ESTATE) nap();
  }
  assert_int_equal(rc, ISO_OK); /* it saw its kill and ended by itself */
  assert_int_equal(iso_runtime_shutdown_timed(10 * SEC), ISO_OK);
  close(g_pipe[0]);
  close(g_pipe[1]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      RT_TEST(test_exit_hands_over_before_exit_notice),
      RT_TEST(test_error_notice_fatal),
      RT_TEST(test_error_notice_not_fatal),
      RT_TEST(test_on_exit_after_death_is_immediate),
      RT_TEST(test_kill_overtakes_queued_data),
      RT_TEST(test_ping_overtakes_data),
      RT_TEST(test_on_close_runs_on_kill),
      RT_TEST(test_handshake),
      RT_TEST(test_handshake_worker_dies_first),
  };
  const struct CMUnitTest threads_only[] = {
      cmocka_unit_test(test_shutdown_gives_up_on_stuck_handler),
  };
  return RT_RUN_BOTH(tests) + cmocka_run_group_tests_name("threads-only", threads_only, NULL, NULL);
}
