/* The convert stages: their output's -ss/-t window, then swscale + frame rate for video, swresample
 * for audio, both as filters. */
#include <inttypes.h>
#include <libavutil/pixdesc.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "pipeline/pl_internal.h"
#include "pipeline/pl_vsync.h"

static const pl_out_stream *out_stream(const pl_stage *st) {
  return &st->job->out[st->node->out_stream];
}

/* ---- the output's window ---------------------------------------------------- */

/* The decoders serve every output and cut only to the union of their
 * windows (pl_job_windows); the first stage of an output of its own cuts
 * to that output's, so one output ending never ends another. */
typedef struct conv_window {
  pl_trim w;
  bool on;   /* narrower than the input's: cut here */
  bool done; /* past its end: the converter drains, then the stage ends */
} conv_window;

/* The frame rate a video output gets: -r, else the input stream's, else 25. */
static AVRational out_fps(const pl_job *j, const pl_out_stream *o) {
  AVRational fps = j->rate;
  if (fps.num <= 0 || fps.den <= 0) fps = j->info.st[o->in_index].fps;
  if (fps.num <= 0 || fps.den <= 0) fps = (AVRational){25, 1};
  return fps;
}

/* With -frames:v, ffmpeg ends the whole output once its video has that
 * many frames: the output's other streams end where the last one does
 * (at out_fps, as convert:v paces it), which keeps A/V in sync. */
static int64_t frames_end_us(const pl_job *job, int64_t start_us) {
  const pl_out_stream *me = &job->out[job->node[job->self].out_stream];
  if (job->max_vframes < 1 || me->type == AVMEDIA_TYPE_VIDEO) return -1;
  for (int i = 0; i < job->nout; i++) {
    const pl_out_stream *o = &job->out[i];
    if (o->file != me->file || o->type != AVMEDIA_TYPE_VIDEO || o->copy) continue;
    return start_us + av_rescale_q(job->max_vframes, av_inv_q(out_fps(job, o)), AV_TIME_BASE_Q);
  }
  return -1;
}

static void window_init(conv_window *cw, const pl_job *job) {
  const pl_node *nd = &job->node[job->self];
  AVRational tb = job->info.st[job->out[nd->out_stream].in_index].tb;
  int64_t start = job->win_start_us > 0 ? job->win_start_us : 0, end = job->win_end_us;
  int64_t fend = frames_end_us(job, start);
  if (fend >= 0 && (end < 0 || fend < end)) end = fend;
  cw->on = pl_job_trims(job) || end != job->win_end_us;
  cw->w = pl_trim_make(tb, job->win_start_us, end, job->win_start_us > 0);
}

/* Consumes in when it is outside the window (true: 'done' may now be set);
 * otherwise its timestamp counts from the window's start, as ffmpeg's
 * output -ss makes it. */
static bool window_drops(conv_window *cw, pl_msg *in) {
  if (cw->done) {
    pl_msg_free(in);
    return true;
  }
  if (!cw->on) return false;
  int t = pl_trim_frame(&cw->w, in->frame, in->tb);
  if (t != 0) {
    pl_msg_free(in);
    if (t > 0) cw->done = true;
    return true;
  }
  if (in->frame->pts != AV_NOPTS_VALUE)
    in->frame->pts -= pl_trim_start_in(&cw->w, in->frame, in->tb);
  return false;
}

/* ---- video -------------------------------------------------------------------- */

typedef struct vconv_impl {
  cx_vconv *cv;
  int src_w, src_h;
  enum AVPixelFormat src_fmt;
  AVRational out_tb;
  pl_vsync *vs;    /* the output's frame rate: drops and duplicates */
  bool vs_flushed; /* the converter ended: the end went to vs */
  AVFrame *frame;
  pl_stamp stamp;
  bool open_failed;
  conv_window win;
  bool win_flushed;
  int64_t emitted; /* frames sent on, for -frames:v */
} vconv_impl;

/* x264 and x265 refuse odd sizes in subsampled formats, which inputs such
 * as 161x121 VP9 have: when the user chose no size, drop the odd line. */
static void even_size_for(pl_stage *st, const char *encoder, cx_vconv_opts *co) {
  if (co->dst_w != 0 || co->dst_h != 0 || strncmp(encoder, "libx26", 6) != 0) return;
  const AVPixFmtDescriptor *d =
      av_pix_fmt_desc_get(co->dst_fmt != AV_PIX_FMT_NONE ? co->dst_fmt : co->src_fmt);
  if (!d || (!d->log2_chroma_w && !d->log2_chroma_h)) return;
  if (!(co->src_w & 1) && !(co->src_h & 1)) return;
  co->dst_w = co->src_w & ~1;
  co->dst_h = co->src_h & ~1;
  pl_stage_log(st, AV_LOG_WARNING, "%dx%d is odd; %s gets %dx%d", co->src_w, co->src_h, encoder,
               co->dst_w, co->dst_h);
}

