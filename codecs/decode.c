/* Decoder: libavcodec send/receive with threading, frames stamped with best-effort pts. */
#include "codecs/cx_internal.h"

struct cx_dec {
  AVCodecContext *ctx;
  AVRational pkt_tb;
  int64_t next_audio_pts; /* fills audio pts holes from the sample count */
};

int cx_dec_open(cx_dec **out, const AVCodecParameters *par, AVRational pkt_tb, int threads,
                char *err) {
  *out = NULL;
  const AVCodec *codec = avcodec_find_decoder(par->codec_id);
  if (!codec)
    return cx_fail(err, AVERROR_DECODER_NOT_FOUND, "no decoder for codec '%s'",
                   avcodec_get_name(par->codec_id));
  cx_dec *d = av_mallocz(sizeof *d);
  if (!d) return cx_fail(err, AVERROR(ENOMEM), "decoder %s", codec->name);
  d->pkt_tb = pkt_tb;
  d->next_audio_pts = AV_NOPTS_VALUE;
  int ret;
  d->ctx = avcodec_alloc_context3(codec);
  if (!d->ctx) {
    ret = cx_fail(err, AVERROR(ENOMEM), "decoder %s", codec->name);
    goto fail;
  }
  if ((ret = avcodec_parameters_to_context(d->ctx, par)) < 0) {
    cx_fail(err, ret, "decoder %s: bad parameters", codec->name);
    goto fail;
  }
  /* 5.1 ignores AVPacket.time_base: the decoder learns it only from here. */
  d->ctx->pkt_timebase = pkt_tb;
  d->ctx->thread_count = threads;
  d->ctx->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  if ((ret = avcodec_open2(d->ctx, codec, NULL)) < 0) {
    cx_fail(err, ret, "cannot open decoder %s", codec->name);
    goto fail;
  }
  *out = d;
  return 0;
fail:
  cx_dec_close(&d);
  return ret;
}

int cx_dec_send(cx_dec *d, const AVPacket *pkt) {
  return avcodec_send_packet(d->ctx, pkt);
}

int cx_dec_receive(cx_dec *d, AVFrame *frame) {
  int ret = avcodec_receive_frame(d->ctx, frame);
  if (ret < 0) return ret;
  frame->pts = frame->best_effort_timestamp;
  if (d->ctx->codec_type == AVMEDIA_TYPE_AUDIO) {
    /* Some decoders leave the layout unspecified; swresample wants an order. */
    if (frame->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
      int n = frame->ch_layout.nb_channels;
      av_channel_layout_uninit(&frame->ch_layout);
      av_channel_layout_default(&frame->ch_layout, n);
    }
    if (frame->pts == AV_NOPTS_VALUE) frame->pts = d->next_audio_pts;
    if (frame->pts != AV_NOPTS_VALUE && frame->sample_rate > 0)
      d->next_audio_pts = frame->pts + av_rescale_q(frame->nb_samples,
                                                    (AVRational){1, frame->sample_rate}, d->pkt_tb);
  }
  return 0;
}

AVCodecContext *cx_dec_ctx(cx_dec *d) {
  return d->ctx;
}

void cx_dec_close(cx_dec **pd) {
  cx_dec *d = pd ? *pd : NULL;
  if (!d) return;
  avcodec_free_context(&d->ctx);
  av_free(d);
  *pd = NULL;
}
