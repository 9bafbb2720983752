/* -stream_loop: an input read again from its start, each pass placed where ffmpeg 5.1 places it. */
#include <inttypes.h>
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
static char g_av[700];  /* H.264 + AAC in MP4, 1 s */
static char g_mp3[700]; /* MP3 (gapless padding at its end), 1 s */
static char g_aac[700]; /* AAC in M4A, 1 s */

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-loop") < 0) return -1;
  if (tm_gen_simple(g_av, sizeof g_av, g_dir, "av.mp4", "libx264", "aac", 160, 120, 1.0, 2, 48000) <
      0)
    return -1;
  if (tm_gen_simple(g_aac, sizeof g_aac, g_dir, "a.m4a", NULL, "aac", 0, 0, 1.0, 2, 48000) < 0)
    return -1;
  return tm_gen_simple(g_mp3, sizeof g_mp3, g_dir, "a.mp3", NULL, "libmp3lame", 0, 0, 1.0, 2,
                       44100) < 0
             ? -1
             : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

static void t_as_ffmpeg(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  /* Copied audio and video: the passes follow each other as ffmpeg's. */
  const char *copy[] = {"-stream_loop", "2", "-i", g_av, "-c", "copy", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "copy", copy, 3 * 60);
  /* Decoded MP3: each pass starts after the samples the last one decoded
   * (its padding dropped), not after its packets. */
  const char *mp3[] = {"-stream_loop", "2",  "-i",       g_mp3, "-c:a",
                       "pcm_s16le",    "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "mp3", mp3, 3 * 30);
  /* Pictures encoded again, audio left out: two passes of 30. */
  const char *x264[] = {"-stream_loop", "1",       "-i", g_av,       "-an",
                        "-c:v",         "libx264", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "x264", x264, 60);
  /* Decoders drain and reset between passes, as ffmpeg's when it seeks
   * back: each pass's first AAC frame is decoded from a fresh state. */
  const char *aac[] = {"-stream_loop", "2", "-i", g_aac, "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "aac", aac, 3 * 40);
  const char *av[] = {"-stream_loop", "1",         "-i", g_av,       "-c:v", "libx264",
                      "-c:a",         "pcm_s16le", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "x264 + pcm", av, 2 * 60);
  const char *endless[] = {"-stream_loop", "-1",        "-i", g_mp3,      "-t", "4.5",
                           "-c:a",         "pcm_s16le", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "endless", endless, 150);
}

/* The common recipe: a short sound looped endlessly under a longer video,
 * ended by -shortest; and an endless loop ended by -t. */
static void t_endless(void **state) {
  (void)state;
  char out[800], err[4096];
  snprintf(out, sizeof out, "%s/music.mp4", g_dir);
  char video[700];
  assert_int_equal(
      tm_gen_simple(video, sizeof video, g_dir, "v3.mp4", "libx264", NULL, 160, 120, 3.0, 0, 0), 0);
  const char *a[] = {"-v",  "error",     "-y",  "-i",   video, "-stream_loop", "-1",   "-i",
                     g_mp3, "-map",      "0:v", "-map", "1:a", "-c:v",         "copy", "-c:a",
                     "aac", "-shortest", out,   NULL};
  assert_int_equal(ch_run_err(a, err, sizeof err), 0);
  tm_probe p;
  assert_int_equal(tm_probe_file(out, false, &p), 0);
  const tm_stream *vs = tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO);
  const tm_stream *as = tm_probe_stream(&p, AVMEDIA_TYPE_AUDIO);
  assert_non_null(vs);
  assert_non_null(as);
  assert_int_equal(vs->packets, 90);
  /* Three passes of a one-second sound and some of a fourth: about 3 s. */
  double secs = as->packets * 1024.0 / 44100;
  printf("audio %.3f s under 3 s of video\n", secs);
  assert_true(secs > 2.9 && secs < 3.2);
  snprintf(out, sizeof out, "%s/long.wav", g_dir);
  const char *b[] = {"-v",  "error", "-y", "-stream_loop", "-1", "-i", g_mp3, "-t",
                     "4.5", out,     NULL};
  assert_int_equal(ch_run_err(b, err, sizeof err), 0);
  assert_int_equal(tm_probe_file(out, true, &p), 0);
  as = tm_probe_stream(&p, AVMEDIA_TYPE_AUDIO);
  assert_non_null(as);
  /* The passes are placed on the timeline as ffmpeg places them: the gap
   * the MP3's priming leaves at each start stays a gap, as in ffmpeg's
   * output (t_as_ffmpeg compares the samples). */
  printf("looped wav: %" PRId64 " samples\n", as->samples);
  assert_true(as->samples > (int64_t)(4.3 * 44100) && as->samples <= (int64_t)(4.5 * 44100));
}

static void t_bad_count(void **state) {
  (void)state;
  char out[800], err[4096];
  snprintf(out, sizeof out, "%s/bad.mkv", g_dir);
  const char *a[] = {"-y", "-stream_loop", "twice", "-i", g_av, out, NULL};
  assert_int_equal(ch_run_err(a, err, sizeof err), 2);
  assert_non_null(strstr(err, "-stream_loop"));
  const char *b[] = {"-y", "-stream_loop", "-2", "-i", g_av, out, NULL};
  assert_int_equal(ch_run_err(b, err, sizeof err), 2);
  assert_non_null(strstr(err, "-stream_loop"));
  assert_false(tm_file_exists(out));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_as_ffmpeg),
      cmocka_unit_test(t_endless),
      cmocka_unit_test(t_bad_count),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
