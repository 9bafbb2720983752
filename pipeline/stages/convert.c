/* The convert stages: their output's -ss/-t window, then a libavfilter graph (the user's chain and
 * what the encoder accepts), then the output frame rate for video. */
#include <ctype.h>
#include <inttypes.h>
#include <libavutil/bprint.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "pipeline/pl_stage.h"
#include "pipeline/pl_vsync.h"
#include "pipeline/stages/conv_desc.h"
#include "pipeline/stages/conv_shape.h"
#include "pipeline/stages/conv_window.h"

/* -copyts: the frame back on the input's clock, after its window was cut
 * on the output's (which starts at 0). */
static void conv_copyts(const pl_conv_set *c, pl_msg *in) {
  AVFrame *fr = in->frame;
  if (!c->copyts_us || !fr) return;
  int64_t d = av_rescale_q(c->copyts_us, AV_TIME_BASE_Q, in->tb);
  if (fr->pts != AV_NOPTS_VALUE) fr->pts += d;
  if (fr->pkt_dts != AV_NOPTS_VALUE) fr->pkt_dts += d;
  if (fr->best_effort_timestamp != AV_NOPTS_VALUE) fr->best_effort_timestamp += d;
}

/* ---- video -------------------------------------------------------------------- */

typedef struct vconv_impl {
  pl_conv_set *set;
  cx_fgraph *g;
  bool g_eof;              /* EOF sent into the graph (input end or the window's) */
  bool fixed;              /* the first graph is built: its output size and format stay */
  int fix[3];              /* w, h, pixel format */
  int64_t rebuilt;         /* graphs rebuilt for a changed input */
  pl_vsync *vs;            /* the output's frame rate: drops and duplicates */
  bool vs_eof;             /* the graph ended: the end went to vs */
  AVRational out_tb, g_tb; /* the sync's, the graph's output's */
  AVFrame *tmp, *frame;
  pl_stamp stamp;
  conv_window win;
  int64_t emitted; /* frames sent on, for -frames:v */
  bool shape_sent; /* PL_FRAME_SHAPE went on: the graph kept no frame */
} vconv_impl;

/* x264 and x265 refuse odd sizes in subsampled formats, which inputs such
 * as 161x121 VP9 have: when the user chose no size, drop the odd line. */
static bool odd_for_encoder(const pl_conv_set *c, const cx_fgraph_out *go) {
  if (c->width || c->height || c->chain || strncmp(c->encoder, "libx26", 6) != 0) return false;
  const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(go->format);
  if (!d || (!d->log2_chroma_w && !d->log2_chroma_h)) return false;
  return (go->w & 1) || (go->h & 1);
}

static int vgraph_open(pl_filter *f, const pl_msg *in) {
  vconv_impl *x = f->impl;
  pl_stage *st = f->st;
  const pl_conv_set *c = x->set;
  AVBPrint desc;
  av_bprint_init(&desc, 0, AV_BPRINT_SIZE_UNLIMITED);
  int r = conv_video_desc(c, x->fixed ? x->fix : NULL, &desc);
  /* A filter_complex output's rate is its graph's (the frames carry it). */
  AVRational fr = c->fc ? in->rate : c->in.fps;
  if (r >= 0) r = conv_graph_open(st, c, &x->g, &desc, in, fr);
  if (r >= 0 && !x->fixed) {
    cx_fgraph_out go = cx_fgraph_output(x->g);
    if (!c->fc && odd_for_encoder(c, &go)) {
      pl_stage_log(st, AV_LOG_WARNING, "%dx%d is odd; %s gets %dx%d", go.w, go.h, c->encoder,
                   go.w & ~1, go.h & ~1);
      cx_fgraph_close(&x->g);
      x->fix[0] = go.w & ~1;
      x->fix[1] = go.h & ~1;
      x->fix[2] = go.format;
      av_bprint_clear(&desc);
      r = conv_video_desc(c, x->fix, &desc);
      if (r >= 0) r = conv_graph_open(st, c, &x->g, &desc, in, fr);
      if (r >= 0) go = cx_fgraph_output(x->g);
    }
    x->fix[0] = go.w;
    x->fix[1] = go.h;
    x->fix[2] = go.format;
    x->fixed = r >= 0;
  }
  if (r < 0 && !st->ended) pl_stage_fail(st, ISO_ENOMEM, "out of memory");
  av_bprint_finalize(&desc, NULL);
  x->g_eof = false;
  if (r >= 0) x->g_tb = cx_fgraph_output(x->g).tb;
  return r;
}

