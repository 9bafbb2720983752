/* The bottleneck verdict and the end-of-run table on constructed stage figures whose answer is
 * known. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "prof_fixture.h"
#include "profiling/prof.h"

/* busy/starved/blocked as fractions of a 10 s stage life. */
static iso_stage_stats st(const char *name, double busy, double starved, double blocked,
                          double in_mean, unsigned cap) {
  iso_stage_stats s;
  memset(&s, 0, sizeof s);
  snprintf(s.name, sizeof s.name, "%s", name);
  tf_place_stats(&s);
  s.wall_s = 10;
  s.busy_s = 10 * busy;
  s.starved_s = 10 * starved;
  s.blocked_s = 10 * blocked;
  s.cpu_s = 10 * busy;
  s.items_out = 300;
  s.in_capacity = cap;
  s.in_depth_mean = in_mean;
  s.in_depth_max = cap;
  return s;
}

static void test_slow_encoder(void **state) {
  (void)state;
  /* x264 veryslow at 1080p: everything upstream waits on the encoder. */
  iso_stage_stats s[] = {
      st("demux", 0.02, 0, 0.98, 0, 0),          st("decode:v", 0.10, 0.02, 0.88, 7.8, 8),
      st("convert:v", 0.05, 0.03, 0.92, 3.9, 4), st("encode:v", 0.97, 0.03, 0, 3.8, 4),
      st("decode:a", 0.01, 0.20, 0.79, 7.9, 8),  st("convert:a", 0.01, 0.30, 0.69, 3.5, 4),
      st("encode:a", 0.03, 0.40, 0.57, 3.6, 4),  st("mux", 0.02, 0.96, 0.02, 0.4, 4),
  };
  pl_verdict v;
  int i = pl_verdict_pick(s, 8, &v);
  assert_int_equal(i, 3);
  assert_string_equal(v.name, "encode:v");
  assert_non_null(strstr(v.line, "encode:v is the bottleneck: 97 % busy"));
  assert_non_null(strstr(v.hint, "-preset"));
  assert_non_null(strstr(v.reason, "mux starved 96 %"));
}

static void test_costly_decode(void **state) {
  (void)state;
  /* 4K input scaled small into mpeg4: the decoder is the wall. */
  iso_stage_stats s[] = {
      st("demux", 0.03, 0, 0.97, 0, 0),          st("decode:v", 0.93, 0.05, 0.02, 7.6, 8),
      st("convert:v", 0.35, 0.64, 0.01, 0.3, 4), st("encode:v", 0.12, 0.88, 0, 0.1, 4),
      st("mux", 0.01, 0.99, 0, 0.1, 4),
  };
  pl_verdict v;
  assert_int_equal(pl_verdict_pick(s, 5, &v), 1);
  assert_string_equal(v.name, "decode:v");
  assert_non_null(strstr(v.hint, "-threads"));
  assert_non_null(strstr(v.reason, "starved"));
}

static void test_audio_only(void **state) {
  (void)state;
  iso_stage_stats s[] = {
      st("demux", 0.05, 0, 0.95, 0, 0),          st("decode:a", 0.10, 0.05, 0.85, 7.9, 8),
      st("convert:a", 0.08, 0.10, 0.82, 3.8, 4), st("encode:a", 0.90, 0.10, 0, 3.7, 4),
      st("mux", 0.02, 0.98, 0, 0.2, 4),
  };
  pl_verdict v;
  assert_int_equal(pl_verdict_pick(s, 5, &v), 3);
  assert_string_equal(v.name, "encode:a");
  assert_non_null(strstr(v.hint, "one thread")); /* no -preset for audio */
}

/* Two stages about equally busy: the one with the full input and the
 * starving consumers wins. */
static void test_tie_break_by_queues(void **state) {
  (void)state;
  iso_stage_stats s[] = {
      st("demux", 0.05, 0, 0.95, 0, 0),          st("decode:v", 0.80, 0.15, 0.05, 1.0, 8),
      st("convert:v", 0.82, 0.01, 0.17, 4.0, 4), st("encode:v", 0.30, 0.70, 0, 0.2, 4),
      st("mux", 0.02, 0.98, 0, 0.2, 4),
  };
  pl_verdict v;
  assert_int_equal(pl_verdict_pick(s, 5, &v), 2);
  assert_string_equal(v.name, "convert:v");
}

