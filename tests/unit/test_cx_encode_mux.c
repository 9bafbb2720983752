/* Unit tests of cx_enc and cx_mux: round trips into every output format, read back with
 * libavformat. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codecs/codecs.h"
#include "media_gen.h"
#include "test_media.h"
#include "tsan_codec.h"

#include <fcntl.h>
#include <libavutil/opt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char dir[512];
static char clip[1024];

static int setup(void **state) {
  (void)state;
  av_log_set_level(AV_LOG_QUIET);
  if (tm_tmpdir_make(dir, sizeof dir) < 0) return -1;
  cx_clip_opts o;
  cx_clip_defaults(&o);
  o.width = 160;
  o.height = 120;
  o.duration = 1.0;
  o.vcodec = "libx264";
  o.acodec = "aac";
  o.rotate = 90;
  return tm_gen_clip(clip, sizeof clip, dir, "src.mp4", &o) < 0 ? -1 : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(dir);
  return 0;
}

typedef struct rt_case {
  const char *name, *vcodec, *acodec, *vname, *aname;
  int channels, rate, frame;
} rt_case;

/* Every output format the pipeline promises, made by cx_enc + cx_mux (through
 * the clip maker) and read back independently. */
static void test_roundtrips(void **state) {
  (void)state;
  static const rt_case cases[] = {
      {"rt.mp4", "libx264", "aac", "h264", "aac", 2, 48000, 1024},
      {"rt.mkv", "libx265", "flac", "hevc", "flac", 6, 44100, 4608},
      {"rt.webm", "libvpx-vp9", "libopus", "vp9", "opus", 2, 48000, 960},
      {"rt.mov", "mpeg4", "pcm_s16le", "mpeg4", "pcm_s16le", 1, 22050, 1024},
      {"rt.ogg", NULL, "libopus", NULL, "opus", 2, 48000, 960},
      {"rt.flac", NULL, "flac", NULL, "flac", 2, 96000, 4608},
      {"rt.wav", NULL, "pcm_s16le", NULL, "pcm_s16le", 2, 8000, 1024},
      {"rt.mp3", NULL, "libmp3lame", NULL, "mp3", 2, 44100, 1152},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const rt_case *c = &cases[i];
    char path[1024];
    cx_clip_opts o;
    cx_clip_defaults(&o);
    o.width = 96;
    o.height = 64;
    o.duration = 1.0;
    o.vcodec = c->vcodec;
    o.acodec = c->acodec;
    o.no_video = !c->vcodec;
    o.channels = c->channels;
    o.sample_rate = c->rate;
    assert_int_equal(tm_gen_clip(path, sizeof path, dir, c->name, &o), 0);
    tm_probe p;
    assert_int_equal(tm_probe_file(path, true, &p), 0);
    assert_int_equal(p.decode_errors, 0);
    const tm_stream *v = tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO);
    const tm_stream *a = tm_probe_stream(&p, AVMEDIA_TYPE_AUDIO);
    if (c->vname) {
      assert_non_null(v);
      assert_string_equal(v->codec, c->vname);
      assert_int_equal(v->width, 96);
      assert_int_equal(v->height, 64);
      if (v->frames != 30) fail_msg("%s: %d video frames", c->name, (int)v->frames);
    } else {
      assert_null(v);
    }
    assert_non_null(a);
    assert_string_equal(a->codec, c->aname);
    assert_int_equal(a->channels, c->channels);
    /* Everything generated comes back, within one encoder frame. */
    int64_t want = a->sample_rate; /* one second at the rate the encoder took */
    if (a->samples < want - c->frame || a->samples > want + c->frame)
      fail_msg("%s: %lld samples, want %lld +- %d", c->name, (long long)a->samples, (long long)want,
               c->frame);
  }
}

/* Demux -> decode -> encode (mpeg4 with a 1/90000 time base, which it cannot
 * store) -> mux, with the audio stream copied from mp4 into mov. */
