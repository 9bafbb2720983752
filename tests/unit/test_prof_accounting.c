/* Stage-side accounting on real threads: busy/starved/blocked add up, CPU follows the thread,
 * buffers stay bounded. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "profiling/prof_internal.h"

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

static volatile uint64_t sink;

static uint64_t thread_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Burns ms of this thread's CPU (so at least ms of wall time): counted on
 * the thread's own clock, the CPU it gets does not depend on the load. */
static void spin_ms(int ms) {
  uint64_t end = thread_cpu_ns() + (uint64_t)ms * 1000000u;
  uint64_t x = 1;
  while (thread_cpu_ns() < end)
    for (int i = 0; i < 1000; i++)
      x = x * 6364136223846793005ull + 1;
  sink = x;
}

typedef struct run {
  bool spin;   /* busy segments burn CPU, or sleep "inside FFmpeg" */
  bool frozen; /* figures stopped moving after done */
  iso_stage_stats st;
} run;

/* A stage's life: busy, starved (waiting for input), blocked (no credit). */
static void *stage_thread(void *arg) {
  run *r = arg;
  pl_prof *p = pl_prof_new(r->spin ? "encode:v" : "decode:v", false);
  for (int i = 0; i < 3; i++) {
    pl_prof_busy(p);
    if (r->spin)
      spin_ms(40);
    else
      sleep_ms(40);
    pl_prof_starved(p);
    sleep_ms(30);
    pl_prof_blocked(p);
    sleep_ms(20);
  }
  pl_prof_done(p);
  pl_prof_snapshot(p, &r->st);
  /* cmocka's asserts belong to the main thread: record, check there. */
  iso_stage_stats again;
  sleep_ms(20);
  pl_prof_snapshot(p, &again);
  r->frozen = again.wall_s == r->st.wall_s && again.busy_s == r->st.busy_s;
  pl_prof_free(p);
  return NULL;
}

static void test_fractions_add_up(void **state) {
  (void)state;
  run a = {.spin = true}, b = {.spin = false};
  pthread_t ta, tb;
  assert_int_equal(pthread_create(&ta, NULL, stage_thread, &a), 0);
  assert_int_equal(pthread_create(&tb, NULL, stage_thread, &b), 0);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  for (int k = 0; k < 2; k++) {
    const iso_stage_stats *s = k ? &b.st : &a.st;
    double sum = s->busy_s + s->starved_s + s->blocked_s;
    assert_true(s->wall_s >= 0.27);
    assert_true(sum > 0.99 * s->wall_s && sum < 1.01 * s->wall_s);
    /* Sleeps last at least what was asked; no upper bound (noisy machines). */
    assert_true(s->busy_s >= 0.119);
    assert_true(s->starved_s >= 0.089);
    assert_true(s->blocked_s >= 0.059);
    assert_int_equal(s->done, 1);
  }
  assert_true(a.frozen && b.frozen);
  /* Thread CPU: the spinning stage used CPU while busy, the sleeping one
   * almost none, and neither is charged for the other's work. */
  assert_true(a.st.cpu_s > 0.1);
  assert_true(a.st.cpu_s <= a.st.busy_s * 1.05 + 0.01);
  assert_true(b.st.cpu_s < 0.5 * a.st.cpu_s);
}

