/* Unit tests of the progress renderers: terminal block, status line, summary, -progress blocks, the
 * log/block writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/isopipe/cli_report.h"
#include "tools/isopipe/cli_status.h"
#include "tools/isopipe/cli_term.h"

static void stage(iso_progress *p, const char *name, uint64_t out, double wall, double busy,
                  uint32_t depth, uint32_t cap) {
  iso_stage_stats *s = &p->stages[p->nstages++];
  memset(s, 0, sizeof *s);
  snprintf(s->name, sizeof s->name, "%s", name);
  s->items_out = out;
  s->wall_s = wall;
  s->busy_s = busy;
  s->in_depth = depth;
  s->in_capacity = cap;
  s->last_pts_s = -1;
}

static void sample(iso_progress *p) {
  memset(p, 0, sizeof *p);
  p->elapsed_s = 4.0;
  p->position_s = 62.5;
  p->duration_s = 125.0;
  p->percent = -1; /* the renderer derives it */
  p->eta_s = -1;
  p->speed = 15.6;
  p->fps = 374.5;
  p->frames = 1500;
  p->out_bytes = 3u * 1024 * 1024;
  p->bitrate_kbps = 402.6;
  p->tick_late_p50_us = 120;
  p->tick_late_p99_us = 850;
  p->tick_late_max_us = 2300;
  p->ticks = 240;
  p->ticks_missed = 1;
  stage(p, "demux", 3000, 4.0, 0.2, 0, 0);
  stage(p, "decode:v", 1500, 4.0, 2.0, 6, 8);
  stage(p, "encode:v", 1500, 4.0, 3.6, 2, 4);
  stage(p, "mux", 3000, 4.0, 0.1, 1, 8);
}

static void test_block(void **state) {
  (void)state;
  iso_progress p;
  sample(&p);
  cli_rates r;
  cli_rates_init(&r);
  cli_rates_update(&r, &p);
  char buf[4096];
  int lines = cli_fmt_block(&p, &r, 100, buf, sizeof buf);
  assert_int_equal(lines, 2 + 4);
  int nl = 0;
  for (char *c = buf; *c; c++)
    nl += *c == '\n';
  assert_int_equal(nl, lines - 1); /* no trailing newline: the cursor stays on the block */
  assert_non_null(strstr(buf, "00:01:02.50 / 00:02:05.00"));
  assert_non_null(strstr(buf, " 50.0%"));
  assert_non_null(strstr(buf, "elapsed 0:04"));
  assert_non_null(strstr(buf, "frame 1500"));
  assert_non_null(strstr(buf, "fps 374.5"));
  assert_non_null(strstr(buf, "speed 15.60x"));
  assert_non_null(strstr(buf, "ETA --:--")); /* not stable yet */
  assert_non_null(strstr(buf, "size 3.0MiB"));
  assert_non_null(strstr(buf, "bitrate 402.6kbit/s"));
  /* decode:v: 1500 items over 4 s, busy 2 of 4 s, input 6 of 8. */
  assert_non_null(strstr(buf, "decode:v"));
  assert_non_null(strstr(buf, "375.0 fps  busy  50%  in [######--] 6/8"));
  assert_non_null(strstr(buf, "encode:v"));
  assert_non_null(strstr(buf, "busy  90%"));
  /* Every line fits in width - 1 columns. */
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
    assert_true(strlen(line) <= 99);

  /* A narrow terminal cuts lines instead of wrapping them. */
  lines = cli_fmt_block(&p, &r, 40, buf, sizeof buf);
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
    assert_true(strlen(line) <= 39);
}

static void test_rates_and_eta(void **state) {
  (void)state;
  iso_progress p;
  sample(&p);
  p.elapsed_s = 0;
  p.position_s = 0;
  cli_rates r;
  cli_rates_init(&r);
  cli_rates_update(&r, &p);
  /* Steady 2x realtime: position grows 1 s per 0.5 s of wall time. */
  for (int i = 1; i <= 10; i++) {
    p.elapsed_s = 0.5 * i;
    p.position_s = 1.0 * i;
    p.stages[1].items_out = 1500 + 30 * (uint64_t)i;
    p.stages[1].wall_s = 4.0 + 0.5 * i;
    p.stages[1].busy_s = 2.0 + 0.25 * i;
    cli_rates_update(&r, &p);
  }
  assert_float_equal(r.speed_ema, 2.0, 1e-6);
  assert_float_equal(r.fps[1], 60.0, 1e-6); /* 30 items per 0.5 s */
  assert_float_equal(r.busy[1], 0.5, 1e-6);
  double eta = cli_eta(&r, &p);
  assert_float_equal(eta, (125.0 - 10.0) / 2.0, 1e-6);
  /* Snapshots closer than the window do not move the rates. */
  p.elapsed_s += 0.1;
  p.stages[1].items_out += 1000;
  cli_rates_update(&r, &p);
  assert_float_equal(r.fps[1], 60.0, 1e-6);
  /* The pipeline's own ETA wins when it has one. */
  p.eta_s = 7.5;
  assert_float_equal(cli_eta(&r, &p), 7.5, 1e-9);
  /* Unknown duration: no percent, no ETA. */
  p.eta_s = -1;
  p.duration_s = 0;
  assert_true(cli_percent(&p) < 0);
  assert_true(cli_eta(&r, &p) < 0);
}

