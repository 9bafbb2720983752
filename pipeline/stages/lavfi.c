/* The filter_complex stage: one libavfilter graph, an input link per open input, an output link per
 * open output; it feeds the input the graph asks for, so memory stays bounded by the credits. */
#include <inttypes.h>
#include <libavutil/pixdesc.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "pipeline/pl_stage.h"
#include "pipeline/stages/conv_shape.h"
#include "pipeline/stages/lavfi.h"

/* An output may run this far (seconds) ahead of another live one, as
 * ffmpeg always serves its output that is furthest behind: downstream, the
 * muxer would hold the leading stream's packets until the other catches up,
 * and the graph keeps what a split gives the slower one. */
#define FC_AHEAD_S 1.0

static void in_ack(fc_in *in) {
  iso_link_rx_ack(in->rx, 1);
}

static pl_msg *in_pop(fc_in *in) {
  return in->r.len ? in->q[ring_shift(&in->r)] : NULL;
}

static void on_item(iso_link_rx *rx, iso_value *item, void *ud) {
  (void)rx;
  fc_in *in = ud;
  pl_stage *st = in->x->st;
  pl_stage_enter(st);
  pl_msg *m = pl_stage_take(st, item, NULL, 0);
  if (m && m->kind == PL_M_FRAME && m->frame && !ring_full(&in->r)) {
    in->q[ring_push(&in->r)] = m;
    pl_stage_kick(st);
  } else if (m && m->kind == PL_M_FRAME) {
    pl_msg_free(m);
    pl_stage_fail(st, ISO_ESTATE, "input queue overflow (link protocol broken)");
  } else {
    if (m) in_ack(in);
    pl_msg_free(m);
  }
  pl_stage_leave(st, false);
}

static void on_eof(iso_link_rx *rx, void *ud) {
  (void)rx;
  fc_in *in = ud;
  pl_stage_enter(in->x->st);
  in->eof = true;
  pl_stage_kick(in->x->st);
  pl_stage_leave(in->x->st, false);
}

static bool any_pending(const lavfi_impl *x) {
  for (int k = 0; k < x->nout; k++)
    if (x->out[k].pending) return true;
  return false;
}

static void finish_inputs(lavfi_impl *x) {
  for (int i = 0; i < x->nin; i++)
    if (x->in[i].rx) iso_link_rx_finish(x->in[i].rx);
}

/* Frames each output gave, in the log: nothing leaves the graph uncounted. */
static void end_stage(lavfi_impl *x, bool ok) {
  for (int k = 0; k < x->nout; k++) {
    const char *label = x->set->out_label[k];
    pl_stage_log(x->st, AV_LOG_VERBOSE, "output %d%s%s%s: %" PRId64 " frames", k,
                 *label ? " [" : "", label, *label ? "]" : "", x->out[k].frames);
  }
  finish_inputs(x);
  pl_stage_end(x->st, ok);
}

static void on_writable(iso_link_tx *tx, void *ud) {
  (void)tx;
  fc_out *o = ud;
  pl_stage_enter(o->x->st);
  pl_outlink_credit(o->x->st, &o->link);
  pl_stage_kick(o->x->st);
  pl_stage_leave(o->x->st, any_pending(o->x));
}

static void on_finished(iso_link_tx *tx, void *ud) {
  (void)tx;
  fc_out *o = ud;
  lavfi_impl *x = o->x;
  pl_stage_enter(x->st);
  o->link.done = true;
  pl_msg_free(o->pending);
  o->pending = NULL;
  bool all = true;
  for (int k = 0; k < x->nout; k++)
    all = all && (x->out[k].link.done || x->out[k].ended);
  if (!x->st->ended && all)
    end_stage(x, true);
  else
    pl_stage_kick(x->st);
  pl_stage_leave(x->st, false);
}

/* Sends output k's pending frame if its link has a credit. */
static pl_outlink *out_link(void *ctx, int i) {
  (void)i;
  return &((fc_out *)ctx)->link;
}

static const pl_fanout_ops out_fanout = {out_link, NULL};

