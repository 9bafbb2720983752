/* libFuzzer target: untrusted bytes through demux, decode, convert, encode and mux, in memory. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libavformat/avformat.h>
#include <libavformat/avio.h>
#include <libavutil/avstring.h>
#include <libavutil/log.h>

#include "codecs/codecs.h"
#include "fuzz_transcode.h"

/*
 * Limits keep one execution short and small: the fuzzer must spend its time
 * on many inputs, not on one long clip, and a 2-core machine runs it.
 */
enum {
  FZ_MAX_PACKETS = 160,       /* packets read from the demuxer */
  FZ_MAX_FRAMES = 16,         /* decoded frames per stream fed onward */
  FZ_MAX_PIXELS = 1280 * 720, /* larger pictures are not decoded */
  FZ_MAX_SAMPLES = 1 << 18,   /* samples per decoded audio frame */
  FZ_MAX_RATE = 384000,       /* resampling from 520 MHz costs seconds per input */
  FZ_MAX_CHANNELS = 16,
  FZ_BOX = 64,                 /* output pictures fit a 64x64 box */
  FZ_MAX_PENDING = 64,         /* packets held until the mux header is out */
  FZ_MAX_BURST = 100,          /* frames convert may emit for one input frame */
  FZ_DEADLINE_NS = 3000000000, /* wall-clock budget of blocking demuxer I/O */
  FZ_IOBUF = 4096
};

/* The input bytes as a read-only seekable stream. */
typedef struct fz_mem {
  const uint8_t *data;
  size_t size, pos;
} fz_mem;

static int fz_read(void *opaque, uint8_t *buf, int n) {
  fz_mem *m = opaque;
  size_t left = m->size - m->pos;
  if (left == 0) return AVERROR_EOF;
  if ((size_t)n > left) n = (int)left;
  memcpy(buf, m->data + m->pos, (size_t)n);
  m->pos += (size_t)n;
  return n;
}

static int64_t fz_seek(void *opaque, int64_t off, int whence) {
  fz_mem *m = opaque;
  if (whence & AVSEEK_SIZE) return (int64_t)m->size;
  int64_t base;
  switch (whence & ~AVSEEK_FORCE) {
  case SEEK_SET:
    base = 0;
    break;
  case SEEK_CUR:
    base = (int64_t)m->pos;
    break;
  case SEEK_END:
    base = (int64_t)m->size;
    break;
  default:
    return AVERROR(EINVAL);
  }
  /* Offsets come from the input itself: guard the addition. */
  if ((off > 0 && base > INT64_MAX - off) || base + off < 0 || base + off > (int64_t)m->size)
    return AVERROR(EINVAL);
  m->pos = (size_t)(base + off);
  return base + off;
}

static uint64_t fz_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int fz_interrupt(void *opaque) {
  return fz_now_ns() > *(const uint64_t *)opaque;
}

/* Demuxers that open further files (playlists, concat lists, references)
 * must never do so from fuzzed bytes. */
static int fz_io_open(AVFormatContext *s, AVIOContext **pb, const char *url, int flags,
                      AVDictionary **opts) {
  return AVERROR(EPERM);
}

static const char *const fz_denied_formats[] = {
    "hls", "concat", "dash", "imf", "image2", "sdp", "rtsp", "rtp", "webm_dash_manifest", NULL};

static int fz_format_denied(const AVInputFormat *f) {
  for (int i = 0; fz_denied_formats[i]; i++)
    if (av_match_name(fz_denied_formats[i], f->name)) return 1;
  return 0;
}

char fz_summary[256];

/* One selected input stream and its chain. */
typedef struct fz_chain {
  int index; /* input stream index, -1 unused */
  enum AVMediaType type;
  AVRational tb;
  cx_dec *dec;
  cx_vconv *vconv;
  cx_aconv *aconv;
  cx_enc *enc;
  int out_index; /* mux stream, -1 none */
  int frames;
  int converted, encoded; /* frames out of convert, packets out of encode */
  int failed;
} fz_chain;

typedef struct fz_run {
  unsigned mode; /* picks encoders and timing from the input length */
  cx_mux *mux;
  int header_done, mux_failed;
  AVPacket *pending[FZ_MAX_PENDING];
  int pending_stream[FZ_MAX_PENDING];
  int npending;
  fz_chain chain[2];
  AVFrame *frame, *conv;
  AVPacket *pkt;
  char err[CX_ERRLEN];
} fz_run;

