/* A stream's shape for its encoder when its convert stage gives no frame (conv_shape.h). */
#include "pipeline/stages/conv_shape.h"

AVFrame *conv_shape_from_info(const pl_stream_info *in, enum AVMediaType type) {
  bool video = type == AVMEDIA_TYPE_VIDEO;
  if (in->format < 0 || in->tb.num <= 0 || in->tb.den <= 0 ||
      (video ? in->width <= 0 || in->height <= 0 : in->sample_rate <= 0 || in->channels <= 0))
    return NULL;
  AVFrame *fr = av_frame_alloc();
  if (!fr) return NULL;
  fr->format = in->format;
  if (video) {
    fr->width = in->width;
    fr->height = in->height;
    fr->sample_aspect_ratio = in->stream_sar.num > 0 ? in->stream_sar : in->sar;
    return fr;
  }
  fr->sample_rate = in->sample_rate;
  if (in->ch_mask)
    av_channel_layout_from_mask(&fr->ch_layout, in->ch_mask);
  else if (in->layout_unknown)
    fr->ch_layout =
        (AVChannelLayout){.order = AV_CHANNEL_ORDER_UNSPEC, .nb_channels = in->channels};
  else
    av_channel_layout_default(&fr->ch_layout, in->channels);
  return fr;
}

int conv_shape_new(const cx_fgraph_out *go, const AVChannelLayout *layout, enum AVMediaType type,
                   AVRational tb, pl_stamp stamp, pl_msg **out) {
  pl_msg *m = pl_msg_new(PL_M_FRAME);
  if (!m || !(m->frame = av_frame_alloc())) {
    pl_msg_free(m);
    return AVERROR(ENOMEM);
  }
  AVFrame *fr = m->frame;
  fr->format = go->format;
  if (type == AVMEDIA_TYPE_VIDEO) {
    fr->width = go->w;
    fr->height = go->h;
    fr->sample_aspect_ratio = go->sar;
  } else {
    fr->sample_rate = go->sample_rate;
    if (!layout || av_channel_layout_copy(&fr->ch_layout, layout) < 0) {
      pl_msg_free(m);
      return AVERROR(ENOMEM);
    }
  }
  m->ival = PL_FRAME_SHAPE;
  m->tb = tb;
  m->stamp = stamp;
  *out = m;
  return 0;
}

int conv_shape_msg(const cx_fgraph *g, enum AVMediaType type, AVRational tb, pl_stamp stamp,
                   pl_msg **out) {
  cx_fgraph_out go = cx_fgraph_output(g);
  AVChannelLayout layout = {0};
  if (type != AVMEDIA_TYPE_VIDEO && cx_fgraph_out_layout(g, &layout) < 0) return AVERROR(ENOMEM);
  int r = conv_shape_new(&go, &layout, type, tb, stamp, out);
  av_channel_layout_uninit(&layout);
  return r;
}
