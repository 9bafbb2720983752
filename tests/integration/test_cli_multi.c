/* CLI integration tests of several outputs in one run: per-output options, stats, -progress,
 * failures named by stage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];
static char g_in[700];   /* 320x240 mpeg4 + aac, 3 s */
static char g_long[700]; /* 640x480 mpeg4 + aac, 20 s: long enough to interrupt */

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-multi") < 0) return -1;
  if (tm_gen_simple(g_in, sizeof g_in, g_dir, "in.mp4", "mpeg4", "aac", 320, 240, 3.0, 2, 48000) <
      0)
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

static const tm_stream *probe(const char *path, tm_probe *pr, enum AVMediaType type) {
  int r = tm_probe_file(path, true, pr);
  if (r < 0) fail_msg("libavformat cannot open %s (%d)", path, r);
  assert_int_equal(pr->decode_errors, 0);
  return tm_probe_stream(pr, type);
}

/* Options before each output path are that output's; --stats holds every
 * stage once, output #k's with "#k". */
static void test_three_outputs(void **state) {
  (void)state;
  const char *a = out_path("a.mp4"), *b = out_path("b.mp4"), *c = out_path("c.mkv");
  const char *stats = out_path("stats.json");
  const char *args[] = {"-y",    "-hide_banner", "-nostats", "-progress", "pipe:1",
                        "-i",    g_in,           "-s",       "160x120",   "-c:v",
                        "mpeg4", "-c:a",         "aac",      a,           "-s",
                        "96x72", "-c:v",         "mpeg4",    "-an",       b,
                        "-c",    "copy",         c,          "--stats",   stats,
                        NULL};
  ch_proc p;
  CH_EXPECT_EXIT(&p, ch_run(&p, args, 120), 0);
  if (!strstr(ch_str(&p.out), "progress=end")) fail_msg("no progress=end:\n%s", ch_str(&p.out));
  ch_free(&p);
  tm_probe pa, pb, pc;
  const tm_stream *va = probe(a, &pa, AVMEDIA_TYPE_VIDEO);
  const tm_stream *vb = probe(b, &pb, AVMEDIA_TYPE_VIDEO);
  const tm_stream *vc = probe(c, &pc, AVMEDIA_TYPE_VIDEO);
  assert_non_null(va);
  assert_non_null(vb);
  assert_non_null(vc);
  assert_int_equal(va->width, 160);
  assert_int_equal(vb->width, 96);
  assert_int_equal(vc->width, 320);
  assert_string_equal(vc->codec, "mpeg4");
  assert_int_equal(va->frames, vb->frames);
  assert_int_equal(va->frames, vc->frames);
  assert_non_null(tm_probe_stream(&pa, AVMEDIA_TYPE_AUDIO));
  assert_null(tm_probe_stream(&pb, AVMEDIA_TYPE_AUDIO));
  assert_non_null(tm_probe_stream(&pc, AVMEDIA_TYPE_AUDIO));
  char cmd[2048];
  snprintf(cmd, sizeof cmd,
           "python3 -c 'import json,sys; n=[s[\"name\"] for s in json.load(open(sys.argv[1]))"
           "[\"stages\"]]; sys.exit(0 if len(n)==len(set(n)) and {\"demux\",\"decode:v\","
           "\"mux\",\"mux#1\",\"mux#2\",\"encode:v#1\"} <= set(n) and \"encode:a#1\" not in n "
           "else print(n) or 1)' %s",
           stats);
  TM_NEED(tm_have_program("python3", NULL, 0), "python3 (parses the stats JSON)");
  if (system(cmd) != 0) fail_msg("stats %s: invalid JSON or stage names", stats);
}

static double absd(double x) {
  return x < 0 ? -x : x;
}

/* Video frames (30 fps input), audio length and starts of one output. */
static void expect_window(const char *path, int64_t frames, double audio_s) {
  tm_probe pr;
  const tm_stream *v = probe(path, &pr, AVMEDIA_TYPE_VIDEO);
  assert_non_null(v);
  if (v->frames != frames || absd(v->start) > 1.0 / 30)
    fail_msg("%s: %lld frames from %.4f s, wanted %lld from 0", path, (long long)v->frames,
             v->start, (long long)frames);
  const tm_stream *a = tm_probe_stream(&pr, AVMEDIA_TYPE_AUDIO);
  if (audio_s < 0) {
    assert_null(a);
    return;
  }
  assert_non_null(a);
  double len = (double)a->samples / a->sample_rate;
  if (absd(len - audio_s) > 0.001 || absd(a->start) > 1.0 / 30)
    fail_msg("%s: %.4f s of audio from %.4f s, wanted %.4f from 0", path, len, a->start, audio_s);
}