/* The video sync, once the graph's output is known: the output rate is -r,
 * else the graph's (an fps filter sets it), else the input's, else 25;
 * frames last 1/(the graph's rate), as in ffmpeg's do_video_out. */
static AVRational graph_in_fps(const vconv_impl *x) {
  AVRational in_fps = cx_fgraph_output(x->g).frame_rate;
  return in_fps.num > 0 && in_fps.den > 0 ? in_fps : x->set->in.fps;
}

static AVRational out_rate(const vconv_impl *x) {
  const pl_conv_set *c = x->set;
  AVRational fps = c->rate;
  if (fps.num <= 0 || fps.den <= 0) fps = graph_in_fps(x);
  if (fps.num <= 0 || fps.den <= 0) fps = c->out_fps;
  return fps;
}

static int vsync_open(pl_filter *f) {
  vconv_impl *x = f->impl;
  const pl_conv_set *c = x->set;
  cx_fgraph_out go = cx_fgraph_output(x->g);
  AVRational in_fps = graph_in_fps(x);
  AVRational fps = out_rate(x);
  pl_vsync_cfg vc = {0};
  vc.mode = c->vsync;
  vc.in_tb = go.tb;
  vc.dur_tb = c->in.tb;
  vc.in_fps = in_fps;
  vc.out_fps = fps;
  vc.pkt_durations = c->pkt_durations;
  vc.end_us = c->t_us;
  vc.fill_us = c->fill_us;
  x->out_tb = av_inv_q(fps);
  int r = pl_vsync_open(&x->vs, &vc);
  if (r < 0)
    pl_stage_fail(f->st, ISO_EMEDIA, "video sync: cannot start (%s)", pl_vsync_name(vc.mode));
  return r;
}

/* Drops and duplicates are the frame rate working, not lost data; they are
 * counted as ffmpeg counts them. */
static void log_sync(pl_stage *st, const pl_vsync *vs) {
  int64_t drop, dup;
  pl_vsync_counts(vs, &drop, &dup);
  if (drop || dup)
    pl_stage_log(st, AV_LOG_VERBOSE, "frame rate: %" PRId64 " dropped, %" PRId64 " duplicated",
                 drop, dup);
}

static void vgraph_eof(vconv_impl *x) {
  if (x->g && !x->g_eof) {
    x->g_eof = true;
    cx_fgraph_send(x->g, NULL);
  }
}

/* The message was taken: never EAGAIN, which would hand it back to the queue. */
static int fail_filter(pl_filter *f, int r) {
  char why[128];
  pl_stage_fail_av(f->st, r, "filtering failed: %s", cx_errstr(r, why, sizeof why));
  return AVERROR(EINVAL);
}

static int vconv_feed(pl_filter *f, pl_msg *in) {
  vconv_impl *x = f->impl;
  if (!in) {
    vgraph_eof(x);
    return 0;
  }
  if (in->kind == PL_M_FRAME && in->ival == PL_FRAME_SHAPE) {
    /* A -filter_complex output that gave no frame: the graph is built on
     * its shape, which goes on at the end (vconv_drain). */
    int r = x->g || x->g_eof ? 0 : vgraph_open(f, in);
    if (r >= 0) vgraph_eof(x);
    pl_msg_free(in);
    return r < 0 ? AVERROR(EINVAL) : 0;
  }
  if (in->kind != PL_M_FRAME || x->g_eof) {
    pl_msg_free(in);
    return 0;
  }
  int w = conv_window_drops(&x->win, in);
  if (w < 0) return fail_filter(f, w);
  if (w) {
    if (x->win.done) vgraph_eof(x); /* the window's end: drain as at EOF */
    return 0;
  }
  conv_copyts(x->set, in);
  /* -reinit_filter 0: the frame goes into the graph as it is (libavfilter
   * warns; filters that reconfigure per frame, as scale, follow it). */
  if (x->g && !x->set->no_reinit && !cx_fgraph_same_input(x->g, in->frame)) {
    /* As ffmpeg: what the graph has given is out already; a new graph takes
     * the new size or format, its output scaled to the first one's. */
    pl_stage_log(f->st, AV_LOG_INFO, "input changed to %dx%d %s: filter graph rebuilt",
                 in->frame->width, in->frame->height,
                 av_get_pix_fmt_name(in->frame->format) ? av_get_pix_fmt_name(in->frame->format)
                                                        : "?");
    cx_fgraph_close(&x->g);
    x->rebuilt++;
  }
  if (!x->g && vgraph_open(f, in) < 0) {
    pl_msg_free(in);
    return AVERROR(EINVAL);
  }
  x->stamp = in->stamp;
  int r = cx_fgraph_send(x->g, in->frame);
  pl_msg_free(in);
  return r < 0 ? fail_filter(f, r) : 0;
}

