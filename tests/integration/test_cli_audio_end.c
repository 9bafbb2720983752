/* Audio -ss/-t cuts equal ffmpeg's (framemd5), as an output and as an input option, through a
 * resampler, filters with memory and filters that work in place too; encoders' frames stamped as
 * ffmpeg's. */
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

static int setup(void **state) {
  (void)state;
  return ch_mkdtemp(g_dir, sizeof g_dir, "cli-audio-end");
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* Audio ends where ffmpeg's -t ends it, as an output option and as an
 * input one, also where a codec's priming puts the first sample past 0
 * (Opus in WebM: ffmpeg keeps the frame that holds the end whole for an
 * output -t, and one more partial frame for an input -t). */
static void t_audio_end(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference for -t)");
  static const char *const clips[] = {"media/clip-vp9-opus.webm", "media/clip-h264-aac.mp4",
                                      "media/clip-44k1-mono.mp3"};
  for (int c = 0; c < 3; c++)
    for (int before = 0; before < 2; before++) {
      char in[800], a[800], b[800], why[512];
      tm_source_file(clips[c], in, sizeof in);
      snprintf(a, sizeof a, "%s/end_i%d%d.framemd5", g_dir, c, before);
      snprintf(b, sizeof b, "%s/end_f%d%d.framemd5", g_dir, c, before);
      const char *t1 = before ? "-t" : "-i", *t2 = before ? "0.7" : in;
      const char *t3 = before ? "-i" : "-t", *t4 = before ? in : "0.7";
      const char *iso[] = {"-y",  "-v",   "error",     t1,   t2,         t3, t4,
                           "-vn", "-c:a", "pcm_s16le", "-f", "framemd5", a,  NULL};
      const char *ff[] = {t1, t2, t3, t4, "-vn", "-c:a", "pcm_s16le", "-f", "framemd5", b, NULL};
      assert_int_equal(ch_run_err(iso, NULL, 0), 0);
      assert_int_equal(tm_run_ffmpeg(ff), 0);
      if (!tm_framemd5_equal(a, b, NULL, why, sizeof why))
        fail_msg("%s with -t 0.7 %s -i: %s", clips[c], before ? "before" : "after", why);
    }
}

/* An output's own -ss/-t cut the audio after its resampler and filters,
 * as ffmpeg's output trim: the first and last samples come from a
 * resampler that ran on what precedes and follows the window (cut before
 * it, they were its start-up and flush). */
static void t_resampled_window(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference for -ss/-t)");
  char mp3[800], mp4[800];
  tm_source_file("media/clip-44k1-mono.mp3", mp3, sizeof mp3);
  tm_source_file("media/clip-h264-aac.mp4", mp4, sizeof mp4);
  const char *ss[] = {"-i",   mp3,         "-ss", "0.3",      "-ar", "22050",
                      "-c:a", "pcm_s16le", "-f",  "framemd5", NULL};
  ch_same_frames(g_dir, "-ss 0.3 -ar 22050", ss, 10);
  const char *t[] = {"-i",   mp3,         "-t", "0.7",      "-ar", "22050",
                     "-c:a", "pcm_s16le", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "-t 0.7 -ar 22050", t, 10);
  const char *both[] = {"-i",  mp4,     "-ss",  "0.4",       "-t", "0.5",      "-vn",
                        "-ar", "32000", "-c:a", "pcm_s16le", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "-ss 0.4 -t 0.5 -ar 32000", both, 10);
  const char *hp[] = {"-i",   mp4,         "-ss", "0.4",      "-vn", "-af", "highpass=f=300",
                      "-c:a", "pcm_s16le", "-f",  "framemd5", NULL};
  ch_same_frames(g_dir, "-ss 0.4 -af highpass", hp, 10);
}

/* A filter that works in place with SIMD (volume) after an input -ss whose
 * cut falls inside a decoded frame (0.5 s of 44.1 kHz MP3 is 162 samples
 * into a 1152-sample frame): the kept samples must start where the plane
 * is aligned, through -af and through -filter_complex. */
