/* Unit tests of cx_vconv: scaling with aspect rules, pixel formats, odd sizes, frame rate change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tools/mkclip/clip.h"
#include "codecs/codecs.h"

#include <libavutil/pixdesc.h>
#include <math.h>
#include <stdlib.h>

static AVFrame *pattern(int w, int h, enum AVPixelFormat fmt, int64_t n) {
  AVFrame *f = av_frame_alloc();
  assert_non_null(f);
  f->width = w;
  f->height = h;
  f->format = fmt;
  assert_int_equal(av_frame_get_buffer(f, 0), 0);
  assert_int_equal(cx_testsrc_video(f, n), 0);
  return f;
}

static int px(const AVFrame *f, int plane, int x, int y) {
  const uint8_t *row = f->data[plane] + (ptrdiff_t)y * f->linesize[plane];
  const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
  return d->comp[0].depth > 8 ? ((const uint16_t *)row)[x] : row[x];
}

static cx_vconv_opts base(int w, int h, enum AVPixelFormat fmt) {
  cx_vconv_opts o = {.src_w = w,
                     .src_h = h,
                     .src_fmt = fmt,
                     .src_sar = {1, 1},
                     .dst_fmt = AV_PIX_FMT_NONE,
                     .in_tb = {1, 1000}};
  return o;
}

static void check_size(int sw, int sh, int dw, int dh, int ew, int eh) {
  char err[CX_ERRLEN] = "";
  cx_vconv_opts o = base(sw, sh, AV_PIX_FMT_YUV420P);
  o.dst_w = dw;
  o.dst_h = dh;
  cx_vconv *c = NULL;
  assert_int_equal(cx_vconv_open(&c, &o, err), 0);
  int w, h;
  enum AVPixelFormat fmt;
  cx_vconv_output(c, &w, &h, &fmt);
  if (w != ew || h != eh)
    fail_msg("%dx%d -> %dx%d gave %dx%d, want %dx%d", sw, sh, dw, dh, w, h, ew, eh);
  assert_int_equal(fmt, AV_PIX_FMT_YUV420P);
  cx_vconv_close(&c);
}

static void test_sizes(void **state) {
  (void)state;
  check_size(320, 240, 0, 0, 320, 240);
  check_size(320, 240, 160, -1, 160, 120);
  check_size(320, 240, -1, 120, 160, 120);
  check_size(320, 240, -1, 121, 161, 121); /* 161.33 */
  check_size(320, 240, -2, 121, 162, 121); /* even, nearest */
  check_size(1920, 1080, 1280, -2, 1280, 720);
  check_size(161, 121, 80, -2, 80, 60); /* 60.13 */
  check_size(161, 121, 80, -1, 80, 60);
  check_size(320, 240, -1, -1, 320, 240);
  check_size(320, 240, 100, 0, 100, 240); /* 0 keeps that side */
}

static void test_sar_keeps_display_aspect(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "";
  cx_vconv_opts o = base(720, 480, AV_PIX_FMT_YUV420P);
  o.src_sar = (AVRational){32, 27};
  o.dst_w = 640;
  o.dst_h = 480; /* non-uniform */
  cx_vconv *c = NULL;
  assert_int_equal(cx_vconv_open(&c, &o, err), 0);
  AVRational sar = cx_vconv_output_sar(c);
  double dar_in = 720.0 * 32 / 27 / 480, dar_out = 640.0 * av_q2d(sar) / 480;
  assert_true(fabs(dar_in - dar_out) < 1e-9);
  AVFrame *in = pattern(720, 480, AV_PIX_FMT_YUV420P, 0), *out = av_frame_alloc();
  in->sample_aspect_ratio = o.src_sar;
  in->pts = 0;
  assert_int_equal(cx_vconv_send(c, in), 0);
  assert_int_equal(cx_vconv_receive(c, out), 0);
  assert_int_equal(out->width, 640);
  assert_int_equal(av_cmp_q(out->sample_aspect_ratio, sar), 0);
  av_frame_free(&in);
  av_frame_free(&out);
  cx_vconv_close(&c);
  /* Unknown SAR stays unknown. */
  o.src_sar = (AVRational){0, 1};
  assert_int_equal(cx_vconv_open(&c, &o, err), 0);
  assert_int_equal(cx_vconv_output_sar(c).num, 0);
  cx_vconv_close(&c);
}