static void test_counters_and_links(void **state) {
  (void)state;
  pl_prof *p = pl_prof_new("demux", false);
  for (int i = 0; i < 10; i++)
    pl_prof_in(p, 100);
  for (int i = 0; i < 4; i++)
    pl_prof_out(p, 1000, 1024);
  pl_prof_skip(p);
  pl_prof_pts(p, 12.5);
  int lv = pl_prof_add_link(p, "decode:v");
  int la = pl_prof_add_link(p, "decode:a");
  assert_int_equal(lv, 0);
  assert_int_equal(la, 1);
  for (int i = 2; i < PL_PROF_LINKS_MAX; i++)
    assert_int_equal(pl_prof_add_link(p, "x"), i);
  assert_int_equal(pl_prof_add_link(p, "one too many"), -1);
  pl_prof_link_depth(p, lv, 8, 8);
  sleep_ms(30);
  pl_prof_link_depth(p, lv, 2, 8);
  sleep_ms(30);
  pl_prof_link_depth(p, lv, 5, 8);
  pl_prof_link_depth(p, 99, 1, 1); /* ignored */
  pl_prof_depth(p, 3, 4);

  pl_report *r = pl_prof_report_raw(p, pl_now());
  assert_non_null(r);
  assert_string_equal(r->st.name, "demux");
  assert_int_equal(r->role, PL_ROLE_START);
  assert_int_equal(r->st.items_in, 10);
  assert_int_equal(r->st.bytes_in, 1000);
  assert_int_equal(r->st.items_out, 4);
  assert_int_equal(r->st.bytes_out, 4000);
  assert_int_equal(r->st.samples_out, 4096);
  assert_int_equal(r->st.errors_skipped, 1);
  assert_true(r->st.last_pts_s == 12.5);
  assert_int_equal(r->nlinks, PL_PROF_LINKS_MAX);
  const pl_link_fig *f = &r->links[lv];
  assert_string_equal(f->to, "decode:v");
  assert_int_equal(f->min, 2);
  assert_int_equal(f->max, 8);
  assert_int_equal(f->depth, 5);
  assert_int_equal(f->capacity, 8);
  /* Time-weighted: 8 then 2 for about as long; strictly inside (2, 8). */
  assert_true(f->mean > 2.0 && f->mean < 8.0);
  assert_true(f->full_s >= 0.029 && f->full_s < f->span_s);
  assert_int_equal(r->st.in_depth, 3);
  assert_int_equal(r->st.in_capacity, 4);
  assert_int_equal(r->links[la].capacity, 0); /* never sampled */
  pl_report_free(r);
  pl_prof_free(p);
}

/* A stage that says "starved" while its output link is full is blocked. */
static void test_full_output_is_blocked(void **state) {
  (void)state;
  pl_prof *p = pl_prof_new("decode:v", false);
  int l = pl_prof_add_link(p, "convert:v");
  pl_prof_link_depth(p, l, 4, 4);
  pl_prof_starved(p);
  sleep_ms(20);
  pl_prof_busy(p);
  pl_prof_link_depth(p, l, 3, 4);
  pl_prof_starved(p);
  sleep_ms(20);
  iso_stage_stats s;
  pl_prof_snapshot(p, &s);
  assert_true(s.blocked_s >= 0.019);
  assert_true(s.starved_s >= 0.019);
  assert_true(s.blocked_s < s.wall_s && s.starved_s < s.wall_s);
  pl_prof_free(p);
}

static void test_roles(void **state) {
  (void)state;
  const char *names[] = {"demux", "decode:v", "mux", "encode:a"};
  int roles[] = {PL_ROLE_START, PL_ROLE_STEP, PL_ROLE_END, PL_ROLE_STEP};
  for (int i = 0; i < 4; i++) {
    pl_prof *p = pl_prof_new(names[i], true);
    pl_report *r = pl_prof_report_raw(p, pl_now());
    assert_int_equal(r->role, roles[i]);
    pl_report_free(r);
    pl_prof_free(p);
  }
}

static void test_slices_bounded_and_moved(void **state) {
  (void)state;
  pl_prof *off = pl_prof_new("convert:v", false);
  pl_prof_slice(off, "scale", 1, 2, 0);
  pl_report *r0 = pl_prof_report_raw(off, pl_now());
  assert_int_equal(r0->nslices, 0); /* tracing off records nothing */
  assert_null(r0->slices);
  pl_report_free(r0);
  pl_prof_free(off);

  pl_prof *p = pl_prof_new("convert:v", true);
  uint64_t now = pl_now();
  pl_report *first = pl_prof_report_raw(p, now);
  pl_report_free(first);
  assert_false(pl_prof_due(p, now + 1000));
  for (int i = 0; i < PL_PROF_SLICES_MAX / 4 * 3; i++)
    pl_prof_slice(p, "scale", 10, 20, i + 1);
  assert_true(pl_prof_due(p, now + 1000)); /* buffer 3/4 full */
  for (int i = 0; i < PL_PROF_SLICES_MAX; i++)
    pl_prof_slice(p, "scale", 30, 25, 0);
  pl_report *r = pl_prof_report_raw(p, now + 2000);
  assert_int_equal(r->nslices, PL_PROF_SLICES_MAX);
  assert_int_equal(r->slices_dropped, PL_PROF_SLICES_MAX / 4 * 3);
  assert_int_equal(r->slices[0].flow, 1);
  assert_string_equal(r->slices[0].name, "scale");
  assert_int_equal(r->slices[PL_PROF_SLICES_MAX - 1].t1, 30); /* t1 < t0 clamped */
  /* The buffer moved: the stage records into a fresh one. */
  pl_prof_slice(p, "scale", 40, 50, 7);
  pl_report *r2 = pl_prof_report_raw(p, now + 3000);
  assert_int_equal(r2->nslices, 1);
  assert_int_equal(r2->slices_dropped, 0);
  assert_ptr_not_equal(r2->slices, r->slices);
  assert_true(pl_prof_due(p, now + 3000 + PL_PROF_PERIOD_NS));
  assert_false(pl_prof_due(p, now + 3000 + PL_PROF_PERIOD_NS / 2));
  pl_prof_done(p);
  assert_true(pl_prof_due(p, now + 3001));
  pl_report_free(r);
  pl_report_free(r2);
  pl_prof_free(p);
}