static void fz_fit_box(int w, int h, int *ow, int *oh) {
  /* Keep the aspect inside the box; even sizes, at least 2x2. */
  int64_t tw = FZ_BOX, th = FZ_BOX;
  if ((int64_t)w * FZ_BOX >= (int64_t)h * FZ_BOX && w > 0)
    th = (int64_t)h * FZ_BOX / w;
  else if (h > 0)
    tw = (int64_t)w * FZ_BOX / h;
  tw &= ~(int64_t)1;
  th &= ~(int64_t)1;
  *ow = tw < 2 ? 2 : (int)tw;
  *oh = th < 2 ? 2 : (int)th;
}

static void fz_mux_ready(fz_run *r) {
  if (r->header_done || r->mux_failed || !r->mux) return;
  for (int i = 0; i < 2; i++)
    if (r->chain[i].index >= 0 && !r->chain[i].failed && r->chain[i].out_index < 0)
      return; /* a stream still waits for its first frame */
  int any = 0;
  for (int i = 0; i < 2; i++)
    any |= r->chain[i].out_index >= 0;
  if (!any || cx_mux_write_header(r->mux, NULL, r->err) < 0) {
    r->mux_failed = 1;
    return;
  }
  r->header_done = 1;
  for (int i = 0; i < r->npending; i++) {
    fz_chain *c = &r->chain[r->pending_stream[i]];
    AVRational tb = cx_enc_time_base(c->enc);
    if (!r->mux_failed && cx_mux_write(r->mux, c->out_index, r->pending[i], tb, r->err) < 0)
      r->mux_failed = 1;
    av_packet_free(&r->pending[i]);
  }
  r->npending = 0;
}

static void fz_mux_packet(fz_run *r, int ci, AVPacket *pkt) {
  fz_chain *c = &r->chain[ci];
  if (!r->mux || r->mux_failed || c->out_index < 0) {
    av_packet_unref(pkt);
    return;
  }
  if (r->header_done) {
    if (cx_mux_write(r->mux, c->out_index, pkt, cx_enc_time_base(c->enc), r->err) < 0)
      r->mux_failed = 1;
    av_packet_unref(pkt);
    return;
  }
  if (r->npending == FZ_MAX_PENDING) {
    av_packet_unref(pkt);
    return;
  }
  AVPacket *held = av_packet_alloc();
  if (!held) {
    av_packet_unref(pkt);
    return;
  }
  av_packet_move_ref(held, pkt);
  r->pending_stream[r->npending] = ci;
  r->pending[r->npending++] = held;
}

/* Encodes frame (NULL = flush) and passes its packets to the muxer. */
static void fz_encode(fz_run *r, int ci, const AVFrame *frame) {
  fz_chain *c = &r->chain[ci];
  if (!c->enc || c->failed) return;
  if (cx_enc_send(c->enc, frame) < 0) {
    c->failed = 1;
    return;
  }
  for (;;) {
    int ret = cx_enc_receive(c->enc, r->pkt);
    if (ret < 0) {
      if (ret != AVERROR(EAGAIN) && ret != AVERROR_EOF) c->failed = 1;
      return;
    }
    c->encoded++;
    fz_mux_packet(r, ci, r->pkt);
  }
}

static int fz_add_mux_stream(fz_run *r, fz_chain *c) {
  AVCodecParameters *par = avcodec_parameters_alloc();
  if (!par) return -1;
  int ret = avcodec_parameters_from_context(par, cx_enc_ctx(c->enc));
  if (ret >= 0 && r->mux && !r->header_done)
    ret = cx_mux_add_stream(r->mux, par, cx_enc_time_base(c->enc), r->err);
  avcodec_parameters_free(&par);
  if (ret < 0)
    r->mux_failed = 1;
  else
    c->out_index = ret;
  return ret;
}

