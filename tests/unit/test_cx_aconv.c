/* Unit tests of cx_aconv: resampling, 5.1 downmix, re-chunking, pts from the sample count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tools/mkclip/clip.h"
#include "codecs/codecs.h"
#include "media_gen.h"
#include "test_media.h"
#include "tsan_codec.h"

#include <math.h>
#include <stdlib.h>

typedef struct arun {
  int frames;
  int64_t samples;
  int64_t first_pts;
  bool continuous; /* pts[i+1] == pts[i] + nb_samples[i] */
  bool sized;      /* every frame but the last has frame_size */
  int last_size;
  int crossings[8]; /* zero crossings per output channel */
  double energy[8];
} arun;

/* Feeds `total` samples of the test chirp (or only channel `only`, if >= 0)
 * in frames of `chunk`, and collects the output. */
static void run(const cx_aconv_opts *o, int chunk, int64_t total, int64_t first_pts, int only,
                arun *r) {
  char err[CX_ERRLEN] = "";
  cx_aconv *c = NULL;
  assert_int_equal(cx_aconv_open(&c, o, err), 0);
  int orate;
  enum AVSampleFormat ofmt;
  AVChannelLayout ol = {0};
  cx_aconv_output(c, &orate, &ofmt, &ol);
  memset(r, 0, sizeof *r);
  r->continuous = r->sized = true;
  r->first_pts = AV_NOPTS_VALUE;
  int64_t expect_pts = 0;
  float prev[8] = {0};
  AVFrame *in = av_frame_alloc(), *out = av_frame_alloc();
  for (int64_t pos = 0;; pos += chunk) {
    int n = pos >= total ? 0 : (int)(total - pos < chunk ? total - pos : chunk);
    if (n > 0) {
      in->format = o->src_fmt;
      in->sample_rate = o->src_rate;
      in->nb_samples = n;
      assert_int_equal(av_channel_layout_copy(&in->ch_layout, &o->src_layout), 0);
      assert_int_equal(av_frame_get_buffer(in, 0), 0);
      cx_testsrc_audio(in, pos, n);
      if (only >= 0)
        for (int ch = 0; ch < in->ch_layout.nb_channels; ch++)
          if (ch != only) memset(in->extended_data[ch], 0, (size_t)n * sizeof(float));
      in->pts = first_pts + av_rescale_q(pos, (AVRational){1, o->src_rate}, o->in_tb);
      assert_int_equal(cx_aconv_send(c, in), 0);
      av_frame_unref(in);
    } else {
      assert_int_equal(cx_aconv_send(c, NULL), 0);
    }
    int ret;
    while ((ret = cx_aconv_receive(c, out)) == 0) {
      if (r->first_pts == AV_NOPTS_VALUE) expect_pts = r->first_pts = out->pts;
      if (out->pts != expect_pts) r->continuous = false;
      expect_pts = out->pts + out->nb_samples;
      if (o->frame_size && r->last_size && r->last_size != o->frame_size) r->sized = false;
      r->last_size = out->nb_samples;
      assert_int_equal(out->sample_rate, orate);
      assert_int_equal(out->format, ofmt);
      assert_int_equal(out->ch_layout.nb_channels, ol.nb_channels);
      if (ofmt == AV_SAMPLE_FMT_FLTP)
        for (int ch = 0; ch < ol.nb_channels && ch < 8; ch++) {
          const float *s = (const float *)out->extended_data[ch];
          for (int i = 0; i < out->nb_samples; i++) {
            if ((prev[ch] < 0) != (s[i] < 0)) r->crossings[ch]++;
            prev[ch] = s[i];
            r->energy[ch] += s[i] * s[i];
          }
        }
      r->frames++;
      r->samples += out->nb_samples;
      av_frame_unref(out);
    }
    assert_int_equal(ret, n > 0 ? AVERROR(EAGAIN) : AVERROR_EOF);
    if (n == 0) break;
  }
  if (o->frame_size) assert_true(r->last_size <= o->frame_size && r->last_size > 0);
  av_channel_layout_uninit(&ol);
  av_frame_free(&in);
  av_frame_free(&out);
  cx_aconv_close(&c);
}

