/* Two-pass encoding (-pass, -passlogfile): statistics and packets as ffmpeg's, and its files
 * guarded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <libavcodec/avcodec.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];
static char g_in[700];

static int copy_file(const char *from, const char *to) {
  FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
  char buf[65536];
  size_t n;
  int rc = a && b ? 0 : -1;
  while (!rc && (n = fread(buf, 1, sizeof buf, a)) > 0)
    if (fwrite(buf, 1, n, b) != n) rc = -1;
  if (a) fclose(a);
  if (b && fclose(b)) rc = -1;
  return rc;
}

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-2pass") < 0) return -1;
  return tm_gen_simple(g_in, sizeof g_in, g_dir, "in.mp4", "libx264", NULL, 176, 144, 1.0, 0, 0) < 0
             ? -1
             : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* Both passes of one encoder with the prefix DIR/tag: pass 1 to the null
 * muxer, pass 2 to a framemd5 of the packets. ffmpeg's argument vectors
 * differ from isopipe's only by the leading "-v error -y". */
static void two_passes(bool ffmpeg, const char *enc, const char *tag, const char *extra) {
  char prefix[800], md5[800], err[4096];
  snprintf(prefix, sizeof prefix, "%s/%s", g_dir, tag);
  snprintf(md5, sizeof md5, "%s/%s.framemd5", g_dir, tag);
  for (int pass = 1; pass <= 2; pass++) {
    const char *a[32] = {"-v", "error", "-y", "-i", g_in, "-c:v", enc, "-b:v", "200k", "-an"};
    int n = 10;
    if (extra) a[n++] = extra;
    if (extra) a[n++] = "2";
    a[n++] = "-pass";
    a[n++] = pass == 1 ? "1" : "2";
    a[n++] = "-passlogfile";
    a[n++] = prefix;
    a[n++] = "-f";
    a[n++] = pass == 1 ? "null" : "framemd5";
    a[n++] = pass == 1 ? "/dev/null" : md5;
    if (ffmpeg) {
      assert_int_equal(tm_run_ffmpeg(a + 3), 0);
    } else {
      int rc = ch_run_err(a, err, sizeof err);
      if (rc) printf("%s pass %d: %s\n", enc, pass, err);
      assert_int_equal(rc, 0);
    }
  }
}

static void t_same_as_ffmpeg(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  /* libx264 keeps its own statistics file; mpeg4 and libvpx hand theirs
   * over per packet and all at once at the end. */
  static const char *const encs[] = {"libx264", "mpeg4", "libvpx-vp9"};
  for (size_t i = 0; i < sizeof encs / sizeof encs[0]; i++) {
    if (!avcodec_find_encoder_by_name(encs[i])) {
      if (tm_missing(encs[i])) fail_msg("missing under CI: %s", encs[i]);
      continue;
    }
    char it[64], ft[64], ilog[800], flog[800], imd5[800], fmd5[800], why[512];
    snprintf(it, sizeof it, "iso-%s", encs[i]);
    snprintf(ft, sizeof ft, "ff-%s", encs[i]);
    two_passes(false, encs[i], it, NULL);
    two_passes(true, encs[i], ft, NULL);
    snprintf(ilog, sizeof ilog, "%s/%s-0.log", g_dir, it);
    snprintf(flog, sizeof flog, "%s/%s-0.log", g_dir, ft);
    snprintf(imd5, sizeof imd5, "%s/%s.framemd5", g_dir, it);
    snprintf(fmd5, sizeof fmd5, "%s/%s.framemd5", g_dir, ft);
    assert_true(tm_file_size(ilog) > 0);
    assert_true(tm_same_file(ilog, flog));
    int lines = 0;
    bool same = tm_framemd5_equal(imd5, fmd5, &lines, why, sizeof why);
    if (!same) printf("%s: %s\n", encs[i], why);
    assert_true(same);
    assert_int_equal(lines, 30);
  }
}

/* The second pass reads the first's statistics: its packets differ from a
 * second pass over another first pass's (here one at another bit rate). */