static bool flush(lavfi_impl *x, int k) {
  fc_out *o = &x->out[k];
  if (!o->pending) return true;
  if (!o->link.tx && !o->link.done) return false; /* not connected yet */
  pl_msg *m = o->pending;
  int64_t pts = m->frame->pts;
  AVRational tb = m->tb;
  uint64_t to = 1;
  int err;
  if (!pl_fanout(x->st, &to, 1, m, &out_fanout, o, &err)) return false;
  o->pending = NULL; /* sent, or dropped when its consumer finished */
  if (err) {
    pl_stage_fail(x->st, err, "out of memory");
  } else if (!o->link.done) {
    if (pts != AV_NOPTS_VALUE) {
      o->pos = pts * av_q2d(tb);
      o->started = true;
    }
    o->frames++;
  }
  return true;
}

/* ---- the loop ------------------------------------------------------------------- */

/* Output k may take a frame out unless it is already FC_AHEAD_S ahead of
 * another output that has started and not ended. The one behind still
 * progresses: it pulls, which feeds the inputs it needs (and a full link of
 * the same file, pick_input), so this never stalls the graph. */
static bool may_pull(const lavfi_impl *x, int k) {
  for (int j = 0; j < x->nout; j++) {
    const fc_out *o = &x->out[j];
    if (j == k || o->link.done || o->ended || !o->started) continue;
    if (x->out[k].pos > o->pos + FC_AHEAD_S) return false;
  }
  return true;
}

/* x->tmp, just out of output k, becomes its pending message. */
static int out_frame(lavfi_impl *x, int k) {
  cx_fgraph_out go = cx_fcx_output(x->g, k);
  pl_msg *m = pl_msg_new(PL_M_FRAME);
  if (!m) return AVERROR(ENOMEM);
  m->frame = x->tmp;
  x->tmp = NULL;
  m->tb = go.tb;
  m->rate = go.frame_rate;
  m->stamp = x->stamp;
  x->out[k].pending = m;
  flush(x, k);
  return 1;
}

/* *out: a PL_FRAME_SHAPE of output k's sink (size, format and aspect, or
 * rate, format and layout), NULL when the sink does not know it; <0 failed. */
static int shape_msg(lavfi_impl *x, int k, pl_msg **out) {
  cx_fgraph_out go = cx_fcx_output(x->g, k);
  bool video = go.w > 0 && go.h > 0; /* cx_fcx_output sets a size for video only */
  *out = NULL;
  if (go.format < 0 || go.tb.num <= 0 || (!video && go.sample_rate <= 0)) return 0;
  AVChannelLayout layout = {0};
  if (!video && (cx_fcx_out_layout(x->g, k, &layout) < 0 || !layout.nb_channels)) {
    av_channel_layout_uninit(&layout);
    return 0;
  }
  int r = conv_shape_new(&go, &layout, video ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO, go.tb,
                         x->stamp, out);
  av_channel_layout_uninit(&layout);
  if (r >= 0) (*out)->rate = go.frame_rate;
  return r;
}

/* 1: a frame or the end came out; 0: nothing; <0 failed. */
static int pull(lavfi_impl *x, int k) {
  fc_out *o = &x->out[k];
  if (!x->tmp && !(x->tmp = av_frame_alloc())) return AVERROR(ENOMEM);
  if (o->link.done && !o->ended) {
    /* Its consumer wants no more (its -t): what other outputs' requests
     * leave there is taken away, nothing is asked for it (an endless
     * source would otherwise run for it forever), as ffmpeg does. */
    while (cx_fcx_take(x->g, k, x->tmp) >= 0)
      av_frame_unref(x->tmp);
    return 0;
  }
  if (o->ended || o->pending || !may_pull(x, k)) return 0;
  int r = cx_fcx_receive(x->g, k, x->tmp);
  if (r == AVERROR(EAGAIN)) return 0;
  if (r == AVERROR_EOF && !o->frames && !o->shape_sent) {
    /* An output that gave no frame (select=0, aselect=0): its shape goes
     * on, so its encoder opens and the stream is declared, as ffmpeg's. */
    o->shape_sent = true;
    pl_msg *m = NULL;
    int sr = shape_msg(x, k, &m);
    if (sr < 0) return sr;
    if (m) {
      o->pending = m;
      flush(x, k);
      return 1;
    }
  }
  if (r == AVERROR_EOF) {
    o->ended = true;
    if (o->link.tx && !o->link.done) iso_link_tx_eof(o->link.tx);
    return 1;
  }
  if (r < 0) return r;
  return out_frame(x, k);
}

