/* An MPEG-TS whose timestamps jump forward (a recording with a hole), transcoded into mp4, mkv and
 * ts: frame and packet counts, and the frames themselves, as ffmpeg's. */
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
static char g_jump[700];
static int64_t g_frames; /* video frames in the two parts */

/* Appends the file at path to out. */
static int append(FILE *out, const char *path) {
  FILE *in = fopen(path, "rb");
  if (!in) return -1;
  char buf[65536];
  size_t n;
  int r = 0;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0)
    if (fwrite(buf, 1, n, out) != n) r = -1;
  fclose(in);
  return r;
}

/* JUMP: a 1.2 s clip (25 fps H.264 + AAC) as TS, then the same clip with
 * its clock moved 4.15 s on, appended: the video jumps about 2.95 s
 * forward where the parts meet, under the 10 s at which a TS jump counts
 * as a restart. */
static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-ts-jump") < 0) return -1;
  char clip[700], a[800], b[800];
  cx_clip_opts o;
  cx_clip_defaults(&o);
  o.fps = (AVRational){25, 1};
  o.duration = 1.2;
  o.vcodec = "libx264";
  o.acodec = "aac";
  o.gop = 25;
  if (tm_gen_clip(clip, sizeof clip, g_dir, "clip.mp4", &o) < 0) return -1;
  snprintf(a, sizeof a, "%s/a.ts", g_dir);
  snprintf(b, sizeof b, "%s/b.ts", g_dir);
  const char *mka[] = {"-y", "-v", "error", "-i", clip, "-c", "copy", a, NULL};
  const char *mkb[] = {"-y", "-v",   "error", "-itsoffset", "4.15", "-i", clip,
                       "-c", "copy", "-f",    "mpegts",     b,      NULL};
  if (ch_run_err(mka, NULL, 0) != 0 || ch_run_err(mkb, NULL, 0) != 0) return -1;
  tm_probe p;
  if (tm_probe_file(a, true, &p) < 0 || !tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO)) return -1;
  g_frames = 2 * tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO)->frames;
  snprintf(g_jump, sizeof g_jump, "%s/jump.ts", g_dir);
  FILE *out = fopen(g_jump, "wb");
  if (!out) return -1;
  int r = append(out, a) | append(out, b);
  return (fclose(out) == 0 && r == 0) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* -fps_mode auto per muxer, as ffmpeg 5.1: mp4 is constant-rate, so the
 * hole is filled with duplicates of the frame before it (about 70 at
 * 25 fps); mkv and ts are variable-rate and keep the hole, every input
 * frame once. Packet counts of both streams equal ffmpeg's. */
static void t_counts(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference for the jump)");
  static const char *const ext[] = {"mp4", "mkv", "ts"};
  for (int k = 0; k < 3; k++) {
    char mine[800], ref[800], err[4096];
    snprintf(mine, sizeof mine, "%s/i.%s", g_dir, ext[k]);
    snprintf(ref, sizeof ref, "%s/f.%s", g_dir, ext[k]);
    const char *iso[] = {"-y",      "-v",        "error", "-i",  g_jump, "-c:v", "libx264",
                         "-preset", "ultrafast", "-c:a",  "aac", mine,   NULL};
    const char *ff[] = {"-v",      "error",     "-i",   g_jump, "-c:v", "libx264",
                        "-preset", "ultrafast", "-c:a", "aac",  ref,    NULL};
    int rc = ch_run_err(iso, err, sizeof err);
    if (rc != 0) fail_msg("%s: exit %d\n%s", ext[k], rc, err);
    assert_int_equal(tm_run_ffmpeg(ff), 0);
    tm_probe pi, pf;
    assert_int_equal(tm_probe_file(mine, false, &pi), 0);
    assert_int_equal(tm_probe_file(ref, false, &pf), 0);
    for (int t = 0; t < 2; t++) {
      enum AVMediaType type = t ? AVMEDIA_TYPE_AUDIO : AVMEDIA_TYPE_VIDEO;
      const tm_stream *si = tm_probe_stream(&pi, type), *sf = tm_probe_stream(&pf, type);
      assert_non_null(si);
      assert_non_null(sf);
      if (si->packets != sf->packets)
        fail_msg("%s %s: %lld packets, ffmpeg %lld", ext[k], t ? "audio" : "video",
                 (long long)si->packets, (long long)sf->packets);
    }
    int64_t v = tm_probe_stream(&pi, AVMEDIA_TYPE_VIDEO)->packets;
    if (k == 0 && v < g_frames + 60)
      fail_msg("mp4: %lld frames, the hole not filled", (long long)v);
    if (k > 0 && v != g_frames)
      fail_msg("%s: %lld frames of %lld", ext[k], (long long)v, (long long)g_frames);
  }
}

/* The frames themselves, constant-rate and as they come. */
static void t_frames(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference for the jump)");
  const char *cfr[] = {"-i",   g_jump,      "-fps_mode", "cfr",      "-c:v", "rawvideo",
                       "-c:a", "pcm_s16le", "-f",        "framemd5", NULL};
  ch_same_frames(g_dir, "jump, -fps_mode cfr", cfr, (int)g_frames + 60);
  const char *vfr[] = {"-i",        g_jump, "-c:v",     "rawvideo", "-c:a",
                       "pcm_s16le", "-f",   "framemd5", NULL};
  ch_same_frames(g_dir, "jump, vfr", vfr, (int)g_frames);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_counts),
      cmocka_unit_test(t_frames),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