/* Moves the graph's next frame into the video sync: 0, EAGAIN (needs
 * input) or EOF (the graph has ended; the sync was told). */
static int vgraph_pull(pl_filter *f) {
  vconv_impl *x = f->impl;
  if (!x->g) {
    if (!f->fed_eof && !x->win.done) return AVERROR(EAGAIN);
  } else {
    int r = x->win.post_done ? AVERROR_EOF : cx_fgraph_receive(x->g, x->tmp);
    if (r == AVERROR(EAGAIN)) return r;
    int w = r >= 0 ? conv_window_post(&x->win, x->tmp, x->g_tb) : 0;
    if (w != 0) {
      av_frame_unref(x->tmp);
      if (w < -1) return fail_filter(f, w);
      if (!x->win.post_done) return 0;
      vgraph_eof(x); /* the output's end: nothing more is filtered */
      r = AVERROR_EOF;
    }
    if (r >= 0) {
      if (!x->vs && vsync_open(f) < 0) return AVERROR(EINVAL);
      r = pl_vsync_send(x->vs, x->tmp);
      av_frame_unref(x->tmp);
      return r < 0 && r != AVERROR_EOF ? fail_filter(f, r) : 0;
    }
    if (r != AVERROR_EOF) return fail_filter(f, r);
  }
  if (!x->vs_eof) {
    x->vs_eof = true;
    if (x->vs) pl_vsync_send(x->vs, NULL);
  }
  return AVERROR_EOF;
}

static int vconv_drain_frames(pl_filter *f, pl_msg **out) {
  vconv_impl *x = f->impl;
  int max = x->set->max_vframes;
  if (max > 0 && x->emitted >= max) {
    /* -frames:v, counted as ffmpeg does, after the frame rate: this output's
     * video ends like a window, the other streams go on. */
    x->win.done = true;
    return AVERROR_EOF;
  }
  if ((!x->tmp && !(x->tmp = av_frame_alloc())) || (!x->frame && !(x->frame = av_frame_alloc())))
    return AVERROR(ENOMEM);
  for (;;) {
    int r = x->vs ? pl_vsync_receive(x->vs, x->frame) : AVERROR(EAGAIN);
    if (r == AVERROR(EAGAIN)) {
      if (x->vs_eof) return x->vs ? r : AVERROR_EOF;
      r = vgraph_pull(f);
      if (r == AVERROR_EOF && !x->vs) return r;
      if (r < 0 && r != AVERROR_EOF) return r;
      continue;
    }
    if (r == AVERROR_EOF) {
      /* The input's end, or the output's -t reached: what still comes is
       * past the output's end. */
      x->win.done = true;
      return r;
    }
    if (r < 0) return fail_filter(f, r);
    pl_msg *m = pl_msg_new(PL_M_FRAME);
    if (!m) return AVERROR(ENOMEM);
    m->frame = x->frame;
    x->frame = NULL;
    m->tb = x->out_tb;
    m->stamp = x->stamp;
    x->emitted++;
    *out = m;
    return 0;
  }
}

/* No frame reached the graph (-skip_frame nokey after an -ss past the only
 * keyframe): as ffmpeg, the graph is built from the input stream's
 * parameters, so its output's shape is known. False when they are unknown. */
static bool vgraph_open_from_info(pl_filter *f) {
  vconv_impl *x = f->impl;
  AVFrame *fr = x->set->fc ? NULL : conv_shape_from_info(&x->set->in, AVMEDIA_TYPE_VIDEO);
  if (!fr) return false;
  pl_msg m = {.kind = PL_M_FRAME, .frame = fr, .tb = x->set->in.tb};
  bool ok = vgraph_open(f, &m) >= 0;
  av_frame_free(&fr);
  if (ok) vgraph_eof(x);
  return ok;
}

static int vconv_drain(pl_filter *f, pl_msg **out) {
  vconv_impl *x = f->impl;
  int r = vconv_drain_frames(f, out);
  /* A stream whose graph gave no frame (select=0, or no frame decoded):
   * ffmpeg still opens the encoder on the graph's output and declares the
   * stream, with no packet. */
  if (r == AVERROR_EOF && !x->emitted && !x->shape_sent && !f->st->ended) {
    x->shape_sent = true;
    if (x->g || vgraph_open_from_info(f))
      return conv_shape_msg(x->g, AVMEDIA_TYPE_VIDEO, av_inv_q(out_rate(x)), x->stamp, out);
  }
  return r;
}