/* A rebuild's first half: what the graph's outputs hold goes out (as
 * ffmpeg reaps them before it reconfigures). 1 done, 0 waiting for a
 * credit, <0 failed. */
static int drain(lavfi_impl *x) {
  for (int k = 0; k < x->nout; k++) {
    fc_out *o = &x->out[k];
    for (;;) {
      if (o->pending && !flush(x, k)) return 0;
      if (!x->tmp && !(x->tmp = av_frame_alloc())) return AVERROR(ENOMEM);
      if (cx_fcx_take(x->g, k, x->tmp) < 0) break;
      if (o->link.done || o->ended) {
        av_frame_unref(x->tmp);
        continue;
      }
      int r = out_frame(x, k);
      if (r < 0) return r;
    }
  }
  return 1;
}

/* The input to feed: the one the graph asked for most; with nothing asked
 * of what is queued, one whose link is full while the graph waits for
 * another input of the same file (their demux would stall). -1 none. */
static int pick_input(const lavfi_impl *x) {
  int best = -1;
  unsigned best_req = 0;
  for (int i = 0; i < x->nin; i++) {
    if (!x->in[i].r.len || x->in[i].fed_eof) continue;
    unsigned req = cx_fcx_requests(x->g, i);
    if (best < 0 || req > best_req) {
      best = i;
      best_req = req;
    }
  }
  if (best >= 0 && best_req > 0) return best;
  for (int i = 0; i < x->nin; i++) {
    const fc_in *full = &x->in[i];
    if (full->fed_eof || full->r.len < full->cap) continue;
    for (int k = 0; k < x->nin; k++) {
      const fc_in *w = &x->in[k];
      if (k != i && !w->fed_eof && !w->r.len && w->file == full->file &&
          cx_fcx_requests(x->g, k) > 0)
        return i;
    }
  }
  return -1;
}

/* Frames of input i changed size, format, rate or layout: as ffmpeg, the
 * graph is built again for them once its outputs are drained. Its
 * filters start afresh: what they held (a frame a filter delays, samples
 * it buffers) does not come out, which the warning says. */
static void start_rebuild(lavfi_impl *x, int i, const AVFrame *f, bool video) {
  const fc_in *in = &x->in[i];
  if (video)
    pl_stage_log(x->st, AV_LOG_WARNING,
                 "filter_complex: input %d changed from %dx%d %s to %dx%d %s mid-stream; the graph "
                 "is rebuilt, what its filters held is dropped (as ffmpeg)",
                 i, in->w, in->h, av_get_pix_fmt_name(in->format), f->width, f->height,
                 av_get_pix_fmt_name(f->format));
  else
    pl_stage_log(x->st, AV_LOG_WARNING,
                 "filter_complex: input %d changed from %d Hz %d channels to %d Hz %d channels "
                 "mid-stream; the graph is rebuilt, what its filters held is dropped (as ffmpeg)",
                 i, in->rate, in->layout.nb_channels, f->sample_rate, f->ch_layout.nb_channels);
  x->rebuild = true;
}

/* A subtitle canvas, or a heartbeat that sends the last one again at its
 * time when the graph waits for this input, as ffmpeg's sub2video: its
 * frames change size without a rebuild (ffmpeg pushes them past it). */
static int feed_s2v(lavfi_impl *x, int i) {
  fc_in *in = &x->in[i];
  pl_msg *m = in_pop(in);
  x->stamp = m->stamp;
  int r = 0;
  /* -copyts: on the input's own clock, as its video's frames. */
  if (x->set->copyts_us[i] && m->frame->pts != AV_NOPTS_VALUE)
    m->frame->pts += av_rescale_q(x->set->copyts_us[i], AV_TIME_BASE_Q, m->tb);
  if (!in_tick(m)) {
    if (!in->canvas && !(in->canvas = av_frame_alloc())) r = AVERROR(ENOMEM);
    if (r >= 0) {
      av_frame_unref(in->canvas);
      r = av_frame_ref(in->canvas, m->frame);
    }
    if (r >= 0) {
      in->canvas_pts = m->frame->pts;
      if (m->ival != PL_FRAME_EARLY) r = cx_fcx_send(x->g, i, m->frame);
    }
  } else if (in->canvas && m->frame->pts > in->canvas_pts && cx_fcx_requests(x->g, i) > 0) {
    in->canvas->pts = in->canvas_pts = m->frame->pts;
    r = cx_fcx_send(x->g, i, in->canvas);
  }
  pl_msg_free(m);
  in_ack(in);
  return r == AVERROR_EOF ? 0 : r;
}

