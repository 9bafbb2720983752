/* An input's -t counts from the first frame kept after its -ss, as ffmpeg's trim does; an output's
 * -t from the output's start. */
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
static char g_ts[700]; /* MPEG-2 with open GOPs (B-frames lead each I-frame) + MP2, in MPEG-TS */

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-trimfirst") < 0) return -1;
  snprintf(g_ts, sizeof g_ts, "%s/opengop.ts", g_dir);
  char ffmpeg[600];
  if (!tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg)) return 0; /* the test skips */
  const char *args[] = {"-f",   "lavfi", "-i",   "testsrc=s=320x240:r=30",
                        "-f",   "lavfi", "-i",   "sine=f=440:r=48000",
                        "-t",   "4",     "-c:v", "mpeg2video",
                        "-g",   "15",    "-bf",  "2",
                        "-c:a", "mp2",   "-f",   "mpegts",
                        g_ts,   NULL};
  return tm_run_ffmpeg(args) == 0 ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* A seek into an open GOP: the B-frames before its I-frame cannot be
 * decoded, so the first frame kept comes after -ss, and an input -t ends as
 * much later (30 frames, not 24); an output -t does not move. */
static void t_open_gop(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  const char *video[] = {"-ss", "1.3", "-t", "1", "-i", g_ts, "-an", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "input -t, video", video, 30);
  const char *av[] = {"-ss", "1.3", "-t", "1", "-i", g_ts, "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "input -t, audio and video", av, 72);
  const char *cfr[] = {"-ss", "1.3",       "-t",  "1",  "-i",       g_ts,
                       "-an", "-fps_mode", "cfr", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "input -t, cfr", cfr, 30);
  const char *filtered[] = {"-ss",          "2.7", "-t",         "1",  "-i",       g_ts, "-vf",
                            "scale=160:-2", "-af", "volume=0.5", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "input -t through filters", filtered, 30);
  const char *out_t[] = {"-ss", "1.3", "-i", g_ts, "-t", "1", "-an", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "output -t", out_t, 24);
}

/* -filter_complex: the input's -ss/-t cut what enters the graph (a palette
 * is made of the window's pictures only, a window the graph lengthens is
 * not cut again after it); the output's own -t after it. */
static void t_filter_complex(void **state) {
  (void)state;
  /* Holds the last picture one second more: a graph that lengthens the window. */
  static const char tpad[] = "[0:v]tpad=stop_mode=clone:stop_duration=1[v]";
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  const char *open_gop[] = {
      "-ss",          "1.3",  "-t",  "1",  "-i",       g_ts, "-filter_complex",
      "[0:v]null[o]", "-map", "[o]", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "open GOP through a graph", open_gop, 30);
  const char *palette[] = {
      "-ss",
      "0.5",
      "-t",
      "1",
      "-i",
      g_ts,
      "-filter_complex",
      "[0:v] fps=12,scale=160:-1,split [a][b];[a] palettegen [p];[b][p] paletteuse",
      "-f",
      "framemd5",
      NULL};
  ch_same_frames(g_dir, "palette of the window", palette, 12);
  const char *longer[] = {"-ss", "1",    "-t",  "1",  "-i",       g_ts, "-filter_complex",
                          tpad,  "-map", "[v]", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "lengthened by the graph", longer, 60);
  const char *out_t[] = {"-ss", "1",  "-i",  g_ts, "-filter_complex", tpad, "-map",
                         "[v]", "-t", "1.5", "-f", "framemd5",        NULL};
  ch_same_frames(g_dir, "output -t after the graph", out_t, 45);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(t_open_gop),
                                     cmocka_unit_test(t_filter_complex)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