static void t_in_place_after_cut(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference for -ss)");
  char mp3[800];
  tm_source_file("media/clip-44k1-mono.mp3", mp3, sizeof mp3);
  const char *af[] = {"-ss",  "0.5",       "-i", mp3,        "-af", "volume=2",
                      "-c:a", "pcm_s16le", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "-ss 0.5 -i MP3 -af volume=2", af, 10);
  const char *fc[] = {"-ss",
                      "0.5",
                      "-i",
                      mp3,
                      "-filter_complex",
                      "[0:a]volume=2[a]",
                      "-map",
                      "[a]",
                      "-c:a",
                      "pcm_s16le",
                      "-f",
                      "framemd5",
                      NULL};
  ch_same_frames(g_dir, "-ss 0.5 -i MP3 -filter_complex volume=2", fc, 10);
}

/* Encoders with a fixed frame size get their frames stamped as ffmpeg's
 * sink stamps them: from the input frame a frame's first sample comes from.
 * Opus in WebM leaves a gap after its first frame (its pre-skip on a
 * millisecond clock) that every later AAC and MP3 packet keeps. */
static void t_frame_size_stamps(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference)");
  static const char *const enc[] = {"aac", "libmp3lame"};
  char in[800];
  tm_source_file("media/clip-vp9-opus.webm", in, sizeof in);
  for (int e = 0; e < 2; e++) {
    char a[800], b[800], why[512];
    snprintf(a, sizeof a, "%s/fs_i%d.framemd5", g_dir, e);
    snprintf(b, sizeof b, "%s/fs_f%d.framemd5", g_dir, e);
    const char *iso[] = {"-y",   "-v",   "error", "-i",       in, "-vn",
                         "-c:a", enc[e], "-f",    "framemd5", a,  NULL};
    const char *ff[] = {"-i", in, "-vn", "-c:a", enc[e], "-f", "framemd5", b, NULL};
    assert_int_equal(ch_run_err(iso, NULL, 0), 0);
    assert_int_equal(tm_run_ffmpeg(ff), 0);
    if (!tm_framemd5_equal(a, b, NULL, why, sizeof why)) fail_msg("-c:a %s: %s", enc[e], why);
  }
}

/* An output's -t is checked on the frames the encoder is given, after
 * they were cut to its frame size, as ffmpeg checks its recording time:
 * where the stream starts past 0 (Opus' priming in WebM), the frame that
 * holds the end is encoded whole. Per encoder (AAC, Opus, MP3, FLAC) and
 * through a filter that moves time (atempo). */
static void t_encoder_frame_end(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference)");
  static const struct {
    const char *enc, *t, *af;
  } cases[] = {{"aac", "1", NULL},
               {"libopus", "1", NULL},
               {"libmp3lame", "1.3", NULL},
               {"flac", "1", NULL},
               {"aac", "0.9", "atempo=1.5"}};
  char in[800];
  tm_source_file("media/clip-vp9-opus.webm", in, sizeof in);
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    char a[800], b[800], why[512];
    snprintf(a, sizeof a, "%s/fe_i%zu.framecrc", g_dir, k);
    snprintf(b, sizeof b, "%s/fe_f%zu.framecrc", g_dir, k);
    /* The same line for both; isopipe's gets -y -v error in front. */
    const char *line[20] = {"-i", in, "-t", cases[k].t, "-vn"};
    int n = 5;
    if (cases[k].af) line[n++] = "-af", line[n++] = cases[k].af;
    const char *tail[] = {"-c:a", cases[k].enc, "-threads", "1", "-f", "framecrc"};
    for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++)
      line[n++] = tail[i];
    const char *iso[24] = {"-y", "-v", "error"}, *ff[24] = {0};
    for (int i = 0; i < n; i++)
      iso[3 + i] = ff[i] = line[i];
    iso[3 + n] = a;
    ff[n] = b;
    assert_int_equal(ch_run_err(iso, NULL, 0), 0);
    assert_int_equal(tm_run_ffmpeg(ff), 0);
    if (!tm_framemd5_equal(a, b, NULL, why, sizeof why))
      fail_msg("-t %s -c:a %s%s%s: %s", cases[k].t, cases[k].enc, cases[k].af ? " -af " : "",
               cases[k].af ? cases[k].af : "", why);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_audio_end), cmocka_unit_test(t_resampled_window),
      cmocka_unit_test(t_in_place_after_cut), cmocka_unit_test(t_frame_size_stamps),
      cmocka_unit_test(t_encoder_frame_end)};
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