static int feed(lavfi_impl *x, int i) {
  fc_in *in = &x->in[i];
  if (in->s2v && in_tick(in_head(in))) return feed_s2v(x, i);
  bool video = x->set->in_type[i] == AVMEDIA_TYPE_VIDEO;
  /* A source built from the stream's parameters is built again for a first
   * frame that does not fit it (its time base included). */
  if (in->from_params && !pl_lavfi_same_input(in, in_head(in)->frame, video)) {
    start_rebuild(x, i, in_head(in)->frame, video);
    return 0;
  }
  if (in->from_params && av_cmp_q(in->tb, in_head(in)->tb)) {
    x->rebuild = true;
    return 0;
  }
  in->from_params = false;
  if (in->s2v) return feed_s2v(x, i);
  if (!x->set->no_reinit && !pl_lavfi_same_input(in, in_head(in)->frame, video)) {
    start_rebuild(x, i, in_head(in)->frame, video);
    return 0;
  }
  pl_msg *m = in_pop(in);
  x->stamp = m->stamp;
  pl_stage_work_on(x->st, m);
  /* -copyts: the graph's filters see the input's own clock, as ffmpeg's. */
  if (x->set->copyts_us[i] && m->frame->pts != AV_NOPTS_VALUE)
    m->frame->pts += av_rescale_q(x->set->copyts_us[i], AV_TIME_BASE_Q, m->tb);
  int r = cx_fcx_send(x->g, i, m->frame);
  pl_msg_free(m);
  in_ack(in);
  return r == AVERROR_EOF ? 0 : r;
}

static void on_kick(pl_stage *st) {
  lavfi_impl *x = st->impl;
  if (st->ended || !x->connected) return;
  for (int k = 0; k < x->nout; k++)
    flush(x, k);
  if (x->rebuild) {
    int r = drain(x);
    if (r < 0) {
      char why[128];
      pl_stage_fail_av(st, r, "filter_complex: %s", cx_errstr(r, why, sizeof why));
      return;
    }
    if (r == 0) return; /* a credit kicks */
    cx_fcx_close(&x->g);
    x->rebuild = false;
    /* The new graph is told again of inputs that ended. */
    for (int i = 0; i < x->nin; i++)
      x->in[i].fed_eof = false;
  }
  if (!x->g) {
    int r = pl_lavfi_build(x);
    if (r == AVERROR(EAGAIN) || r < 0) return;
  }
  bool progressed = false, live = false;
  for (int k = 0; k < x->nout; k++) {
    int r = pull(x, k);
    if (r < 0) {
      char why[128];
      pl_stage_fail_av(st, r, "filter_complex: %s", cx_errstr(r, why, sizeof why));
      return;
    }
    progressed = progressed || r > 0;
    live = live || !(x->out[k].ended || x->out[k].link.done);
  }
  if (!live) {
    end_stage(x, true);
    return;
  }
  if (progressed) {
    pl_stage_kick(st);
    return;
  }
  /* An input's end goes in when the graph asks for that input, as ffmpeg
   * reads a file to its end only for the input asked for (amix drops what
   * it holds of its first input at that input's end). Unasked, only once
   * nothing can be fed and the graph waits for no input's data: never
   * earlier because another input's frame is late. */
  int i = pick_input(x);
  bool waiting = false;
  for (int e = 0; e < x->nin; e++) {
    const fc_in *in = &x->in[e];
    if (!in->eof && !in->r.len && cx_fcx_requests(x->g, e)) waiting = true;
  }
  for (int pass = 0; pass < 2 && !progressed; pass++)
    for (int e = 0; e < x->nin; e++) {
      fc_in *in = &x->in[e];
      if (!in->eof || in->r.len || in->fed_eof) continue;
      if (!pass && !cx_fcx_requests(x->g, e)) continue;
      if (pass && (i >= 0 || waiting)) break;
      in->fed_eof = true;
      cx_fcx_send(x->g, e, NULL);
      progressed = true;
    }
  if (progressed) i = -1;
  if (i >= 0) {
    int r = feed(x, i);
    if (st->ended) return;
    if (r < 0) {
      char why[128];
      pl_stage_fail_av(st, r, "filter_complex: %s", cx_errstr(r, why, sizeof why));
      return;
    }
    progressed = true;
  }
  if (progressed) pl_stage_kick(st);
  /* Otherwise waiting: for an input (on_item / on_eof kick) or a credit (on_writable). */
}