static void vconv_destroy(pl_filter *f) {
  vconv_impl *x = f->impl;
  if (!x) return;
  cx_fgraph_close(&x->g);
  if (x->vs) log_sync(f->st, x->vs);
  pl_vsync_close(&x->vs);
  av_frame_free(&x->tmp);
  av_frame_free(&x->frame);
  pl_conv_set_free(x->set);
  free(x);
  f->impl = NULL;
}

static const pl_filter_ops vconv_ops = {vconv_feed, vconv_drain, vconv_destroy};

/* Both kinds start alike: the settings move into the stage's state x
 * (calloc'd, may be NULL), whose window starts as they say. */
static void conv_start(iso_value *msg, void *x, pl_conv_set **set, conv_window *win,
                       const pl_filter_ops *ops) {
  pl_spawn *s = pl_spawn_take(msg);
  if (!s || !x || !s->conv) {
    free(x);
    if (s) pl_spawn_free(s);
    return;
  }
  *set = s->conv;
  s->conv = NULL;
  *win = (*set)->win;
  pl_filter_start(s, ops, x);
}

void pl_vconv_entry(iso_value *msg) {
  vconv_impl *x = calloc(1, sizeof *x);
  conv_start(msg, x, x ? &x->set : NULL, x ? &x->win : NULL, &vconv_ops);
}

/* ---- audio --------------------------------------------------------------------- */

typedef struct aconv_impl {
  pl_conv_set *set;
  cx_fgraph *g;
  bool g_eof;
  bool fixed; /* the first graph is built: its output format, rate, layout stay */
  int fix[2]; /* sample format, rate */
  AVChannelLayout fix_layout;
  int64_t rebuilt;
  AVRational in_tb, out_tb;
  AVFrame *frame;
  conv_window win;
  bool emitted, shape_sent; /* a frame went on; a PL_FRAME_SHAPE went on */
} aconv_impl;

static int agraph_open(pl_filter *f, const pl_msg *in) {
  aconv_impl *x = f->impl;
  pl_stage *st = f->st;
  AVBPrint desc;
  av_bprint_init(&desc, 0, AV_BPRINT_SIZE_UNLIMITED);
  int r =
      conv_audio_desc(x->set, x->fixed ? x->fix : NULL, x->fixed ? &x->fix_layout : NULL, &desc);
  if (r >= 0)
    r = conv_graph_open(st, x->set, &x->g, &desc, in, (AVRational){0, 0});
  else if (!st->ended)
    pl_stage_fail(st, ISO_ENOMEM, "out of memory");
  av_bprint_finalize(&desc, NULL);
  if (r < 0) return r;
  x->g_eof = false;
  cx_fgraph_out go = cx_fgraph_output(x->g);
  x->in_tb = in->tb;
  x->out_tb = go.tb;
  if (!x->fixed) {
    x->fixed = true;
    x->fix[0] = go.format;
    x->fix[1] = go.sample_rate;
    cx_fgraph_out_layout(x->g, &x->fix_layout);
  }
  return 0;
}

static void agraph_eof(aconv_impl *x) {
  if (x->g && !x->g_eof) {
    x->g_eof = true;
    cx_fgraph_send(x->g, NULL);
  }
}

static int aconv_feed(pl_filter *f, pl_msg *in) {
  aconv_impl *x = f->impl;
  if (!in) {
    agraph_eof(x);
    return 0;
  }
  if (in->kind == PL_M_FRAME && in->ival == PL_FRAME_SHAPE) {
    /* As video's (vconv_feed): the graph is built on the shape, which goes
     * on at the end (aconv_drain). */
    int r = x->g || x->g_eof ? 0 : agraph_open(f, in);
    if (r >= 0) agraph_eof(x);
    pl_msg_free(in);
    return r < 0 ? AVERROR(EINVAL) : 0;
  }
  if (in->kind != PL_M_FRAME || x->g_eof) {
    pl_msg_free(in);
    return 0;
  }
  int w = conv_window_drops(&x->win, in);
  if (w < 0) return fail_filter(f, w);
  if (w) {
    if (x->win.done) agraph_eof(x);
    return 0;
  }
  conv_copyts(x->set, in);
  const AVFrame *fr = in->frame;
  if (x->g && !cx_fgraph_same_input(x->g, fr)) {
    pl_stage_log(f->st, AV_LOG_INFO,
                 "audio input changed to %d Hz, %d channels: filter graph rebuilt", fr->sample_rate,
                 fr->ch_layout.nb_channels);
    cx_fgraph_close(&x->g);
    x->rebuilt++;
  }
  if (!x->g && agraph_open(f, in) < 0) {
    pl_msg_free(in);
    return AVERROR(EINVAL);
  }
  /* The graph re-chunks audio: only this stage can map an output's pts
   * back to the input frame it starts in. */
  if (fr->pts != AV_NOPTS_VALUE)
    pl_prof_stamp_push(f->st->prof, av_rescale_q(fr->pts, in->tb, x->out_tb), in->stamp);
  int r = cx_fgraph_send(x->g, fr);
  pl_msg_free(in);
  return r < 0 ? fail_filter(f, r) : 0;
}