static int fz_open_video(fz_run *r, fz_chain *c, const AVFrame *f) {
  const char *codec = (r->mode & 1) ? "rawvideo" : "mpeg4";
  enum AVCodecID id = (r->mode & 1) ? AV_CODEC_ID_RAWVIDEO : AV_CODEC_ID_MPEG4;
  int w, h;
  fz_fit_box(f->width, f->height, &w, &h);
  cx_vconv_opts vo = {
      .src_w = f->width,
      .src_h = f->height,
      .src_fmt = (enum AVPixelFormat)f->format,
      .src_sar = f->sample_aspect_ratio,
      .dst_w = w,
      .dst_h = h,
      .dst_fmt =
          cx_enc_pick_pix_fmt(codec, id, (r->mode & 2) ? AV_PIX_FMT_RGB24 : AV_PIX_FMT_YUV420P),
      .in_tb = c->tb,
  };
  /* mpeg4 cannot take a 1/90000 time base: it gets constant frame rate. */
  if (!(r->mode & 1)) {
    vo.out_fps = (r->mode & 4) ? (AVRational){30000, 1001} : (AVRational){25, 1};
    vo.out_tb = av_inv_q(vo.out_fps);
  } else {
    vo.out_tb = c->tb;
  }
  if (cx_vconv_open(&c->vconv, &vo, r->err) < 0) return -1;
  enum AVPixelFormat fmt;
  cx_vconv_output(c->vconv, &w, &h, &fmt);
  AVDictionary *opts = NULL;
  cx_enc_opts eo = {
      .codec = codec,
      .default_codec_id = id,
      .type = AVMEDIA_TYPE_VIDEO,
      .width = w,
      .height = h,
      .pix_fmt = fmt,
      .sar = (AVRational){1, 1},
      .framerate = vo.out_fps.num ? vo.out_fps : (AVRational){25, 1},
      .time_base = vo.out_tb,
      .crf = -1,
      .gop = -1,
      .threads = 1,
      .global_header = r->mux && cx_mux_wants_global_header(r->mux),
      .opts = &opts,
  };
  int ret = cx_enc_open(&c->enc, &eo, r->err);
  av_dict_free(&opts);
  if (ret < 0) return -1;
  fz_add_mux_stream(r, c); /* without a mux stream the chain still encodes */
  return 0;
}

static int fz_open_audio(fz_run *r, fz_chain *c, const AVFrame *f) {
  const char *codec = (r->mode & 1) ? ((r->mode & 2) ? "flac" : "pcm_s16le") : "aac";
  enum AVCodecID id =
      (r->mode & 1) ? ((r->mode & 2) ? AV_CODEC_ID_FLAC : AV_CODEC_ID_PCM_S16LE) : AV_CODEC_ID_AAC;
  if (f->ch_layout.nb_channels <= 0 || f->ch_layout.nb_channels > FZ_MAX_CHANNELS ||
      f->sample_rate <= 0 || f->sample_rate > FZ_MAX_RATE)
    return -1;
  int want_rate = (r->mode & 4) ? 16000 : 44100;
  AVDictionary *opts = NULL;
  cx_enc_opts eo = {
      .codec = codec,
      .default_codec_id = id,
      .type = AVMEDIA_TYPE_AUDIO,
      .sample_rate = cx_enc_pick_sample_rate(codec, id, want_rate),
      .sample_fmt = cx_enc_pick_sample_fmt(codec, id, AV_SAMPLE_FMT_S16),
      .crf = -1,
      .gop = -1,
      .threads = 1,
      .global_header = r->mux && cx_mux_wants_global_header(r->mux),
      .opts = &opts,
  };
  if (r->mode & 8)
    av_channel_layout_default(&eo.ch_layout, 1);
  else
    av_channel_layout_default(&eo.ch_layout, 2);
  eo.time_base = (AVRational){1, eo.sample_rate};
  int ret = cx_enc_open(&c->enc, &eo, r->err);
  av_dict_free(&opts);
  if (ret < 0) return -1;
  AVCodecContext *ec = cx_enc_ctx(c->enc);
  cx_aconv_opts ao = {
      .src_rate = f->sample_rate,
      .src_fmt = (enum AVSampleFormat)f->format,
      .dst_rate = ec->sample_rate,
      .dst_fmt = ec->sample_fmt,
      .frame_size = cx_enc_frame_size(c->enc),
      .in_tb = c->tb,
  };
  if (av_channel_layout_copy(&ao.src_layout, &f->ch_layout) < 0) return -1;
  if (av_channel_layout_copy(&ao.dst_layout, &ec->ch_layout) < 0) {
    av_channel_layout_uninit(&ao.src_layout);
    return -1;
  }
  ret = cx_aconv_open(&c->aconv, &ao, r->err);
  av_channel_layout_uninit(&ao.src_layout);
  av_channel_layout_uninit(&ao.dst_layout);
  if (ret < 0) return -1;
  fz_add_mux_stream(r, c);
  return 0;
}

