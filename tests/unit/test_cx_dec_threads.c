/* Unit tests of the decoder's switch to frame threading: every frame stays bit-exact wherever it
 * happens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codecs/codecs.h"
#include "media_gen.h"
#include "test_media.h"
#include "tsan_codec.h"

#include "test_need.h"
#include <dirent.h>
#include <libavutil/cpu.h>
#include <libavutil/imgutils.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#define MAX_FRAMES 400

static char dir[512];
static char h264_clip[1024], hevc_clip[1024], mpeg4_clip[1024];

typedef struct seq {
  int n;
  int64_t pts[MAX_FRAMES];
  uint32_t crc[MAX_FRAMES];
  cx_dec_info info;
  bool forced; /* the decoder took the request (frame-threaded codecs only) */
} seq;

static int setup(void **state) {
  (void)state;
  av_log_set_level(AV_LOG_QUIET);
  if (tm_tmpdir_make(dir, sizeof dir) < 0) return -1;
  cx_clip_opts o;
  cx_clip_defaults(&o);
  o.width = 320;
  o.height = 240;
  o.duration = 4.0;
  o.no_audio = true;
  /* B-frames (reordering) and several GOPs: the replay must cross both. */
  o.vcodec = "libx264";
  o.preset = "fast";
  o.gop = 25;
  if (tm_gen_clip(h264_clip, sizeof h264_clip, dir, "h264.mp4", &o) < 0) return -1;
  o.vcodec = "libx265";
  o.preset = "ultrafast";
  o.duration = 2.0;
  if (tm_gen_clip(hevc_clip, sizeof hevc_clip, dir, "hevc.mkv", &o) < 0) hevc_clip[0] = 0;
  o.vcodec = "mpeg4";
  o.preset = NULL;
  if (tm_gen_clip(mpeg4_clip, sizeof mpeg4_clip, dir, "mpeg4.avi", &o) < 0) return -1;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(dir);
  return 0;
}

static uint32_t picture_crc(const AVFrame *f) {
  int lines[4];
  uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
  if (av_image_fill_linesizes(lines, f->format, f->width) < 0) return 0;
  const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
  for (int p = 0; p < 4 && f->data[p]; p++) {
    int h = (p == 1 || p == 2) ? AV_CEIL_RSHIFT(f->height, d->log2_chroma_h) : f->height;
    for (int y = 0; y < h; y++)
      crc = (uint32_t)crc32(crc, f->data[p] + (ptrdiff_t)y * f->linesize[p], (uInt)lines[p]);
  }
  return crc;
}

static void take(cx_dec *dec, AVFrame *fr, seq *out) {
  while (cx_dec_receive(dec, fr) == 0) {
    if (out->n < MAX_FRAMES) {
      out->pts[out->n] = fr->pts;
      out->crc[out->n] = picture_crc(fr);
    }
    out->n++;
    av_frame_unref(fr);
  }
}

/* Decodes the video of path; force_at >= 0 asks for frame threading after
 * that many packets. max_pkts 0 = all. */
static void decode(const char *path, int threads, int force_at, int max_pkts, seq *out) {
  char err[CX_ERRLEN] = "";
  memset(out, 0, sizeof *out);
  cx_demux *d = NULL;
  if (cx_demux_open(&d, path, NULL, err) < 0) fail_msg("%s: %s", path, err);
  int si = cx_demux_best_stream(d, AVMEDIA_TYPE_VIDEO);
  assert_true(si >= 0);
  AVStream *st = cx_demux_ctx(d)->streams[si];
  cx_dec *dec = NULL;
  if (cx_dec_open(&dec, st->codecpar, st->time_base, threads, err) < 0)
    fail_msg("%s: %s", path, err);
  AVPacket *pkt = av_packet_alloc();
  AVFrame *fr = av_frame_alloc();
  int sent = 0;
  while (cx_demux_read(d, pkt) == 0) {
    if (pkt->stream_index == si) {
      if (sent == force_at) out->forced = cx_dec_want_threads(dec) == 0;
      cx_dec_send(dec, pkt);
      sent++;
      take(dec, fr, out);
    }
    av_packet_unref(pkt);
    if (max_pkts && sent >= max_pkts) break;
  }
  assert_int_equal(cx_dec_send(dec, NULL), 0);
  take(dec, fr, out);
  out->info = cx_dec_get_info(dec);
  av_packet_free(&pkt);
  av_frame_free(&fr);
  cx_dec_close(&dec);
  cx_demux_close(&d);
}

static void assert_same(const char *what, const seq *ref, const seq *got) {
  if (got->n != ref->n)
    fail_msg("%s: %d frames, single-threaded decoding gave %d", what, got->n, ref->n);
  for (int i = 0; i < ref->n && i < MAX_FRAMES; i++)
    if (got->pts[i] != ref->pts[i] || got->crc[i] != ref->crc[i])
      fail_msg("%s: frame %d differs (pts %" PRId64 " vs %" PRId64 ")", what, i, got->pts[i],
               ref->pts[i]);
}