/* Converts one pattern frame and returns the result. */
static AVFrame *convert_one(int sw, int sh, enum AVPixelFormat sf, int dw, int dh,
                            enum AVPixelFormat df) {
  char err[CX_ERRLEN] = "";
  cx_vconv_opts o = base(sw, sh, sf);
  o.dst_w = dw;
  o.dst_h = dh;
  o.dst_fmt = df;
  cx_vconv *c = NULL;
  assert_int_equal(cx_vconv_open(&c, &o, err), 0);
  AVFrame *in = pattern(sw, sh, sf, 3), *out = av_frame_alloc();
  in->pts = 40;
  assert_int_equal(cx_vconv_send(c, in), 0);
  assert_int_equal(cx_vconv_receive(c, out), 0);
  AVFrame *more = av_frame_alloc();
  assert_int_equal(cx_vconv_receive(c, more), AVERROR(EAGAIN));
  av_frame_free(&more);
  assert_int_equal(cx_vconv_send(c, NULL), 0);
  AVFrame *tmp = av_frame_alloc();
  assert_int_equal(cx_vconv_receive(c, tmp), AVERROR_EOF);
  av_frame_free(&tmp);
  assert_int_equal(out->pts, 40);
  av_frame_free(&in);
  cx_vconv_close(&c);
  return out;
}

static void test_10bit_to_8bit(void **state) {
  (void)state;
  AVFrame *out = convert_one(320, 240, AV_PIX_FMT_YUV420P10LE, 0, 0, AV_PIX_FMT_YUV420P);
  assert_int_equal(out->format, AV_PIX_FMT_YUV420P);
  assert_int_equal(out->width, 320);
  /* The grey bar (Y 180, 720 in 10 bits) and the yellow bar's U (44). */
  assert_true(abs(px(out, 0, 10, 100) - 180) <= 1);
  assert_true(abs(px(out, 1, 32, 50) - 44) <= 1);
  av_frame_free(&out);
}

static void test_444_to_420(void **state) {
  (void)state;
  AVFrame *out = convert_one(320, 240, AV_PIX_FMT_YUV444P, 160, -2, AV_PIX_FMT_YUV420P);
  assert_int_equal(out->format, AV_PIX_FMT_YUV420P);
  assert_int_equal(out->width, 160);
  assert_int_equal(out->height, 120);
  /* Yellow bar (x 46..91 of 320 -> 23..45 of 160), chroma at half again. */
  assert_true(abs(px(out, 0, 34, 40) - 162) <= 2);
  assert_true(abs(px(out, 1, 17, 20) - 44) <= 2);
  assert_true(abs(px(out, 2, 17, 20) - 142) <= 2);
  av_frame_free(&out);
}

static void test_odd_sizes(void **state) {
  (void)state;
  AVFrame *out = convert_one(320, 240, AV_PIX_FMT_YUV420P, 161, 121, AV_PIX_FMT_YUV420P);
  assert_int_equal(out->width, 161);
  assert_int_equal(out->height, 121);
  assert_true(out->linesize[1] >= 81); /* chroma rounds up */
  /* The bottom-right chroma sample is written (last blue bar: U 212). */
  assert_true(abs(px(out, 1, 80, 30) - 212) <= 3);
  av_frame_free(&out);
  out = convert_one(161, 121, AV_PIX_FMT_YUV420P, 0, 0, AV_PIX_FMT_YUV444P);
  assert_int_equal(out->width, 161);
  assert_true(abs(px(out, 1, 160, 60) - 212) <= 3);
  av_frame_free(&out);
}

static void test_passthrough_no_copy(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "";
  cx_vconv_opts o = base(161, 121, AV_PIX_FMT_YUV420P);
  o.dst_fmt = AV_PIX_FMT_YUV420P;
  cx_vconv *c = NULL;
  assert_int_equal(cx_vconv_open(&c, &o, err), 0);
  AVFrame *in = pattern(161, 121, AV_PIX_FMT_YUV420P, 0), *out = av_frame_alloc();
  in->pts = 7;
  assert_int_equal(cx_vconv_send(c, in), 0);
  assert_int_equal(cx_vconv_receive(c, out), 0);
  assert_ptr_equal(out->data[0], in->data[0]);
  assert_ptr_equal(out->buf[0]->buffer, in->buf[0]->buffer);
  assert_int_equal(out->pts, 7);
  av_frame_free(&in);
  av_frame_free(&out);
  cx_vconv_close(&c);
}