/* A decoder that raced through a short input and ended was busy for its
 * short life, not for the run: the encoder that took the rest is it. */
static void test_short_lived_stage(void **state) {
  (void)state;
  iso_stage_stats s[] = {
      st("demux", 0.30, 0, 0.70, 0, 0),          st("decode:v", 0.99, 0.01, 0, 7.6, 8),
      st("convert:v", 0.01, 0.25, 0.74, 1.1, 4), st("encode:v", 0.97, 0.03, 0, 3.9, 4),
      st("mux", 0.01, 0.99, 0, 0.5, 16),
  };
  s[0].wall_s = s[1].wall_s = 0.1; /* both ended after 0.1 s of a 10 s run */
  s[0].busy_s = 0.03;
  s[1].busy_s = 0.099;
  pl_verdict v;
  assert_int_equal(pl_verdict_pick(s, 5, &v), 3);
  assert_string_equal(v.name, "encode:v");
}

static void test_nothing_saturated_and_empty(void **state) {
  (void)state;
  iso_stage_stats s[] = {st("demux", 0.20, 0, 0.80, 0, 0), st("mux", 0.05, 0.95, 0, 0.1, 4)};
  pl_verdict v;
  assert_int_equal(pl_verdict_pick(s, 2, &v), 0);
  assert_non_null(strstr(v.reason, "no stage is saturated"));
  assert_int_equal(pl_verdict_pick(s, 0, &v), -1);
  assert_true(strlen(v.line) > 0);
  /* A run that failed at once: figures but nothing moved. */
  s[0].items_out = s[1].items_out = 0;
  assert_int_equal(pl_verdict_pick(s, 2, &v), -1);
  assert_non_null(strstr(v.line, "no verdict"));
}

static void test_table(void **state) {
  (void)state;
  iso_progress prog;
  memset(&prog, 0, sizeof prog);
  prog.nstages = 3;
  prog.stages[0] = st("demux", 0.02, 0, 0.98, 0, 0);
  prog.stages[1] = st("encode:v", 0.97, 0.03, 0, 3.8, 4);
  prog.stages[2] = st("mux", 0.02, 0.96, 0.02, 0.4, 4);
  char buf[4096];
  size_t need = pl_stats_table(&prog, buf, sizeof buf);
  assert_int_equal(need, strlen(buf));
  assert_non_null(strstr(buf, "busy %"));
  assert_non_null(strstr(buf, "starved %"));
  assert_non_null(strstr(buf, "blocked %"));
  assert_non_null(strstr(buf, "CPU s"));
  /* encode:v row: 30 fps over 10 s, 97 % busy, queue 3.8 of 4. */
  const char *row = strstr(buf, "encode:v");
  assert_non_null(row);
  double fps, busy, starved, blocked, cpu;
  assert_int_equal(
      sscanf(row, "encode:v %lf %lf %lf %lf %lf", &fps, &busy, &starved, &blocked, &cpu), 5);
  assert_true(fps == 30.0 && busy == 97.0 && starved == 3.0 && blocked == 0.0);
  assert_non_null(strstr(row, "3.8/4"));
  assert_non_null(strstr(buf, "verdict: encode:v is the bottleneck"));
  assert_null(strstr(buf, "latency")); /* none measured: no line */
  prog.latency_p50_ms = 40;
  prog.latency_p99_ms = 88.24;
  prog.latency_max_ms = 120;
  need = pl_stats_table(&prog, buf, sizeof buf);
  assert_non_null(strstr(buf, "frame latency demux->mux: p50 40.0 ms, p99 88.2 ms, max 120.0 ms"));
  /* Truncation keeps a terminated string and still reports the length. */
  char small[16];
  assert_int_equal(pl_stats_table(&prog, small, sizeof small), need);
  assert_true(strlen(small) < sizeof small);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_slow_encoder),
      cmocka_unit_test(test_costly_decode),
      cmocka_unit_test(test_audio_only),
      cmocka_unit_test(test_tie_break_by_queues),
      cmocka_unit_test(test_short_lived_stage),
      cmocka_unit_test(test_nothing_saturated_and_empty),
      cmocka_unit_test(test_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
