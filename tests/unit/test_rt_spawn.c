/* Spawn: entry and first message, own loop, one handler at a time, lifetime, nice and stack size.
 */
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "test_need.h"
#include "test_rt_common.h"

/* Echo worker: replies to [reply, n] with n + its private count. */
typedef struct echo_state {
  int64_t handled;
  int in_handler; /* proves handlers never overlap */
} echo_state;

static void echo_handler(iso_port *port, iso_value *msg, void *ud) {
  echo_state *st = ud;
  st->in_handler++;
  if (iso_type(msg) == ISO_V_NULL) {
    iso_value_free(msg);
    st->in_handler--;
    iso_port_close(port);
    free(st);
    return;
  }
  iso_sendport *reply = iso_as_sendport(iso_list_at(msg, 0));
  st->handled++;
  iso_value *r =
      iso_int(iso_as_int(iso_list_at(msg, 1)) * 1000 + st->handled * (st->in_handler == 1));
  iso_send_move(reply, r);
  iso_value_free(msg);
  st->in_handler--;
}

static void echo_entry(iso_value *msg) {
  echo_state *st = calloc(1, sizeof(*st));
  iso_port *p = iso_port_new_raw(echo_handler, st);
  iso_sendport *me = iso_port_sendport(p);
  iso_value *v = iso_listv(iso_str(iso_name(NULL)), iso_v_sendport(me), NULL);
  iso_send_move(iso_as_sendport(msg), v);
  iso_sendport_release(me);
  iso_value_free(msg);
}

static void test_spawn_entry_and_loop(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_spawn_opts o;
  iso_spawn_opts_init(&o);
  assert_true(o.errors_are_fatal);
  o.name = "echo";
  iso_isolate *w;
  assert_int_equal(iso_spawn(echo_entry, iso_v_sendport(sp), &o, &w), ISO_OK);
  assert_string_equal(iso_name(w), "echo");
  iso_value *hello = next_msg(p);
  assert_string_equal(iso_as_str(iso_list_at(hello, 0)), "echo");
  iso_sendport *wsp = iso_as_sendport(iso_list_at(hello, 1));
  for (int i = 1; i <= 50; i++) {
    iso_value *req = iso_listv(iso_v_sendport(sp), iso_int(i), NULL);
    assert_int_equal(iso_send_move(wsp, req), ISO_OK);
  }
  for (int i = 1; i <= 50; i++)
    expect_int(p, i * 1000 + i);
  assert_false(iso_isolate_done(w));
  iso_value *bye = iso_null();
  iso_send_move(wsp, bye);
  assert_int_equal(iso_isolate_join(w, 10 * SEC), ISO_OK); /* no port left: it ends */
  assert_true(iso_isolate_done(w));
  iso_value_free(hello);
  iso_isolate_release(w);
  iso_sendport_release(sp);
  iso_port_close(p);
  assert_true(iso_is_main());
  assert_string_equal(iso_name(iso_current()), "main");
}

static void nice_entry(iso_value *msg) {
  int prio = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
  iso_value *v = iso_int(prio);
  iso_send_move(iso_as_sendport(msg), v);
  iso_value_free(msg);
}

static void test_nice_and_stack_size(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  int base = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
  iso_spawn_opts o;
  iso_spawn_opts_init(&o);
  o.nice = 5;
  o.stack_size = 64 * 1024;
  assert_int_equal(iso_spawn(nice_entry, iso_v_sendport(sp), &o, NULL), ISO_OK);
  iso_value *m = next_msg(p);
  if (iso_runtime_mode() == ISO_MODE_THREADS)
    assert_int_equal(iso_as_int(m), base + 5 > 19 ? 19 : base + 5);
  else
    assert_int_equal(iso_as_int(m), base); /* inline: one thread, nice does not apply */
  iso_value_free(m);
  iso_sendport_release(sp);
  iso_port_close(p);
}

/* A spawner that runs under nice keeps its isolates under it: the spawn
 * niceness is added to the spawner's, never taken as absolute. */