/* Without explicit slices, every busy unit becomes one, tagged by flow. */
static void test_auto_slices(void **state) {
  (void)state;
  pl_prof *p = pl_prof_new("decode:v", true);
  pl_prof_starved(p); /* the setup unit: untagged, kept only if >= 20 us */
  pl_report *r0 = pl_prof_report_raw(p, pl_now());
  pl_report_free(r0);
  for (int i = 0; i < 3; i++) {
    pl_prof_busy(p);
    pl_prof_flow(p, 100 + (uint64_t)i);
    sleep_ms(1);
    pl_prof_busy(p); /* a second handler in a row: a new unit */
    pl_prof_flow(p, 200 + (uint64_t)i);
    pl_prof_flow(p, 0); /* ignored */
    pl_prof_blocked(p);
    sleep_ms(1);
  }
  pl_report *r = pl_prof_report_raw(p, pl_now());
  assert_int_equal(r->nslices, 6);
  for (int i = 0; i < 6; i++) {
    assert_string_equal(r->slices[i].name, "decode");
    assert_int_equal(r->slices[i].flow, (i % 2 ? 200 : 100) + (uint64_t)(i / 2));
    assert_true(r->slices[i].t1 >= r->slices[i].t0);
    if (i) assert_true(r->slices[i].t0 >= r->slices[i - 1].t1);
  }
  assert_true(r->slices[0].t1 - r->slices[0].t0 >= 1000000);
  pl_report_free(r);
  /* An explicit slice turns the automatic ones off. */
  pl_prof_busy(p);
  pl_prof_flow(p, 7);
  pl_prof_slice(p, "scale", 1, 2, 7);
  pl_prof_starved(p);
  r = pl_prof_report_raw(p, pl_now());
  assert_int_equal(r->nslices, 1);
  assert_string_equal(r->slices[0].name, "scale");
  pl_report_free(r);
  pl_prof_free(p);
  /* Stamps tag the unit they are made or looked up in. */
  p = pl_prof_new("demux", true);
  pl_prof_busy(p);
  pl_stamp st = pl_prof_stamp_new(p, 1);
  pl_prof_starved(p);
  pl_prof_busy(p);
  pl_prof_stamp_push(p, 5, (pl_stamp){55, 1});
  pl_prof_blocked(p);
  pl_prof_busy(p);
  assert_int_equal(pl_prof_stamp_pop(p, 5).flow, 55);
  pl_prof_done(p);
  r = pl_prof_report_raw(p, pl_now());
  assert_true(r->nslices >= 3);
  assert_int_equal(r->slices[r->nslices - 3].flow, st.flow);
  assert_int_equal(r->slices[r->nslices - 2].flow, 55);
  assert_int_equal(r->slices[r->nslices - 1].flow, 55);
  pl_report_free(r);
  pl_prof_free(p);
  const char *names[][2] = {{"demux", "read"},
                            {"mux", "write"},
                            {"encode:a", "encode"},
                            {"convert:v", "convert"},
                            {"other", "work"}};
  for (int k = 0; k < 5; k++) {
    p = pl_prof_new(names[k][0], true);
    pl_prof_flow(p, 1);
    pl_prof_done(p);
    r = pl_prof_report_raw(p, pl_now());
    assert_int_equal(r->nslices, 1);
    assert_string_equal(r->slices[0].name, names[k][1]);
    pl_report_free(r);
    pl_prof_free(p);
  }
}

