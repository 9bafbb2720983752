/* CLI integration tests on real media: trimming, -progress, terminal and plain progress, signals,
 * inline mode, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"

static char g_dir[512];
static char g_short[700]; /* 320x240 mpeg4 + aac, 6 s */
static char g_long[700];  /* 640x480 mpeg4 + aac, 20 s: long enough to interrupt */

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-run") < 0) return -1;
  if (tm_gen_simple(g_short, sizeof g_short, g_dir, "short.mp4", "mpeg4", "aac", 320, 240, 6.0, 2,
                    48000) < 0)
    return -1;
  if (tm_gen_simple(g_long, sizeof g_long, g_dir, "long.mp4", "mpeg4", "aac", 640, 480, 20.0, 2,
                    48000) < 0)
    return -1;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

static const char *out_path(const char *name) {
  return ch_path(g_dir, name);
}

static double video_duration(const char *path) {
  tm_probe pr;
  int r = tm_probe_file(path, true, &pr);
  if (r < 0) fail_msg("libavformat cannot open %s (%d)", path, r);
  const tm_stream *v = tm_probe_stream(&pr, AVMEDIA_TYPE_VIDEO);
  assert_non_null(v);
  assert_int_equal(pr.decode_errors, 0);
  return v->decoded_duration > 0 ? v->decoded_duration : v->duration;
}

static void test_trim_ss_t(void **state) {
  (void)state;
  struct {
    const char *ss, *t, *to;
    double want;
  } cases[] = {
      {"1", "2", NULL, 2.0},
      {"0:01.5", "00:00:02.5", NULL, 2.5},
      {NULL, NULL, "3", 3.0},
      {"2", NULL, NULL, 4.0},
      /* An output -to after an input -ss counts from it, as in ffmpeg. */
      {"1", NULL, "3", 3.0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *out = out_path("trim.mp4");
    const char *args[24];
    int n = 0;
    args[n++] = "-y";
    args[n++] = "-hide_banner";
    args[n++] = "-nostats";
    if (cases[i].ss) {
      args[n++] = "-ss";
      args[n++] = cases[i].ss;
    }
    args[n++] = "-i";
    args[n++] = g_short;
    if (cases[i].t) {
      args[n++] = "-t";
      args[n++] = cases[i].t;
    }
    if (cases[i].to) {
      args[n++] = "-to";
      args[n++] = cases[i].to;
    }
    args[n++] = "-c:v";
    args[n++] = "mpeg4";
    args[n++] = "-c:a";
    args[n++] = "aac";
    args[n++] = out;
    args[n] = NULL;
    ch_proc p;
    CH_EXPECT_EXIT(&p, ch_run(&p, args, 120), 0);
    ch_free(&p);
    double d = video_duration(out);
    /* One frame (1/30 s) of slack either way, plus rounding of the cut. */
    if (d < cases[i].want - 0.07 || d > cases[i].want + 0.07)
      fail_msg("case %zu: video lasts %.3f s, wanted %.3f", i, d, cases[i].want);
  }
}

/* A start past the input's end leaves nothing to write: exit 1 naming -ss
 * (ffmpeg leaves an empty file and exits 0), input and output -ss alike. */
static void test_ss_past_end(void **state) {
  (void)state;
  const char *out = out_path("past.jpg");
  const char *in_ss[] = {"-y", "-ss", "7", "-i", g_short, "-frames:v", "1", out, NULL};
  const char *out_ss[] = {"-y", "-i", g_short, "-ss", "6.5", "-frames:v", "1", out, NULL};
  const char *const *lines[] = {in_ss, out_ss};
  for (int i = 0; i < 2; i++) {
    ch_proc p;
    CH_EXPECT_EXIT(&p, ch_run(&p, lines[i], 60), 1);
    if (!strstr(ch_str(&p.err), "mux (") || !strstr(ch_str(&p.err), "after -ss"))
      fail_msg("line %d: the error names neither the stage nor -ss:\n%s", i, ch_str(&p.err));
    ch_free(&p);
  }
}

/* Parses the -progress stream: every line key=value, blocks end with
 * progress=..., the last is progress=end, out_time_us never goes back. */
static void test_progress_pipe(void **state) {
  (void)state;
  const char *out = out_path("progress.mkv");
  const char *args[] = {
      "-y",       "-hide_banner", "-nostats", "-progress", "pipe:1",  "-stats_period",
      "0.1",      "-i",           g_short,    "-c:v",      "libx264", "-preset",
      "veryfast", "-c:a",         "aac",      out,         NULL};
  ch_proc p;
  CH_EXPECT_EXIT(&p, ch_run(&p, args, 120), 0);
  char *text = strdup(ch_str(&p.out));
  ch_free(&p);
  int blocks = 0, ends = 0, keys_in_block = 0;
  long long last_us = -1, frame = -1;
  int saw_percent = 0, saw_eta = 0;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *eq = strchr(line, '=');
    if (!eq) fail_msg("not key=value: '%s'", line);
    *eq = '\0';
    const char *k = line, *v = eq + 1;
    keys_in_block++;
    if (!strcmp(k, "out_time_us") && strcmp(v, "N/A")) {
      long long us = atoll(v);
      assert_true(us >= last_us);
      last_us = us;
    } else if (!strcmp(k, "frame")) {
      frame = atoll(v);
    } else if (!strcmp(k, "percent")) {
      saw_percent = 1;
    } else if (!strcmp(k, "eta_s")) {
      saw_eta = 1;
    } else if (!strcmp(k, "progress")) {
      assert_true(!strcmp(v, "continue") || !strcmp(v, "end"));
      assert_int_equal(ends, 0); /* nothing after the end block */
      ends += !strcmp(v, "end");
      blocks++;
      assert_true(keys_in_block >= 8);
      keys_in_block = 0;
    }
  }
  free(text);
  assert_int_equal(ends, 1);
  assert_int_equal(keys_in_block, 0); /* the stream ends with a whole block */
  assert_true(blocks >= 1);
  assert_true(saw_percent && saw_eta);
  assert_int_equal(frame, 180); /* 6 s at 30 fps, all muxed */
  assert_true(last_us >= 5900000);
}