static void t_second_pass_reads_the_first(void **state) {
  (void)state;
  char md5a[800], md5b[800], log[800], prefix[800], err[4096], why[512];
  two_passes(false, "mpeg4", "own", NULL);
  snprintf(md5a, sizeof md5a, "%s/own.framemd5", g_dir);
  snprintf(prefix, sizeof prefix, "%s/own", g_dir);
  snprintf(log, sizeof log, "%s/own-0.log", g_dir);
  assert_true(tm_file_size(log) > 0);
  const char *p1[] = {"-v",           "error", "-y",  "-i",   g_in,        "-c:v",
                      "mpeg4",        "-b:v",  "40k", "-an",  "-pass",     "1",
                      "-passlogfile", prefix,  "-f",  "null", "/dev/null", NULL};
  assert_int_equal(ch_run_err(p1, err, sizeof err), 0);
  snprintf(md5b, sizeof md5b, "%s/other.framemd5", g_dir);
  const char *p2[] = {"-v",           "error", "-y",   "-i",       g_in,    "-c:v",
                      "mpeg4",        "-b:v",  "200k", "-an",      "-pass", "2",
                      "-passlogfile", prefix,  "-f",   "framemd5", md5b,    NULL};
  assert_int_equal(ch_run_err(p2, err, sizeof err), 0);
  int lines = 0;
  assert_false(tm_framemd5_equal(md5a, md5b, &lines, why, sizeof why));
}

static void t_missing_statistics(void **state) {
  (void)state;
  char prefix[800], out[800], err[4096];
  snprintf(prefix, sizeof prefix, "%s/none", g_dir);
  snprintf(out, sizeof out, "%s/none.mkv", g_dir);
  const char *a[] = {"-v",    "error", "-y",           "-i",   g_in,  "-c:v", "mpeg4",
                     "-pass", "2",     "-passlogfile", prefix, "-an", out,    NULL};
  assert_int_equal(ch_run_err(a, err, sizeof err), 1);
  assert_non_null(strstr(err, "none-0.log"));
  assert_non_null(strstr(err, "-pass 1"));
  assert_non_null(strstr(err, "encode:v"));
}

/* The statistics file is written, so it is never an input, whatever its
 * name: here the input itself is named PREFIX-0.log. */
static void t_statistics_never_the_input(void **state) {
  (void)state;
  char victim[800], keep[800], prefix[800], err[4096];
  snprintf(victim, sizeof victim, "%s/victim-0.log", g_dir);
  snprintf(keep, sizeof keep, "%s/victim.keep", g_dir);
  snprintf(prefix, sizeof prefix, "%s/victim", g_dir);
  assert_int_equal(copy_file(g_in, victim), 0);
  assert_int_equal(copy_file(g_in, keep), 0);
  const char *a[] = {"-v", "error", "-y",           "-i",   victim, "-c:v", "mpeg4",     "-pass",
                     "1",  "-an",   "-passlogfile", prefix, "-f",   "null", "/dev/null", NULL};
  int rc = ch_run_err(a, err, sizeof err);
  assert_int_not_equal(rc, 0);
  assert_non_null(strstr(err, "-passlogfile"));
  assert_non_null(strstr(err, "input"));
  assert_true(tm_same_file(victim, keep));
}

/* Segments would each see a part of the stream: a first pass asked for
 * segments runs serially and writes the same statistics. */
static void t_segments_run_serial(void **state) {
  (void)state;
  char a_log[800], b_log[800];
  two_passes(false, "mpeg4", "serial", NULL);
  two_passes(false, "mpeg4", "seg", "--segments");
  snprintf(a_log, sizeof a_log, "%s/serial-0.log", g_dir);
  snprintf(b_log, sizeof b_log, "%s/seg-0.log", g_dir);
  assert_true(tm_file_size(a_log) > 0);
  assert_true(tm_same_file(a_log, b_log));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_same_as_ffmpeg),      cmocka_unit_test(t_second_pass_reads_the_first),
      cmocka_unit_test(t_missing_statistics),  cmocka_unit_test(t_statistics_never_the_input),
      cmocka_unit_test(t_segments_run_serial),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