typedef struct fps_run {
  int n;
  int64_t pts[512];
  uint8_t *data[512];
} fps_run;

/* Sends count frames at in_fps (pts in 1/1000 from start_ms) through a
 * converter to out_fps and records what comes out. */
static void run_fps(AVRational in_fps, AVRational out_fps, int count, int64_t start_ms,
                    fps_run *r) {
  char err[CX_ERRLEN] = "";
  cx_vconv_opts o = base(64, 48, AV_PIX_FMT_YUV420P);
  o.out_fps = out_fps;
  cx_vconv *c = NULL;
  assert_int_equal(cx_vconv_open(&c, &o, err), 0);
  assert_int_equal(av_cmp_q(cx_vconv_output_tb(c), av_inv_q(out_fps)), 0);
  AVFrame *out = av_frame_alloc();
  r->n = 0;
  for (int i = 0; i <= count; i++) {
    AVFrame *in = NULL;
    if (i < count) {
      in = pattern(64, 48, AV_PIX_FMT_YUV420P, i);
      in->pts = start_ms + av_rescale_q(i, av_inv_q(in_fps), (AVRational){1, 1000});
      in->pkt_duration = av_rescale_q(1, av_inv_q(in_fps), (AVRational){1, 1000});
    }
    assert_int_equal(cx_vconv_send(c, in), 0);
    int ret;
    while ((ret = cx_vconv_receive(c, out)) == 0) {
      assert_true(r->n < 512);
      r->pts[r->n] = out->pts;
      r->data[r->n] = out->data[0];
      r->n++;
      av_frame_unref(out);
    }
    assert_int_equal(ret, i < count ? AVERROR(EAGAIN) : AVERROR_EOF);
    av_frame_free(&in);
  }
  av_frame_free(&out);
  cx_vconv_close(&c);
}

static void test_fps_dup_drop(void **state) {
  (void)state;
  fps_run r;
  /* 25 -> 50: every frame twice, timestamps without holes. */
  run_fps((AVRational){25, 1}, (AVRational){50, 1}, 25, 0, &r);
  assert_int_equal(r.n, 50);
  for (int i = 0; i < r.n; i++)
    assert_int_equal(r.pts[i], i);
  for (int i = 0; i < r.n; i += 2)
    assert_ptr_equal(r.data[i], r.data[i + 1]);
  assert_ptr_not_equal(r.data[0], r.data[2]);
  /* 30 -> 10: one in three kept. */
  run_fps((AVRational){30, 1}, (AVRational){10, 1}, 30, 0, &r);
  assert_int_equal(r.n, 10);
  for (int i = 0; i < r.n; i++)
    assert_int_equal(r.pts[i], i);
  /* NTSC 30000/1001 -> 25 over 3 s: 75 frames, within one. */
  run_fps((AVRational){30000, 1001}, (AVRational){25, 1}, 90, 0, &r);
  assert_true(r.n >= 74 && r.n <= 76);
  for (int i = 1; i < r.n; i++)
    assert_int_equal(r.pts[i], r.pts[i - 1] + 1);
  /* A stream starting at 1 s starts at output frame 25. */
  run_fps((AVRational){25, 1}, (AVRational){25, 1}, 10, 1000, &r);
  assert_int_equal(r.n, 10);
  assert_int_equal(r.pts[0], 25);
}

