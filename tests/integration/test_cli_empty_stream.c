/* A stream that rightly gets no frame beside one that does (select=0, a trim past the end,
 * aselect=0, a -filter_complex output, -skip_frame nokey after an -ss past the only keyframe):
 * declared with no packet, as ffmpeg. */
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
static char g_one[700]; /* H.264 + AAC in MP4, 2 s, its first frame the only keyframe */

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-empty-stream") < 0) return -1;
  return tm_gen_one_keyframe(g_one, sizeof g_one, g_dir, "one.mp4") < 0 ? -1 : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* Runs "pre -i ONE post OUT" with isopipe and ffmpeg: both exit 0 with the
 * same streams (type, codec, size, packets). Returns the streams. */
static int streams_as_ffmpeg(const char *tag, const char *const *pre, const char *const *post,
                             const char *ext) {
  char out_iso[800], out_ff[800];
  snprintf(out_iso, sizeof out_iso, "%s/%s-iso.%s", g_dir, tag, ext);
  snprintf(out_ff, sizeof out_ff, "%s/%s-ff.%s", g_dir, tag, ext);
  const char *iso[CH_MAX_ARGS], *ff[CH_MAX_ARGS];
  static const char *const iso_opts[] = {"-nostats", "-y", NULL};
  ch_pair_argv(iso, ff, iso_opts, pre, g_one, post, out_iso, out_ff);
  assert_int_equal(tm_run_ffmpeg(ff), 0);
  ch_proc p;
  int rc = ch_run(&p, iso, 60);
  if (rc != 0) fail_msg("%s: isopipe exit %d, ffmpeg 0\n%s", tag, rc, ch_str(&p.err));
  ch_free(&p);
  tm_probe pi, pf;
  assert_int_equal(tm_probe_file(out_iso, false, &pi), 0);
  assert_int_equal(tm_probe_file(out_ff, false, &pf), 0);
  if (pi.nb_streams != pf.nb_streams)
    fail_msg("%s: isopipe wrote %d streams, ffmpeg %d", tag, pi.nb_streams, pf.nb_streams);
  for (int i = 0; i < pf.nb_streams; i++) {
    const tm_stream *a = &pi.st[i], *b = &pf.st[i];
    if (a->type != b->type || strcmp(a->codec, b->codec) || a->width != b->width ||
        a->height != b->height || a->sample_rate != b->sample_rate || a->channels != b->channels ||
        a->packets != b->packets)
      fail_msg("%s: stream %d: isopipe %s %dx%d %d Hz %d ch %" PRId64
               " packets, ffmpeg %s %dx%d %d Hz %d ch %" PRId64 " packets",
               tag, i, a->codec, a->width, a->height, a->sample_rate, a->channels, a->packets,
               b->codec, b->width, b->height, b->sample_rate, b->channels, b->packets);
  }
  return pf.nb_streams;
}

static void need_ffmpeg(void) {
  char ffmpeg[512];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg (to compare with)");
}

static const char *const none[] = {NULL};

/* select=0 keeps no picture: Matroska declares the video stream, with no
 * packet, beside the audio. */
static void t_select_nothing_mkv(void **state) {
  (void)state;
  need_ffmpeg();
  const char *post[] = {"-vf", "select=0", "-c:v", "libx264", "-c:a", "aac", NULL};
  assert_int_equal(streams_as_ffmpeg("select", none, post, "mkv"), 2);
}

/* MP4 leaves out a track without samples: audio alone, in both. */
static void t_select_nothing_mp4(void **state) {
  (void)state;
  need_ffmpeg();
  const char *post[] = {"-vf", "select=0", "-c:a", "aac", NULL};
  assert_int_equal(streams_as_ffmpeg("select", none, post, "mp4"), 1);
}

/* A trim past the end, scaled: the declared stream has the scaled size. */
static void t_trim_past_end(void **state) {
  (void)state;
  need_ffmpeg();
  const char *post[] = {"-vf", "trim=start=5,scale=80:-2", "-c:v", "mpeg4", "-c:a", "aac", NULL};
  assert_int_equal(streams_as_ffmpeg("trim", none, post, "mkv"), 2);
}

/* A -filter_complex output that gives nothing, scaled: declared at its size. */
static void t_fcomplex_nothing(void **state) {
  (void)state;
  need_ffmpeg();
  const char *post[] = {"-filter_complex",
                        "[0:v]select=0,scale=80:-2[v]",
                        "-map",
                        "[v]",
                        "-map",
                        "0:a",
                        "-c:v",
                        "libx264",
                        "-c:a",
                        "aac",
                        NULL};
  assert_int_equal(streams_as_ffmpeg("fc", none, post, "mkv"), 2);
}

/* A -filter_complex audio output that gives nothing, resampled to stereo
 * 48 kHz: declared at that rate and layout, beside the video. */
static void t_fcomplex_audio_nothing(void **state) {
  (void)state;
  need_ffmpeg();
  const char *post[] = {"-filter_complex",
                        "[0:a]aselect=0,aformat=channel_layouts=stereo,aresample=48000[a]",
                        "-map",
                        "0:v",
                        "-map",
                        "[a]",
                        "-c:v",
                        "mpeg4",
                        "-c:a",
                        "aac",
                        NULL};
  assert_int_equal(streams_as_ffmpeg("fca", none, post, "mkv"), 2);
}

/* The same for audio: aselect=0 beside the video. */
static void t_aselect_nothing(void **state) {
  (void)state;
  need_ffmpeg();
  const char *post[] = {"-af", "aselect=0", "-c:v", "mpeg4", "-c:a", "aac", NULL};
  assert_int_equal(streams_as_ffmpeg("aselect", none, post, "mkv"), 2);
}

/* -skip_frame nokey after an -ss past the only keyframe: no frame is
 * decoded at all; the video stream is still declared. */
static void t_skip_after_ss(void **state) {
  (void)state;
  need_ffmpeg();
  const char *pre[] = {"-skip_frame", "nokey", "-ss", "1", NULL};
  const char *post[] = {"-c:v", "mpeg4", "-c:a", "aac", NULL};
  assert_int_equal(streams_as_ffmpeg("skip", pre, post, "mkv"), 2);
}

/* An -ss past the end leaves no stream any data: still refused, naming it. */
static void t_past_end_fails(void **state) {
  (void)state;
  char out[800];
  snprintf(out, sizeof out, "%s/past.mkv", g_dir);
  const char *args[] = {"-nostats", "-y", "-ss", "30", "-i", g_one, "-c:v", "mpeg4", out, NULL};
  ch_proc p;
  int rc = ch_run(&p, args, 60);
  assert_int_equal(rc, 1);
  assert_non_null(strstr(ch_str(&p.err), "nothing of the input is left after -ss 30"));
  ch_free(&p);
  assert_false(tm_file_exists(out));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_select_nothing_mkv), cmocka_unit_test(t_select_nothing_mp4),
      cmocka_unit_test(t_trim_past_end),      cmocka_unit_test(t_aselect_nothing),
      cmocka_unit_test(t_fcomplex_nothing),   cmocka_unit_test(t_fcomplex_audio_nothing),
      cmocka_unit_test(t_skip_after_ss),      cmocka_unit_test(t_past_end_fails),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