static void test_transcode_and_copy(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "", out[1024];
  cx_demux *d = NULL;
  assert_int_equal(cx_demux_open(&d, clip, NULL, err), 0);
  int vi = cx_demux_best_stream(d, AVMEDIA_TYPE_VIDEO);
  int ai = cx_demux_best_stream(d, AVMEDIA_TYPE_AUDIO);
  AVStream *vs = cx_demux_ctx(d)->streams[vi], *as = cx_demux_ctx(d)->streams[ai];
  cx_dec *dec = NULL;
  assert_int_equal(cx_dec_open(&dec, vs->codecpar, vs->time_base, 0, err), 0);
  cx_mux *m = NULL;
  assert_int_equal(cx_mux_open(&m, tm_path(out, sizeof out, dir, "tc.mov"), NULL, err), 0);
  cx_enc *enc = NULL;
  AVRational tb = {1, 90000};
  cx_enc_opts eo = {.codec = "mpeg4",
                    .type = AVMEDIA_TYPE_VIDEO,
                    .width = vs->codecpar->width,
                    .height = vs->codecpar->height,
                    .pix_fmt = AV_PIX_FMT_YUV420P,
                    .framerate = {30, 1},
                    .time_base = tb,
                    .crf = -1,
                    .gop = 12,
                    .bit_rate = 400000,
                    .global_header = cx_mux_wants_global_header(m)};
  assert_int_equal(cx_enc_open(&enc, &eo, err), 0);
  assert_int_equal(av_cmp_q(cx_enc_time_base(enc), tb), 0);
  assert_true(cx_enc_ctx(enc)->time_base.den <= 65535);
  assert_int_equal(cx_enc_frame_size(enc), 0);
  AVCodecParameters *par = avcodec_parameters_alloc();
  avcodec_parameters_from_context(par, cx_enc_ctx(enc));
  int ov = cx_mux_add_stream(m, par, tb, err);
  avcodec_parameters_free(&par);
  int oa = cx_mux_add_stream(m, as->codecpar, as->time_base, err);
  assert_int_equal(ov, 0);
  assert_int_equal(oa, 1);
  assert_int_equal(cx_mux_copy_side_data(m, ov, vs), 0);
  assert_int_equal(cx_mux_write_header(m, NULL, err), 0);

  AVPacket *pkt = av_packet_alloc(), *opkt = av_packet_alloc();
  AVFrame *fr = av_frame_alloc();
  int frames = 0;
  bool eof = false;
  while (!eof) {
    int ret = cx_demux_read(d, pkt);
    if (ret == AVERROR_EOF) {
      eof = true;
      assert_int_equal(cx_dec_send(dec, NULL), 0);
    } else {
      assert_int_equal(ret, 0);
      if (pkt->stream_index == ai) {
        assert_int_equal(cx_mux_write(m, oa, pkt, as->time_base, err), 0);
        continue;
      }
      if (pkt->stream_index != vi) {
        av_packet_unref(pkt);
        continue;
      }
      assert_int_equal(cx_dec_send(dec, pkt), 0);
      av_packet_unref(pkt);
    }
    while (cx_dec_receive(dec, fr) == 0) {
      fr->pts = av_rescale_q(fr->pts, vs->time_base, tb);
      fr->pict_type = AV_PICTURE_TYPE_NONE;
      assert_int_equal(cx_enc_send(enc, fr), 0);
      av_frame_unref(fr);
      frames++;
      while (cx_enc_receive(enc, opkt) == 0)
        assert_int_equal(cx_mux_write(m, ov, opkt, tb, err), 0);
    }
  }
  assert_int_equal(cx_enc_send(enc, NULL), 0);
  int ret;
  while ((ret = cx_enc_receive(enc, opkt)) == 0)
    assert_int_equal(cx_mux_write(m, ov, opkt, tb, err), 0);
  assert_int_equal(ret, AVERROR_EOF);
  assert_true(cx_mux_bytes(m) > 1000);
  assert_int_equal(cx_mux_close(&m, err), 0);
  assert_null(m);
  assert_int_equal(frames, 30);
  av_packet_free(&pkt);
  av_packet_free(&opkt);
  av_frame_free(&fr);
  cx_enc_close(&enc);
  cx_dec_close(&dec);
  cx_demux_close(&d);

  tm_probe p;
  assert_int_equal(tm_probe_file(out, true, &p), 0);
  const tm_stream *v = tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO);
  const tm_stream *a = tm_probe_stream(&p, AVMEDIA_TYPE_AUDIO);
  assert_non_null(v);
  assert_non_null(a);
  assert_string_equal(v->codec, "mpeg4");
  assert_string_equal(a->codec, "aac");
  assert_int_equal(v->frames, 30);
  assert_true(v->has_rotation);
  assert_true(a->samples >= 48000 - 1024 && a->samples <= 48000 + 1024);
  /* 30 frames at 30 fps survive the 90 kHz -> 16-bit time base round trip. */
  assert_true(v->decoded_duration > 0.99 && v->decoded_duration < 1.01);
}