static void test_status_line_and_summary(void **state) {
  (void)state;
  iso_progress p;
  sample(&p);
  cli_rates r;
  cli_rates_init(&r);
  cli_rates_update(&r, &p);
  char buf[1024];
  cli_fmt_status_line(&p, &r, buf, sizeof buf);
  assert_null(strchr(buf, '\n'));
  assert_non_null(strstr(buf, "frame=1500 fps=374.5 time=00:01:02.50/00:02:05.00 (50.0%)"));
  assert_non_null(strstr(buf, "size=3.0MiB bitrate=402.6kbit/s speed=15.60x eta=N/A"));

  cli_fmt_summary(&p, "done", 0, buf, sizeof buf);
  assert_non_null(strstr(buf, "done in 4.0s: 1500 frames, 00:01:02.50 of output, 3.0MiB"));
  assert_null(strstr(buf, "tick"));
  assert_non_null(strstr(buf, "(402.6kbit/s), 375.0 fps, 15.60x"));

  /* Audio only: no frame count. */
  iso_progress a = p;
  a.frames = 0;
  a.nstages = 0;
  stage(&a, "demux", 10, 1, 0, 0, 0);
  stage(&a, "encode:a", 10, 1, 0, 0, 0);
  cli_fmt_summary(&a, "done", 0, buf, sizeof buf);
  assert_null(strstr(buf, "frames"));
  assert_null(strstr(buf, "fps"));
  assert_non_null(strstr(buf, "done in 4.0s: 00:01:02.50 of output"));
  cli_fmt_summary(&p, "done", 1, buf, sizeof buf);
  assert_non_null(
      strstr(buf, "tick lateness p50 0.120 ms, p99 0.850 ms, max 2.300 ms, 1 of 240 ticks missed"));
}

static const char *field(const char *block, const char *key, char *out, size_t n) {
  char pat[64];
  snprintf(pat, sizeof pat, "%s=", key);
  for (const char *line = block; line && *line;) {
    const char *eol = strchr(line, '\n');
    if (strncmp(line, pat, strlen(pat)) == 0) {
      size_t len = (size_t)((eol ? eol : line + strlen(line)) - line) - strlen(pat);
      snprintf(out, n, "%.*s", (int)len, line + strlen(pat));
      return out;
    }
    line = eol ? eol + 1 : NULL;
  }
  return NULL;
}

static void test_progress_block(void **state) {
  (void)state;
  iso_progress p;
  sample(&p);
  char buf[1024], v[64];
  size_t len = cli_fmt_report(&p, 50.0, 57.5, 0, buf, sizeof buf);
  assert_int_equal(len, strlen(buf));
  assert_string_equal(field(buf, "frame", v, sizeof v), "1500");
  assert_string_equal(field(buf, "fps", v, sizeof v), "374.50");
  assert_string_equal(field(buf, "total_size", v, sizeof v), "3145728");
  assert_string_equal(field(buf, "out_time_us", v, sizeof v), "62500000");
  assert_string_equal(field(buf, "out_time", v, sizeof v), "00:01:02.500000");
  assert_string_equal(field(buf, "speed", v, sizeof v), "15.6x");
  assert_string_equal(field(buf, "bitrate", v, sizeof v), "402.6kbits/s");
  assert_string_equal(field(buf, "percent", v, sizeof v), "50.00");
  assert_string_equal(field(buf, "eta_s", v, sizeof v), "57.5");
  assert_string_equal(field(buf, "progress", v, sizeof v), "continue");
  assert_true(buf[len - 1] == '\n');
  /* Every line is key=value. */
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
    assert_non_null(strchr(line, '='));

  p.speed = 0;
  p.position_s = -1;
  cli_fmt_report(&p, -1, -1, 1, buf, sizeof buf);
  assert_string_equal(field(buf, "speed", v, sizeof v), "N/A");
  assert_string_equal(field(buf, "out_time_us", v, sizeof v), "N/A");
  assert_string_equal(field(buf, "percent", v, sizeof v), "N/A");
  assert_string_equal(field(buf, "eta_s", v, sizeof v), "N/A");
  assert_string_equal(field(buf, "progress", v, sizeof v), "end");
}

