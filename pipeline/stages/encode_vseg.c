/* The encode stage of a segmented video stream: runs of whole frames go to encoders side by side,
 * each starting with a keyframe, and their packets are joined in order into one stream. */
#include <inttypes.h>
#include <libavutil/imgutils.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/stages/encode_seg.h"

/*
 * The frames come from the stream's own decoder and filters, in order, so
 * every segment gets exactly the serial run's frames with their
 * timestamps, whatever the input's GOPs, frame rate changes or filters.
 * A segment is collected only when an encoder is free for it; with N
 * encoding the stage takes no input (the link credits hold everything
 * upstream), which bounds memory to N segments of pictures, fewer as their
 * encoders advance (pl_seg_video_frames sizes them).
 */
typedef struct vseg_impl {
  pl_segrun run;
  pl_filter *f;
  bool started;
  AVRational in_tb;
  int64_t len;      /* frames a segment owns */
  int64_t last_dts; /* the last packet sent, in par_tb (AV_NOPTS_VALUE: none yet) */
} vseg_impl;

/* The stream's parameters, from an encoder opened as the segments' own
 * (same options, same first frame), and the plan's segment length. */
static int start(vseg_impl *x, const pl_msg *in) {
  pl_stage *st = x->f->st;
  const pl_job *j = st->job;
  const pl_out_stream *o = &j->out[st->node->out_stream];
  cx_enc *enc = NULL;
  cx_aconv *rc = NULL;
  int q;
  char err[CX_ERRLEN] = "";
  int r = pl_enc_open(j, st->node->out_stream, in->frame, in->tb, &enc, &rc, &q, err);
  if (r < 0) {
    pl_stage_fail_av(st, r, "%s", err);
    return r;
  }
  x->run.par = avcodec_parameters_alloc();
  r = x->run.par ? avcodec_parameters_from_context(x->run.par, cx_enc_ctx(enc)) : AVERROR(ENOMEM);
  x->run.par_tb = cx_enc_time_base(enc);
  cx_enc_close(&enc);
  cx_aconv_close(&rc);
  if (r < 0) {
    pl_stage_fail(st, ISO_ENOMEM, "out of memory");
    return r;
  }
  const AVFrame *fr = in->frame;
  int bytes = av_image_get_buffer_size(fr->format, fr->width, fr->height, 1);
  AVRational fps = pl_out_fps(j, o);
  x->len = pl_seg_video_frames(x->run.nseg, pl_seg_input_us(j), fps, bytes);
  x->in_tb = in->tb;
  x->started = true;
  pl_stage_log(st, AV_LOG_VERBOSE,
               "segments: %d %s encoders side by side, segments of %" PRId64 " frames (%.3f s)",
               x->run.nseg, o->encoder, x->len, x->len / av_q2d(fps));
  return 0;
}

/* The frame joins the segment being collected (a new one when the last is full). */
static int take_frame(pl_segrun *s, pl_msg *in) {
  vseg_impl *x = (vseg_impl *)s;
  pl_seg_req *r =
      x->run.created > x->run.dispatched ? *pl_segrun_slot(&x->run, x->run.created - 1) : NULL;
  if (!r || *pl_segrun_complete(&x->run, x->run.created - 1)) {
    /* A new segment only for a free encoder: decoding is far faster than
     * these encoders, so a segment fills in a fraction of the time the
     * others take, and no picture waits for an encoder. */
    if (x->run.created - x->run.joined >= PL_SEG_SLOTS - 1 ||
        x->run.running + (x->run.created - x->run.dispatched) >= x->run.nseg)
      return AVERROR(EAGAIN);
    if (!(r = calloc(1, sizeof *r))) return AVERROR(ENOMEM);
    r->index = x->run.created;
    r->video = true;
    r->out_stream = x->f->st->node->out_stream;
    r->tb = x->in_tb;
    r->stamp = in->stamp;
    *pl_segrun_slot(&x->run, x->run.created) = r;
    *pl_segrun_complete(&x->run, x->run.created) = false;
    x->run.created++;
  }
  if (!pl_seg_grow((void **)&r->fr, &r->frcap, r->nfr + 1, sizeof *r->fr)) return AVERROR(ENOMEM);
  AVFrame *fr = in->frame;
  in->frame = NULL;
  /* The decoder's picture types are no orders for the encoders. */
  fr->pict_type = AV_PICTURE_TYPE_NONE;
  if (in->tb.num != x->in_tb.num || in->tb.den != x->in_tb.den)
    fr->pts = av_rescale_q(fr->pts, in->tb, x->in_tb);
  r->fr[r->nfr++] = fr;
  if (r->nfr >= x->len) *pl_segrun_complete(&x->run, r->index) = true;
  return 0;
}

static int vseg_feed(pl_filter *f, pl_msg *in) {
  vseg_impl *x = f->impl;
  if (!in) {
    for (int k = x->run.dispatched; k < x->run.created; k++)
      *pl_segrun_complete(&x->run, k) = true; /* the last, shorter, segment */
    x->run.eof = true;
    pl_segrun_dispatch(&x->run);
    return 0;
  }
  if (in->kind != PL_M_FRAME || x->run.stopped) {
    pl_msg_free(in);
    return 0;
  }
  if (!x->started && start(x, in) < 0) {
    pl_msg_free(in);
    return AVERROR(EINVAL);
  }
  return pl_segrun_feed(&x->run, in, take_frame);
}

