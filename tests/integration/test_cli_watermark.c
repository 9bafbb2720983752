/* The common watermark line (a video overlaid with a one-picture PNG, audio from the video's file):
 * it finishes, every time, with ffmpeg's frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];
static char g_in[700], g_logo[700];

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-watermark") < 0) return -1;
  char gen[700];
  if (tm_gen_simple(g_in, sizeof g_in, g_dir, "in.mp4", "libx264", "aac", 176, 144, 1.0, 2, 48000) <
      0)
    return -1;
  if (tm_gen_simple(gen, sizeof gen, g_dir, "logo-src.mp4", "libx264", NULL, 64, 64, 0.2, 0, 0) < 0)
    return -1;
  snprintf(g_logo, sizeof g_logo, "%s/logo.png", g_dir);
  const char *mk[] = {"-y", "-v", "error", "-i", gen, "-frames:v", "1", g_logo, NULL};
  return ch_run_err(mk, NULL, 0) == 0 ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* Should the muxer wait for the graph's video while the audio of the same
 * file fills its link, the demux the graph needs stops: a hang that shows
 * only in some runs, so several runs, each bounded. */
static void t_overlay_logo(void **state) {
  (void)state;
  const char *graph = "[1:v]scale=120:-2[l];[0:v][l]overlay=W-w-10:10[v]";
  for (int run = 0; run < 6; run++) {
    char out[800];
    snprintf(out, sizeof out, "%s/out%d.mp4", g_dir, run);
    const char *args[] = {"-y",  "-v",   "error", "-i",   g_in,  "-i", g_logo, "-filter_complex",
                          graph, "-map", "[v]",   "-map", "0:a", out,  NULL};
    ch_proc p;
    int rc = ch_run(&p, args, 60);
    CH_EXPECT_EXIT(&p, rc, 0);
    ch_free(&p);
    tm_probe pr;
    assert_int_equal(tm_probe_file(out, true, &pr), 0);
    const tm_stream *v = tm_probe_stream(&pr, AVMEDIA_TYPE_VIDEO);
    assert_non_null(v);
    assert_int_equal(v->frames, 30);
    assert_int_equal(v->width, 176);
    assert_non_null(tm_probe_stream(&pr, AVMEDIA_TYPE_AUDIO));
  }
  char ffmpeg[600];
  if (!tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg)) return;
  char a[800], b[800], why[512];
  snprintf(a, sizeof a, "%s/i.framemd5", g_dir);
  snprintf(b, sizeof b, "%s/f.framemd5", g_dir);
  const char *iso[] = {
      "-y",  "-v",   "error",    "-i", g_in,       "-i", g_logo, "-filter_complex", graph, "-map",
      "[v]", "-c:v", "rawvideo", "-f", "framemd5", a,    NULL};
  const char *ff[] = {"-i",  g_in,   "-i",       g_logo, "-filter_complex", graph, "-map",
                      "[v]", "-c:v", "rawvideo", "-f",   "framemd5",        b,     NULL};
  assert_int_equal(ch_run_err(iso, NULL, 0), 0);
  assert_int_equal(tm_run_ffmpeg(ff), 0);
  if (!tm_framemd5_equal(a, b, NULL, why, sizeof why)) fail_msg("%s", why);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(t_overlay_logo)};
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