static void test_report_writer(void **state) {
  (void)state;
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  char url[32], err[128];
  snprintf(url, sizeof url, "pipe:%d", fds[1]);
  cli_report r;
  assert_int_equal(cli_report_open(&r, url, err, sizeof err), 0);
  iso_progress p;
  sample(&p);
  cli_report_write(&r, &p, 50, 1, 0);
  cli_report_write(&r, &p, 100, 0, 1);
  cli_report_write(&r, &p, 100, 0, 1); /* after the end block: nothing */
  cli_report_close(&r);
  close(fds[1]); /* not owned by the report: it was given by number */
  char buf[4096];
  ssize_t n = read(fds[0], buf, sizeof buf - 1);
  close(fds[0]);
  assert_true(n > 0);
  buf[n] = '\0';
  int conts = 0, ends = 0;
  for (char *s = buf; (s = strstr(s, "progress=")); s++) {
    conts += strncmp(s, "progress=continue\n", 18) == 0;
    ends += strncmp(s, "progress=end\n", 13) == 0;
  }
  assert_int_equal(conts, 1);
  assert_int_equal(ends, 1);

  /* A file: truncated, then whole blocks. */
  char path[] = "/tmp/isopipe-progress-XXXXXX";
  int tmp = mkstemp(path);
  assert_true(tmp >= 0);
  assert_int_equal(write(tmp, "stale stale stale stale stale stale\n", 36), 36);
  close(tmp);
  assert_int_equal(cli_report_open(&r, path, err, sizeof err), 0);
  cli_report_write(&r, &p, 100, 0, 1);
  cli_report_close(&r);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  n = (ssize_t)fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  unlink(path);
  buf[n > 0 ? n : 0] = '\0';
  assert_null(strstr(buf, "stale"));
  assert_int_equal(strncmp(buf, "frame=1500\n", 11), 0);
  assert_non_null(strstr(buf, "progress=end\n"));

  assert_int_equal(cli_report_open(&r, "tcp://host:1", err, sizeof err), 2);
  assert_int_equal(cli_report_open(&r, "pipe:x", err, sizeof err), 2);
  assert_int_equal(cli_report_open(&r, "/nonexistent-dir/p.txt", err, sizeof err), 1);
}

/* The writer in tty mode: logs land above the block, the old block is
 * erased first, and everything goes out in one write. */
static void test_term_draw(void **state) {
  (void)state;
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  cli_term t;
  cli_term_init(&t, fds[1], 1);
  t.color = 0;
  cli_term_draw(&t, "line A\nline B\nline C", 3);
  cli_term_log(&t, 32, "decode:v", "hello\n");
  cli_term_log(&t, 24, NULL, "plain");
  cli_term_draw(&t, "line D\nline E", 2);
  cli_term_line(&t, "summary");
  cli_term_free(&t);
  close(fds[1]);
  char buf[4096];
  ssize_t n = read(fds[0], buf, sizeof buf - 1);
  close(fds[0]);
  assert_true(n > 0);
  buf[n] = '\0';
  const char *want = "line A\nline B\nline C"
                     "\r\x1b[2A\x1b[J[decode:v] hello\nplain\nline D\nline E"
                     "\r\x1b[1A\x1b[Jsummary\n";
  assert_string_equal(buf, want);
}

static void test_term_plain(void **state) {
  (void)state;
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  cli_term t;
  cli_term_init(&t, fds[1], 0);
  cli_term_draw(&t, "block never shown", 1);
  cli_term_log(&t, 16, "mux", "disk full");
  cli_term_line(&t, "frame=1");
  cli_term_free(&t);
  close(fds[1]);
  char buf[1024];
  ssize_t n = read(fds[0], buf, sizeof buf - 1);
  close(fds[0]);
  buf[n > 0 ? n : 0] = '\0';
  assert_string_equal(buf, "[mux] disk full\nframe=1\n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_block),
      cmocka_unit_test(test_rates_and_eta),
      cmocka_unit_test(test_status_line_and_summary),
      cmocka_unit_test(test_progress_block),
      cmocka_unit_test(test_report_writer),
      cmocka_unit_test(test_term_draw),
      cmocka_unit_test(test_term_plain),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