static void test_fps_gap_duplicates(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "";
  cx_vconv_opts o = base(64, 48, AV_PIX_FMT_YUV420P);
  o.out_fps = (AVRational){10, 1};
  o.out_tb = (AVRational){1, 90000};
  cx_vconv *c = NULL;
  assert_int_equal(cx_vconv_open(&c, &o, err), 0);
  AVFrame *a = pattern(64, 48, AV_PIX_FMT_YUV420P, 0), *b = pattern(64, 48, AV_PIX_FMT_YUV420P, 1);
  AVFrame *out = av_frame_alloc();
  a->pts = 0;
  b->pts = 500; /* a 0.5 s hole: a fills it */
  assert_int_equal(cx_vconv_send(c, a), 0);
  assert_int_equal(cx_vconv_receive(c, out), AVERROR(EAGAIN));
  assert_int_equal(cx_vconv_send(c, b), 0);
  /* Pending output must be read before more input. */
  assert_int_equal(cx_vconv_send(c, a), AVERROR(EAGAIN));
  int n = 0;
  while (cx_vconv_receive(c, out) == 0) {
    assert_int_equal(out->pts, n * 9000); /* in out_tb */
    assert_ptr_equal(out->data[0], a->data[0]);
    av_frame_unref(out);
    n++;
  }
  assert_int_equal(n, 5);
  assert_int_equal(cx_vconv_send(c, NULL), 0);
  assert_int_equal(cx_vconv_receive(c, out), 0); /* b, at least one frame */
  assert_int_equal(out->pts, 5 * 9000);
  av_frame_unref(out);
  assert_int_equal(cx_vconv_receive(c, out), AVERROR_EOF);
  assert_int_equal(cx_vconv_send(c, NULL), AVERROR_EOF);
  av_frame_free(&a);
  av_frame_free(&b);
  av_frame_free(&out);
  cx_vconv_close(&c);
}

/* Sends frames with the given pts (1/1000) and durations to a 25 fps
 * converter; records output pts, at most cap of them (a runaway burst must
 * fail the test, not run for hours). Returns the number of frames out. */
static int run_jumps(const int64_t *pts, const int64_t *dur, int n, int64_t *out_pts, int cap) {
  char err[CX_ERRLEN] = "";
  cx_vconv_opts o = base(64, 48, AV_PIX_FMT_YUV420P);
  o.out_fps = (AVRational){25, 1};
  cx_vconv *c = NULL;
  assert_int_equal(cx_vconv_open(&c, &o, err), 0);
  AVFrame *out = av_frame_alloc();
  int got = 0;
  for (int i = 0; i <= n; i++) {
    AVFrame *in = NULL;
    if (i < n) {
      in = pattern(64, 48, AV_PIX_FMT_YUV420P, i);
      in->pts = pts[i];
      in->pkt_duration = dur[i];
    }
    assert_int_equal(cx_vconv_send(c, in), 0);
    int ret, burst = 0;
    while ((ret = cx_vconv_receive(c, out)) == 0) {
      assert_true(got < cap);
      assert_true(++burst <= 64); /* never more than 64 frames for one in */
      out_pts[got++] = out->pts;
      av_frame_unref(out);
    }
    assert_int_equal(ret, i < n ? AVERROR(EAGAIN) : AVERROR_EOF);
    av_frame_free(&in);
  }
  av_frame_free(&out);
  cx_vconv_close(&c);
  return got;
}

static void test_fps_jump_is_discontinuity(void **state) {
  (void)state;
  int64_t out[256];
  /* A jump of 100000 s: the frame before it lasts its own 40 ms, output
   * resumes at the frame after the jump (same instant, A/V sync kept). */
  const int64_t pts[] = {0, 40, 80, 100000000, 100000040};
  const int64_t dur[] = {40, 40, 40, 40, 40};
  int n = run_jumps(pts, dur, 5, out, 256);
  assert_int_equal(n, 5);
  assert_int_equal(out[0], 0);
  assert_int_equal(out[1], 1);
  assert_int_equal(out[2], 2);
  assert_int_equal(out[3], 2500000);
  assert_int_equal(out[4], 2500001);
  /* Forward then backward (the fuzzer's file): bounded, pts never go back. */
  const int64_t pts2[] = {0, 200000000, 100000000};
  const int64_t dur2[] = {1000, 1000, 1000};
  n = run_jumps(pts2, dur2, 3, out, 256);
  /* The first frame lasts its 1 s, not 200000 s; the one after the jump is
   * overtaken by the next (it starts earlier) and dropped, as is the last:
   * its time is in the past. */
  assert_int_equal(n, 25);
  for (int i = 0; i < n; i++)
    assert_int_equal(out[i], i);
  /* A last frame claiming to last a day gives at most 64 frames. */
  const int64_t pts3[] = {0};
  const int64_t dur3[] = {86400000};
  n = run_jumps(pts3, dur3, 1, out, 256);
  assert_int_equal(n, 64);
  /* A 2 s hole is ordinary constant-rate work: filled (50 slots). */
  const int64_t pts4[] = {0, 2000, 2040};
  const int64_t dur4[] = {40, 40, 40};
  n = run_jumps(pts4, dur4, 3, out, 256);
  assert_int_equal(n, 52);
  for (int i = 0; i < n; i++)
    assert_int_equal(out[i], i);
}

