/* -filter without a stream type (every output stream's chain) and -vf chains whose open ends carry
 * labels ("[in] format=yuv420p [out]"): framemd5 equal to ffmpeg's on the same lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "cli_compare.h"
#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];
static char g_av[700]; /* H.264 + AAC in MP4, 1 s */

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-filter-any") < 0) return -1;
  return tm_gen_simple(g_av, sizeof g_av, g_dir, "av.mp4", "libx264", "aac", 160, 120, 1.0, 2,
                       48000) < 0
             ? -1
             : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* beets' and LibreTime's analyses give "-filter" alone with the video left
 * out: the chain is the audio's (and the video's, with no audio). */
static void test_filter_without_type(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference for -filter)");
  const char *audio[] = {"-i", g_av,       "-vn", "-filter", "volume=0.5,aecho=0.8:0.9:40:0.4",
                         "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "-vn -filter volume", audio, 10);
  const char *mapped[] = {"-i",          g_av, "-map",     "a:0", "-filter",
                          "atempo=1.25", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "-map a:0 -filter atempo", mapped, 10);
  const char *video[] = {"-i",   g_av,       "-an", "-filter",  "hflip,scale=80:60",
                         "-c:v", "rawvideo", "-f",  "framemd5", NULL};
  ch_same_frames(g_dir, "-an -filter hflip", video, 10);
  /* A later -af replaces it for the audio, as ffmpeg's last option wins. */
  const char *later[] = {"-i",  g_av,       "-vn", "-filter",  "volume=0.5",
                         "-af", "volume=2", "-f",  "framemd5", NULL};
  ch_same_frames(g_dir, "-filter then -af", later, 10);
}

/* An audio chain with a video stream also filtered fails, as in ffmpeg,
 * naming the chain. */
static void test_filter_wrong_type_fails(void **state) {
  (void)state;
  char out[700], err[4096];
  snprintf(out, sizeof out, "%s/both.mp4", g_dir);
  const char *args[] = {"-v", "error", "-y", "-i", g_av, "-filter", "volume=0.5", out, NULL};
  int rc = ch_run_err(args, err, sizeof err);
  assert_int_not_equal(rc, 0);
  if (!strstr(err, "volume=0.5")) fail_msg("the message names no chain: %s", err);
}

/* OctoPrint's timelapse chain: its open ends labelled [in] and [out]. */
static void test_labelled_open_ends(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference for -vf)");
  const char *octo[] = {"-i",   g_av,       "-an", "-vf",      "[in] format=yuv420p,hflip [out]",
                        "-c:v", "rawvideo", "-f",  "framemd5", NULL};
  ch_same_frames(g_dir, "-vf [in] ... [out]", octo, 10);
  const char *graph[] = {
      "-i",   g_av,       "-an", "-vf",      "[in]split[a][b];[a][b]hstack,scale=160:60[out]",
      "-c:v", "rawvideo", "-f",  "framemd5", NULL};
  ch_same_frames(g_dir, "-vf [in]split...[out]", graph, 10);
  const char *audio[] = {"-i", g_av, "-vn", "-af", "[in]volume=0.5[out]", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "-af [in]...[out]", audio, 10);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_filter_without_type),
                                     cmocka_unit_test(test_filter_wrong_type_fails),
                                     cmocka_unit_test(test_labelled_open_ends)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