/* Stream copy keeps the display matrix in mp4 and mov; FFmpeg 5.1's matroska
 * muxer has no place for it (ffmpeg's own -c copy loses it too). */
static void test_rotation_kept(void **state) {
  (void)state;
  static const char *names[] = {"rot.mp4", "rot.mkv", "rot.mov"};
  tm_probe src;
  assert_int_equal(tm_probe_file(clip, false, &src), 0);
  const tm_stream *sv = tm_probe_stream(&src, AVMEDIA_TYPE_VIDEO);
  assert_true(sv->has_rotation);
  assert_true(sv->rotation == 90.0 || sv->rotation == -90.0);
  for (size_t i = 0; i < 3; i++) {
    char err[CX_ERRLEN] = "", out[1024];
    cx_demux *d = NULL;
    cx_mux *m = NULL;
    assert_int_equal(cx_demux_open(&d, clip, NULL, err), 0);
    int vi = cx_demux_best_stream(d, AVMEDIA_TYPE_VIDEO);
    AVStream *vs = cx_demux_ctx(d)->streams[vi];
    assert_int_equal(cx_mux_open(&m, tm_path(out, sizeof out, dir, names[i]), NULL, err), 0);
    int ov = cx_mux_add_stream(m, vs->codecpar, vs->time_base, err);
    assert_true(ov >= 0);
    assert_int_equal(cx_mux_copy_side_data(m, ov, vs), 0);
    assert_int_equal(cx_mux_write_header(m, NULL, err), 0);
    AVPacket *pkt = av_packet_alloc();
    while (cx_demux_read(d, pkt) == 0) {
      if (pkt->stream_index == vi)
        assert_int_equal(cx_mux_write(m, ov, pkt, vs->time_base, err), 0);
      else
        av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    assert_int_equal(cx_mux_close(&m, err), 0);
    cx_demux_close(&d);
    tm_probe p;
    assert_int_equal(tm_probe_file(out, false, &p), 0);
    const tm_stream *v = tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO);
    if (strstr(names[i], ".mkv")) {
      assert_int_equal(v->packets, 30);
      continue;
    }
    if (!v->has_rotation || v->rotation != sv->rotation)
      fail_msg("%s: rotation %g lost (source %g)", names[i], v->rotation, sv->rotation);
    assert_int_equal(v->packets, 30);
  }
}

static void test_mux_file_opened_late(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "", out[1024];
  tm_path(out, sizeof out, dir, "late.wav");
  cx_mux *m = NULL;
  assert_int_equal(cx_mux_open(&m, out, NULL, err), 0);
  assert_int_equal(cx_mux_default_codec(m, AVMEDIA_TYPE_AUDIO), AV_CODEC_ID_PCM_S16LE);
  AVCodecParameters *par = avcodec_parameters_alloc();
  par->codec_type = AVMEDIA_TYPE_AUDIO;
  par->codec_id = AV_CODEC_ID_PCM_S16LE;
  par->sample_rate = 8000;
  av_channel_layout_default(&par->ch_layout, 1);
  assert_int_equal(cx_mux_add_stream(m, par, (AVRational){1, 8000}, err), 0);
  assert_false(tm_file_exists(out));
  assert_int_equal(cx_mux_close(&m, err), 0); /* no header: nothing written */
  assert_false(tm_file_exists(out));

  assert_int_equal(cx_mux_open(&m, out, NULL, err), 0);
  assert_int_equal(cx_mux_add_stream(m, par, (AVRational){1, 8000}, err), 0);
  assert_int_equal(cx_mux_write_header(m, NULL, err), 0);
  assert_true(tm_file_exists(out));
  AVPacket *pkt = av_packet_alloc();
  assert_int_equal(av_new_packet(pkt, 1600), 0);
  memset(pkt->data, 0, 1600);
  pkt->pts = pkt->dts = 0;
  pkt->duration = 800;
  assert_int_equal(cx_mux_write(m, 0, pkt, (AVRational){1, 8000}, err), 0);
  assert_null(pkt->data); /* the reference was consumed */
  assert_int_equal(cx_mux_write(m, 3, pkt, (AVRational){1, 8000}, err), AVERROR(EINVAL));
  int64_t bytes = cx_mux_bytes(m);
  assert_true(bytes >= 1600);
  assert_int_equal(cx_mux_close(&m, err), 0);
  assert_true(tm_file_size(out) >= 1600 + 44);
  av_packet_free(&pkt);
  avcodec_parameters_free(&par);

  /* Unwritable output: the reason names the path. */
  assert_int_equal(cx_mux_open(&m, "/nonexistent-dir/x.wav", NULL, err), 0);
  par = avcodec_parameters_alloc();
  par->codec_type = AVMEDIA_TYPE_AUDIO;
  par->codec_id = AV_CODEC_ID_PCM_S16LE;
  par->sample_rate = 8000;
  av_channel_layout_default(&par->ch_layout, 1);
  assert_int_equal(cx_mux_add_stream(m, par, (AVRational){1, 8000}, err), 0);
  assert_true(cx_mux_write_header(m, NULL, err) < 0);
  assert_non_null(strstr(err, "/nonexistent-dir/x.wav"));
  assert_int_equal(cx_mux_close(&m, err), 0);
  avcodec_parameters_free(&par);
  /* Unknown format, unguessable name, stdout without a format. */
  assert_true(cx_mux_open(&m, out, "no-such-format", err) < 0);
  assert_non_null(strstr(err, "no-such-format"));
  assert_true(cx_mux_open(&m, "/tmp/x.unknownext", NULL, err) < 0);
  assert_true(cx_mux_open(&m, "-", NULL, err) < 0);
  assert_null(m);
}