/* -ss/-t per output as in ffmpeg: -ss before -i is every output's, an
 * output's own -ss/-t count from there; one output ending early stops no
 * other. --stats lists every output. */
static void test_trim_per_output(void **state) {
  (void)state;
  const char *a = out_path("tr-a.mkv"), *b = out_path("tr-b.mkv"), *c = out_path("tr-c.mkv");
  const char *stats = out_path("tr.json");
  const char *args[] = {
      "-y",   "-hide_banner", "-ss",  "0.5",   "-i",    g_in,   "-t",        "1",   "-c:v", "mpeg4",
      "-c:a", "pcm_s16le",    a,      "-c:v",  "mpeg4", "-c:a", "pcm_s16le", b,     "-ss",  "1",
      "-t",   "0.5",          "-c:v", "mpeg4", "-an",   c,      "--stats",   stats, NULL};
  ch_proc p;
  CH_EXPECT_EXIT(&p, ch_run(&p, args, 120), 0);
  if (strstr(ch_str(&p.err), "every output"))
    fail_msg("a warning that no longer applies:\n%s", ch_str(&p.err));
  ch_free(&p);
  expect_window(a, 30, 1.0); /* [0.5, 1.5) of the input */
  tm_probe pin;
  assert_int_equal(tm_probe_file(g_in, true, &pin), 0);
  const tm_stream *ain = tm_probe_stream(&pin, AVMEDIA_TYPE_AUDIO);
  assert_non_null(ain);
  /* [0.5, end): the input's audio may run past its 3 s of video. */
  expect_window(b, 75, (double)ain->samples / ain->sample_rate - 0.5);
  expect_window(c, 15, -1); /* [1.5, 2) */
  FILE *f = fopen(stats, "r");
  assert_non_null(f);
  static char doc[1 << 20];
  doc[fread(doc, 1, sizeof doc - 1, f)] = 0;
  fclose(f);
  const char *list = strstr(doc, "\"outputs\": [");
  if (!list) fail_msg("no outputs in %s", stats);
  const char *end = strchr(list, ']'), *pa = strstr(list, a), *pb = strstr(list, b),
             *pc = strstr(list, c);
  if (!end || !pa || !pb || !pc || !(pa < pb && pb < pc && pc < end))
    fail_msg("outputs: %.*s", 600, list);
}

/* An output whose own -ss lies past the input's end (-t before -i) is a
 * usage error naming it; nothing is written. */
static void test_trim_leaves_nothing(void **state) {
  (void)state;
  const char *a = out_path("tn-a.mkv"), *b = out_path("tn-b.mkv");
  const char *args[] = {"-y", "-nostats", "-t", "1",    "-i",    g_in, "-c:v", "mpeg4",
                        a,    "-ss",      "2",  "-c:v", "mpeg4", b,    NULL};
  ch_proc p;
  CH_EXPECT_EXIT(&p, ch_run(&p, args, 60), 2);
  if (!strstr(ch_str(&p.err), "nothing left") || !strstr(ch_str(&p.err), b))
    fail_msg("stderr:\n%s", ch_str(&p.err));
  ch_free(&p);
  assert_false(tm_file_exists(a));
}

/* A second output that cannot be opened: exit 1, one line naming its muxer. */
static void test_unwritable_second(void **state) {
  (void)state;
  const char *a = out_path("ok.mp4");
  const char *args[] = {
      "-y",    "-hide_banner",           "-nostats", "-i", g_in, "-c:v", "mpeg4", a, "-c:v",
      "mpeg4", "/nonexistent-dir/b.mp4", NULL};
  ch_proc p;
  CH_EXPECT_EXIT(&p, ch_run(&p, args, 60), 1);
  if (!strstr(ch_str(&p.err), "isopipe: mux#1 (/nonexistent-dir/b.mp4): "))
    fail_msg("stderr:\n%s", ch_str(&p.err));
  ch_free(&p);
}

