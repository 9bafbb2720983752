/* A -filter_complex input that gives no frame while another input of its file fills its link (a
 * video whose only keyframe lies before the -ss): the graph is built from the stream's parameters,
 * as ffmpeg builds it, instead of waiting forever; compared with ffmpeg. */
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
static char g_ts[700]; /* H.264 with one keyframe (at 0) + AAC in MPEG-TS, 2 s */

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-fc-late") < 0) return -1;
  char mp4[700];
  if (tm_gen_simple(mp4, sizeof mp4, g_dir, "in.mp4", "libx264", "aac", 160, 120, 2.0, 2, 48000) <
      0)
    return -1;
  snprintf(g_ts, sizeof g_ts, "%s/in.ts", g_dir);
  const char *ts[] = {"-y", "-v", "error", "-i", mp4, "-c", "copy", g_ts, NULL};
  return ch_run_err(ts, NULL, 0) == 0 ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* MPEG-TS seeks by timestamp, past the only keyframe: the video decodes
 * nothing until its end while the audio fills its link. isopipe waited
 * for the video's first frame and hung (Tunarr's line on an HLS segment);
 * ffmpeg builds the graph and gives all the audio. */
static void test_video_without_frames(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference for -filter_complex)");
  const char *args[] = {"-ss",
                        "0.5",
                        "-i",
                        g_ts,
                        "-filter_complex",
                        "[0:v]scale=80:60,nullsink;[0:a]aresample=44100,anull[a]",
                        "-map",
                        "[a]",
                        "-c:a",
                        "pcm_s16le",
                        "-f",
                        "framemd5",
                        NULL};
  ch_same_frames(g_dir, "-ss 0.5 on a TS, video without a decodable frame", args, 10);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_video_without_frames)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