static void test_timebase_and_size_change(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "";
  cx_vconv_opts o = base(64, 48, AV_PIX_FMT_YUV420P);
  o.dst_w = 32;
  o.dst_h = -2;
  o.out_tb = (AVRational){1, 90000};
  cx_vconv *c = NULL;
  assert_int_equal(cx_vconv_open(&c, &o, err), 0);
  AVFrame *a = pattern(64, 48, AV_PIX_FMT_YUV420P, 0);
  AVFrame *b = pattern(160, 120, AV_PIX_FMT_YUV444P, 1); /* the stream changes size */
  AVFrame *out = av_frame_alloc();
  a->pts = 1000;
  b->pts = 1040;
  assert_int_equal(cx_vconv_send(c, a), 0);
  assert_int_equal(cx_vconv_send(c, b), AVERROR(EAGAIN));
  assert_int_equal(cx_vconv_receive(c, out), 0);
  assert_int_equal(out->pts, 90000);
  assert_int_equal(out->width, 32);
  assert_int_equal(out->height, 24);
  av_frame_unref(out);
  assert_int_equal(cx_vconv_send(c, b), 0);
  assert_int_equal(cx_vconv_receive(c, out), 0);
  assert_int_equal(out->pts, 93600);
  assert_int_equal(out->width, 32);
  assert_int_equal(out->height, 24);
  assert_int_equal(out->format, AV_PIX_FMT_YUV420P);
  av_frame_free(&a);
  av_frame_free(&b);
  av_frame_free(&out);
  cx_vconv_close(&c);
}

/* Slice threads inside swscale give the same pixels as one thread. */
static void test_threads_same_output(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "";
  AVFrame *in = pattern(1280, 720, AV_PIX_FMT_YUV420P10LE, 5), *out[2];
  for (int t = 0; t < 2; t++) {
    cx_vconv_opts o = base(1280, 720, AV_PIX_FMT_YUV420P10LE);
    o.dst_w = 854;
    o.dst_h = -2;
    o.dst_fmt = AV_PIX_FMT_YUV420P;
    o.threads = t ? 2 : 1;
    cx_vconv *c = NULL;
    assert_int_equal(cx_vconv_open(&c, &o, err), 0);
    out[t] = av_frame_alloc();
    in->pts = 0;
    assert_int_equal(cx_vconv_send(c, in), 0);
    assert_int_equal(cx_vconv_receive(c, out[t]), 0);
    assert_int_equal(out[t]->height, 480);
    cx_vconv_close(&c);
  }
  for (int p = 0; p < 3; p++) {
    int w = p ? 427 : 854, h = p ? 240 : 480;
    for (int y = 0; y < h; y++)
      assert_memory_equal(out[0]->data[p] + (ptrdiff_t)y * out[0]->linesize[p],
                          out[1]->data[p] + (ptrdiff_t)y * out[1]->linesize[p], (size_t)w);
  }
  av_frame_free(&in);
  av_frame_free(&out[0]);
  av_frame_free(&out[1]);
}

static void test_bad_options(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "";
  cx_vconv *c = NULL;
  cx_vconv_opts o = base(0, 48, AV_PIX_FMT_YUV420P);
  assert_true(cx_vconv_open(&c, &o, err) < 0);
  o = base(64, 48, AV_PIX_FMT_YUV420P);
  o.in_tb = (AVRational){0, 0};
  assert_true(cx_vconv_open(&c, &o, err) < 0);
  assert_null(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sizes),
      cmocka_unit_test(test_sar_keeps_display_aspect),
      cmocka_unit_test(test_10bit_to_8bit),
      cmocka_unit_test(test_444_to_420),
      cmocka_unit_test(test_odd_sizes),
      cmocka_unit_test(test_passthrough_no_copy),
      cmocka_unit_test(test_fps_dup_drop),
      cmocka_unit_test(test_fps_gap_duplicates),
      cmocka_unit_test(test_fps_jump_is_discontinuity),
      cmocka_unit_test(test_timebase_and_size_change),
      cmocka_unit_test(test_threads_same_output),
      cmocka_unit_test(test_bad_options),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