/* framemd5 to "-" must reach the process's stdout (pipe:1). */
static void test_framemd5_stdout(void **state) {
  (void)state;
  char out[1024], crc[1024];
  tm_path(out, sizeof out, dir, "stdout.md5");
  fflush(stdout);
  int saved = dup(1);
  int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  assert_true(saved >= 0 && fd >= 0);
  dup2(fd, 1);
  close(fd);
  cx_clip_opts o;
  cx_clip_defaults(&o);
  o.path = "-";
  o.format = "framemd5";
  o.width = 64;
  o.height = 48;
  o.duration = 0.5;
  char err[CX_ERRLEN] = "";
  int ret = cx_clip_make(&o, err);
  fflush(stdout);
  dup2(saved, 1);
  close(saved);
  assert_int_equal(ret, 0);
  FILE *f = fopen(out, "r");
  assert_non_null(f);
  char line[512];
  int frames[2] = {0, 0};
  bool header = false;
  while (fgets(line, sizeof line, f)) {
    if (strstr(line, "#format: frame checksums")) header = true;
    if (line[0] == '0' && line[1] == ',') frames[0]++;
    if (line[0] == '1' && line[1] == ',') frames[1]++;
  }
  fclose(f);
  assert_true(header);
  assert_int_equal(frames[0], 15); /* rawvideo: one line per frame */
  assert_true(frames[1] > 0);
  /* framecrc to a file, deterministic across two runs. */
  o.format = "framecrc";
  o.path = tm_path(crc, sizeof crc, dir, "a.crc");
  assert_int_equal(cx_clip_make(&o, err), 0);
  o.path = tm_path(out, sizeof out, dir, "b.crc");
  assert_int_equal(cx_clip_make(&o, err), 0);
  FILE *fa = fopen(crc, "r"), *fb = fopen(out, "r");
  char la[512], lb[512];
  int n = 0;
  while (fgets(la, sizeof la, fa)) {
    assert_non_null(fgets(lb, sizeof lb, fb));
    assert_string_equal(la, lb);
    n++;
  }
  assert_null(fgets(lb, sizeof lb, fb));
  fclose(fa);
  fclose(fb);
  assert_true(n > 15);
}