/* Converts frame (NULL = EOF) and encodes what comes out. */
static void fz_convert(fz_run *r, int ci, const AVFrame *frame) {
  fz_chain *c = &r->chain[ci];
  if (c->failed) return;
  int ret;
  if (frame && !c->enc) {
    ret = c->type == AVMEDIA_TYPE_VIDEO ? fz_open_video(r, c, frame) : fz_open_audio(r, c, frame);
    if (ret < 0) {
      c->failed = 1;
      fz_mux_ready(r);
      return;
    }
    fz_mux_ready(r);
  }
  if (!c->enc) return;
  int burst = 0;
  ret = c->vconv ? cx_vconv_send(c->vconv, frame) : cx_aconv_send(c->aconv, frame);
  if (ret < 0) {
    c->failed = 1;
    return;
  }
  for (;;) {
    ret = c->vconv ? cx_vconv_receive(c->vconv, r->conv) : cx_aconv_receive(c->aconv, r->conv);
    if (ret < 0) {
      if (ret != AVERROR(EAGAIN) && ret != AVERROR_EOF) c->failed = 1;
      break;
    }
    /*
     * A timestamp jump in hostile input makes constant-frame-rate convert
     * duplicate a frame for every missing slot: a 3 KB file asking for 100000 s
     * of video. The chain stops here so the campaign goes on; with FZ_STRICT
     * set (the regression test) it is reported as the finding it is.
     */
    if (++burst > FZ_MAX_BURST) {
      av_frame_unref(r->conv);
      if (getenv("FZ_STRICT")) {
        fprintf(stderr, "fuzz: convert emitted more than %d frames for one input frame\n",
                FZ_MAX_BURST);
        abort();
      }
      c->failed = 1;
      break;
    }
    c->converted++;
    fz_encode(r, ci, r->conv);
    av_frame_unref(r->conv);
  }
  if (!frame) fz_encode(r, ci, NULL);
}

/* Decodes pkt (NULL = flush); a bad packet is skipped like the pipeline does. */
static void fz_decode(fz_run *r, int ci, const AVPacket *pkt) {
  fz_chain *c = &r->chain[ci];
  if (!c->dec || c->failed) return;
  int ret = cx_dec_send(c->dec, pkt);
  if (ret < 0 && ret != AVERROR(EAGAIN) && pkt) return;
  for (;;) {
    ret = cx_dec_receive(c->dec, r->frame);
    if (ret < 0) break;
    if (c->frames++ < FZ_MAX_FRAMES) fz_convert(r, ci, r->frame);
    av_frame_unref(r->frame);
  }
}

static void fz_open_chain(fz_run *r, AVFormatContext *fc, int ci, enum AVMediaType type) {
  fz_chain *c = &r->chain[ci];
  c->index = -1;
  c->out_index = -1;
  c->type = type;
  int si = av_find_best_stream(fc, type, -1, -1, NULL, 0);
  if (si < 0) return;
  AVStream *st = fc->streams[si];
  if (st->disposition & AV_DISPOSITION_ATTACHED_PIC) return;
  const AVCodecParameters *par = st->codecpar;
  if (type == AVMEDIA_TYPE_VIDEO && (int64_t)par->width * par->height > FZ_MAX_PIXELS) return;
  if (type == AVMEDIA_TYPE_AUDIO &&
      (par->sample_rate > FZ_MAX_RATE || par->ch_layout.nb_channels > FZ_MAX_CHANNELS))
    return;
  if (st->time_base.num <= 0 || st->time_base.den <= 0) return;
  c->tb = st->time_base;
  if (cx_dec_open(&c->dec, par, st->time_base, 1, r->err) < 0) return;
  AVCodecContext *dc = cx_dec_ctx(c->dec);
  dc->max_pixels = FZ_MAX_PIXELS;
  dc->max_samples = FZ_MAX_SAMPLES;
  c->index = si;
}

/* "-": no such stream (or not decodable here), "!": the chain stopped on an error. */
static const char *fz_mark(const fz_chain *c) {
  return c->index < 0 ? "-" : c->failed ? "!" : "";
}

static void fz_close_chain(fz_chain *c) {
  cx_dec_close(&c->dec);
  cx_vconv_close(&c->vconv);
  cx_aconv_close(&c->aconv);
  cx_enc_close(&c->enc);
}

