/* Test clip maker: encodes the test pattern and tones into any container with the codec layer. */
#include "tools/mkclip/clip.h"
#include "codecs/cx_internal.h"

#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

void cx_clip_defaults(cx_clip_opts *o) {
  memset(o, 0, sizeof *o);
  o->width = 320;
  o->height = 240;
  o->fps = (AVRational){30, 1};
  o->duration = 2.0;
  o->pix_fmt = AV_PIX_FMT_NONE;
  o->sample_rate = 48000;
  o->channels = 2;
  o->crf = -1;
  o->gop = -1;
  o->threads = 1;
}

typedef struct track {
  cx_enc *enc;
  int index;      /* output stream */
  AVFrame *frame; /* what the encoder gets */
  AVFrame *draw;  /* pattern canvas when the encoder's format is not drawable */
  struct SwsContext *sws;
  int64_t next, total; /* frames (video) or samples (audio) */
  int chunk;
  bool flushed;
} track;

static int drain(cx_mux *m, track *t, AVPacket *pkt, char *err) {
  for (;;) {
    int ret = cx_enc_receive(t->enc, pkt);
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return 0;
    if (ret < 0) return cx_fail(err, ret, "encoding");
    ret = cx_mux_write(m, t->index, pkt, cx_enc_time_base(t->enc), err);
    if (ret < 0) return ret;
  }
}

/* The output stream of an opened encoder: its index, or an AVERROR. */
static int add_stream(cx_mux *m, cx_enc *enc, char *err) {
  AVCodecParameters *par = avcodec_parameters_alloc();
  if (!par) return AVERROR(ENOMEM);
  avcodec_parameters_from_context(par, cx_enc_ctx(enc));
  int index = cx_mux_add_stream(m, par, cx_enc_time_base(enc), err);
  avcodec_parameters_free(&par);
  return index;
}

static int open_video(track *t, cx_mux *m, const cx_clip_opts *o, char *err) {
  enum AVCodecID id = cx_mux_default_codec(m, AVMEDIA_TYPE_VIDEO);
  enum AVPixelFormat fmt = cx_enc_pick_pix_fmt(o->vcodec, id, o->pix_fmt);
  if (fmt == AV_PIX_FMT_NONE) fmt = AV_PIX_FMT_YUV420P; /* rawvideo takes anything */
  cx_enc_opts eo = {.codec = o->vcodec,
                    .default_codec_id = id,
                    .type = AVMEDIA_TYPE_VIDEO,
                    .width = o->width,
                    .height = o->height,
                    .pix_fmt = fmt,
                    .sar = {1, 1},
                    .framerate = o->fps,
                    .sample_fmt = AV_SAMPLE_FMT_NONE,
                    .time_base = av_inv_q(o->fps),
                    .bit_rate = o->vbit_rate,
                    .crf = o->crf,
                    .preset = o->preset,
                    .gop = o->gop,
                    .threads = o->threads,
                    .global_header = cx_mux_wants_global_header(m)};
  int ret = cx_enc_open(&t->enc, &eo, err);
  if (ret < 0) return ret;
  AVCodecContext *ctx = cx_enc_ctx(t->enc);
  t->frame = av_frame_alloc();
  if (!t->frame) return AVERROR(ENOMEM);
  t->frame->format = ctx->pix_fmt;
  t->frame->width = ctx->width;
  t->frame->height = ctx->height;
  if ((ret = av_frame_get_buffer(t->frame, 0)) < 0) return cx_fail(err, ret, "frame");
  if (cx_testsrc_video(t->frame, 0) == AVERROR(ENOSYS)) {
    /* e.g. rgb24: draw in yuv444p and convert. */
    t->draw = av_frame_alloc();
    if (!t->draw) return AVERROR(ENOMEM);
    t->draw->format = AV_PIX_FMT_YUV444P;
    t->draw->width = ctx->width;
    t->draw->height = ctx->height;
    if ((ret = av_frame_get_buffer(t->draw, 0)) < 0) return cx_fail(err, ret, "frame");
    t->sws = sws_getContext(ctx->width, ctx->height, AV_PIX_FMT_YUV444P, ctx->width, ctx->height,
                            ctx->pix_fmt, SWS_BICUBIC, NULL, NULL, NULL);
    if (!t->sws)
      return cx_fail(err, AVERROR(EINVAL), "no conversion to %s",
                     av_get_pix_fmt_name(ctx->pix_fmt));
  }
  if ((ret = add_stream(m, t->enc, err)) < 0) return ret;
  t->index = ret;
  cx_mux_set_frame_rate(m, t->index, o->fps);
  if (o->rotate) {
    AVStream *st = cx_mux_ctx(m)->streams[t->index];
    uint8_t *sd = av_stream_new_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, 9 * sizeof(int32_t));
    if (!sd) return AVERROR(ENOMEM);
    av_display_rotation_set((int32_t *)sd, -(double)o->rotate);
  }
  t->total = llrint(o->duration * o->fps.num / o->fps.den);
  return 0;
}