static void test_encoder_options(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "";
  cx_enc *e = NULL;
  cx_enc_opts base = {.type = AVMEDIA_TYPE_VIDEO,
                      .width = 64,
                      .height = 48,
                      .pix_fmt = AV_PIX_FMT_NONE,
                      .framerate = {25, 1},
                      .crf = -1,
                      .gop = -1};
  cx_enc_opts o = base;
  o.codec = "no-such-encoder";
  assert_true(cx_enc_open(&e, &o, err) < 0);
  assert_non_null(strstr(err, "unknown encoder 'no-such-encoder'"));
  o.codec = "aac";
  assert_true(cx_enc_open(&e, &o, err) < 0);
  assert_non_null(strstr(err, "not a video encoder"));
  o.codec = "mpeg4";
  o.preset = "veryfast";
  assert_true(cx_enc_open(&e, &o, err) < 0);
  assert_non_null(strstr(err, "has no 'preset' option"));
  o.preset = NULL;
  o.crf = 20;
  assert_true(cx_enc_open(&e, &o, err) < 0);
  assert_non_null(strstr(err, "has no 'crf' option"));
  assert_null(e);

  /* libx264: crf, preset, gop and AVOptions; unused options stay behind. */
  AVDictionary *opts = NULL;
  av_dict_set(&opts, "tune", "zerolatency", 0);
  av_dict_set(&opts, "no-such-option", "1", 0);
  o = base;
  o.codec = "libx264";
  o.crf = 30;
  o.preset = "ultrafast";
  o.gop = 7;
  o.threads = 1;
  o.opts = &opts;
  assert_int_equal(cx_enc_open(&e, &o, err), 0);
  assert_int_equal(cx_enc_ctx(e)->gop_size, 7);
  assert_int_equal(cx_enc_ctx(e)->pix_fmt, AV_PIX_FMT_YUV420P);
  assert_null(av_dict_get(opts, "tune", NULL, 0));
  assert_non_null(av_dict_get(opts, "no-such-option", NULL, 0));
  av_dict_free(&opts);
  assert_int_equal(av_cmp_q(cx_enc_time_base(e), (AVRational){1, 25}), 0);
  cx_enc_close(&e);
  /* A fractional crf reaches x264 as it is. */
  o.opts = NULL;
  o.crf = 23.5;
  assert_int_equal(cx_enc_open(&e, &o, err), 0);
  double crf = 0;
  assert_true(av_opt_get_double(cx_enc_ctx(e)->priv_data, "crf", 0, &crf) >= 0);
  assert_true(crf == 23.5);
  cx_enc_close(&e);
  o.preset = "no-such-preset";
  o.opts = NULL;
  assert_true(cx_enc_open(&e, &o, err) < 0);
  assert_null(e);

  /* 4:2:0 at an odd size: libx264 cannot, and we say so before it fails. */
  o = base;
  o.codec = "libx264";
  o.width = 161;
  o.height = 121;
  assert_true(cx_enc_open(&e, &o, err) < 0);
  assert_non_null(strstr(err, "needs an even size for yuv420p, got 161x121"));
  o.pix_fmt = AV_PIX_FMT_YUV444P; /* no subsampling: fine */
  assert_int_equal(cx_enc_open(&e, &o, err), 0);
  cx_enc_close(&e);
  o.codec = "libvpx-vp9"; /* VP9 takes odd 4:2:0 */
  o.pix_fmt = AV_PIX_FMT_YUV420P;
  assert_int_equal(cx_enc_open(&e, &o, err), 0);
  cx_enc_close(&e);

  /* AV1 through libaom with its own speed option. */
  av_dict_set(&opts, "cpu-used", "8", 0);
  o = base;
  o.codec = "libaom-av1";
  o.crf = 40;
  o.opts = &opts;
  assert_int_equal(cx_enc_open(&e, &o, err), 0);
  assert_null(av_dict_get(opts, "cpu-used", NULL, 0));
  cx_enc_close(&e);
  av_dict_free(&opts);

  /* Audio: the frame size every frame but the last must have. */
  static const struct {
    const char *name;
    int rate, frame;
  } audio[] = {{"aac", 48000, 1024},
               {"libopus", 48000, 960},
               {"libmp3lame", 44100, 1152},
               {"pcm_s16le", 8000, 0}};
  for (size_t i = 0; i < 4; i++) {
    cx_enc_opts a = {.codec = audio[i].name,
                     .type = AVMEDIA_TYPE_AUDIO,
                     .pix_fmt = AV_PIX_FMT_NONE,
                     .sample_rate = audio[i].rate,
                     .sample_fmt = AV_SAMPLE_FMT_NONE,
                     .crf = -1,
                     .gop = -1};
    av_channel_layout_default(&a.ch_layout, 2);
    assert_int_equal(cx_enc_open(&e, &a, err), 0);
    assert_int_equal(cx_enc_frame_size(e), audio[i].frame);
    assert_int_equal(av_cmp_q(cx_enc_time_base(e), (AVRational){1, audio[i].rate}), 0);
    cx_enc_close(&e);
  }
}

