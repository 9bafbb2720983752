/* -map_channel gives ffmpeg 5.1's channels (framemd5), and its errors name the option. */
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

static char g_dir[512], g_wav[700], g_mp4[700];

/* A stereo WAV whose channels differ (440 Hz left, 1 kHz right, so a swap
 * or a channel taken shows in the checksums), and it beside a video in an mp4. */
static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-mapchan") < 0) return -1;
  snprintf(g_wav, sizeof g_wav, "%s/lr.wav", g_dir);
  snprintf(g_mp4, sizeof g_mp4, "%s/lr.mp4", g_dir);
  const char *wav[] = {"-v",
                       "error",
                       "-y",
                       "-f",
                       "lavfi",
                       "-i",
                       "sine=frequency=440:duration=1",
                       "-f",
                       "lavfi",
                       "-i",
                       "sine=frequency=1000:duration=1",
                       "-filter_complex",
                       "[0:a][1:a]amerge=inputs=2",
                       "-c:a",
                       "pcm_s16le",
                       g_wav,
                       NULL};
  const char *mp4[] = {
      "-v", "error", "-y",   "-f",      "lavfi", "-i",  "testsrc=size=160x120:rate=10:duration=1",
      "-i", g_wav,   "-c:v", "libx264", "-c:a",  "aac", g_mp4,
      NULL};
  ch_proc p;
  int rc = ch_run(&p, wav, 60);
  ch_free(&p);
  if (rc != 0) return -1;
  rc = ch_run(&p, mp4, 60);
  ch_free(&p);
  return rc == 0 ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* The wiki's one channel per file, a swap, a silenced channel, a channel
 * of an mp4's audio twice, after -af and before -ac: ffmpeg's samples. */
static void t_same_as_ffmpeg(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference for -map_channel)");
  const char *left[] = {"-i", g_wav, "-map_channel", "0.0.0", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "-map_channel 0.0.0", left, 10);
  const char *right[] = {"-i", g_wav, "-map_channel", "0.0.1", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "-map_channel 0.0.1", right, 10);
  const char *swap[] = {"-i",    g_wav, "-map_channel", "0.0.1", "-map_channel",
                        "0.0.0", "-f",  "framemd5",     NULL};
  ch_same_frames(g_dir, "-map_channel 0.0.1 -map_channel 0.0.0", swap, 10);
  const char *mute[] = {"-i",    g_wav, "-map_channel", "-1", "-map_channel",
                        "0.0.1", "-f",  "framemd5",     NULL};
  ch_same_frames(g_dir, "-map_channel -1 -map_channel 0.0.1", mute, 10);
  const char *twice[] = {"-i",           g_mp4,   "-vn", "-map_channel", "0.1.1",
                         "-map_channel", "0.1.1", "-f",  "framemd5",     NULL};
  ch_same_frames(g_dir, "mp4 -map_channel 0.1.1 twice", twice, 10);
  const char *chain[] = {"-i", g_wav, "-af",      "volume=0.5", "-map_channel", "0.0.1", "-ac",
                         "2",  "-f",  "framemd5", NULL};
  ch_same_frames(g_dir, "-af volume -map_channel 0.0.1 -ac 2", chain, 10);
}

/* A channel the stream lacks, a video stream, a stream that is not there
 * and the FILE.STREAM.CHANNEL:OUT form: an error naming -map_channel and
 * the value. */
static void t_errors(void **state) {
  (void)state;
  char out[800], err[4096];
  snprintf(out, sizeof out, "%s/bad.wav", g_dir);
  static const char *const bad[] = {"0.0.2", "0.1.0", "1.0.0", "0.0.0:0.0", "left"};
  for (int i = 0; i < 5; i++) {
    const char *args[] = {"-v", "error", "-y", "-i", g_wav, "-map_channel", bad[i], out, NULL};
    int rc = ch_run_err(args, err, sizeof err);
    if (rc == 0) fail_msg("-map_channel %s: exit 0", bad[i]);
    if (!strstr(err, "map_channel") || !strstr(err, bad[i]))
      fail_msg("-map_channel %s: the message names neither: %s", bad[i], err);
  }
  const char *video[] = {"-v", "error", "-y", "-i", g_mp4, "-map_channel", "0.0.0", out, NULL};
  assert_int_not_equal(ch_run_err(video, err, sizeof err), 0);
  assert_non_null(strstr(err, "is not audio"));
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(t_same_as_ffmpeg),
                                     cmocka_unit_test(t_errors)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