static cx_aconv_opts opts(int src_rate, int channels, int dst_rate, int dst_channels,
                          int frame_size) {
  cx_aconv_opts o = {.src_rate = src_rate,
                     .src_fmt = AV_SAMPLE_FMT_FLTP,
                     .dst_rate = dst_rate,
                     .dst_fmt = AV_SAMPLE_FMT_FLTP,
                     .frame_size = frame_size,
                     .in_tb = {1, src_rate}};
  av_channel_layout_default(&o.src_layout, channels);
  if (dst_channels) av_channel_layout_default(&o.dst_layout, dst_channels);
  return o;
}

static void test_rechunk_1024_and_960(void **state) {
  (void)state;
  static const int sizes[] = {1024, 960, 1152, 0};
  for (int i = 0; i < 4; i++) {
    cx_aconv_opts o = opts(48000, 2, 0, 0, sizes[i]);
    arun r;
    run(&o, 1000, 48000, 0, -1, &r);
    assert_int_equal(r.samples, 48000); /* no resampling: exact */
    assert_true(r.continuous);
    assert_true(r.sized);
    assert_int_equal(r.first_pts, 0);
    if (sizes[i]) {
      assert_int_equal(r.frames, (48000 + sizes[i] - 1) / sizes[i]);
      assert_int_equal(r.last_size, 48000 % sizes[i] ? 48000 % sizes[i] : sizes[i]);
    }
  }
}

static void test_44100_to_48000(void **state) {
  (void)state;
  cx_aconv_opts o = opts(44100, 2, 48000, 0, 1024);
  arun r;
  run(&o, 1152, 44100 * 2, 0, -1, &r);
  /* Two seconds in, two seconds out: within one encoder frame. */
  assert_true(llabs(r.samples - 96000) <= 1024);
  assert_true(r.continuous);
  assert_true(r.sized);
  /* The 300 Hz chirp (300 -> 500 Hz over 2 s) keeps its pitch: ~1600
   * crossings either way; a wrong rate would shift it by 9 %. */
  assert_true(abs(r.crossings[0] - 1600) < 40);
  /* And the other way, to a rate Opus does not take, in odd chunks. */
  o = opts(48000, 1, 22050, 0, 0);
  run(&o, 777, 48000, 0, -1, &r);
  assert_true(llabs(r.samples - 22050) <= 64);
  assert_true(r.continuous);
}

static void test_51_to_stereo(void **state) {
  (void)state;
  cx_aconv_opts o = opts(48000, 6, 0, 2, 1024);
  arun r;
  run(&o, 1024, 48000, 0, 0 /* front left only */, &r);
  assert_int_equal(r.samples, 48000);
  assert_true(r.continuous);
  assert_true(r.energy[0] > 100.0);
  assert_true(r.energy[1] < 1e-6);
  run(&o, 1024, 48000, 0, 1 /* front right only */, &r);
  assert_true(r.energy[0] < 1e-6);
  assert_true(r.energy[1] > 100.0);
  run(&o, 1024, 48000, 0, 2 /* centre: both sides */, &r);
  assert_true(r.energy[0] > 10.0 && r.energy[1] > 10.0);
  assert_true(fabs(r.energy[0] - r.energy[1]) < 1e-3 * r.energy[0]);
  /* A format change on the way: FLTP 5.1 -> S16 stereo. */
  o.dst_fmt = AV_SAMPLE_FMT_S16;
  run(&o, 500, 10000, 0, -1, &r);
  assert_int_equal(r.samples, 10000);
}

static void test_pts_from_first_frame(void **state) {
  (void)state;
  cx_aconv_opts o = opts(44100, 2, 48000, 0, 1024);
  o.in_tb = (AVRational){1, 90000};
  arun r;
  run(&o, 1024, 44100, 90000 /* 1 s */, -1, &r);
  assert_int_equal(r.first_pts, 48000);
  assert_true(r.continuous);
}

