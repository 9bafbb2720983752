/* The sub2video stage: a bitmap subtitle stream into -filter_complex as video, as ffmpeg 5.1 feeds
 * it (a transparent canvas drawn at each subtitle's start, cleared at its end, sent again on the
 * input's heartbeat). */
#include <stdint.h>
#include <stdlib.h>

#include "codecs/codecs.h"
#include "pipeline/pl_stage.h"

#define S2V_QMAX 8

typedef struct s2v_impl {
  pl_dec_set *set;
  cx_s2v *s;
  AVRational tb; /* the subtitle stream's, the canvas frames' */
  int stream;    /* its index in the input: packets of other streams are heartbeats */
  /* ffmpeg's sub2video state: the last canvas time sent, when the shown
   * subtitle ends, and whether no canvas was sent yet. */
  int64_t last_pts, end_pts;
  bool initialize, flushed;
  /* ffmpeg's graph exists once a packet of its other inputs of this file
   * was decoded: heartbeats before do nothing (set->graph_streams). */
  bool armed;
  /* The input's -ss (accurate): canvases before it are only kept for the
   * heartbeats, as ffmpeg's trim drops them; INT64_MIN none. */
  int64_t start;
  pl_msg *q[S2V_QMAX];
  ring r;
  uint64_t errors;
} s2v_impl;

static int queue(pl_filter *f, AVFrame *frame, int64_t pts, int ival, pl_stamp stamp) {
  s2v_impl *x = f->impl;
  pl_msg *m = pl_msg_new(PL_M_FRAME);
  if (!m || ring_full(&x->r)) {
    pl_msg_free(m);
    av_frame_free(&frame);
    return AVERROR(ENOMEM);
  }
  frame->pts = pts;
  m->frame = frame;
  m->tb = x->tb;
  m->ival = ival;
  m->stamp = stamp;
  x->q[ring_push(&x->r)] = m;
  return 0;
}

/* A new canvas: sub's pictures from its start until its end, or (sub
 * NULL) a clear one from the shown subtitle's end on, or from the
 * heartbeat's time when nothing was sent yet. */
static int update(pl_filter *f, const AVSubtitle *sub, int64_t heartbeat_pts, pl_stamp stamp) {
  s2v_impl *x = f->impl;
  int64_t pts, end;
  if (sub) {
    pts = av_rescale_q(sub->pts + sub->start_display_time * 1000LL, AV_TIME_BASE_Q, x->tb);
    end = av_rescale_q(sub->pts + sub->end_display_time * 1000LL, AV_TIME_BASE_Q, x->tb);
  } else {
    pts = x->initialize ? heartbeat_pts : x->end_pts;
    end = INT64_MAX;
  }
  AVFrame *fr = av_frame_alloc();
  if (!fr) return AVERROR(ENOMEM);
  int r = cx_s2v_canvas(x->s, sub, fr);
  if (r < 0) {
    av_frame_free(&fr);
    return r;
  }
  f->st->decoded++;
  x->last_pts = pts;
  x->end_pts = end;
  x->initialize = false;
  return queue(f, fr, pts, pts < x->start ? PL_FRAME_EARLY : 0, stamp);
}

/* A packet of the input at pts (in tb) was read: the shown subtitle ends
 * if it ended before, and the canvas may go again at that time. */
static int heartbeat(pl_filter *f, int64_t pts, AVRational tb, pl_stamp stamp) {
  s2v_impl *x = f->impl;
  if (pts == AV_NOPTS_VALUE || !x->armed) return 0;
  /* Subtitles are muxed ahead of other streams: a hair earlier. */
  int64_t pts2 = av_rescale_q(pts, tb, x->tb) - 1;
  if (pts2 <= x->last_pts) return 0;
  if (pts2 >= x->end_pts || x->initialize) {
    int r = update(f, NULL, pts2 + 1, stamp);
    if (r < 0) return r;
  }
  if (pts2 < x->start) return 0;
  AVFrame *tick = av_frame_alloc();
  if (!tick) return AVERROR(ENOMEM);
  return queue(f, tick, pts2, PL_FRAME_TICK, stamp);
}