static void on_ctl(pl_stage *st, pl_msg *m) {
  lavfi_impl *x = st->impl;
  if (m->kind == PL_M_CONNECT && !x->connected && m->nports == x->nout &&
      x->nout <= st->cfg.ndown) {
    static const iso_link_tx_cbs cbs = {on_writable, on_finished};
    for (int k = 0; k < x->nout; k++) {
      const pl_stage_down *down = &st->cfg.down[k];
      if (!pl_outlink_open(st, &x->out[k].link, m->ports[k], &cbs, &x->out[k], down->name,
                           down->cap)) {
        pl_msg_free(m);
        pl_stage_fail(st, ISO_ENOMEM, "cannot create output link");
        return;
      }
    }
    x->connected = true;
    pl_stage_kick(st);
  }
  pl_msg_free(m);
}

static void destroy(pl_stage *st) {
  lavfi_impl *x = st->impl;
  if (!x) return;
  for (int i = 0; i < x->nin; i++) {
    fc_in *in = &x->in[i];
    while (in->r.len)
      pl_msg_free(in_pop(in));
    if (!st->links_gone && in->rx) iso_link_rx_free(in->rx);
    av_channel_layout_uninit(&in->layout);
    av_frame_free(&in->proto);
    av_frame_free(&in->canvas);
  }
  for (int k = 0; k < x->nout; k++) {
    pl_msg_free(x->out[k].pending);
    if (!st->links_gone && x->out[k].link.tx) iso_link_tx_free(x->out[k].link.tx);
  }
  cx_fcx_close(&x->g);
  av_frame_free(&x->tmp);
  pl_lavfi_set_free(x->set);
  free(x);
  st->impl = NULL;
}

static bool blocked(const pl_stage *st) {
  return st->impl && any_pending(st->impl);
}

static const pl_stage_ops lavfi_ops = {on_ctl, on_kick, destroy, blocked};

void pl_lavfi_entry(iso_value *msg) {
  pl_spawn *s = pl_spawn_take(msg);
  if (!s) return;
  lavfi_impl *x = calloc(1, sizeof *x);
  if (!x || !s->lavfi) {
    free(x);
    pl_spawn_free(s);
    return;
  }
  x->set = s->lavfi;
  s->lavfi = NULL;
  x->nin = x->set->nin;
  x->nout = x->set->nout;
  pl_stage *st = pl_stage_new(s, &lavfi_ops, x);
  if (!st) {
    pl_lavfi_set_free(x->set);
    free(x);
    return;
  }
  x->st = st;
  pl_stage_enter(st);
  static const iso_link_rx_cbs rcbs = {on_item, on_eof};
  pl_msg *ready = pl_msg_new_ports(PL_M_READY, 1 + x->nin);
  bool ok = ready != NULL;
  for (int i = 0; i < x->nin && ok; i++) {
    fc_in *in = &x->in[i];
    in->x = x;
    in->cap = x->set->in_cap[i];
    if (in->cap > FC_QMAX) in->cap = FC_QMAX;
    ring_init(&in->r, FC_QMAX);
    in->file = x->set->in[i].file;
    in->s2v = x->set->in[i].type == AVMEDIA_TYPE_SUBTITLE;
    in->canvas_pts = INT64_MIN;
    in->rx = iso_link_rx_new(in->cap, &rcbs, in);
    ok = in->rx != NULL;
  }
  for (int k = 0; k < x->nout; k++)
    x->out[k].x = x;
  iso_link_rx *rx[PL_FC_MAX] = {0};
  for (int i = 0; ok && i < x->nin; i++)
    rx[i] = x->in[i].rx;
  pl_stage_ready(st, ok ? ready : NULL, rx, x->nin);
  if (!ok) pl_msg_free(ready);
  pl_stage_leave(st, false);
}