static void test_source_change_midstream(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "";
  cx_aconv_opts o = opts(44100, 2, 48000, 2, 1024);
  cx_aconv *c = NULL;
  assert_int_equal(cx_aconv_open(&c, &o, err), 0);
  AVFrame *in = av_frame_alloc(), *out = av_frame_alloc();
  int64_t got = 0, next = AV_NOPTS_VALUE;
  for (int part = 0; part < 3; part++) {
    int rate = part == 1 ? 48000 : 44100, ch = part == 2 ? 1 : 2;
    for (int k = 0; k < 10; k++) {
      in->format = AV_SAMPLE_FMT_FLTP;
      in->sample_rate = rate;
      in->nb_samples = rate / 10;
      av_channel_layout_default(&in->ch_layout, ch);
      assert_int_equal(av_frame_get_buffer(in, 0), 0);
      cx_testsrc_audio(in, k * (rate / 10), rate / 10);
      in->pts = 0;
      assert_int_equal(cx_aconv_send(c, in), 0);
      av_frame_unref(in);
      while (cx_aconv_receive(c, out) == 0) {
        if (next != AV_NOPTS_VALUE) assert_int_equal(out->pts, next);
        next = out->pts + out->nb_samples;
        got += out->nb_samples;
        assert_int_equal(out->ch_layout.nb_channels, 2);
        av_frame_unref(out);
      }
    }
  }
  assert_int_equal(cx_aconv_send(c, NULL), 0);
  while (cx_aconv_receive(c, out) == 0) {
    got += out->nb_samples;
    av_frame_unref(out);
  }
  /* 3 s of input in three shapes: 3 s at 48 kHz out. */
  assert_true(llabs(got - 144000) <= 1024);
  av_frame_free(&in);
  av_frame_free(&out);
  cx_aconv_close(&c);
}

/* Decode a 6-channel FLAC clip, downmix and resample for AAC, encode, mux,
 * read back: the output lasts as long as the input, within one AAC frame. */
static void test_decode_convert_encode(void **state) {
  (void)state;
  char dir[512], src[1024], dst[1024], err[CX_ERRLEN] = "";
  av_log_set_level(AV_LOG_QUIET);
  assert_int_equal(tm_tmpdir_make(dir, sizeof dir), 0);
  assert_int_equal(
      tm_gen_simple(src, sizeof src, dir, "six.flac", NULL, "flac", 0, 0, 1.5, 6, 44100), 0);
  cx_demux *d = NULL;
  assert_int_equal(cx_demux_open(&d, src, NULL, err), 0);
  int ai = cx_demux_best_stream(d, AVMEDIA_TYPE_AUDIO);
  AVStream *st = cx_demux_ctx(d)->streams[ai];
  cx_dec *dec = NULL;
  assert_int_equal(cx_dec_open(&dec, st->codecpar, st->time_base, 0, err), 0);
  cx_mux *m = NULL;
  assert_int_equal(cx_mux_open(&m, tm_path(dst, sizeof dst, dir, "st.m4a"), NULL, err), 0);
  AVChannelLayout stereo = AV_CHANNEL_LAYOUT_STEREO;
  cx_enc_opts eo = {.codec = "aac",
                    .type = AVMEDIA_TYPE_AUDIO,
                    .pix_fmt = AV_PIX_FMT_NONE,
                    .sample_rate = cx_enc_pick_sample_rate("aac", AV_CODEC_ID_NONE, 48000),
                    .sample_fmt =
                        cx_enc_pick_sample_fmt("aac", AV_CODEC_ID_NONE, AV_SAMPLE_FMT_S16),
                    .ch_layout = stereo,
                    .crf = -1,
                    .gop = -1,
                    .global_header = cx_mux_wants_global_header(m)};
  cx_enc *enc = NULL;
  assert_int_equal(cx_enc_open(&enc, &eo, err), 0);
  AVCodecContext *ec = cx_enc_ctx(enc);
  cx_aconv_opts ao = {.src_rate = st->codecpar->sample_rate,
                      .src_fmt = st->codecpar->format,
                      .src_layout = st->codecpar->ch_layout,
                      .dst_rate = ec->sample_rate,
                      .dst_fmt = ec->sample_fmt,
                      .dst_layout = ec->ch_layout,
                      .frame_size = cx_enc_frame_size(enc),
                      .in_tb = st->time_base};
  cx_aconv *conv = NULL;
  assert_int_equal(cx_aconv_open(&conv, &ao, err), 0);
  AVCodecParameters *par = avcodec_parameters_alloc();
  avcodec_parameters_from_context(par, ec);
  int oi = cx_mux_add_stream(m, par, cx_enc_time_base(enc), err);
  avcodec_parameters_free(&par);
  assert_int_equal(oi, 0);
  assert_int_equal(cx_mux_write_header(m, NULL, err), 0);
  AVPacket *pkt = av_packet_alloc();
  AVFrame *fr = av_frame_alloc(), *cf = av_frame_alloc();
  bool eof = false;
  while (!eof) {
    int ret = cx_demux_read(d, pkt);
    eof = ret == AVERROR_EOF;
    assert_int_equal(cx_dec_send(dec, eof ? NULL : pkt), 0);
    av_packet_unref(pkt);
    while (cx_dec_receive(dec, fr) == 0) {
      assert_int_equal(cx_aconv_send(conv, fr), 0);
      av_frame_unref(fr);
      while (cx_aconv_receive(conv, cf) == 0) {
        assert_int_equal(cx_enc_send(enc, cf), 0);
        av_frame_unref(cf);
        while (cx_enc_receive(enc, pkt) == 0)
          assert_int_equal(cx_mux_write(m, oi, pkt, cx_enc_time_base(enc), err), 0);
      }
    }
  }
  assert_int_equal(cx_aconv_send(conv, NULL), 0);
  while (cx_aconv_receive(conv, cf) == 0) {
    assert_int_equal(cx_enc_send(enc, cf), 0);
    av_frame_unref(cf);
  }
  assert_int_equal(cx_enc_send(enc, NULL), 0);
  while (cx_enc_receive(enc, pkt) == 0)
    assert_int_equal(cx_mux_write(m, oi, pkt, cx_enc_time_base(enc), err), 0);
  assert_int_equal(cx_mux_close(&m, err), 0);
  av_packet_free(&pkt);
  av_frame_free(&fr);
  av_frame_free(&cf);
  cx_aconv_close(&conv);
  cx_enc_close(&enc);
  cx_dec_close(&dec);
  cx_demux_close(&d);
  tm_probe p;
  assert_int_equal(tm_probe_file(dst, true, &p), 0);
  const tm_stream *a = tm_probe_stream(&p, AVMEDIA_TYPE_AUDIO);
  assert_non_null(a);
  assert_string_equal(a->codec, "aac");
  assert_int_equal(a->channels, 2);
  assert_int_equal(a->sample_rate, 48000);
  assert_true(llabs(a->samples - 72000) <= 1024);
  tm_tmpdir_remove(dir);
}

