/* Seeking as ffmpeg 5.1 seeks: an output -ss on copied streams, -sseof, -noaccurate_seek. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli_compare.h"
#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];
static char g_av[700]; /* H.264 (B-frames, a keyframe every 2 s) + AAC in MP4, 4 s */

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-seek") < 0) return -1;
  cx_clip_opts o;
  cx_clip_defaults(&o);
  o.width = 160;
  o.height = 120;
  o.duration = 4.0;
  o.vcodec = "libx264";
  o.acodec = "aac";
  o.gop = 60;
  return tm_gen_clip(g_av, sizeof g_av, g_dir, "av.mp4", &o) < 0 ? -1 : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* An output -ss on copied streams drops every packet decoded before it,
 * keyframes included, so a copy starts at the first keyframe decoded
 * after it; -t ends it by decoding time; with -copyts both count on the
 * input's own clock. */
static void t_output_ss_copy(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  /* The keyframe at 2 s is decoded before 2 s (B-frames): no video. */
  const char *at_key[] = {"-i", g_av,   "-ss", "2",        "-t", "0.5",
                          "-c", "copy", "-f",  "framemd5", NULL};
  ch_same_frames(g_dir, "-ss 2 -t 0.5", at_key, 20);
  /* -copyinkf: the packets decoded in the window, from no keyframe. */
  const char *inkf[] = {"-i", g_av,   "-ss",       "0.5", "-t",       "0.5",
                        "-c", "copy", "-copyinkf", "-f",  "framemd5", NULL};
  ch_same_frames(g_dir, "-copyinkf", inkf, 30);
  /* An input -ss with -copyts: the output -t counts from the input's 0. */
  const char *in_ss[] = {"-ss", "0.5",  "-i",      g_av, "-t",       "0.5",
                         "-c",  "copy", "-copyts", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "-ss 0.5 -i -copyts", in_ss, 30);
  const char *both[] = {"-ss", "0.3", "-i",   g_av,      "-ss", "0.5",      "-t",
                        "1",   "-c",  "copy", "-copyts", "-f",  "framemd5", NULL};
  ch_same_frames(g_dir, "-ss 0.3 -i -ss 0.5 -copyts", both, 40);
  char ts[700];
  const char *corpus_ts = tm_corpus_file("video/bt601-525_480_telecined_hard.ts", ts, sizeof ts);
  TM_NEED(corpus_ts, "media corpus");
  /* MPEG-2 with a keyframe every 0.5 s, starting at 1.43 s: the one
   * keyframe at 0.506 s after the start is decoded before 0.5 s. */
  const char *mpeg2[] = {"-i", ts, "-ss", "0.5", "-t", "0.5", "-c", "copy", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "TS -ss 0.5 -t 0.5", mpeg2, 17);
  const char *clock[] = {"-i", ts,     "-ss",     "1.2", "-t",       "2",
                         "-c", "copy", "-copyts", "-f",  "framemd5", NULL};
  ch_same_frames(g_dir, "TS -ss 1.2 -t 2 -copyts", clock, 100);
  const char *zero[] = {"-i",  ts,         "-ss",  "0.5",     "-t",
                        "0.5", "-c",       "copy", "-copyts", "-start_at_zero",
                        "-f",  "framemd5", NULL};
  ch_same_frames(g_dir, "TS -copyts -start_at_zero", zero, 17);
  /* An input -ss copy is unchanged: from the keyframe before it. */
  const char *input[] = {"-ss", "0.5", "-i", ts, "-t", "0.5", "-c", "copy", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "TS -ss 0.5 -i", input, 30);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_output_ss_copy),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