static void test_nice_added_to_spawners(void **s) {
  (void)s;
  id_t tid = (id_t)syscall(SYS_gettid);
  int base = getpriority(PRIO_PROCESS, tid);
  int raised = base + 4 > 19 ? 19 : base + 4;
  assert_int_equal(setpriority(PRIO_PROCESS, tid, raised), 0);
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_spawn_opts o;
  iso_spawn_opts_init(&o);
  o.nice = 5;
  assert_int_equal(iso_spawn(nice_entry, iso_v_sendport(sp), &o, NULL), ISO_OK);
  iso_value *m = next_msg(p);
  if (iso_runtime_mode() == ISO_MODE_THREADS)
    assert_int_equal(iso_as_int(m), raised + 5 > 19 ? 19 : raised + 5);
  else
    assert_int_equal(iso_as_int(m), raised);
  iso_value_free(m);
  iso_sendport_release(sp);
  iso_port_close(p);
  /* Going back needs CAP_SYS_NICE; later tests read their own base. */
  (void)setpriority(PRIO_PROCESS, tid, base);
}

/* Replies to each [reply] with its thread's nice; null ends it. */
static void probe_handler(iso_port *port, iso_value *msg, void *ud) {
  (void)ud;
  if (iso_type(msg) == ISO_V_NULL) {
    iso_value_free(msg);
    iso_port_close(port);
    return;
  }
  iso_send_move(iso_as_sendport(iso_list_at(msg, 0)),
                iso_int(getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid))));
  iso_value_free(msg);
}

static void probe_entry(iso_value *msg) {
  iso_port *p = iso_port_new_raw(probe_handler, NULL);
  iso_sendport *me = iso_port_sendport(p);
  iso_send_move(iso_as_sendport(msg), iso_v_sendport(me));
  iso_sendport_release(me);
  iso_value_free(msg);
}

static int64_t probe_nice(iso_sendport *probe, iso_port *p, iso_sendport *sp) {
  iso_send_move(probe, iso_listv(iso_v_sendport(sp), NULL));
  iso_value *m = next_msg(p);
  int64_t v = iso_as_int(m);
  iso_value_free(m);
  return v;
}

/* The pipeline restepping its stages while they run. */
static void test_set_nice_while_running(void **s) {
  (void)s;
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  int base = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
  iso_isolate *w = NULL;
  assert_int_equal(iso_spawn(probe_entry, iso_v_sendport(sp), NULL, &w), ISO_OK);
  iso_value *m = next_msg(p);
  iso_sendport *probe = iso_sendport_ref(iso_as_sendport(m));
  iso_value_free(m);
  int want = base + 9 > 19 ? 19 : base + 9;
  if (iso_runtime_mode() == ISO_MODE_THREADS) {
    assert_int_equal(iso_isolate_set_nice(w, want), ISO_OK);
    assert_int_equal(probe_nice(probe, p, sp), want);
    /* Going back up is refused without CAP_SYS_NICE: either answer is the system's. */
    int r = iso_isolate_set_nice(w, base);
    assert_int_equal(probe_nice(probe, p, sp), r == ISO_OK ? base : want);
  } else {
    assert_int_equal(iso_isolate_set_nice(w, want), ISO_ESTATE);
    assert_int_equal(probe_nice(probe, p, sp), base);
  }
  assert_int_equal(iso_isolate_set_nice(w, 20), ISO_EINVAL);
  assert_int_equal(iso_isolate_set_nice(NULL, 1), ISO_EINVAL);
  iso_send_move(probe, iso_null());
  iso_sendport_release(probe);
  /* Once its thread is gone the call must not reach a recycled thread id. */
  int r = ISO_OK;
  for (int i = 0; i < 2000 && iso_runtime_mode() == ISO_MODE_THREADS; i++) {
    if ((r = iso_isolate_set_nice(w, want)) == ISO_ECLOSED) break;
    usleep(1000);
  }
  if (iso_runtime_mode() == ISO_MODE_THREADS) assert_int_equal(r, ISO_ECLOSED);
  iso_isolate_release(w);
  iso_sendport_release(sp);
  iso_port_close(p);
}

