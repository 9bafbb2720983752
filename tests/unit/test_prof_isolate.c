/* Reports travel from a stage isolate to main by ownership transfer and aggregate there (threads
 * and inline mode). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "isopipe/isolate.h"
#include "profiling/prof_internal.h"

#define FRAMES 200

static iso_mode g_mode;

static volatile uint64_t sink;

static void work_us(unsigned us) {
  uint64_t end = pl_now() + us * 1000ull, x = 7;
  while (pl_now() < end)
    x = x * 6364136223846793005ull + 1;
  sink = x;
}

/* A stage as pipeline/prof.h's recipe has it: state flips, counters, one
 * slice per frame, a report when due, a final one when done. */
static void stage_entry(iso_value *msg) {
  iso_sendport *main_sp = iso_sendport_ref(iso_as_sendport(msg));
  iso_value_free(msg);
  pl_prof *p = pl_prof_new("encode:v", true);
  int link = pl_prof_add_link(p, "mux");
  for (int i = 0; i < FRAMES; i++) {
    uint64_t t0 = pl_prof_busy(p);
    pl_prof_in(p, 1000);
    work_us(200);
    pl_prof_slice(p, "encode", t0, pl_now(), (1ull << 40) | (uint64_t)(i + 1));
    pl_prof_out(p, 100, 0);
    pl_prof_link_depth(p, link, (uint32_t)(i % 3), 4);
    pl_prof_starved(p);
    uint64_t now = pl_now();
    if (pl_prof_due(p, now)) iso_send_move(main_sp, pl_prof_report(p, now));
  }
  pl_prof_done(p);
  iso_send_move(main_sp, pl_prof_report(p, pl_now()));
  pl_prof_free(p);
  iso_sendport_release(main_sp);
}

typedef struct main_ctx {
  pl_stats *s;
  int reports, others;
} main_ctx;

static void on_msg(iso_port *port, iso_value *msg, void *ud) {
  (void)port;
  main_ctx *c = ud;
  if (pl_stats_take(c->s, msg)) {
    c->reports++;
    return;
  }
  c->others++;
  iso_value_free(msg);
}

static void test_reports_move_to_main(void **state) {
  (void)state;
  assert_int_equal(iso_runtime_init(g_mode), ISO_OK);
  char trace[128];
  snprintf(trace, sizeof trace, "/tmp/isopipe_prof_iso_%d.json", (int)getpid());
  main_ctx c = {pl_stats_new(), 0, 0};
  assert_int_equal(pl_stats_trace_open(c.s, trace), ISO_OK);
  iso_port *port = iso_port_new_raw(on_msg, &c);
  iso_sendport *sp = iso_port_sendport(port);
  iso_spawn_opts o;
  iso_spawn_opts_init(&o);
  o.name = "encode:v";
  iso_isolate *w = NULL;
  assert_int_equal(iso_spawn(stage_entry, iso_v_sendport(sp), &o, &w), ISO_OK);
  assert_int_equal(iso_isolate_join(w, 30ull * 1000000000ull), ISO_OK);
  /* Reports sent just before the end may still be queued. */
  while (iso_loop_poll(0) > 0) {
  }
  assert_true(c.reports >= 2);
  assert_int_equal(c.others, 0);
  /* Every slice reached main: 1 X + 1 flow point each. A start-up delay
   * longer than AUTO_MIN_NS before the first explicit slice (a preempted
   * thread on a loaded machine) adds one automatic slice without a flow. */
  assert_in_range(pl_trace_events(c.s->trace), 2 * FRAMES, 2 * FRAMES + 1);
  pl_stats_tick(c.s, pl_now(), 0, 0);
  pl_stats_end(c.s, pl_now());
  iso_progress prog;
  memset(&prog, 0, sizeof prog);
  pl_stats_fill(c.s, &prog);
  assert_int_equal(prog.nstages, 1);
  const iso_stage_stats *st = &prog.stages[0];
  assert_string_equal(st->name, "encode:v");
  assert_int_equal(st->done, 1);
  assert_int_equal(st->items_in, FRAMES);
  assert_int_equal(st->items_out, FRAMES);
  /* The reports moved: the stage deep-copied nothing and its transfer
   * count leaves its own reports out. */
  assert_int_equal(st->bytes_copied, 0);
  assert_int_equal(st->transfers, 0);
  double sum = st->busy_s + st->starved_s + st->blocked_s;
  assert_true(sum > 0.99 * st->wall_s && sum < 1.01 * st->wall_s);
  assert_true(st->busy_s >= FRAMES * 200e-6 * 0.99);
  assert_true(st->cpu_s > 0 && st->cpu_s <= st->busy_s * 1.05 + 0.01);
  assert_int_equal(c.s->nlinks, 1);
  assert_int_equal(c.s->links[0].fig.max, 2);
  assert_int_equal(c.s->trace_status, ISO_OK);
  iso_isolate_release(w);
  iso_sendport_release(sp);
  iso_port_close(port);
  pl_stats_free(c.s);
  iso_runtime_shutdown();
  unlink(trace);
}

static int threads(void **s) {
  (void)s;
  g_mode = ISO_MODE_THREADS;
  return 0;
}
static int inline_(void **s) {
  (void)s;
  g_mode = ISO_MODE_INLINE;
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_reports_move_to_main)};
  return cmocka_run_group_tests_name("threads", tests, threads, NULL) +
         cmocka_run_group_tests_name("inline", tests, inline_, NULL);
}