static void test_stamps(void **state) {
  (void)state;
  pl_prof *d = pl_prof_new("demux", false);
  pl_stamp v1 = pl_prof_stamp_new(d, 0), v2 = pl_prof_stamp_new(d, 0);
  pl_stamp a1 = pl_prof_stamp_new(d, 1);
  assert_true(v1.flow != v2.flow && v1.flow != a1.flow && v1.flow != 0 && a1.flow != 0);
  assert_int_equal(v2.flow - v1.flow, 1); /* low bits count packets */
  assert_true(v1.t_ns > 0 && v2.t_ns >= v1.t_ns);
  pl_prof_free(d);

  /* Decoder with B-frames: packets in dts order, frames out in pts order. */
  pl_prof *p = pl_prof_new("decode:v", false);
  int64_t in_pts[] = {0, 3, 1, 2, 6, 4, 5};
  for (int i = 0; i < 7; i++)
    pl_prof_stamp_push(p, in_pts[i], (pl_stamp){100 + (uint64_t)in_pts[i], 1});
  for (int64_t pts = 0; pts < 7; pts++)
    assert_int_equal(pl_prof_stamp_pop(p, pts).flow, 100 + pts);
  pl_prof_free(p);

  /* Audio re-chunking 1024 -> 960: an output takes the stamp of the input
   * frame its first sample came from. */
  p = pl_prof_new("convert:a", false);
  for (int i = 0; i < 4; i++)
    pl_prof_stamp_push(p, i * 1024, (pl_stamp){10 + (uint64_t)i, 1});
  int want[] = {10, 10, 11, 12};
  for (int k = 0; k < 4; k++)
    assert_int_equal(pl_prof_stamp_pop(p, k * 960).flow, want[k]);
  assert_int_equal(pl_prof_stamp_pop(p, -5).flow, 0); /* older than anything */
  /* Unknown pts: first in, first out. */
  pl_prof_stamp_push(p, INT64_MIN, (pl_stamp){77, 1});
  pl_prof_free(p);
  p = pl_prof_new("decode:a", false);
  pl_prof_stamp_push(p, 5, (pl_stamp){1, 1});
  pl_prof_stamp_push(p, 6, (pl_stamp){2, 1});
  assert_int_equal(pl_prof_stamp_pop(p, INT64_MIN).flow, 1);
  /* The ring forgets the oldest when it overflows instead of growing. */
  for (int i = 0; i < 1000; i++)
    pl_prof_stamp_push(p, 100 + i, (pl_stamp){(uint64_t)i + 1000, 1});
  assert_int_equal(pl_prof_stamp_pop(p, 150).flow, 0);
  assert_int_equal(pl_prof_stamp_pop(p, 1099).flow, 1999);
  pl_prof_free(p);
}

static void test_latency_moves_to_report(void **state) {
  (void)state;
  pl_prof *p = pl_prof_new("mux", false);
  pl_prof_latency(p, 0, 5000000);       /* unknown stamp: ignored */
  pl_prof_latency(p, 9000000, 5000000); /* clock going back: ignored */
  for (int i = 1; i <= 100; i++)
    pl_prof_latency(p, 1000000, 1000000 + (uint64_t)i * 1000000);
  pl_report *r = pl_prof_report_raw(p, pl_now());
  assert_non_null(r->lat);
  assert_int_equal(r->lat->count, 100);
  assert_int_equal(pl_hist_quantile(r->lat, 1), 100000); /* us */
  pl_report *r2 = pl_prof_report_raw(p, pl_now());
  assert_null(r2->lat); /* only samples since the last report travel */
  pl_report_free(r);
  pl_report_free(r2);
  pl_prof_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fractions_add_up),
      cmocka_unit_test(test_counters_and_links),
      cmocka_unit_test(test_full_output_is_blocked),
      cmocka_unit_test(test_roles),
      cmocka_unit_test(test_slices_bounded_and_moved),
      cmocka_unit_test(test_auto_slices),
      cmocka_unit_test(test_stamps),
      cmocka_unit_test(test_latency_moves_to_report),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