static void quiet_entry(iso_value *msg) {
  iso_value_free(msg);
}

static void test_many_isolates(void **s) {
  (void)s;
  enum { N = 64 };
  iso_isolate *w[N];
  for (int i = 0; i < N; i++) {
    iso_spawn_opts o;
    iso_spawn_opts_init(&o);
    o.stack_size = 64 * 1024;
    assert_int_equal(iso_spawn(quiet_entry, iso_int(i), &o, &w[i]), ISO_OK);
  }
  for (int i = 0; i < N; i++) {
    assert_int_equal(iso_isolate_join(w[i], 10 * SEC), ISO_OK);
    iso_isolate_release(w[i]);
  }
}

static void forever_entry(iso_value *msg) {
  iso_port_new(); /* keeps it alive until killed or shutdown */
  iso_value_free(msg);
}

static void test_shutdown_kills_leftovers(void **s) {
  (void)s;
  /* Teardown's iso_runtime_shutdown must end these and free everything. */
  for (int i = 0; i < 4; i++)
    assert_int_equal(iso_spawn(forever_entry, NULL, NULL, NULL), ISO_OK);
  iso_isolate *w;
  assert_int_equal(iso_spawn(forever_entry, NULL, NULL, &w), ISO_OK);
  assert_int_equal(iso_isolate_join(w, 20 * MS), ISO_ETIMEDOUT);
  iso_isolate_release(w);
}

static void spawn_tick(iso_timer *t, void *ud) {
  (void)t;
  (void)ud;
  iso_spawn_opts o;
  iso_spawn_opts_init(&o);
  o.stack_size = 64 * 1024;
  iso_spawn(forever_entry, NULL, &o, NULL);
}
static void spawner_entry(iso_value *msg) {
  iso_timer_start(0, 1 * MS, spawn_tick, NULL);
  iso_value_free(msg);
}

static void test_shutdown_while_spawning(void **s) {
  (void)s;
  assert_int_equal(iso_spawn(spawner_entry, NULL, NULL, NULL), ISO_OK);
  iso_port *p = iso_port_new();
  iso_value *m = NULL;
  assert_int_equal(iso_port_next(p, 30 * MS, &m), ISO_ETIMEDOUT); /* let it spawn a few */
  iso_port_close(p);
  /* Teardown: shutdown must catch isolates spawned while it is killing. */
}

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void test_idle_isolates_cost_no_cpu(void **s) {
  (void)s;
  TM_NOT_APPLICABLE(iso_runtime_mode() != ISO_MODE_THREADS, "threads mode only");
  enum { N = 16 };
  iso_isolate *w[N];
  for (int i = 0; i < N; i++)
    assert_int_equal(iso_spawn(forever_entry, NULL, NULL, &w[i]), ISO_OK);
  iso_port *p = iso_port_new();
  iso_value *m = NULL;
  iso_port_next(p, 50 * MS, &m); /* let them settle */
  double c0 = cpu_s();
  iso_port_next(p, 300 * MS, &m); /* main sleeps too */
  double used = cpu_s() - c0;
  /* Spinning isolates would burn up to 16 x 0.3 s; parked ones burn ~0. */
  assert_true(used < 0.15);
  iso_port_close(p);
  for (int i = 0; i < N; i++)
    iso_isolate_release(w[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      RT_TEST(test_spawn_entry_and_loop),    RT_TEST(test_nice_and_stack_size),
      RT_TEST(test_nice_added_to_spawners),  RT_TEST(test_set_nice_while_running),
      RT_TEST(test_many_isolates),           RT_TEST(test_shutdown_kills_leftovers),
      RT_TEST(test_shutdown_while_spawning), RT_TEST(test_idle_isolates_cost_no_cpu),
  };
  return RT_RUN_BOTH(tests);
}