static void test_terminal_progress(void **state) {
  (void)state;
  const char *out = out_path("pty.mp4");
  const char *args[] = {"-y",      "-i",       g_long, "-t",  "4", "-c:v", "libx264",
                        "-preset", "veryfast", "-c:a", "aac", out, NULL};
  ch_proc p;
  assert_int_equal(ch_start_pty(&p, args, 100, 40), 0);
  int rc = ch_wait(&p, 180);
  const char *s = ch_str(&p.out);
  if (rc != 0) fail_msg("exit %d; terminal:\n%s", rc, s);
  /* Redrawn in place: carriage return + cursor up + clear to the end. */
  assert_non_null(strstr(s, "\x1b[J"));
  assert_non_null(strstr(s, "A\x1b[J")); /* block of several lines: up, then clear */
  assert_non_null(strstr(s, "elapsed"));
  assert_non_null(strstr(s, "speed"));
  assert_non_null(strstr(s, "decode:v"));
  assert_non_null(strstr(s, "encode:v"));
  assert_non_null(strstr(s, "mux"));
  assert_non_null(strstr(s, "busy"));
  assert_null(strstr(s, "frame=")); /* no plain status lines on a terminal */
  /* Logs never tear the block: each starts a line of its own, right after
   * the block was erased or after the previous log line. */
  int logs = 0;
  for (const char *l = s; (l = strstr(l, "[encode:v] ")); l++, logs++)
    if (l == s || (l[-1] != '\n' && l[-1] != 'J'))
      fail_msg("a log line starts mid-line: '%.60s'", l > s + 20 ? l - 20 : s);
  assert_true(logs > 0);
  /* Ends with the block erased and one summary line. */
  const char *sum = strstr(s, "isopipe: done in ");
  assert_non_null(sum);
  assert_null(strchr(sum, '\x1b'));
  const char *nl = strchr(sum, '\n');
  assert_non_null(nl);
  for (const char *c = nl; *c; c++)
    assert_true(*c == '\r' || *c == '\n');
  /* The block never wraps (logs may): its lines fit in 99 columns. */
  char *copy = strdup(s), *save = NULL;
  for (char *line = strtok_r(copy, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
    size_t col = 0;
    int block = strstr(line, "busy") || strstr(line, "elapsed") || strstr(line, "ETA");
    for (const char *c = line; *c; c++) {
      if (*c == '\x1b') { /* skip an escape sequence: ESC [ params letter */
        while (c[1] && !((c[1] >= 'A' && c[1] <= 'Z') || (c[1] >= 'a' && c[1] <= 'z')))
          c++;
        if (c[1]) c++;
        continue;
      }
      col++;
    }
    if (block && col > 99)
      fail_msg("a status line is wider than the terminal (%zu): '%s'", col, line);
  }
  free(copy);
  ch_free(&p);
  assert_true(video_duration(out) > 3.9);
}

static void test_plain_status_lines(void **state) {
  (void)state;
  const char *out = out_path("plain.mp4");
  const char *args[] = {"-y",      "-stats_period", "0.1",      "-i",   g_long, "-t", "3", "-c:v",
                        "libx264", "-preset",       "veryfast", "-c:a", "aac",  out,  NULL};
  ch_proc p;
  CH_EXPECT_EXIT(&p, ch_run(&p, args, 120), 0);
  const char *e = ch_str(&p.err);
  assert_null(strchr(e, '\x1b'));
  assert_non_null(strstr(e, "frame="));
  assert_non_null(strstr(e, "speed="));
  assert_non_null(strstr(e, "isopipe: done in "));
  assert_non_null(strstr(e, "isopipe version 0.")); /* the banner, without -hide_banner */
  ch_free(&p);
}

/* Waits until the -progress stream reports at least min_frames. */
static int wait_frames(ch_proc *p, long long min_frames, double timeout_s) {
  double end = ch_now() + timeout_s;
  while (ch_now() < end) {
    ch_pump(p, 50);
    const char *s = ch_str(&p->out);
    const char *last = NULL;
    for (const char *f = s; (f = strstr(f, "frame=")); f++)
      last = f;
    if (last && atoll(last + 6) >= min_frames) return 0;
    if (p->out_fd < 0) return -1;
  }
  return -1;
}

/* What an interrupted run did: frames muxed when the signal went, frames
 * in the output, seconds from the signal to the exit. */
typedef struct stop_result {
  long long at_signal, out_frames;
  double took;
} stop_result;

static long long last_frame(const ch_proc *p) {
  const char *last = NULL;
  for (const char *f = ch_str(&p->out); (f = strstr(f, "frame=")); f++)
    last = f;
  return last ? atoll(last + 6) : 0;
}

static stop_result interrupted_run(int sig, int count, int want_exit, const char *name) {
  stop_result res = {0, 0, 0};
  const char *out = out_path(name);
  const char *args[] = {
      "-y",     "-hide_banner", "-nostats", "-progress", "pipe:1",  "-stats_period",
      "0.05",   "-i",           g_long,     "-c:v",      "libx264", "-preset",
      "medium", "-c:a",         "aac",      out,         NULL};
  ch_proc p;
  assert_int_equal(ch_start(&p, args), 0);
  if (wait_frames(&p, 30, 60) < 0) {
    int rc = ch_wait(&p, 30);
    fail_msg("no progress before the signal (exit %d): %s", rc, ch_str(&p.err));
  }
  res.at_signal = last_frame(&p);
  for (int i = 0; i < count; i++) {
    kill(p.pid, sig);
    /* Apart enough that they are not merged into one pending signal,
     * close enough that the process is still running for the third. */
    struct timespec gap = {0, 10 * 1000 * 1000};
    nanosleep(&gap, NULL);
  }
  double t0 = ch_now();
  int rc = ch_wait(&p, 60);
  double took = ch_now() - t0;
  if (count >= 3) {
    /* The third signal ends the process by its default action. */
    if (!WIFSIGNALED(p.status) || WTERMSIG(p.status) != sig)
      fail_msg("not killed by the signal: exit %d; stderr:\n%s", rc, ch_str(&p.err));
  } else {
    CH_EXPECT_EXIT(&p, rc, want_exit);
  }
  if (count < 3) {
    assert_non_null(strstr(ch_str(&p.out), "progress=end"));
    assert_non_null(strstr(ch_str(&p.err), "isopipe: interrupted in "));
  }
  ch_free(&p);
  res.took = took;
  if (count >= 3) return res;
  assert_true(took < 30);
  /* libavformat opens an mp4 only with its moov: the trailer was written. */
  double d = video_duration(out);
  assert_true(d > 0);
  assert_true(d < 19.9); /* it really stopped early */
  tm_probe pr;
  assert_int_equal(tm_probe_file(out, true, &pr), 0);
  res.out_frames = tm_probe_stream(&pr, AVMEDIA_TYPE_VIDEO)->frames;
  return res;
}

static void test_sigint_finalizes(void **state) {
  (void)state;
  interrupted_run(SIGINT, 1, 130, "sigint.mp4");
}

static void test_sigterm_finalizes(void **state) {
  (void)state;
  interrupted_run(SIGTERM, 1, 143, "sigterm.mp4");
}

/* The first signal finishes what is in flight (queues, the encoder's
 * look-ahead); the second stops at once: after the signal it writes fewer
 * frames than a graceful stop, and ends no later. */
static void test_second_sigint_stops_now(void **state) {
  (void)state;
  stop_result now = interrupted_run(SIGINT, 2, 130, "sigint2.mp4");
  stop_result grace = interrupted_run(SIGINT, 1, 130, "sigint1.mp4");
  long long now_after = now.out_frames - now.at_signal,
            grace_after = grace.out_frames - grace.at_signal;
  print_message("graceful: %lld frames after the signal, %.2f s; now: %lld, %.2f s\n", grace_after,
                grace.took, now_after, now.took);
  if (now_after >= grace_after)
    fail_msg("cancel-now wrote %lld frames after the signal, graceful %lld", now_after,
             grace_after);
  /* Time only as a sanity bound: the frame counts are the criterion. */
  if (now.took > grace.took + 1.0)
    fail_msg("cancel-now took %.2f s, graceful %.2f s", now.took, grace.took);
}

static void test_third_sigint_exits(void **state) {
  (void)state;
  interrupted_run(SIGINT, 3, 128 + SIGINT, "sigint3.mp4");
}

static void test_inline_mode(void **state) {
  (void)state;
  const char *out = out_path("inline.mkv");
  const char *args[] = {"-y",   "-hide_banner", "-nostats", "--inline", "-i", g_short,
                        "-c:v", "mpeg4",        "-c:a",     "aac",      out,  NULL};
  ch_proc p;
  CH_EXPECT_EXIT(&p, ch_run(&p, args, 120), 0);
  ch_free(&p);
  double d = video_duration(out);
  assert_true(d > 5.9 && d < 6.1);
}

static void test_overwrite_with_y(void **state) {
  (void)state;
  const char *out = out_path("over.mp4");
  FILE *f = fopen(out, "wb");
  assert_non_null(f);
  fputs("old", f);
  fclose(f);
  const char *args[] = {"-y", "-hide_banner", "-nostats", "-i", g_short, "-t", "1", out, NULL};
  ch_proc p;
  CH_EXPECT_EXIT(&p, ch_run(&p, args, 120), 0);
  ch_free(&p);
  assert_true(video_duration(out) > 0.9);
}

/* A runtime error: one line naming the stage, the file and the reason. */
static void expect_runtime_error(const char *input, const char *reason) {
  const char *out = out_path("never.mp4");
  unlink(out);
  const char *args[] = {"-hide_banner", "-nostats", "-i", input, out, NULL};
  ch_proc p;
  int rc = ch_run(&p, args, 60);
  const char *e = ch_str(&p.err);
  CH_EXPECT_EXIT(&p, rc, 1);
  int ours = 0;
  const char *line = NULL;
  for (const char *s = e; (s = strstr(s, "isopipe: ")); s++) {
    if (s == e || s[-1] == '\n') {
      ours++;
      line = s;
    }
  }
  if (ours != 1 || !strstr(line, input) || !strstr(line, reason))
    fail_msg("wanted one 'isopipe: ... (%s): %s' line, got:\n%s", input, reason, e);
  assert_non_null(strstr(line, "): "));
  ch_free(&p);
}

static void test_bad_input(void **state) {
  (void)state;
  const char *bad = out_path("garbage.mp4");
  FILE *f = fopen(bad, "wb");
  assert_non_null(f);
  for (int i = 0; i < 4096; i++)
    fputc((i * 7919) & 0xff, f);
  fclose(f);
  expect_runtime_error(bad, "Invalid data found when processing input");
  expect_runtime_error(out_path("missing.mp4"), "No such file or directory");
}

/* -frames:v / -vframes as in ffmpeg: that many video frames, and the
 * output's audio ends with them; a copied video stream keeps that many
 * packets (test_cli_frames_limit compares the packets with ffmpeg's). */
static void test_frames_v(void **state) {
  (void)state;
  const char *out = out_path("frames.mp4");
  const char *args[] = {"-y", "-nostats", "-i",    g_short, "-ss", "1", "-frames:v",
                        "12", "-c:v",     "mpeg4", "-c:a",  "aac", out, NULL};
  ch_proc p;
  CH_EXPECT_EXIT(&p, ch_run(&p, args, 120), 0);
  ch_free(&p);
  tm_probe pr;
  assert_int_equal(tm_probe_file(out, true, &pr), 0);
  const tm_stream *v = tm_probe_stream(&pr, AVMEDIA_TYPE_VIDEO);
  const tm_stream *a = tm_probe_stream(&pr, AVMEDIA_TYPE_AUDIO);
  assert_non_null(v);
  assert_non_null(a);
  assert_int_equal(v->frames, 12);
  /* 12 frames at 30 fps: 0.4 s of audio, within one AAC frame (21 ms). */
  if (a->decoded_duration < 0.4 - 0.025 || a->decoded_duration > 0.4 + 0.025)
    fail_msg("audio lasts %.3f s, wanted 0.4", a->decoded_duration);
  const char *args2[] = {"-y",  "-nostats", "-i",    g_short, "-vframes", "3",
                         "-an", "-c:v",     "mpeg4", out,     NULL};
  CH_EXPECT_EXIT(&p, ch_run(&p, args2, 120), 0);
  ch_free(&p);
  assert_int_equal(tm_probe_file(out, true, &pr), 0);
  assert_int_equal(tm_probe_stream(&pr, AVMEDIA_TYPE_VIDEO)->frames, 3);
  const char *args3[] = {"-y",    "-nostats",  "-i",
                         g_short, "-frames:v", "3",
                         "-c:v",  "copy",      out_path("frames-copy.mp4"),
                         NULL};
  CH_EXPECT_EXIT(&p, ch_run(&p, args3, 60), 0);
  ch_free(&p);
  assert_int_equal(tm_probe_file(out_path("frames-copy.mp4"), false, &pr), 0);
  assert_int_equal(tm_probe_stream(&pr, AVMEDIA_TYPE_VIDEO)->packets, 3);
}

static void test_unused_avoption(void **state) {
  (void)state;
  const char *out = out_path("unused.mp4");
  const char *args[] = {"-y", "-nostats", "-i", g_short, "-frobnicate", "3", out, NULL};
  ch_proc p;
  int rc = ch_run(&p, args, 60);
  CH_EXPECT_EXIT(&p, rc, 2);
  assert_non_null(strstr(ch_str(&p.err), "frobnicate"));
  assert_int_equal(ch_lines(ch_str(&p.err)), 1);
  ch_free(&p);
}

static void test_verbose_summary(void **state) {
  (void)state;
  const char *out = out_path("verbose.mkv");
  const char *args[] = {"-y",   "-hide_banner", "-nostats", "-v",  "verbose", "-i", g_short,
                        "-c:v", "mpeg4",        "-c:a",     "aac", out,       NULL};
  ch_proc p;
  CH_EXPECT_EXIT(&p, ch_run(&p, args, 120), 0);
  const char *s = strstr(ch_str(&p.err), "isopipe: done in ");
  assert_non_null(s);
  assert_non_null(strstr(s, "tick lateness p50 "));
  assert_non_null(strstr(s, "ticks missed"));
  ch_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_trim_ss_t),          cmocka_unit_test(test_frames_v),
      cmocka_unit_test(test_progress_pipe),      cmocka_unit_test(test_terminal_progress),
      cmocka_unit_test(test_plain_status_lines), cmocka_unit_test(test_sigint_finalizes),
      cmocka_unit_test(test_sigterm_finalizes),  cmocka_unit_test(test_second_sigint_stops_now),
      cmocka_unit_test(test_third_sigint_exits), cmocka_unit_test(test_inline_mode),
      cmocka_unit_test(test_overwrite_with_y),   cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_unused_avoption),    cmocka_unit_test(test_verbose_summary),
      cmocka_unit_test(test_ss_past_end),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