static int decoded(pl_filter *f, const AVPacket *pkt, pl_stamp stamp) {
  s2v_impl *x = f->impl;
  AVSubtitle sub;
  int got = 0;
  int r = cx_s2v_decode(x->s, pkt, &sub, &got);
  if (r == AVERROR(ENOMEM)) return r;
  if (r < 0) {
    if (x->set->fail_fast) return r;
    x->errors++;
    f->st->decode_errors++;
    if (x->errors <= 5)
      pl_stage_log(f->st, AV_LOG_WARNING, "corrupt subtitle packet, skipped: %s", av_err2str(r));
    return 0;
  }
  if (!got) return 0;
  r = update(f, &sub, INT64_MIN, stamp);
  avsubtitle_free(&sub);
  return r < 0 ? r : 1;
}

static int feed(pl_filter *f, pl_msg *in) {
  s2v_impl *x = f->impl;
  if (x->r.len) return AVERROR(EAGAIN); /* drained first */
  int r = 0;
  if (!in) {
    if (!x->s || x->flushed) return 0;
    /* A decoder that holds a subtitle gives it now; then the last one is
     * cleared at its end, as ffmpeg's flush. */
    while (x->r.len + 2 < S2V_QMAX && (r = decoded(f, NULL, (pl_stamp){0})) > 0) {
    }
    if (r >= 0 && x->end_pts < INT64_MAX && !x->initialize)
      r = update(f, NULL, INT64_MAX, (pl_stamp){0});
    x->flushed = true;
  } else if (in->kind == PL_M_PARAMS) {
    char err[CX_ERRLEN] = "";
    x->tb = in->tb;
    x->stream = in->index;
    if (x->set->win_cut) x->start = av_rescale_q(x->set->win_start_us, AV_TIME_BASE_Q, x->tb);
    const pl_dec_set *d = x->set;
    r = cx_s2v_open(&x->s, in->par, in->tb, d->canvas_w, d->canvas_h, d->fallback_w, d->fallback_h,
                    err);
    if (r < 0) pl_stage_fail_av(f->st, r, "%s", err);
    pl_msg_free(in);
    return r < 0 ? AVERROR(EINVAL) : 0;
  } else if (in->kind == PL_M_PACKET && x->s && in->pkt) {
    /* As ffmpeg: every packet read of the input beats first, its own too.
     * At its decode time: a B-frame's presentation time runs ahead of
     * the subtitles muxed after it, which ffmpeg sends the canvas again
     * at only when its graph waits for one; a canvas sent ahead of a
     * subtitle would hold the subtitle off the frames before it. */
    int64_t beat = in->pkt->dts != AV_NOPTS_VALUE ? in->pkt->dts : in->pkt->pts;
    r = heartbeat(f, beat, in->tb, in->stamp);
    if (r >= 0 && in->index == x->stream) r = decoded(f, in->pkt, in->stamp);
    /* ffmpeg configures its graph as that packet decodes (for a decoder
     * that gives a frame at once; one with more delay, frame threads,
     * starts the canvas a few packets later). */
    if (in->index >= 0 && in->index < 64 && (x->set->graph_streams >> in->index & 1))
      x->armed = true;
  }
  pl_msg_free(in);
  if (r < 0) {
    pl_stage_fail_av(f->st, r, "sub2video: %s", av_err2str(r));
    return r;
  }
  return 0;
}

static int drain(pl_filter *f, pl_msg **out) {
  s2v_impl *x = f->impl;
  if (x->r.len) {
    *out = x->q[ring_shift(&x->r)];
    return 0;
  }
  return f->fed_eof && (x->flushed || !x->s) ? AVERROR_EOF : AVERROR(EAGAIN);
}

static void destroy(pl_filter *f) {
  s2v_impl *x = f->impl;
  if (!x) return;
  while (x->r.len)
    pl_msg_free(x->q[ring_shift(&x->r)]);
  cx_s2v_close(&x->s);
  pl_dec_set_free(x->set);
  free(x);
  f->impl = NULL;
}

static const pl_filter_ops s2v_ops = {feed, drain, destroy};

void pl_sub2video_start(pl_spawn *s) {
  s2v_impl *x = calloc(1, sizeof *x);
  if (!x) {
    pl_spawn_free(s);
    return;
  }
  x->set = s->dec;
  s->dec = NULL;
  x->last_pts = x->end_pts = INT64_MIN;
  x->initialize = true;
  x->armed = !x->set->graph_streams;
  x->start = INT64_MIN;
  x->stream = -1;
  ring_init(&x->r, S2V_QMAX);
  pl_filter_start(s, &s2v_ops, x);
}
