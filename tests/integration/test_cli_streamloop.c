/* -stream_loop: an input read again from its start, each pass placed where ffmpeg 5.1 places it. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];
static char g_av[700];  /* H.264 + AAC in MP4, 1 s */
static char g_mp3[700]; /* MP3 (gapless padding at its end), 1 s */

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-loop") < 0) return -1;
  if (tm_gen_simple(g_av, sizeof g_av, g_dir, "av.mp4", "libx264", "aac", 160, 120, 1.0, 2, 48000) <
      0)
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

/* isopipe and ffmpeg on the same arguments (before "-f framemd5 OUT"):
 * the framemd5 files must be equal; returns the count of lines. */
static int same_as_ffmpeg(const char *tag, const char *const *args, int n) {
  char mine[800], ref[800], err[4096], why[512];
  snprintf(mine, sizeof mine, "%s/%s-iso.framemd5", g_dir, tag);
  snprintf(ref, sizeof ref, "%s/%s-ff.framemd5", g_dir, tag);
  const char *a[40] = {"-v", "error", "-y"};
  const char *f[40];
  for (int i = 0; i < n; i++)
    a[3 + i] = f[i] = args[i];
  a[3 + n] = f[n] = "-f";
  a[4 + n] = f[n + 1] = "framemd5";
  a[5 + n] = mine;
  f[n + 2] = ref;
  a[6 + n] = f[n + 3] = NULL;
  int rc = ch_run_err(a, err, sizeof err);
  if (rc) printf("%s: exit %d: %s\n", tag, rc, err);
  assert_int_equal(rc, 0);
  assert_int_equal(tm_run_ffmpeg(f), 0);
  int lines = 0;
  bool same = tm_framemd5_equal(mine, ref, &lines, why, sizeof why);
  if (!same) printf("%s: %s\n", tag, why);
  assert_true(same);
  return lines;
}

static void t_as_ffmpeg(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  /* Copied audio and video: the passes follow each other as ffmpeg's. */
  const char *copy[] = {"-stream_loop", "2", "-i", g_av, "-c", "copy"};
  int n = same_as_ffmpeg("copy", copy, 6);
  /* Decoded MP3: each pass starts after the samples the last one decoded
   * (its padding dropped), not after its packets. */
  const char *mp3[] = {"-stream_loop", "2", "-i", g_mp3, "-c:a", "pcm_s16le"};
  int m = same_as_ffmpeg("mp3", mp3, 6);
  /* Pictures encoded again, audio left out. */
  const char *x264[] = {"-stream_loop", "1", "-i", g_av, "-an", "-c:v", "libx264"};
  int v = same_as_ffmpeg("x264", x264, 7);
  const char *endless[] = {"-stream_loop", "-1", "-i", g_mp3, "-t", "4.5", "-c:a", "pcm_s16le"};
  int e = same_as_ffmpeg("endless", endless, 8);
  printf("copy %d, mp3 %d, x264 %d, endless %d packets\n", n, m, v, e);
  assert_true(n > 3 * 60);
  assert_true(m > 3 * 30);
  assert_int_equal(v, 60);
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