/* Without -y, any existing output stops the run before it starts. */
static void test_second_exists(void **state) {
  (void)state;
  const char *a = out_path("x.mp4"), *b = out_path("exists.mp4");
  FILE *f = fopen(b, "w");
  assert_non_null(f);
  fputs("keep", f);
  fclose(f);
  const char *args[] = {"-hide_banner", "-nostats", "-i", g_in, "-c:v", "mpeg4", a, b, NULL};
  ch_proc p;
  CH_EXPECT_EXIT(&p, ch_run(&p, args, 60), 1);
  if (!strstr(ch_str(&p.err), "already exists")) fail_msg("stderr:\n%s", ch_str(&p.err));
  ch_free(&p);
  assert_int_equal(tm_file_size(b), 4);
}

/* A bad option of output #1 is a usage error naming it. */
static void test_bad_codec_second(void **state) {
  (void)state;
  const char *a = out_path("y.mp4"), *b = out_path("z.mp4");
  const char *args[] = {"-y", "-nostats", "-i", g_in, a, "-c:v", "nosuch", b, NULL};
  ch_proc p;
  CH_EXPECT_EXIT(&p, ch_run(&p, args, 60), 2);
  if (!strstr(ch_str(&p.err), "output #1") || !strstr(ch_str(&p.err), "nosuch"))
    fail_msg("stderr:\n%s", ch_str(&p.err));
  ch_free(&p);
}

/* Reads -progress until frame= reaches min_frames; -1 if the run ends first. */
static int wait_frames(ch_proc *p, long min_frames, double timeout_s) {
  double t0 = ch_now();
  while (ch_now() - t0 < timeout_s) {
    ch_pump(p, 50);
    const char *s = ch_str(&p->out), *last = NULL;
    for (const char *f = s; (f = strstr(f, "frame=")); f++)
      last = f;
    if (last && atoll(last + 6) >= min_frames) return 0;
    if (p->out_fd < 0) return -1;
  }
  return -1;
}

/* The first SIGINT finishes every output: exit 130, each file playable and
 * cut early, both about as long. */
static void test_sigint_finishes_every_output(void **state) {
  (void)state;
  const char *a = out_path("int-a.mp4"), *b = out_path("int-b.mkv");
  const char *args[] = {
      "-y",     "-hide_banner", "-nostats", "-progress", "pipe:1",  "-stats_period",
      "0.05",   "-i",           g_long,     "-c:v",      "libx264", "-preset",
      "medium", "-c:a",         "aac",      a,           "-s",      "160x120",
      "-c:v",   "mpeg4",        b,          NULL};
  ch_proc p;
  assert_int_equal(ch_start(&p, args), 0);
  if (wait_frames(&p, 30, 60) < 0) {
    int rc = ch_wait(&p, 30);
    fail_msg("no progress before the signal (exit %d): %s", rc, ch_str(&p.err));
  }
  kill(p.pid, SIGINT);
  CH_EXPECT_EXIT(&p, ch_wait(&p, 60), 130);
  assert_non_null(strstr(ch_str(&p.out), "progress=end"));
  ch_free(&p);
  tm_probe pa, pb;
  const tm_stream *va = probe(a, &pa, AVMEDIA_TYPE_VIDEO);
  const tm_stream *vb = probe(b, &pb, AVMEDIA_TYPE_VIDEO);
  assert_non_null(va);
  assert_non_null(vb);
  tm_probe pin;
  assert_int_equal(tm_probe_file(g_long, false, &pin), 0);
  int64_t all = tm_probe_stream(&pin, AVMEDIA_TYPE_VIDEO)->packets;
  assert_true(all >= 400);
  if (va->frames <= 0 || va->frames >= all || vb->frames <= 0 || vb->frames >= all)
    fail_msg("not cut early: %lld and %lld of %lld frames", (long long)va->frames,
             (long long)vb->frames, (long long)all);
  /* The shared decoder stopped both at once (each drained what it had). */
  if (labs((long)(va->frames - vb->frames)) > 60)
    fail_msg("outputs stopped apart: %lld vs %lld frames", (long long)va->frames,
             (long long)vb->frames);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_three_outputs),
      cmocka_unit_test(test_trim_per_output),
      cmocka_unit_test(test_trim_leaves_nothing),
      cmocka_unit_test(test_unwritable_second),
      cmocka_unit_test(test_second_exists),
      cmocka_unit_test(test_bad_codec_second),
      cmocka_unit_test(test_sigint_finishes_every_output),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
