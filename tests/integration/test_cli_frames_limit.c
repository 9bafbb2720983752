/* -frames:a, -aframes, -frames without a type and -frames:v with a copied video: packets per
 * stream as ffmpeg 5.1 writes them, on the same lines. */
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
static char g_av[700]; /* H.264 (a keyframe every 50 frames) + AAC in MP4, 4 s at 30 fps */

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-frames-limit") < 0) return -1;
  cx_clip_opts o;
  cx_clip_defaults(&o);
  o.width = 160;
  o.height = 120;
  o.duration = 4.0;
  o.vcodec = "libx264";
  o.acodec = "aac";
  o.gop = 50;
  return tm_gen_clip(g_av, sizeof g_av, g_dir, "av.mp4", &o) < 0 ? -1 : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

static int64_t packets(const tm_probe *p, enum AVMediaType type) {
  const tm_stream *s = tm_probe_stream(p, type);
  return s ? s->packets : -1;
}

/* Runs "-i IN opts OUT" (opts space-separated) through isopipe and ffmpeg;
 * their packet counts per type must agree, and isopipe's must be want_v
 * video and want_a audio packets (-1: any, the input's whole stream). */
static void same_packets(const char *opts, const char *ext, int64_t want_v, int64_t want_a) {
  char buf[400], iso_out[700], ff_out[700], err[4096];
  snprintf(buf, sizeof buf, "%s", opts);
  snprintf(iso_out, sizeof iso_out, "%s/i.%s", g_dir, ext);
  snprintf(ff_out, sizeof ff_out, "%s/f.%s", g_dir, ext);
  const char *iso[CH_MAX_ARGS] = {"-y", "-v", "error", "-i", g_av}, *ff[CH_MAX_ARGS] = {"-i", g_av};
  int ni = 5, nf = 2;
  for (char *save = NULL, *t = strtok_r(buf, " ", &save); t && ni < CH_MAX_ARGS - 2;
       t = strtok_r(NULL, " ", &save))
    iso[ni++] = ff[nf++] = t;
  iso[ni++] = iso_out;
  ff[nf++] = ff_out;
  iso[ni] = ff[nf] = NULL;
  int rc = ch_run_err(iso, err, sizeof err);
  if (rc != 0) fail_msg("'%s': isopipe exit %d\n%s", opts, rc, err);
  tm_probe a, b;
  assert_int_equal(tm_probe_file(iso_out, false, &a), 0);
  if (want_v >= 0 && packets(&a, AVMEDIA_TYPE_VIDEO) != want_v)
    fail_msg("'%s': %lld video packets, expected %lld", opts,
             (long long)packets(&a, AVMEDIA_TYPE_VIDEO), (long long)want_v);
  if (want_a >= 0 && packets(&a, AVMEDIA_TYPE_AUDIO) != want_a)
    fail_msg("'%s': %lld audio packets, expected %lld", opts,
             (long long)packets(&a, AVMEDIA_TYPE_AUDIO), (long long)want_a);
  char ffmpeg[512];
  if (!tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg)) return;
  if (tm_run_ffmpeg(ff) != 0) fail_msg("'%s': ffmpeg failed", opts);
  assert_int_equal(tm_probe_file(ff_out, false, &b), 0);
  for (int t = AVMEDIA_TYPE_VIDEO; t <= AVMEDIA_TYPE_AUDIO; t++)
    if (packets(&a, t) != packets(&b, t))
      fail_msg("'%s': %s packets: isopipe %lld, ffmpeg %lld", opts, av_get_media_type_string(t),
               (long long)packets(&a, t), (long long)packets(&b, t));
}

static void need_ffmpeg(void) {
  char ffmpeg[512];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg (to compare with)");
}

/* The audio ends at its count, the video goes on (encoded or copied). */
static void t_audio_alone(void **state) {
  (void)state;
  need_ffmpeg();
  same_packets("-frames:a 10 -c:v mpeg4 -c:a aac", "mkv", 120, 10);
  same_packets("-aframes 7 -c copy", "mkv", 120, 7);
  same_packets("-frames:a 20 -c:a libmp3lame -vn", "mp3", -1, 20);
}

/* A copied video's count ends the whole file: the audio is cut where
 * its last packet is written. */
static void t_copied_video_ends_file(void **state) {
  (void)state;
  need_ffmpeg();
  same_packets("-frames:v 30 -c copy", "mkv", 30, -1);
  same_packets("-frames:v 3 -c:v copy -an", "mp4", 3, -1);
}

/* Without a type, every stream gets the count. */
static void t_every_stream(void **state) {
  (void)state;
  need_ffmpeg();
  same_packets("-frames 30 -c:v mpeg4 -c:a aac", "mkv", 30, 30);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_audio_alone),
      cmocka_unit_test(t_copied_video_ends_file),
      cmocka_unit_test(t_every_stream),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