/* The pixel aspect ratio (here DVD's 32:27) and frame rate reach each container. */
static void test_sar_and_rate_kept(void **state) {
  (void)state;
  static const char *names[] = {"sar.mkv", "sar.mp4", "sar.webm"};
  static const char *codecs[] = {"libx264", "libx264", "libvpx-vp9"};
  for (int i = 0; i < 3; i++) {
    char err[CX_ERRLEN] = "", out[1024];
    cx_mux *m = NULL;
    assert_int_equal(cx_mux_open(&m, tm_path(out, sizeof out, dir, names[i]), NULL, err), 0);
    cx_enc_opts eo = {.codec = codecs[i],
                      .type = AVMEDIA_TYPE_VIDEO,
                      .width = 54,
                      .height = 48,
                      .pix_fmt = AV_PIX_FMT_YUV420P,
                      .sar = {32, 27},
                      .framerate = {25, 1},
                      .crf = -1,
                      .gop = -1,
                      .threads = 1,
                      .global_header = cx_mux_wants_global_header(m)};
    cx_enc *e = NULL;
    assert_int_equal(cx_enc_open(&e, &eo, err), 0);
    AVCodecParameters *par = avcodec_parameters_alloc();
    avcodec_parameters_from_context(par, cx_enc_ctx(e));
    int oi = cx_mux_add_stream(m, par, cx_enc_time_base(e), err);
    avcodec_parameters_free(&par);
    assert_int_equal(oi, 0);
    assert_int_equal(cx_mux_set_frame_rate(m, oi, (AVRational){25, 1}), 0);
    assert_int_equal(cx_mux_write_header(m, NULL, err), 0);
    AVFrame *f = av_frame_alloc();
    f->width = 54;
    f->height = 48;
    f->format = AV_PIX_FMT_YUV420P;
    assert_int_equal(av_frame_get_buffer(f, 0), 0);
    AVPacket *pkt = av_packet_alloc();
    for (int n = 0; n <= 5; n++) {
      if (n < 5) {
        assert_int_equal(cx_testsrc_video(f, n), 0);
        f->pts = n;
      }
      assert_int_equal(cx_enc_send(e, n < 5 ? f : NULL), 0);
      while (cx_enc_receive(e, pkt) == 0)
        assert_int_equal(cx_mux_write(m, oi, pkt, cx_enc_time_base(e), err), 0);
    }
    assert_int_equal(cx_mux_close(&m, err), 0);
    av_packet_free(&pkt);
    av_frame_free(&f);
    cx_enc_close(&e);
    tm_probe p;
    assert_int_equal(tm_probe_file(out, true, &p), 0);
    const tm_stream *v = tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO);
    if (av_cmp_q(v->sar, (AVRational){32, 27}))
      fail_msg("%s: sar %d:%d", names[i], v->sar.num, v->sar.den);
    assert_int_equal(v->frames, 5);
    assert_true(fabs(v->decoded_duration - 0.2) < 0.001);
  }
}

static void test_crf_changes_size(void **state) {
  (void)state;
  char a[1024], b[1024];
  cx_clip_opts o;
  cx_clip_defaults(&o);
  o.no_audio = true;
  o.vcodec = "libx264";
  o.duration = 0.5;
  o.crf = 10;
  assert_int_equal(tm_gen_clip(a, sizeof a, dir, "crf10.mkv", &o), 0);
  o.crf = 45;
  assert_int_equal(tm_gen_clip(b, sizeof b, dir, "crf45.mkv", &o), 0);
  assert_true(tm_file_size(a) > 2 * tm_file_size(b));
}