static int aconv_drain_frames(pl_filter *f, pl_msg **out) {
  aconv_impl *x = f->impl;
  if (!x->g) return f->fed_eof || x->win.done ? AVERROR_EOF : AVERROR(EAGAIN);
  if (!x->frame && !(x->frame = av_frame_alloc())) return AVERROR(ENOMEM);
  int r;
  do {
    if (x->win.post_done) return AVERROR_EOF;
    r = cx_fgraph_receive(x->g, x->frame);
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return r;
    if (r < 0) return fail_filter(f, r);
    int w = conv_window_post(&x->win, x->frame, x->out_tb);
    if (w == 0) break;
    av_frame_unref(x->frame);
    if (w < -1) return fail_filter(f, w);
    if (x->win.post_done) agraph_eof(x); /* the output's end: nothing more is filtered */
  } while (1);
  /* The encoders count in 1/sample_rate. */
  AVRational tb = {1, x->frame->sample_rate};
  if (x->frame->pts != AV_NOPTS_VALUE && av_cmp_q(tb, x->out_tb))
    x->frame->pts = av_rescale_q(x->frame->pts, x->out_tb, tb);
  pl_msg *m = pl_msg_new(PL_M_FRAME);
  if (!m) return AVERROR(ENOMEM);
  m->frame = x->frame;
  x->frame = NULL;
  m->tb = tb;
  m->stamp = pl_prof_stamp_pop(f->st->prof, av_rescale_q(m->frame->pts, tb, x->out_tb));
  *out = m;
  return 0;
}

/* As vgraph_open_from_info, for audio. */
static bool agraph_open_from_info(pl_filter *f) {
  aconv_impl *x = f->impl;
  AVFrame *fr = x->set->fc ? NULL : conv_shape_from_info(&x->set->in, AVMEDIA_TYPE_AUDIO);
  if (!fr) return false;
  pl_msg m = {.kind = PL_M_FRAME, .frame = fr, .tb = x->set->in.tb};
  bool ok = agraph_open(f, &m) >= 0;
  av_frame_free(&fr);
  if (ok) agraph_eof(x);
  return ok;
}

static int aconv_drain(pl_filter *f, pl_msg **out) {
  aconv_impl *x = f->impl;
  int r = aconv_drain_frames(f, out);
  if (r == 0) x->emitted = true;
  /* As video's (vconv_drain): the stream is declared without a frame. */
  if (r == AVERROR_EOF && !x->emitted && !x->shape_sent && !f->st->ended) {
    x->shape_sent = true;
    if (x->g || agraph_open_from_info(f)) {
      cx_fgraph_out go = cx_fgraph_output(x->g);
      return conv_shape_msg(x->g, AVMEDIA_TYPE_AUDIO, (AVRational){1, go.sample_rate},
                            (pl_stamp){0}, out);
    }
  }
  return r;
}

static void aconv_destroy(pl_filter *f) {
  aconv_impl *x = f->impl;
  if (!x) return;
  cx_fgraph_close(&x->g);
  av_frame_free(&x->frame);
  av_channel_layout_uninit(&x->fix_layout);
  pl_conv_set_free(x->set);
  free(x);
  f->impl = NULL;
}

static const pl_filter_ops aconv_ops = {aconv_feed, aconv_drain, aconv_destroy};

void pl_aconv_entry(iso_value *msg) {
  aconv_impl *x = calloc(1, sizeof *x);
  conv_start(msg, x, x ? &x->set : NULL, x ? &x->win : NULL, &aconv_ops);
}