static int vconv_open(pl_filter *f, const pl_msg *in) {
  vconv_impl *x = f->impl;
  pl_stage *st = f->st;
  const pl_job *j = st->job;
  const pl_out_stream *o = out_stream(st);
  const AVFrame *fr = in->frame;
  AVRational fps = out_fps(j, o);
  cx_vconv_opts co = {0};
  co.src_w = fr->width;
  co.src_h = fr->height;
  co.src_fmt = fr->format;
  co.src_sar = fr->sample_aspect_ratio;
  co.dst_w = j->width;
  co.dst_h = j->height;
  co.dst_fmt = j->pix_fmt ? av_get_pix_fmt(j->pix_fmt)
                          : cx_enc_pick_pix_fmt(o->encoder, AV_CODEC_ID_NONE, fr->format);
  even_size_for(st, o->encoder, &co);
  co.in_tb = in->tb;
  co.out_tb = in->tb;
  x->out_tb = av_inv_q(fps);
  x->src_w = fr->width;
  x->src_h = fr->height;
  x->src_fmt = fr->format;
  char err[CX_ERRLEN] = "";
  int r = cx_vconv_open(&x->cv, &co, err);
  if (r < 0) {
    pl_stage_fail_av(st, r, "%s", err);
    return r;
  }
  if (x->vs) return 0; /* a new converter after a change of size keeps the timing */
  pl_vsync_cfg vc = {0};
  vc.mode = pl_vsync_resolve(j->vsync, j->out_format, j->info.nstreams);
  vc.in_tb = in->tb;
  vc.in_fps = j->info.st[o->in_index].fps;
  vc.out_fps = fps;
  vc.pkt_durations = !j->vf_set;
  vc.end_us = j->t_us;
  r = pl_vsync_open(&x->vs, &vc);
  if (r < 0) {
    cx_vconv_close(&x->cv);
    pl_stage_fail(st, ISO_EMEDIA, "video sync: cannot start (%s)", pl_vsync_name(vc.mode));
  }
  return r;
}

