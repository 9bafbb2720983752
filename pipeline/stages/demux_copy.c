/* A demux link's window and timestamp shift: ffmpeg 5.1's stream-copy rules for -ss, -t, -copyts.
 */
#include "pipeline/stages/demux_copy.h"

#include <math.h>

int64_t dcopy_scaled(int64_t ts, double scale) {
  if (ts == AV_NOPTS_VALUE || scale == 1.0) return ts;
  double v = (double)ts * scale;
  return fabs(v) < 0x1p62 ? (int64_t)v : AV_NOPTS_VALUE;
}

void dcopy_init(dcopy *w, const pl_demux_link *dl, const dcopy_read *rd) {
  AVRational tb = rd->tb;
  w->copy = dl->copy;
  w->start = dl->start_us > 0 ? av_rescale_q(dl->start_us, AV_TIME_BASE_Q, tb) : 0;
  int64_t end_us = dl->end_us;
  /* -copyts: the output's own -t counts on the clock its timestamps are
   * written on; an input's -t where the read is, as in ffmpeg. */
  bool own_clock = dl->copy && rd->copyts && dl->end_own && end_us >= 0;
  w->own_end = own_clock ? av_rescale_q(end_us - dl->start_us, AV_TIME_BASE_Q, tb) : INT64_MAX;
  if (own_clock) end_us = -1;
  if (dl->copy && rd->in_end_us >= 0 && (end_us < 0 || rd->in_end_us < end_us))
    end_us = rd->in_end_us;
  w->end = end_us >= 0 ? av_rescale_q(end_us, AV_TIME_BASE_Q, tb) : INT64_MAX;
  w->from_key = dl->out_ss_us > 0;
  w->any_start = dl->copyinkf;
  /* -copyts gives back the input's start, not its -itsoffset; an output
   * -ss is taken off, as ffmpeg's stream copy does. */
  if (rd->scale == 1.0)
    w->restore = rd->offset +
                 av_rescale_q(rd->itsoffset_us - rd->zero_us - dl->out_ss_us, AV_TIME_BASE_Q, tb);
  else /* what the read took off is scaled with the timestamps, -ss not */
    w->restore =
        dcopy_scaled(rd->offset + av_rescale_q(rd->itsoffset_us - rd->zero_us, AV_TIME_BASE_Q, tb),
                     rd->scale) -
        av_rescale_q(dl->out_ss_us, AV_TIME_BASE_Q, tb);
  /* -copyts writes the input's clock back, wherever the read started. */
  w->shift = dl->copy && rd->copyts ? -w->restore : w->start;
}

dcopy_verdict dcopy_packet(dcopy *w, const AVPacket *pkt) {
  if (!w->copy) return DCOPY_SEND;
  /* A copied stream starts on a keyframe and stops at its -t: at the
   * first packet decoded at or after it (its dts), as ffmpeg's stream
   * copy reads the time of a packet. Its output's own -ss drops every
   * packet decoded before it, keyframes included (ffmpeg's output
   * constraint), so it starts at the first keyframe decoded after it. */
  int64_t ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
  int64_t te = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
  if (w->from_key && te != AV_NOPTS_VALUE && te - w->shift < 0) return DCOPY_SKIP;
  if (!w->started && !(pkt->flags & AV_PKT_FLAG_KEY) && !w->any_start) return DCOPY_SKIP;
  if (!w->started && !w->from_key && w->start > 0 && (ts == AV_NOPTS_VALUE || ts < w->start))
    return DCOPY_SKIP;
  w->started = true;
  if (te != AV_NOPTS_VALUE && (te >= w->end || te - w->shift >= w->own_end)) return DCOPY_END;
  return DCOPY_SEND;
}

int64_t dcopy_dts_guess(dcopy_dts *p, const AVPacket *pkt, const AVStream *s) {
  const AVCodecParameters *par = s->codecpar;
  AVRational tb = s->time_base, fps = s->avg_frame_rate;
  if (!p->seen) {
    /* As ffmpeg: the first decode time lies the decoder's delay before the
     * first packet's presentation. */
    p->dts =
        fps.num > 0 && fps.den > 0 ? (int64_t)(-par->video_delay * AV_TIME_BASE / av_q2d(fps)) : 0;
    if (pkt->pts != AV_NOPTS_VALUE) p->dts += av_rescale_q(pkt->pts, tb, AV_TIME_BASE_Q);
    p->next = p->dts;
    p->seen = true;
  }
  if (pkt->dts != AV_NOPTS_VALUE) p->next = p->dts = av_rescale_q(pkt->dts, tb, AV_TIME_BASE_Q);
  p->dts = p->next;
  bool known = true;
  if (par->codec_type == AVMEDIA_TYPE_AUDIO && par->sample_rate > 0 && par->frame_size > 0)
    p->next += (int64_t)AV_TIME_BASE * par->frame_size / par->sample_rate;
  else if (par->codec_type == AVMEDIA_TYPE_VIDEO && pkt->duration > 0)
    p->next += av_rescale_q(pkt->duration, tb, AV_TIME_BASE_Q);
  else if (par->codec_type == AVMEDIA_TYPE_VIDEO && fps.num > 0 && fps.den > 0)
    p->next += av_rescale_q(1, av_inv_q(fps), AV_TIME_BASE_Q);
  else
    known = pkt->dts != AV_NOPTS_VALUE;
  return known ? p->dts : AV_NOPTS_VALUE;
}