static int open_audio(track *t, cx_mux *m, const cx_clip_opts *o, char *err) {
  enum AVCodecID id = cx_mux_default_codec(m, AVMEDIA_TYPE_AUDIO);
  AVChannelLayout want = {0}, layout = {0};
  av_channel_layout_default(&want, o->channels);
  int ret = cx_enc_pick_ch_layout(o->acodec, id, &want, &layout);
  av_channel_layout_uninit(&want);
  if (ret < 0) return cx_fail(err, ret, "channel layout");
  int rate = cx_enc_pick_sample_rate(o->acodec, id, o->sample_rate);
  cx_enc_opts eo = {.codec = o->acodec,
                    .default_codec_id = id,
                    .type = AVMEDIA_TYPE_AUDIO,
                    .pix_fmt = AV_PIX_FMT_NONE,
                    .sample_rate = rate,
                    .sample_fmt = cx_enc_pick_sample_fmt(o->acodec, id, AV_SAMPLE_FMT_FLTP),
                    .ch_layout = layout,
                    .time_base = {1, rate},
                    .bit_rate = o->abit_rate,
                    .crf = -1,
                    .gop = -1,
                    .threads = o->threads,
                    .global_header = cx_mux_wants_global_header(m)};
  ret = cx_enc_open(&t->enc, &eo, err);
  av_channel_layout_uninit(&layout);
  if (ret < 0) return ret;
  AVCodecContext *ctx = cx_enc_ctx(t->enc);
  t->chunk = cx_enc_frame_size(t->enc);
  if (t->chunk <= 0) t->chunk = 1024;
  t->frame = av_frame_alloc();
  if (!t->frame) return AVERROR(ENOMEM);
  if ((ret = add_stream(m, t->enc, err)) < 0) return ret;
  t->index = ret;
  t->total = llrint(o->duration * ctx->sample_rate);
  return 0;
}

static int video_step(track *t, cx_mux *m, AVPacket *pkt, char *err) {
  int ret;
  if (t->sws) {
    if ((ret = cx_testsrc_video(t->draw, t->next)) < 0) return cx_fail(err, ret, "pattern");
    if ((ret = av_frame_make_writable(t->frame)) < 0) return cx_fail(err, ret, "frame");
    sws_scale(t->sws, (const uint8_t *const *)t->draw->data, t->draw->linesize, 0, t->draw->height,
              t->frame->data, t->frame->linesize);
  } else if ((ret = cx_testsrc_video(t->frame, t->next)) < 0) {
    return cx_fail(err, ret, "pattern");
  }
  t->frame->pts = t->next++;
  if ((ret = cx_enc_send(t->enc, t->frame)) < 0) return cx_fail(err, ret, "encoding");
  return drain(m, t, pkt, err);
}