static int vconv_feed(pl_filter *f, pl_msg *in) {
  vconv_impl *x = f->impl;
  if (!in) {
    if (x->cv && !x->win.done) cx_vconv_send(x->cv, NULL);
    return 0;
  }
  if (in->kind != PL_M_FRAME) {
    pl_msg_free(in);
    return 0;
  }
  if (window_drops(&x->win, in)) {
    /* The window's end: drain the converter as at EOF. */
    if (x->win.done && !x->win_flushed) {
      x->win_flushed = true;
      if (x->cv) cx_vconv_send(x->cv, NULL);
    }
    return 0;
  }
  if (x->cv && (in->frame->width != x->src_w || in->frame->height != x->src_h ||
                in->frame->format != x->src_fmt)) {
    /* The input changed size or format mid-stream: start a converter for it. */
    pl_stage_log(f->st, AV_LOG_INFO, "input changed to %dx%d, reconfiguring", in->frame->width,
                 in->frame->height);
    cx_vconv_close(&x->cv);
  }
  if (!x->cv && vconv_open(f, in) < 0) {
    pl_msg_free(in);
    return AVERROR(EINVAL);
  }
  x->stamp = in->stamp;
  pl_prof_flow(f->st->prof, in->stamp.flow);
  int r = cx_vconv_send(x->cv, in->frame);
  if (r == AVERROR(EAGAIN)) return r;
  pl_msg_free(in);
  if (r < 0) {
    char why[128];
    pl_stage_fail_av(f->st, r, "conversion failed: %s", cx_errstr(r, why, sizeof why));
  }
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

static int vconv_drain(pl_filter *f, pl_msg **out) {
  vconv_impl *x = f->impl;
  int max = f->st->job->max_vframes;
  if (max > 0 && x->emitted >= max) {
    /* -frames:v, counted as ffmpeg does, after the frame rate: this output's
     * video ends like a window, the other streams go on. */
    x->win.done = true;
    return AVERROR_EOF;
  }
  if (!x->cv) return f->fed_eof || x->win.done ? AVERROR_EOF : AVERROR(EAGAIN);
  for (;;) {
    if (!x->frame && !(x->frame = av_frame_alloc())) return AVERROR(ENOMEM);
    int r = pl_vsync_receive(x->vs, x->frame);
    if (r == AVERROR(EAGAIN) && !x->vs_flushed) {
      /* The sync wants the next converted frame (or the converter's end). */
      r = cx_vconv_receive(x->cv, x->frame);
      if (r == AVERROR(EAGAIN)) return r;
      if (r == AVERROR_EOF) {
        x->vs_flushed = true;
        r = pl_vsync_send(x->vs, NULL);
      } else if (r >= 0) {
        r = pl_vsync_send(x->vs, x->frame);
      }
      if (r >= 0) continue;
    }
    if (r == AVERROR(EAGAIN)) return r;
    if (r == AVERROR_EOF) {
      /* The input's end, or the output's -t reached: what still comes is
       * past the output's end. */
      x->win.done = true;
      return r;
    }
    if (r < 0) {
      char why[128];
      pl_stage_fail_av(f->st, r, "conversion failed: %s", cx_errstr(r, why, sizeof why));
      return r;
    }
    pl_msg *m = pl_msg_new(PL_M_FRAME);
    if (!m) return AVERROR(ENOMEM);
    m->frame = x->frame;
    x->frame = NULL;
    m->tb = x->out_tb;
    m->stamp = x->stamp;
    pl_prof_flow(f->st->prof, m->stamp.flow);
    x->emitted++;
    *out = m;
    return 0;
  }
}

static void vconv_destroy(pl_filter *f) {
  vconv_impl *x = f->impl;
  if (!x) return;
  cx_vconv_close(&x->cv);
  if (x->vs) log_sync(f->st, x->vs);
  pl_vsync_close(&x->vs);
  av_frame_free(&x->frame);
  free(x);
  f->impl = NULL;
}

static const pl_filter_ops vconv_ops = {vconv_feed, vconv_drain, vconv_destroy};

void pl_vconv_entry(iso_value *msg) {
  pl_job *job = pl_job_take(msg);
  if (!job) return;
  vconv_impl *x = calloc(1, sizeof *x);
  if (!x) {
    pl_job_free(job);
    return;
  }
  window_init(&x->win, job);
  pl_filter_start(job, &vconv_ops, x, pl_link_capacity(job, job->self));
}

/* ---- audio --------------------------------------------------------------------- */

typedef struct aconv_impl {
  cx_aconv *ac;
  int src_rate;
  enum AVSampleFormat src_fmt;
  AVChannelLayout src_layout;
  int dst_rate;
  bool passthrough; /* nothing to convert: frames go on untouched */
  bool same_rate;   /* format/layout only: each frame keeps its own pts */
  int64_t in_pts;   /* of the frame just fed, in 1/dst_rate */
  pl_msg *pass;
  AVFrame *frame;
  pl_stamp stamp;
  conv_window win;
  bool win_flushed;
} aconv_impl;

static int aconv_open(pl_filter *f, const pl_msg *in) {
  aconv_impl *x = f->impl;
  pl_stage *st = f->st;
  const pl_job *j = st->job;
  const pl_out_stream *o = out_stream(st);
  const AVFrame *fr = in->frame;
  cx_aconv_opts co = {0};
  co.src_rate = fr->sample_rate;
  co.src_fmt = fr->format;
  co.src_layout = fr->ch_layout;
  co.dst_rate =
      cx_enc_pick_sample_rate(o->encoder, AV_CODEC_ID_NONE, j->ar > 0 ? j->ar : fr->sample_rate);
  co.dst_fmt = cx_enc_pick_sample_fmt(
      o->encoder, AV_CODEC_ID_NONE, j->sample_fmt ? av_get_sample_fmt(j->sample_fmt) : fr->format);
  AVChannelLayout want = {0};
  if (j->ac > 0)
    av_channel_layout_default(&want, j->ac);
  else
    av_channel_layout_copy(&want, &fr->ch_layout);
  int r = cx_enc_pick_ch_layout(o->encoder, AV_CODEC_ID_NONE, &want, &co.dst_layout);
  av_channel_layout_uninit(&want);
  if (r < 0) {
    pl_stage_fail(st, ISO_EMEDIA, "no channel layout for %s", o->encoder);
    return r;
  }
  co.frame_size = 0; /* the encoder re-chunks to its own frame size */
  co.in_tb = in->tb;
  x->passthrough = co.dst_rate == fr->sample_rate && co.dst_fmt == fr->format &&
                   !av_channel_layout_compare(&co.dst_layout, &fr->ch_layout) && in->tb.num == 1 &&
                   in->tb.den == fr->sample_rate;
  char err[CX_ERRLEN] = "";
  r = x->passthrough ? 0 : cx_aconv_open(&x->ac, &co, err);
  av_channel_layout_uninit(&co.dst_layout);
  if (r < 0) {
    pl_stage_fail_av(st, r, "%s", err);
    return r;
  }
  x->dst_rate = co.dst_rate;
  x->same_rate = co.dst_rate == fr->sample_rate;
  x->src_rate = fr->sample_rate;
  x->src_fmt = fr->format;
  av_channel_layout_uninit(&x->src_layout);
  av_channel_layout_copy(&x->src_layout, &fr->ch_layout);
  return 0;
}

static bool aconv_open_done(const aconv_impl *x) {
  return x->ac || x->passthrough;
}

static int aconv_feed(pl_filter *f, pl_msg *in) {
  aconv_impl *x = f->impl;
  if (!in) {
    if (x->ac && !x->win.done) cx_aconv_send(x->ac, NULL);
    return 0;
  }
  if (x->pass) return AVERROR(EAGAIN);
  if (in->kind != PL_M_FRAME) {
    pl_msg_free(in);
    return 0;
  }
  if (window_drops(&x->win, in)) {
    /* The window's end: flush the resampler as at EOF. */
    if (x->win.done && !x->win_flushed) {
      x->win_flushed = true;
      if (x->ac) cx_aconv_send(x->ac, NULL);
    }
    return 0;
  }
  const AVFrame *fr = in->frame;
  if (aconv_open_done(x) && (fr->sample_rate != x->src_rate || fr->format != x->src_fmt ||
                             av_channel_layout_compare(&fr->ch_layout, &x->src_layout))) {
    pl_stage_log(f->st, AV_LOG_WARNING, "audio input changed to %d Hz, %d channels: dropped",
                 fr->sample_rate, fr->ch_layout.nb_channels);
    pl_msg_free(in);
    return 0;
  }
  if (!aconv_open_done(x) && aconv_open(f, in) < 0) {
    pl_msg_free(in);
    return AVERROR(EINVAL);
  }
  pl_prof_flow(f->st->prof, in->stamp.flow);
  if (x->passthrough) {
    x->pass = in;
    return 0;
  }
  x->in_pts = fr->pts == AV_NOPTS_VALUE
                  ? AV_NOPTS_VALUE
                  : av_rescale_q(fr->pts, in->tb, (AVRational){1, x->dst_rate});
  if (x->in_pts != AV_NOPTS_VALUE) pl_prof_stamp_push(f->st->prof, x->in_pts, in->stamp);
  int r = cx_aconv_send(x->ac, in->frame);
  if (r == AVERROR(EAGAIN)) return r;
  pl_msg_free(in);
  if (r < 0) {
    char why[128];
    pl_stage_fail_av(f->st, r, "resampling failed: %s", cx_errstr(r, why, sizeof why));
  }
  return r;
}

static int aconv_drain(pl_filter *f, pl_msg **out) {
  aconv_impl *x = f->impl;
  if (x->pass) {
    *out = x->pass;
    x->pass = NULL;
    return 0;
  }
  if (!x->ac) return f->fed_eof || x->win.done ? AVERROR_EOF : AVERROR(EAGAIN);
  if (!x->frame && !(x->frame = av_frame_alloc())) return AVERROR(ENOMEM);
  int r = cx_aconv_receive(x->ac, x->frame);
  if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return r;
  if (r < 0) {
    char why[128];
    pl_stage_fail_av(f->st, r, "resampling failed: %s", cx_errstr(r, why, sizeof why));
    return r;
  }
  if (x->same_rate && x->in_pts != AV_NOPTS_VALUE) {
    /* Without resampling swr adds no delay: what comes out now is the frame
     * just fed, and it keeps that frame's (already smoothed) pts. */
    x->frame->pts = x->in_pts;
    x->in_pts = AV_NOPTS_VALUE;
  }
  pl_msg *m = pl_msg_new(PL_M_FRAME);
  if (!m) return AVERROR(ENOMEM);
  m->frame = x->frame;
  x->frame = NULL;
  m->tb = (AVRational){1, x->dst_rate};
  m->stamp = pl_prof_stamp_pop(f->st->prof, m->frame->pts);
  pl_prof_flow(f->st->prof, m->stamp.flow);
  *out = m;
  return 0;
}

static void aconv_destroy(pl_filter *f) {
  aconv_impl *x = f->impl;
  if (!x) return;
  cx_aconv_close(&x->ac);
  pl_msg_free(x->pass);
  av_frame_free(&x->frame);
  av_channel_layout_uninit(&x->src_layout);
  free(x);
  f->impl = NULL;
}

static const pl_filter_ops aconv_ops = {aconv_feed, aconv_drain, aconv_destroy};

void pl_aconv_entry(iso_value *msg) {
  pl_job *job = pl_job_take(msg);
  if (!job) return;
  aconv_impl *x = calloc(1, sizeof *x);
  if (!x) {
    pl_job_free(job);
    return;
  }
  window_init(&x->win, job);
  pl_filter_start(job, &aconv_ops, x, pl_link_capacity(job, job->self));
}
