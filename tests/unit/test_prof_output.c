/* The profiling outputs: JSON writer, --stats document keys, Chrome trace (plain and gzip) and its
 * size bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "json_mini.h"
#include "prof_fixture.h"
#include "profiling/prof_internal.h"

/* Cross-check with Python's parser when the machine has one. */
static void python_check(const char *file, bool gz) {
  if (system("command -v python3 >/dev/null 2>&1") != 0) return;
  char cmd[512];
  if (gz)
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import gzip,json,sys; json.load(gzip.open(sys.argv[1]))' %s", file);
  else
    snprintf(cmd, sizeof cmd, "python3 -m json.tool %s >/dev/null", file);
  assert_int_equal(system(cmd), 0);
}

static void tmpname(char *buf, size_t n, const char *suffix) {
  snprintf(buf, n, "/tmp/isopipe_prof_%d_%s", (int)getpid(), suffix);
}

/* ---- tests ------------------------------------------------------------- */

static void test_json_writer(void **state) {
  (void)state;
  char *mem = NULL;
  size_t memlen = 0;
  FILE *f = open_memstream(&mem, &memlen);
  pl_json j;
  pl_json_init_file(&j, f, true);
  pl_json_obj(&j);
  pl_json_kstr(&j, "quote\"back\\slash", "tab\tnl\nctl\x01 utf8 \xc3\xa9");
  pl_json_kstr(&j, "latin1", "caf\xe9 \xff\xc3");
  pl_json_knum(&j, "nan", 0.0 / 0.0);
  pl_json_knum(&j, "pi", 3.25);
  pl_json_kuint(&j, "big", UINT64_C(1) << 52);
  pl_json_kint(&j, "neg", -42);
  pl_json_key(&j, "empty_obj");
  pl_json_obj(&j);
  pl_json_obj_end(&j);
  pl_json_key(&j, "list");
  pl_json_arr(&j);
  pl_json_bool(&j, true);
  pl_json_null(&j);
  pl_json_str(&j, NULL);
  pl_json_arr(&j);
  pl_json_arr_end(&j);
  pl_json_fixed(&j, 1.5, 3);
  pl_json_arr_end(&j);
  pl_json_obj_end(&j);
  pl_json_flush(&j);
  assert_int_equal(j.err, 0);
  fclose(f);
  jv *v = jm_parse(mem, memlen);
  assert_non_null(v);
  jv *s = jm_get(v, "quote\"back\\slash");
  assert_non_null(s);
  assert_string_equal(s->s, "tab\tnl\nctl\x01 utf8 \xc3\xa9");
  /* Broken UTF-8 becomes U+FFFD (the parser maps it to '?'). */
  assert_string_equal(jm_get(v, "latin1")->s, "caf? ??");
  assert_int_equal(jm_get(v, "nan")->t, 'z');
  assert_true(jm_get(v, "pi")->n == 3.25);
  assert_true(jm_get(v, "big")->n == (double)(UINT64_C(1) << 52));
  assert_true(jm_get(v, "neg")->n == -42);
  assert_int_equal(jm_get(v, "empty_obj")->len, 0);
  jv *l = jm_get(v, "list");
  assert_int_equal(l->len, 5);
  assert_int_equal(l->kid[0]->t, 'b');
  assert_int_equal(l->kid[1]->t, 'z');
  assert_int_equal(l->kid[2]->t, 'z');
  assert_int_equal(l->kid[3]->t, 'a');
  assert_true(l->kid[4]->n == 1.5);
  jm_free(v);
  /* The parser rejects what it should (a test must be able to fail). */
  const char *bad[] = {"{\"a\":1,}", "[1 2]", "{\"a\" 1}", "01", "\"\x01\"", "[1]x", "nul"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    assert_null(jm_parse(bad[i], strlen(bad[i])));
  free(mem);
}

/* Feeds one stage's life into s: slices per frame, link depth, latency. */
static void fake_stage(pl_stats *s, const char *name, const char *to, int frames, uint64_t t0,
                       uint64_t flow_base) {
  tf_declare(s, name);
  pl_prof *p = pl_prof_new(name, true);
  int li = to ? pl_prof_add_link(p, to) : -1;
  for (int i = 0; i < frames; i++) {
    uint64_t a = t0 + (uint64_t)i * 1000000, b = a + 400000;
    pl_prof_busy(p);
    pl_prof_in(p, 1000);
    pl_prof_slice(p, "work", a, b, flow_base + (uint64_t)i + 1);
    pl_prof_out(p, 2000, 0);
    if (li >= 0) pl_prof_link_depth(p, li, (uint32_t)(i % 5), 4);
    if (!to) pl_prof_latency(p, a - 5000000, b);
    pl_prof_starved(p);
    if (pl_prof_due(p, pl_now())) pl_stats_take_report(s, pl_prof_report_raw(p, pl_now()));
  }
  pl_prof_done(p);
  pl_stats_take_report(s, pl_prof_report_raw(p, pl_now()));
  pl_prof_free(p);
}

static const char *const chain[][2] = {{"demux", "decode:v"},
                                       {"decode:v", "encode:v"},
                                       {"encode:v", "mux"},
                                       {"mux", NULL},
                                       {"encode:a", "mux"}};

static void run_small(pl_stats *s) {
  uint64_t t0 = pl_now();
  for (int k = 0; k < 5; k++)
    fake_stage(s, chain[k][0], chain[k][1], 50, t0, k == 4 ? 1000 : 0);
  for (int t = 0; t < 12; t++)
    pl_stats_tick(s, pl_now(), 100000u * (unsigned)t, 1);
  pl_stats_end(s, pl_now());
}

static void test_stats_document(void **state) {
  (void)state;
  char file[128];
  tmpname(file, sizeof file, "stats.json");
  pl_stats *s = pl_stats_new();
  run_small(s);
  iso_progress prog;
  memset(&prog, 0, sizeof prog);
  pl_stats_fill(s, &prog);
  prog.finished = 1;
  assert_int_equal(prog.nstages, 5);
  /* Display order, not arrival order. */
  assert_string_equal(prog.stages[0].name, "demux");
  assert_string_equal(prog.stages[3].name, "encode:a");
  assert_string_equal(prog.stages[4].name, "mux");
  assert_int_equal(prog.stages[1].in_capacity, 4); /* from the sender's link */
  assert_int_equal(prog.stages[4].in_capacity, 8); /* two links in: summed */
  assert_int_equal(prog.stages[4].in_depth_max, 8);
  assert_true(prog.latency_p50_ms > 5 && prog.latency_p50_ms < 5.5);
  assert_int_equal(prog.ticks, 12);
  assert_true(prog.tick_late_max_us == 1100);
  pl_run_info info = {"in.mkv", "out.mp4", ISO_OK, NULL, NULL, 0};
  assert_int_equal(pl_stats_write_json(s, file, &prog, &info), ISO_OK);
  jv *v = jm_parse_file(file);
  assert_non_null(v);
  const char *keys[] = {"schema",
                        "isopipe_version",
                        "ffmpeg.version",
                        "ffmpeg.libavcodec",
                        "ffmpeg.libavformat",
                        "input",
                        "output",
                        "status",
                        "wall_s",
                        "cpu_s",
                        "cpu_stages_s",
                        "totals.frames",
                        "totals.out_bytes",
                        "totals.bytes_copied",
                        "totals.transfers",
                        "tick.ticks",
                        "tick.missed",
                        "tick.late_p50_us",
                        "tick.late_p99_us",
                        "tick.late_max_us",
                        "latency_ms.p50",
                        "latency_ms.p99",
                        "latency_ms.max",
                        "stages",
                        "links",
                        "verdict.stage",
                        "verdict.line",
                        "trace"};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
    if (!jm_path(v, keys[i])) fail_msg("stats document lacks %s", keys[i]);
  assert_string_equal(jm_path(v, "schema")->s, "isopipe-stats/1");
  assert_string_equal(jm_path(v, "isopipe_version")->s, ISO_VERSION_STRING);
  assert_true(jm_path(v, "tick.late_max_us")->n == 1100);
  jv *stages = jm_get(v, "stages");
  assert_int_equal(stages->len, 5);
  /* Each stage's place in the graph, as declared (demux shared, encode:a of output 0). */
  assert_string_equal(jm_get(stages->kid[0], "kind")->s, "input");
  assert_true(jm_get(stages->kid[0], "output")->n == -1);
  assert_string_equal(jm_get(stages->kid[3], "kind")->s, "encode");
  assert_string_equal(jm_get(stages->kid[3], "media")->s, "a");
  assert_true(jm_get(stages->kid[3], "output")->n == 0);
  const char *skeys[] = {"name",      "items_in",  "items_out", "bytes_in", "bytes_out",
                         "busy_s",    "starved_s", "blocked_s", "busy",     "starved",
                         "blocked",   "cpu_s",     "fps",       "in_depth", "bytes_copied",
                         "transfers", "done"};
  for (int i = 0; i < stages->len; i++) {
    for (size_t k = 0; k < sizeof skeys / sizeof *skeys; k++)
      if (!jm_get(stages->kid[i], skeys[k])) fail_msg("stage %d lacks %s", i, skeys[k]);
    double sum = jm_get(stages->kid[i], "busy")->n + jm_get(stages->kid[i], "starved")->n +
                 jm_get(stages->kid[i], "blocked")->n;
    assert_true(sum > 0.99 && sum < 1.01);
    assert_true(jm_get(stages->kid[i], "items_out")->n == 50);
  }
  assert_int_equal(jm_get(stages->kid[1], "in_depth")->t, 'o');
  assert_true(jm_path(jm_get(stages->kid[1], "in_depth"), "capacity")->n == 4);
  jv *links = jm_get(v, "links");
  assert_int_equal(links->len, 4);
  assert_string_equal(jm_get(links->kid[0], "name")->s, "demux->decode:v");
  assert_string_equal(jm_get(links->kid[3], "name")->s, "encode:a->mux"); /* pipeline order */
  assert_true(jm_get(links->kid[0], "max")->n == 4);
  assert_int_equal(jm_get(links->kid[0], "series")->t, 'a');
  assert_true(jm_get(links->kid[0], "series")->len >= 1);
  assert_int_equal(jm_get(links->kid[0], "series")->kid[0]->len, 4);
  jm_free(v);
  python_check(file, false);
  unlink(file);
  pl_stats_free(s);
  /* An unwritable path is an error, not a crash. */
  assert_int_equal(pl_stats_write_json(NULL, "/nonexistent-dir/x.json", &prog, &info), ISO_EINVAL);
}

typedef struct counts {
  int M, X, X_work, C, s, t, f, f_bp_e, threads, depth_counters, lateness;
} counts;

static counts count_events(const jv *doc) {
  counts c = {0};
  jv *ev = jm_get(doc, "traceEvents");
  assert_non_null(ev);
  for (int i = 0; i < ev->len; i++) {
    jv *e = ev->kid[i];
    jv *ph = jm_get(e, "ph");
    assert_non_null(ph);
    assert_non_null(jm_get(e, "pid"));
    switch (ph->s[0]) {
    case 'M':
      c.M++;
      if (!strcmp(jm_get(e, "name")->s, "thread_name")) c.threads++;
      break;
    case 'X':
      c.X++;
      if (!strcmp(jm_get(e, "name")->s, "work")) c.X_work++;
      assert_non_null(jm_get(e, "ts"));
      assert_non_null(jm_get(e, "dur"));
      assert_non_null(jm_get(e, "tid"));
      break;
    case 'C':
      c.C++;
      if (!strncmp(jm_get(e, "name")->s, "depth ", 6)) c.depth_counters++;
      if (!strcmp(jm_get(e, "name")->s, "tick lateness")) c.lateness++;
      break;
    case 's':
      c.s++;
      break;
    case 't':
      c.t++;
      break;
    case 'f':
      c.f++;
      if (jm_get(e, "bp") && !strcmp(jm_get(e, "bp")->s, "e")) c.f_bp_e++;
      break;
    default:
      break;
    }
    if (strchr("stf", ph->s[0])) {
      assert_non_null(jm_get(e, "id"));
      assert_string_equal(jm_get(e, "cat")->s, "flow");
    }
  }
  return c;
}

static void check_trace(const char *file) {
  jv *v = jm_parse_file(file);
  assert_non_null(v);
  counts c = count_events(v);
  assert_int_equal(c.threads, 6); /* main + 5 stages */
  /* 50 "work" slices per stage. The time from pl_prof_new to the first
   * pl_prof_busy is the stage's setup: when it lasts 20 us or more (a slow
   * or sanitized build, a preempted thread) it is an automatic slice of its
   * own, at most one per stage. */
  assert_int_equal(c.X_work, 250);
  assert_true(c.X >= 250 && c.X <= 255);
  assert_int_equal(c.s, 50);
  assert_int_equal(c.t, 150);
  assert_int_equal(c.f, 50);
  assert_int_equal(c.f_bp_e, 50);
  assert_true(c.depth_counters >= 1);
  assert_true(c.lateness >= 1);
  assert_string_equal(jm_path(v, "displayTimeUnit")->s, "ms");
  assert_non_null(jm_path(v, "otherData.budget"));
  jm_free(v);
}

static void test_trace_gz_roundtrip(void **state) {
  (void)state;
  char gzfile[128], plain[128];
  tmpname(gzfile, sizeof gzfile, "trace.json.gz");
  tmpname(plain, sizeof plain, "trace.json");
  for (int k = 0; k < 2; k++) {
    const char *file = k ? plain : gzfile;
    pl_stats *s = pl_stats_new();
    assert_int_equal(pl_stats_trace_open(s, file), ISO_OK);
    run_small(s);
    assert_int_equal(s->trace_status, ISO_OK);
    pl_stats_free(s);
    /* gzip magic for .gz, a '{' otherwise. */
    FILE *f = fopen(file, "rb");
    unsigned char magic[2] = {0};
    assert_int_equal(fread(magic, 1, 2, f), 2);
    fclose(f);
    if (!k)
      assert_true(magic[0] == 0x1f && magic[1] == 0x8b);
    else
      assert_int_equal(magic[0], '{');
    check_trace(file);
    python_check(file, !k);
    unlink(file);
  }
  pl_stats *s = pl_stats_new();
  assert_int_equal(pl_stats_trace_open(s, "/nonexistent-dir/t.json.gz"), ISO_EINVAL);
  pl_stats_free(s);
}

/* Hours of frames against a small budget: the file stays under twice the
 * budget and still covers the end of the run. */
static void test_trace_size_bound(void **state) {
  (void)state;
  const uint64_t budget = 5000;
  char file[128];
  tmpname(file, sizeof file, "long.json.gz");
  pl_stats *s = pl_stats_new();
  pl_stats_trace_budget(s, budget);
  assert_int_equal(pl_stats_trace_open(s, file), ISO_OK);
  pl_prof *p[4];
  int link[4];
  for (int k = 0; k < 4; k++) {
    p[k] = pl_prof_new(chain[k][0], true);
    link[k] = chain[k][1] ? pl_prof_add_link(p[k], chain[k][1]) : -1;
  }
  uint64_t t0 = pl_now(), frame = 0, tick = 0, last_t = 0;
  for (int batch = 0; batch < 400; batch++) {
    for (int k = 0; k < 4; k++) {
      for (int i = 0; i < 100; i++) {
        uint64_t a = t0 + (frame + (uint64_t)i) * 1000000;
        pl_prof_slice(p[k], "work", a, a + 500000, frame + (uint64_t)i + 1);
        last_t = a;
      }
      if (link[k] >= 0) pl_prof_link_depth(p[k], link[k], (uint32_t)(batch % 4), 4);
      pl_stats_take_report(s, pl_prof_report_raw(p[k], pl_now()));
    }
    frame += 100;
    for (int t = 0; t < 6; t++)
      pl_stats_tick(s, t0 + tick++ * 16666666, 1000u * (unsigned)t, 0);
  }
  pl_stats_end(s, pl_now());
  assert_int_equal(s->trace_status, ISO_OK);
  assert_true(s->trace_events <= 2 * budget + 32);
  assert_true(s->trace_dropped > 0);
  for (int k = 0; k < 4; k++)
    pl_prof_free(p[k]);
  pl_stats_free(s);

  jv *v = jm_parse_file(file);
  assert_non_null(v);
  counts c = count_events(v);
  int total = jm_get(v, "traceEvents")->len;
  assert_true((uint64_t)total <= 2 * budget + 32);
  assert_true(c.X > 0 && c.C > 0 && c.s > 0 && c.f > 0);
  /* A slice from the last tenth of the run made it in. */
  jv *ev = jm_get(v, "traceEvents");
  double late = (double)(last_t - t0) / 1000.0 * 0.9, max_ts = 0;
  for (int i = 0; i < ev->len; i++)
    if (!strcmp(jm_get(ev->kid[i], "ph")->s, "X") && jm_get(ev->kid[i], "ts")->n > max_ts)
      max_ts = jm_get(ev->kid[i], "ts")->n;
  assert_true(max_ts >= late);
  assert_true(jm_path(v, "otherData.level")->n >= 2);
  jm_free(v);
  unlink(file);
}

/* Records the thinning can never tell apart still respect the budget. */
static void test_trace_budget_unthinnable(void **state) {
  (void)state;
  char file[128];
  tmpname(file, sizeof file, "same.json");
  pl_trace *t = pl_trace_open(file, 0, 16);
  assert_non_null(t);
  pl_trace_thread(t, 2, "decode:v", 12);
  pl_slice sl[100];
  for (int i = 0; i < 100; i++)
    sl[i] = (pl_slice){"decode", 10, 20, UINT64_C(1) << 63};
  pl_trace_slices(t, 2, PL_ROLE_STEP, sl, 100);
  assert_true(pl_trace_events(t) <= 2 * 16);
  assert_true(pl_trace_dropped(t) >= 84);
  assert_int_equal(pl_trace_close(t, 0), ISO_OK);
  jv *v = jm_parse_file(file);
  assert_non_null(v);
  assert_true(jm_get(v, "traceEvents")->len <= 2 * 16 + 5);
  jm_free(v);
  unlink(file);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json_writer),
      cmocka_unit_test(test_stats_document),
      cmocka_unit_test(test_trace_gz_roundtrip),
      cmocka_unit_test(test_trace_size_bound),
      cmocka_unit_test(test_trace_budget_unthinnable),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