static int audio_step(track *t, cx_mux *m, AVPacket *pkt, char *err) {
  AVCodecContext *ctx = cx_enc_ctx(t->enc);
  int n = (int)FFMIN((int64_t)t->chunk, t->total - t->next);
  AVFrame *f = t->frame;
  av_frame_unref(f);
  f->format = ctx->sample_fmt;
  f->sample_rate = ctx->sample_rate;
  f->nb_samples = n;
  int ret = av_channel_layout_copy(&f->ch_layout, &ctx->ch_layout);
  if (ret >= 0) ret = av_frame_get_buffer(f, 0);
  if (ret < 0) return cx_fail(err, ret, "audio frame");
  cx_testsrc_audio(f, t->next, n);
  f->pts = t->next;
  t->next += n;
  if ((ret = cx_enc_send(t->enc, f)) < 0) return cx_fail(err, ret, "encoding");
  return drain(m, t, pkt, err);
}

static int flush(track *t, cx_mux *m, AVPacket *pkt, char *err) {
  if (!t->enc || t->flushed) return 0;
  t->flushed = true;
  int ret = cx_enc_send(t->enc, NULL);
  if (ret < 0) return cx_fail(err, ret, "flushing");
  return drain(m, t, pkt, err);
}

/* Audio-only containers name a cover-art codec (mp3: png) or none for video:
 * without an explicit codec such a track is left out rather than failing. */
static bool has_default(cx_mux *m, enum AVMediaType type) {
  enum AVCodecID id = cx_mux_default_codec(m, type);
  if (id == AV_CODEC_ID_NONE || id == AV_CODEC_ID_PNG || id == AV_CODEC_ID_MJPEG) return false;
  return cx_enc_find(NULL, id) != NULL;
}

static void track_free(track *t) {
  cx_enc_close(&t->enc);
  av_frame_free(&t->frame);
  av_frame_free(&t->draw);
  sws_freeContext(t->sws);
}

int cx_clip_make(const cx_clip_opts *o, char *err) {
  if (o->no_video && o->no_audio) return cx_fail(err, AVERROR(EINVAL), "no streams");
  if (o->duration <= 0 || o->fps.num <= 0 || o->fps.den <= 0 || o->width <= 0 || o->height <= 0 ||
      o->channels <= 0)
    return cx_fail(err, AVERROR(EINVAL), "bad clip options");
  cx_mux *m = NULL;
  track v = {0}, a = {0};
  AVPacket *pkt = av_packet_alloc();
  int ret = pkt ? cx_mux_open(&m, o->path, o->format, err) : AVERROR(ENOMEM);
  if (ret < 0) goto done;
  /* No random segment UIDs or version strings: same options, same bytes. */
  cx_mux_ctx(m)->flags |= AVFMT_FLAG_BITEXACT;
  if (!o->no_video && (o->vcodec || has_default(m, AVMEDIA_TYPE_VIDEO)) &&
      (ret = open_video(&v, m, o, err)) < 0)
    goto done;
  if (!o->no_audio && (o->acodec || has_default(m, AVMEDIA_TYPE_AUDIO)) &&
      (ret = open_audio(&a, m, o, err)) < 0)
    goto done;
  if (!v.enc && !a.enc) {
    ret = cx_fail(err, AVERROR(EINVAL), "%s: no stream this container can hold", o->path);
    goto done;
  }
  if ((ret = cx_mux_write_header(m, NULL, err)) < 0) goto done;
  for (;;) {
    bool v_left = v.enc && v.next < v.total, a_left = a.enc && a.next < a.total;
    if (!v_left && !a_left) break;
    /* Interleave by presentation time, so the muxer buffers little. */
    bool do_video = v_left;
    if (v_left && a_left)
      do_video = av_compare_ts(v.next, av_inv_q(o->fps), a.next,
                               (AVRational){1, cx_enc_ctx(a.enc)->sample_rate}) <= 0;
    ret = do_video ? video_step(&v, m, pkt, err) : audio_step(&a, m, pkt, err);
    if (ret < 0) goto done;
  }
  if ((ret = flush(&v, m, pkt, err)) < 0) goto done;
  if ((ret = flush(&a, m, pkt, err)) < 0) goto done;
done:
  if (m) {
    int cret = cx_mux_close(&m, ret < 0 ? NULL : err);
    if (ret >= 0) ret = cret;
  }
  track_free(&v);
  track_free(&a);
  av_packet_free(&pkt);
  return ret < 0 ? ret : 0;
}
