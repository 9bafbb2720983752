/* -fix_sub_duration on the CLI: re-encoded subtitles cut at the next one's start, as ffmpeg 5.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512], g_srt[700];

/* Cues that overlap (the first runs into the second), two that start
 * together (the first of them ends before it starts: ffmpeg drops it), and
 * a last one, which ffmpeg 5.1 never sends on with the option. */
static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-fixsub") < 0) return -1;
  snprintf(g_srt, sizeof g_srt, "%s/in.srt", g_dir);
  FILE *f = fopen(g_srt, "w");
  if (!f) return -1;
  fputs("1\n00:00:00,000 --> 00:00:02,000\nFirst\n\n"
        "2\n00:00:01,000 --> 00:00:03,000\nSecond\n\n"
        "3\n00:00:01,000 --> 00:00:01,500\nThird\n\n"
        "4\n00:00:04,000 --> 00:00:05,000\nLast\n\n",
        f);
  return fclose(f) == 0 ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* SubRip and WebVTT out, with and without the option: each file is
 * ffmpeg's byte for byte, and the option changes it. */
static void t_fix_sub_duration_as_ffmpeg(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  const char *exts[] = {"srt", "vtt"};
  for (int e = 0; e < 2; e++) {
    char out[2][800];
    for (int fix = 0; fix < 2; fix++) {
      char ref[800], err[4096];
      snprintf(out[fix], sizeof out[fix], "%s/i%d.%s", g_dir, fix, exts[e]);
      snprintf(ref, sizeof ref, "%s/f%d.%s", g_dir, fix, exts[e]);
      const char *a[] = {"-y",
                         fix ? "-fix_sub_duration" : "-i",
                         fix ? "-i" : g_srt,
                         fix ? g_srt : out[fix],
                         fix ? out[fix] : NULL,
                         NULL};
      if (ch_run_err(a, err, sizeof err) != 0) fail_msg("isopipe: %s", err);
      const char *f[] = {fix ? "-fix_sub_duration" : "-i", fix ? "-i" : g_srt, fix ? g_srt : ref,
                         fix ? ref : NULL, NULL};
      assert_int_equal(tm_run_ffmpeg(f), 0);
      if (!tm_same_file(out[fix], ref))
        fail_msg("%s%s: not ffmpeg's bytes", exts[e], fix ? " -fix_sub_duration" : "");
    }
    assert_false(tm_same_file(out[0], out[1]));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(t_fix_sub_duration_as_ffmpeg)};
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
