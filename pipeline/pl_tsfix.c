/* Input timestamp discontinuities: one file-wide offset absorbs a stream's clock jumping. */
#include "pipeline/pl_tsfix.h"

#include <stdlib.h>

bool pl_tsfix_init(pl_tsfix *f, const AVFormatContext *fmt, bool on, int64_t threshold_us) {
  *f = (pl_tsfix){.on = on && (fmt->iformat->flags & AVFMT_TS_DISCONT),
                  .last_us = INT64_MIN,
                  .threshold_us = threshold_us};
  if (!f->on) return true;
  f->n = (int)fmt->nb_streams;
  f->s = calloc(f->n ? (size_t)f->n : 1, sizeof *f->s);
  if (!f->s) return false;
  for (int i = 0; i < f->n; i++) {
    const AVStream *st = fmt->streams[i];
    const AVCodecParameters *par = st->codecpar;
    pl_tsfix_stream *s = &f->s[i];
    s->next_us = s->last_us = INT64_MIN;
    AVRational fr = st->avg_frame_rate.num ? st->avg_frame_rate : st->r_frame_rate;
    if (par->codec_type == AVMEDIA_TYPE_VIDEO && fr.num > 0 && fr.den > 0)
      s->step_us = av_rescale_q(1, av_inv_q(fr), AV_TIME_BASE_Q);
    else if (par->codec_type == AVMEDIA_TYPE_AUDIO && par->frame_size > 0 && par->sample_rate > 0)
      s->step_us = av_rescale(par->frame_size, AV_TIME_BASE, par->sample_rate);
  }
  return true;
}

void pl_tsfix_free(pl_tsfix *f) {
  free(f->s);
  f->s = NULL;
}

static void shift(AVPacket *pkt, int64_t by_us, AVRational tb) {
  int64_t by = av_rescale_q(by_us, AV_TIME_BASE_Q, tb);
  if (pkt->pts != AV_NOPTS_VALUE) pkt->pts += by;
  if (pkt->dts != AV_NOPTS_VALUE) pkt->dts += by;
}

int64_t pl_tsfix_apply(pl_tsfix *f, AVPacket *pkt, AVRational tb) {
  if (!f->on || pkt->stream_index < 0 || pkt->stream_index >= f->n) return 0;
  pl_tsfix_stream *s = &f->s[pkt->stream_index];
  if (f->offset_us) shift(pkt, f->offset_us, tb);
  if (pkt->dts == AV_NOPTS_VALUE) return 0;
  int64_t dts = av_rescale_q(pkt->dts, tb, AV_TIME_BASE_Q);
  int64_t delta = 0;
  if (s->next_us != INT64_MIN) {
    int64_t d = dts - s->next_us;
    if (d < -f->threshold_us || d > f->threshold_us || dts + AV_TIME_BASE / 10 < s->last_us)
      delta = d;
  } else if (f->last_us != INT64_MIN) {
    /* A stream's first packet is judged against the file's last one. */
    int64_t d = dts - f->last_us;
    if (d < -f->threshold_us || d > f->threshold_us) delta = d;
  }
  if (delta) {
    f->offset_us -= delta;
    f->jumps++;
    shift(pkt, -delta, tb);
    dts -= delta;
  }
  int64_t dur = pkt->duration > 0 ? av_rescale_q(pkt->duration, tb, AV_TIME_BASE_Q) : s->step_us;
  s->last_us = dts;
  s->next_us = dts + dur;
  f->last_us = dts;
  return delta;
}