/* The head segment's next packet, checked to continue the stream: decode
 * timestamps rise across the join as within a segment. */
static int next_packet(vseg_impl *x, pl_seg_req *r, pl_msg **out) {
  AVPacket *pkt = r->pkt[r->next];
  if (pkt->dts != AV_NOPTS_VALUE) {
    int64_t d = av_rescale_q(pkt->dts, r->pkt_tb, x->run.par_tb);
    if (r->next == 0 && x->last_dts != AV_NOPTS_VALUE && d <= x->last_dts) {
      pl_stage_fail(x->f->st, ISO_EMEDIA,
                    "segments: join %d: its first packet's dts %" PRId64 " is not after the "
                    "previous segment's last, %" PRId64 " (time base %d/%d): the encoder's "
                    "delay differs between segments; use --segments 1",
                    r->index, d, x->last_dts, x->run.par_tb.num, x->run.par_tb.den);
      return AVERROR(EINVAL);
    }
    x->last_dts = d;
  }
  pl_msg *m = pl_msg_new(PL_M_PACKET);
  if (!m) return AVERROR(ENOMEM);
  m->pkt = pkt;
  r->pkt[r->next++] = NULL;
  m->tb = r->pkt_tb;
  m->stamp = r->stamp;
  *out = m;
  return 0;
}

static int vseg_drain(pl_filter *f, pl_msg **out) {
  vseg_impl *x = f->impl;
  if (pl_segrun_params(&x->run, out)) return *out ? 0 : AVERROR(ENOMEM);
  while (x->run.joined < x->run.dispatched && *pl_segrun_complete(&x->run, x->run.joined)) {
    pl_seg_req *r = *pl_segrun_slot(&x->run, x->run.joined);
    if (r->next < r->npkt) return next_packet(x, r, out);
    if (r->stopped) {
      /* Later segments would leave a hole: the output ends with this one. */
      if (!x->run.stopped)
        pl_stage_log(f->st, AV_LOG_INFO,
                     "segments: stopped during segment %d; the frames after it are not encoded",
                     r->index);
      x->run.stopped = true;
      break;
    }
    pl_segrun_next(&x->run);
  }
  return pl_segrun_end(&x->run);
}

static void vseg_destroy(pl_filter *f) {
  vseg_impl *x = f->impl;
  if (!x) return;
  pl_segrun_close(&x->run);
  free(x);
  f->impl = NULL;
}

static const pl_filter_ops vseg_ops = {vseg_feed, vseg_drain, vseg_destroy};

void pl_encode_vseg_start(pl_job *job, int nseg) {
  vseg_impl *x = calloc(1, sizeof *x);
  if (!x) {
    pl_job_free(job);
    return;
  }
  x->run.nseg = nseg;
  x->last_dts = AV_NOPTS_VALUE;
  pl_filter *f = pl_filter_start(job, &vseg_ops, x, pl_link_capacity(job, job->self));
  if (!f) return;
  x->f = f;
  pl_segrun_open(&x->run, f);
}

/* ---- one segment's encoder, on a worker isolate -------------------------- */

/* Everything the encoder has ready goes into the segment's packets. */
static int take_packets(pl_seg_req *r, cx_enc *enc) {
  for (;;) {
    AVPacket *pkt = av_packet_alloc();
    if (!pkt) return AVERROR(ENOMEM);
    int ret = cx_enc_receive(enc, pkt);
    if (ret < 0) {
      av_packet_free(&pkt);
      return ret == AVERROR(EAGAIN) || ret == AVERROR_EOF ? 0 : ret;
    }
    if (r->npkt == 0 && !(pkt->flags & AV_PKT_FLAG_KEY)) {
      av_packet_free(&pkt);
      snprintf(r->err, sizeof r->err, "the encoder's first packet is not a keyframe");
      return AVERROR(EINVAL);
    }
    if ((ret = pl_seg_add_packet(r, pkt, pkt->dts)) < 0) return ret;
  }
}

int pl_vseg_encode(pl_seg_req *r) {
  cx_enc *enc = NULL;
  cx_aconv *rc = NULL;
  int q = 0, ret = 0;
  for (int i = 0; i <= r->nfr && ret >= 0; i++) {
    AVFrame *fr = i < r->nfr ? r->fr[i] : NULL;
    /* Main asked to stop (Ctrl-C): the head segment encodes what it holds,
     * as a serial encoder flushes what reached it; a later one flushes
     * what it has encoded so far, and the output ends with it. */
    if (fr && !r->head && pl_flag_interrupt(r->job->flag)) {
      r->stopped = true;
      fr = NULL;
      i = r->nfr;
    }
    if (!enc) {
      if (!fr) break;
      ret = pl_enc_open(r->job, r->out_stream, fr, r->tb, &enc, &rc, &q, r->err);
      if (ret < 0) break;
      r->pkt_tb = cx_enc_time_base(enc);
    }
    if (fr && q) fr->quality = q;
    while ((ret = cx_enc_send(enc, fr)) == AVERROR(EAGAIN))
      if ((ret = take_packets(r, enc)) < 0) break;
    if (ret >= 0) ret = take_packets(r, enc);
    if (fr) av_frame_free(&r->fr[i]); /* memory goes back as the segment advances */
  }
  if (ret < 0 && !r->err[0]) cx_errstr(ret, r->err, sizeof r->err);
  cx_enc_close(&enc);
  cx_aconv_close(&rc);
  return ret;
}
