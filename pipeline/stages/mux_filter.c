/* What the mux stage does to a stream's packets before queueing them: bitstream filters, subtitles
 * re-encoded. */
#include <libavutil/intreadwrite.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "pipeline/pl_stage.h"
#include "pipeline/stages/mux_filter.h"

/* ffmpeg's muxers put their own bitstream filters in (mp4 takes ADTS AAC
 * through aac_adtstoasc) unless an option turns that off: mp4's empty_moov
 * does, and ffmpeg then fails on the first packet. The stage puts the filter
 * in itself before the header, so the header gets the AudioSpecificConfig. */
bool pl_mux_adts_candidate(const char *format, const AVCodecParameters *par) {
  static const char *const mov[] = {"mp4", "mov", "ipod", "ismv", "3gp", "3g2", "psp", "f4v"};
  if (par->codec_id != AV_CODEC_ID_AAC || par->extradata_size > 0) return false;
  for (size_t i = 0; i < sizeof mov / sizeof mov[0]; i++)
    if (!strcmp(format, mov[i])) return true;
  return false;
}

/* The stream's -bsf chain, opened on its parameters: a chain that refuses
 * the codec stops the run before the header, naming the chain and stream. */
bool pl_mux_open_bsf(mux_impl *x, mux_port *mp, const char *chain) {
  const pl_mux_stream *o = &x->set->st[mp->k];
  char err[CX_ERRLEN] = "";
  int r = cx_bsf_open(&mp->bsf, chain, mp->par, mp->tb, err);
  if (r < 0) {
    pl_stage_fail_av(x->st, r, "-bsf:%c %s (%s stream from input #0:%d): %s",
                     o->type == AVMEDIA_TYPE_VIDEO ? 'v' : 'a', chain,
                     av_get_media_type_string(o->type), o->in_index, err);
    return false;
  }
  return true;
}

/* A packet that goes no further: freed, and its credit given back. */
void pl_mux_drop_item(mux_impl *x, mux_port *mp, pl_msg *m, int ack) {
  pl_msg_free(m);
  if (ack == ACK_OWED)
    iso_link_rx_ack(mp->rx, 1);
  else if (ack == ACK_PREHEADER && x->unacked_preheader)
    x->unacked_preheader--;
}

/* A subtitle stream to re-encode: the file's stream gets the encoder's
 * parameters and microsecond timestamps. */
bool pl_mux_open_sub(mux_impl *x, mux_port *mp, const pl_mux_stream *o) {
  char err[CX_ERRLEN] = "";
  int r = cx_subconv_open(&mp->sub, mp->par, mp->tb, o->encoder, o->fix_sub_duration, err);
  if (r >= 0) r = avcodec_parameters_copy(mp->par, cx_subconv_par(mp->sub));
  if (r < 0) {
    pl_stage_fail_av(x->st, r, "subtitle stream #0:%d: %s", o->in_index, err);
    return false;
  }
  mp->sub_tb = mp->tb;
  mp->tb = AV_TIME_BASE_Q;
  return true;
}

/* m re-encoded in place; NULL when nothing came out (dropped, credit back). */
pl_msg *pl_mux_sub_packet(mux_impl *x, mux_port *mp, pl_msg *m, int ack) {
  char err[CX_ERRLEN] = "";
  AVPacket *out = av_packet_alloc();
  int r = out ? cx_subconv_convert(mp->sub, m->pkt, mp->sub_tb, out, err) : AVERROR(ENOMEM);
  if (r > 0) {
    av_packet_free(&m->pkt);
    m->pkt = out;
    m->tb = AV_TIME_BASE_Q;
    return m;
  }
  av_packet_free(&out);
  pl_mux_drop_item(x, mp, m, ack);
  if (r < 0)
    pl_stage_fail_av(x->st, r, "%s", err);
  else if (err[0])
    pl_stage_log(x->st, AV_LOG_WARNING, "output stream #%d: %s", mp->k, err);
  return NULL;
}

/* Queues what the stream's filter gives for m (NULL: its end). The first
 * packet out carries m's credit; none out, the credit goes back now. */
void pl_mux_filter_in(mux_impl *x, mux_port *mp, pl_msg *m, int ack) {
  pl_stage *st = x->st;
  char err[CX_ERRLEN] = "";
  int r = cx_bsf_send(mp->bsf, m ? m->pkt : NULL, err);
  pl_stamp stamp = m ? m->stamp : (pl_stamp){0};
  while (r >= 0) {
    pl_msg *out = m ? m : pl_msg_new(PL_M_PACKET);
    if (out && !out->pkt) out->pkt = av_packet_alloc();
    if (!out || !out->pkt) {
      pl_msg_free(out);
      r = AVERROR(ENOMEM);
      break;
    }
    r = cx_bsf_receive(mp->bsf, out->pkt, err);
    if (r < 0) {
      if (out != m) pl_msg_free(out);
      break;
    }
    out->index = mp->k;
    out->tb = cx_bsf_tb(mp->bsf);
    out->stamp = stamp;
    if (!pl_mux_q_push(x, out, out == m ? ack : ACK_NONE)) {
      pl_msg_free(out);
      r = AVERROR(ENOMEM);
    }
    if (out == m) m = NULL;
    mp->bsf_out = true;
  }
  if (m) pl_mux_drop_item(x, mp, m, ack); /* nothing came out: the filter keeps it, or dropped it */
  if (r < 0 && r != AVERROR(EAGAIN) && r != AVERROR_EOF) {
    if (r == AVERROR(ENOMEM)) snprintf(err, sizeof err, "out of memory");
    pl_stage_fail_av(st, r, "%s", err);
  }
}

void pl_mux_copy_ts(mux_impl *x, mux_port *mp, pl_msg *m, AVRational out_tb) {
  const pl_mux_stream *o = &x->set->st[mp->k];
  const AVCodecParameters *par = mp->bsf ? cx_bsf_par(mp->bsf) : mp->par;
  AVPacket *p = m->pkt;
  if (o->copy && m->has_dts_guess && p->dts == AV_NOPTS_VALUE && out_tb.num > 0) {
    p->pts = av_rescale_q(p->pts, m->tb, out_tb);
    p->dts = av_rescale_q(m->dts_guess_us, AV_TIME_BASE_Q, out_tb);
    p->duration = av_rescale_q(p->duration, m->tb, out_tb);
    m->tb = out_tb;
    return;
  }
  if (!o->copy || o->type != AVMEDIA_TYPE_AUDIO || mp->sub || !par || par->sample_rate <= 0 ||
      p->dts == AV_NOPTS_VALUE || m->tb.num <= 0 || out_tb.num <= 0)
    return;
  /* As ffmpeg 5.1's stream copy: the packet's samples (its frame size when
   * the codec cannot tell) keep the clock, the input's stamps only bound it. */
  int dur = av_get_audio_frame_duration2((AVCodecParameters *)par, p->size);
  if (!dur) dur = par->frame_size;
  p->dts =
      av_rescale_delta(m->tb, p->dts, (AVRational){1, par->sample_rate}, dur, &mp->rd_last, out_tb);
  p->pts = p->dts;
  p->duration = av_rescale_q(p->duration, m->tb, out_tb);
  m->tb = out_tb;
}
