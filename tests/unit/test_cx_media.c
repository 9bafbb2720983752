/* Unit tests of the shipped clips in media/ and of the generator's determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tools/mkclip/clip.h"
#include "media_gen.h"
#include "test_media.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct expect {
  const char *file, *vcodec, *acodec;
  int w, h, frames, rate, channels;
  double seconds;
  bool rotated;
} expect;

static const expect clips[] = {
    {"clip-h264-aac.mp4", "h264", "aac", 320, 240, 60, 48000, 2, 2.0, false},
    {"clip-vp9-opus.webm", "vp9", "opus", 320, 240, 60, 48000, 2, 2.0, false},
    {"clip-5.1-flac.mkv", "h264", "flac", 160, 120, 25, 48000, 6, 1.0, false},
    {"clip-161x121-vp9.webm", "vp9", NULL, 161, 121, 30, 0, 0, 1.0, false},
    {"clip-hevc-10bit.mkv", "hevc", NULL, 320, 240, 24, 0, 0, 1.0, false},
    {"clip-rotate90.mp4", "h264", "aac", 240, 160, 30, 48000, 2, 1.0, true},
    {"clip-44k1-mono.mp3", NULL, "mp3", 0, 0, 0, 44100, 1, 2.0, false},
};

static void test_shipped_clips(void **state) {
  (void)state;
  av_log_set_level(AV_LOG_QUIET);
  for (size_t i = 0; i < sizeof clips / sizeof clips[0]; i++) {
    const expect *e = &clips[i];
    char rel[256], path[1024];
    snprintf(rel, sizeof rel, "media/%s", e->file);
    tm_source_file(rel, path, sizeof path);
    tm_probe p;
    if (tm_probe_file(path, true, &p) < 0) fail_msg("%s: cannot open", path);
    assert_int_equal(p.decode_errors, 0);
    const tm_stream *v = tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO);
    const tm_stream *a = tm_probe_stream(&p, AVMEDIA_TYPE_AUDIO);
    if (e->vcodec) {
      assert_non_null(v);
      assert_string_equal(v->codec, e->vcodec);
      assert_int_equal(v->width, e->w);
      assert_int_equal(v->height, e->h);
      if (v->frames != e->frames) fail_msg("%s: %d frames", e->file, (int)v->frames);
      assert_int_equal(v->has_rotation, e->rotated);
    } else {
      assert_null(v);
    }
    if (e->acodec) {
      assert_non_null(a);
      assert_string_equal(a->codec, e->acodec);
      assert_int_equal(a->sample_rate, e->rate);
      assert_int_equal(a->channels, e->channels);
      int64_t want = (int64_t)(e->seconds * e->rate);
      if (llabs(a->samples - want) > 1152)
        fail_msg("%s: %lld samples, want %lld", e->file, (long long)a->samples, (long long)want);
    } else {
      assert_null(a);
    }
  }
}

static bool same_bytes(const char *x, const char *y) {
  FILE *a = fopen(x, "rb"), *b = fopen(y, "rb");
  bool same = a && b;
  while (same) {
    int ca = fgetc(a), cb = fgetc(b);
    if (ca != cb) same = false;
    if (ca == EOF || cb == EOF) break;
  }
  if (a) fclose(a);
  if (b) fclose(b);
  return same;
}

/* Same options, same bytes: tests can regenerate clips instead of storing them. */
static void test_generator_deterministic(void **state) {
  (void)state;
  static const char *const vcodecs[] = {"libx264", "libvpx-vp9", "mpeg4"};
  static const char *const acodecs[] = {"aac", "libopus", "libmp3lame"};
  static const char *const ext[] = {"mp4", "webm", "mkv"};
  char dir[512];
  assert_int_equal(tm_tmpdir_make(dir, sizeof dir), 0);
  for (int i = 0; i < 3; i++) {
    char a[1024], b[1024], na[64], nb[64];
    cx_clip_opts o;
    cx_clip_defaults(&o);
    o.width = 96;
    o.height = 64;
    o.duration = 0.5;
    o.vcodec = vcodecs[i];
    o.acodec = acodecs[i];
    snprintf(na, sizeof na, "a.%s", ext[i]);
    snprintf(nb, sizeof nb, "b.%s", ext[i]);
    assert_int_equal(tm_gen_clip(a, sizeof a, dir, na, &o), 0);
    assert_int_equal(tm_gen_clip(b, sizeof b, dir, nb, &o), 0);
    if (!same_bytes(a, b)) fail_msg("%s: two runs differ", ext[i]);
    /* And a different frame count changes the content. */
    o.duration = 0.6;
    assert_int_equal(tm_gen_clip(b, sizeof b, dir, nb, &o), 0);
    assert_false(same_bytes(a, b));
  }
  tm_tmpdir_remove(dir);
}

/* Every frame of the pattern differs from its neighbours (frame counter). */
static void test_pattern_frames_differ(void **state) {
  (void)state;
  AVFrame *f[3];
  for (int i = 0; i < 3; i++) {
    f[i] = av_frame_alloc();
    f[i]->width = 64;
    f[i]->height = 48;
    f[i]->format = AV_PIX_FMT_YUV420P;
    assert_int_equal(av_frame_get_buffer(f[i], 0), 0);
    assert_int_equal(cx_testsrc_video(f[i], i == 2 ? 0 : i), 0);
  }
  size_t n = (size_t)f[0]->linesize[0] * 48;
  assert_int_not_equal(memcmp(f[0]->data[0], f[1]->data[0], n), 0);
  assert_int_equal(memcmp(f[0]->data[0], f[2]->data[0], n), 0);
  f[0]->format = AV_PIX_FMT_RGB24;
  assert_int_equal(cx_testsrc_video(f[0], 0), AVERROR(ENOSYS));
  for (int i = 0; i < 3; i++)
    av_frame_free(&f[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shipped_clips),
      cmocka_unit_test(test_generator_deterministic),
      cmocka_unit_test(test_pattern_frames_differ),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