static void test_pickers(void **state) {
  (void)state;
  assert_int_equal(cx_enc_pick_pix_fmt("mpeg4", AV_CODEC_ID_NONE, AV_PIX_FMT_YUV444P),
                   AV_PIX_FMT_YUV420P);
  assert_int_equal(cx_enc_pick_pix_fmt("libx264", AV_CODEC_ID_NONE, AV_PIX_FMT_YUV444P),
                   AV_PIX_FMT_YUV444P);
  assert_int_equal(cx_enc_pick_pix_fmt("libvpx-vp9", AV_CODEC_ID_NONE, AV_PIX_FMT_NONE),
                   AV_PIX_FMT_YUV420P);
  assert_int_equal(cx_enc_pick_pix_fmt(NULL, AV_CODEC_ID_MPEG4, AV_PIX_FMT_RGB24),
                   AV_PIX_FMT_YUV420P);
  assert_int_equal(cx_enc_pick_sample_fmt("aac", AV_CODEC_ID_NONE, AV_SAMPLE_FMT_S16),
                   AV_SAMPLE_FMT_FLTP);
  assert_int_equal(cx_enc_pick_sample_fmt("flac", AV_CODEC_ID_NONE, AV_SAMPLE_FMT_S16P),
                   AV_SAMPLE_FMT_S16);
  assert_int_equal(cx_enc_pick_sample_fmt("flac", AV_CODEC_ID_NONE, AV_SAMPLE_FMT_FLTP),
                   AV_SAMPLE_FMT_S32);
  assert_int_equal(cx_enc_pick_sample_rate("libopus", AV_CODEC_ID_NONE, 44100), 48000);
  assert_int_equal(cx_enc_pick_sample_rate("libmp3lame", AV_CODEC_ID_NONE, 96000), 48000);
  assert_int_equal(cx_enc_pick_sample_rate("aac", AV_CODEC_ID_NONE, 44100), 44100);
  AVChannelLayout l51 = AV_CHANNEL_LAYOUT_5POINT1, out = {0};
  assert_int_equal(cx_enc_pick_ch_layout("libmp3lame", AV_CODEC_ID_NONE, &l51, &out), 0);
  assert_int_equal(out.nb_channels, 2);
  av_channel_layout_uninit(&out);
  assert_int_equal(cx_enc_pick_ch_layout("flac", AV_CODEC_ID_NONE, &l51, &out), 0);
  assert_int_equal(out.nb_channels, 6);
  av_channel_layout_uninit(&out);
  assert_null(cx_enc_find("no-such", AV_CODEC_ID_NONE));
  assert_non_null(cx_enc_find(NULL, AV_CODEC_ID_OPUS));
}

TM_TSAN_CODEC_ONLY()

/* A copied packet whose damaged pts lies near the int64 limit and before
 * its dts (a flipped byte in a Matroska block): the muxer's timestamp fix
 * takes the median of pts, dts and the previous dts + 1 without
 * overflowing (UBSan stops the run where it would), and the packet goes
 * out at the previous dts, which Matroska allows. */
static void test_mux_fix_extreme_ts(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "", out[1024];
  cx_demux *d = NULL;
  assert_int_equal(cx_demux_open(&d, clip, NULL, err), 0);
  int ai = cx_demux_best_stream(d, AVMEDIA_TYPE_AUDIO);
  AVStream *as = cx_demux_ctx(d)->streams[ai];
  cx_mux *m = NULL;
  assert_int_equal(cx_mux_open(&m, tm_path(out, sizeof out, dir, "ts.mkv"), NULL, err), 0);
  AVRational tb = {1, 1000};
  assert_int_equal(cx_mux_add_stream(m, as->codecpar, tb, err), 0);
  assert_int_equal(cx_mux_write_header(m, NULL, err), 0);
  AVPacket *pkt = av_packet_alloc();
  int sent = 0;
  while (sent < 2 && cx_demux_read(d, pkt) == 0) {
    if (pkt->stream_index != ai) {
      av_packet_unref(pkt);
      continue;
    }
    pkt->stream_index = 0;
    pkt->dts = sent ? -42 : 0;
    pkt->pts = sent ? INT64_MIN + 1 : 0;
    pkt->duration = 0;
    assert_int_equal(cx_mux_write(m, 0, pkt, tb, err), 0);
    sent++;
  }
  av_packet_free(&pkt);
  assert_int_equal(sent, 2);
  assert_int_equal(cx_mux_ts_fixed(m), 2);
  assert_int_equal(cx_mux_close(&m, err), 0);
  cx_demux_close(&d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_roundtrips),        cmocka_unit_test(test_transcode_and_copy),
      cmocka_unit_test(test_rotation_kept),     cmocka_unit_test(test_mux_file_opened_late),
      cmocka_unit_test(test_framemd5_stdout),   cmocka_unit_test(test_encoder_options),
      cmocka_unit_test(test_sar_and_rate_kept), cmocka_unit_test(test_crf_changes_size),
      cmocka_unit_test(test_pickers),           cmocka_unit_test(test_mux_fix_extreme_ts),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