static void fz_transcode(fz_run *r, AVFormatContext *fc) {
  fz_open_chain(r, fc, 0, AVMEDIA_TYPE_VIDEO);
  fz_open_chain(r, fc, 1, AVMEDIA_TYPE_AUDIO);
  if (r->chain[0].index < 0 && r->chain[1].index < 0) return;
  if (cx_mux_open(&r->mux, "/dev/null", (r->mode & 1) ? "nut" : "matroska", r->err) < 0)
    r->mux = NULL;
  for (int n = 0; n < FZ_MAX_PACKETS; n++) {
    int ret = av_read_frame(fc, r->pkt);
    if (ret == AVERROR(EAGAIN)) continue;
    if (ret < 0) break;
    for (int ci = 0; ci < 2; ci++)
      if (r->pkt->stream_index == r->chain[ci].index) fz_decode(r, ci, r->pkt);
    av_packet_unref(r->pkt);
  }
  for (int ci = 0; ci < 2; ci++) {
    fz_decode(r, ci, NULL);
    fz_convert(r, ci, NULL);
    if (!r->chain[ci].enc)
      r->chain[ci].failed = 1; /* never saw a frame: the header must not wait */
  }
  fz_mux_ready(r);
  for (int i = 0; i < r->npending; i++)
    av_packet_free(&r->pending[i]);
  r->npending = 0;
  if (r->mux) cx_mux_close(&r->mux, r->err);
}

int fz_transcode_one(const uint8_t *data, size_t size) {
  static int quiet;
  if (!quiet) {
    /* FZ_DEBUG=1 shows FFmpeg's own messages when a replay needs explaining. */
    av_log_set_level(getenv("FZ_DEBUG") ? AV_LOG_VERBOSE : AV_LOG_QUIET);
    quiet = 1;
  }
  fz_mem mem = {data, size, 0};
  uint64_t deadline = fz_now_ns() + FZ_DEADLINE_NS;
  fz_run r = {.mode = (unsigned)(size % 16)};
  snprintf(fz_summary, sizeof fz_summary, "not opened");
  AVFormatContext *fc = avformat_alloc_context();
  uint8_t *iobuf = av_malloc(FZ_IOBUF);
  AVIOContext *pb = NULL;
  if (!fc || !iobuf) goto out;
  pb = avio_alloc_context(iobuf, FZ_IOBUF, 0, &mem, fz_read, NULL, fz_seek);
  if (!pb) goto out;
  iobuf = NULL; /* pb owns it now (and may replace it) */
  fc->pb = pb;
  fc->flags |= AVFMT_FLAG_CUSTOM_IO;
  fc->probesize = 1 << 15;
  fc->max_analyze_duration = 200000;
  fc->fps_probe_size = 3; /* stream-info probing decodes: keep it short */
  fc->io_open = fz_io_open;
  fc->interrupt_callback.callback = fz_interrupt;
  fc->interrupt_callback.opaque = &deadline;

  const AVInputFormat *fmt = NULL;
  if (av_probe_input_buffer2(pb, &fmt, "", NULL, 0, 1 << 15) < 0 || !fmt) goto out;
  if (fz_format_denied(fmt)) {
    snprintf(fz_summary, sizeof fz_summary, "format %s refused", fmt->name);
    goto out;
  }
  AVDictionary *opts = NULL;
  av_dict_set(&opts, "protocol_whitelist", "none", 0);
  av_dict_set(&opts, "max_streams", "16", 0);
  int ret = avformat_open_input(&fc, NULL, fmt, &opts);
  av_dict_free(&opts);
  if (ret < 0) goto out; /* fc was freed; the custom pb was not */
  if (avformat_find_stream_info(fc, NULL) >= 0) {
    r.frame = av_frame_alloc();
    r.conv = av_frame_alloc();
    r.pkt = av_packet_alloc();
    if (r.frame && r.conv && r.pkt) fz_transcode(&r, fc);
    snprintf(fz_summary, sizeof fz_summary,
             "%s mode %u: video %d/%d/%d%s audio %d/%d/%d%s (decoded/converted/encoded), mux %s",
             fmt->name, r.mode, r.chain[0].frames, r.chain[0].converted, r.chain[0].encoded,
             fz_mark(&r.chain[0]), r.chain[1].frames, r.chain[1].converted, r.chain[1].encoded,
             fz_mark(&r.chain[1]), r.header_done ? (r.mux_failed ? "failed" : "ok") : "no header");
    for (int ci = 0; ci < 2; ci++)
      fz_close_chain(&r.chain[ci]);
    av_frame_free(&r.frame);
    av_frame_free(&r.conv);
    av_packet_free(&r.pkt);
  }
out:
  avformat_close_input(&fc);
  if (pb) av_freep(&pb->buffer);
  avio_context_free(&pb);
  av_free(iobuf);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_transcode_one(data, size);
  return 0;
}