/* Switch points: first packet, inside the reorder delay, mid-GOP, on a
 * keyframe, near the end. */
static void check_clip(const char *path) {
  static seq ref, got;
  decode(path, 1, -1, 0, &ref);
  assert_true(ref.n > 10);
  const int at[] = {0, 1, 2, 5, 13, 25, 26, ref.n - 3};
  for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
    if (at[k] >= ref.n - 1) continue;
    char what[1200];
    snprintf(what, sizeof what, "%s, switch after %d packets", path, at[k]);
    decode(path, 0, at[k], 0, &got);
    if (!got.forced) {
      /* The decoder judged first and stayed single-threaded: the time this
       * loop spends between packets (the CRCs, slow under sanitizers and
       * load) counts as idle. It cannot judge before 12 frames. */
      if (at[k] < 12) fail_msg("%s: refused before the decoder could judge", what);
      print_message("%s: judged single-threaded before the switch point\n", what);
      assert_same(what, &ref, &got);
      continue;
    }
    assert_same(what, &ref, &got);
    assert_int_equal(got.info.mismatches, 0);
    if (av_cpu_count() > 1) {
      if (!got.info.switched) fail_msg("%s: no switch", what);
      assert_true(got.info.threads > 1);
    }
  }
}

static void test_h264_switch_exact(void **state) {
  (void)state;
  check_clip(h264_clip);
}

static void test_hevc_switch_exact(void **state) {
  (void)state;
  TM_NEED(hevc_clip[0], "libx265 (the HEVC clip is made with it)");
  check_clip(hevc_clip);
}

static void test_mpeg4_switch_exact(void **state) {
  (void)state;
  check_clip(mpeg4_clip);
}

/* The shipped clips: 10-bit HEVC, VP9 at an odd size, rotated H.264. */
static void test_media_switch_exact(void **state) {
  (void)state;
  static const char *clips[] = {"media/clip-hevc-10bit.mkv", "media/clip-161x121-vp9.webm",
                                "media/clip-vp9-opus.webm", "media/clip-rotate90.mp4",
                                "media/clip-h264-aac.mp4"};
  for (size_t i = 0; i < sizeof clips / sizeof clips[0]; i++) {
    char path[1024];
    assert_non_null(tm_source_file(clips[i], path, sizeof path));
    check_clip(path);
  }
}

/* Left alone, a decoder judges nothing before 12 frames, and explicit
 * thread counts are kept as given. */
static void test_no_switch_without_cause(void **state) {
  (void)state;
  static seq got;
  decode(mpeg4_clip, 0, -1, 8, &got);
  assert_false(got.info.switched);
  assert_int_equal(got.info.threads, 1);
  char err[CX_ERRLEN] = "";
  cx_demux *d = NULL;
  assert_int_equal(cx_demux_open(&d, h264_clip, NULL, err), 0);
  AVStream *st = cx_demux_ctx(d)->streams[cx_demux_best_stream(d, AVMEDIA_TYPE_VIDEO)];
  cx_dec *dec = NULL;
  assert_int_equal(cx_dec_open(&dec, st->codecpar, st->time_base, 2, err), 0);
  assert_true(cx_dec_want_threads(dec) < 0);
  assert_int_equal(cx_dec_get_info(dec).threads, 2);
  cx_dec_close(&dec);
  cx_demux_close(&d);
}

/* Every corpus video switches after a few packets and stays exact over
 * its first 120 packets. */
static void test_corpus_switch_exact(void **state) {
  (void)state;
  const char *root = tm_corpus_dir();
  TM_NEED(root, "the media corpus");
  char dpath[1024];
  snprintf(dpath, sizeof dpath, "%s/video", root);
  DIR *dh = opendir(dpath);
  TM_NEED(dh, "the media corpus's video/");
  static seq ref, got;
  int files = 0, switched = 0;
  struct dirent *e;
  while ((e = readdir(dh))) {
    if (e->d_name[0] == '.') continue;
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dpath, e->d_name);
    decode(path, 1, -1, 120, &ref);
    decode(path, 0, 4, 120, &got);
    assert_same(path, &ref, &got);
    assert_int_equal(got.info.mismatches, 0);
    files++;
    switched += got.info.switched;
    /* Asked to switch (the decoder accepted), it must have switched. */
    if (got.forced && av_cpu_count() > 1 && !got.info.switched)
      fail_msg("%s: accepted the switch to frame threading but never made it", path);
  }
  closedir(dh);
  print_message("%d corpus videos, %d switched to frame threading\n", files, switched);
  assert_true(files > 0);
  if (av_cpu_count() > 1) assert_true(switched > 0);
}

TM_TSAN_CODEC_ONLY()

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_h264_switch_exact),       cmocka_unit_test(test_hevc_switch_exact),
      cmocka_unit_test(test_mpeg4_switch_exact),      cmocka_unit_test(test_media_switch_exact),
      cmocka_unit_test(test_no_switch_without_cause), cmocka_unit_test(test_corpus_switch_exact),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