/* Nothing to do: the frame goes through by reference, restamped. */
static void test_passthrough_no_copy(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "";
  cx_aconv_opts o = opts(48000, 2, 0, 0, 0);
  cx_aconv *c = NULL;
  assert_int_equal(cx_aconv_open(&c, &o, err), 0);
  AVFrame *in = av_frame_alloc(), *out = av_frame_alloc();
  for (int k = 0; k < 3; k++) {
    in->format = AV_SAMPLE_FMT_FLTP;
    in->sample_rate = 48000;
    in->nb_samples = 1000 + k;
    av_channel_layout_default(&in->ch_layout, 2);
    assert_int_equal(av_frame_get_buffer(in, 0), 0);
    cx_testsrc_audio(in, 0, in->nb_samples);
    in->pts = 5000 + k * 7; /* jitter: ignored */
    assert_int_equal(cx_aconv_send(c, in), 0);
    assert_int_equal(cx_aconv_receive(c, out), 0);
    assert_ptr_equal(out->extended_data[0], in->extended_data[0]);
    assert_int_equal(out->nb_samples, 1000 + k);
    assert_int_equal(out->pts, 5000 + (k ? 1000 * k + (k - 1) : 0));
    assert_int_equal(cx_aconv_receive(c, out), AVERROR(EAGAIN));
    av_frame_unref(out);
    av_frame_unref(in);
  }
  assert_int_equal(cx_aconv_send(c, NULL), 0);
  assert_int_equal(cx_aconv_receive(c, out), AVERROR_EOF);
  av_frame_free(&in);
  av_frame_free(&out);
  cx_aconv_close(&c);
}

static void test_bad_options(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "";
  cx_aconv *c = NULL;
  cx_aconv_opts o = opts(48000, 2, 0, 0, 0);
  o.src_rate = 0;
  assert_true(cx_aconv_open(&c, &o, err) < 0);
  o = opts(48000, 2, 0, 0, 0);
  o.in_tb = (AVRational){0, 1};
  assert_true(cx_aconv_open(&c, &o, err) < 0);
  assert_null(c);
}

TM_TSAN_CODEC_ONLY()

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rechunk_1024_and_960),
      cmocka_unit_test(test_44100_to_48000),
      cmocka_unit_test(test_51_to_stereo),
      cmocka_unit_test(test_pts_from_first_frame),
      cmocka_unit_test(test_source_change_midstream),
      cmocka_unit_test(test_decode_convert_encode),
      cmocka_unit_test(test_passthrough_no_copy),
      cmocka_unit_test(test_bad_options),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
