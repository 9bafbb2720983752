/* Video sync as ffmpeg 5.1 does it for an encoded output: each frame is dropped, sent once or with
 * duplicates. */
#include "pipeline/pl_vsync.h"

#include <libavformat/avformat.h>
#include <libavutil/common.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/mathematics.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One input frame fills at least this many output slots, whatever fill_us
 * says (-r 1 still fills a minute). */
#define PL_VSYNC_MIN_FILL 64
#define PL_VSYNC_FILL_MIN_US (10 * (int64_t)AV_TIME_BASE)
#define PL_VSYNC_FILL_MAX_US (3600 * (int64_t)AV_TIME_BASE)
/* ffmpeg 5.1 never sends one frame more times than this (its DTS error
 * threshold, 30 h in seconds, times 30): such a frame is dropped instead. */
#define PL_VSYNC_DUP_MAX (3600 * 30 * 30)

int64_t pl_vsync_fill_us(int64_t duration_us) {
  int64_t d = duration_us == AV_NOPTS_VALUE || duration_us < 0 ? 0 : duration_us + AV_TIME_BASE;
  return FFMIN(FFMAX(d, PL_VSYNC_FILL_MIN_US), PL_VSYNC_FILL_MAX_US);
}

struct pl_vsync {
  pl_vsync_cfg c;
  AVRational out_tb;
  int64_t sync_opts;    /* the next output slot, in out_tb */
  int64_t frame_number; /* frames sent on */
  int last_nb0[3];      /* duplicates of the previous frame, last three inputs */
  AVFrame *last, *next; /* the previous frame (duplicated) and the current one */
  int nb, nb0, i;       /* this input's plan: nb outputs, the first nb0 of them 'last' */
  int64_t max_fill;
  int64_t dropped, duplicated;
  bool eof, warned;
  bool skip; /* this input is dropped: the previous frame stays 'last' */
};

static const char *const names[] = {"passthrough", "cfr", "vfr", "vscfr", "drop"};

int pl_vsync_parse(const char *s) {
  if (!s) return -2;
  if (!strcasecmp(s, "auto")) return PL_VSYNC_AUTO;
  for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
    if (i != PL_VSYNC_VSCFR && !strcasecmp(s, names[i])) return i;
  /* -vsync's numbers: -1 auto .. 2 vfr. */
  if (!strcmp(s, "-1")) return PL_VSYNC_AUTO;
  if (s[0] >= '0' && s[0] <= '2' && !s[1]) return s[0] - '0';
  return -2;
}

const char *pl_vsync_name(pl_vsync_mode m) {
  if (m == PL_VSYNC_AUTO) return "auto";
  if (m < 0 || m > PL_VSYNC_DROP) return "?";
  return names[m];
}

pl_vsync_mode pl_vsync_resolve(pl_vsync_mode asked, const char *format, int in_streams) {
  if (asked != PL_VSYNC_AUTO) return asked;
  const AVOutputFormat *of = format ? av_guess_format(format, NULL, NULL) : NULL;
  if (!of) return PL_VSYNC_CFR;
  if (!strcmp(of->name, "avi")) return PL_VSYNC_VFR;
  if (of->flags & AVFMT_VARIABLE_FPS)
    return (of->flags & AVFMT_NOTIMESTAMPS) ? PL_VSYNC_PASSTHROUGH : PL_VSYNC_VFR;
  /* A lone video stream need not fill the time before its first frame:
   * there is nothing to stay in sync with. */
  return in_streams == 1 ? PL_VSYNC_VSCFR : PL_VSYNC_CFR;
}

int pl_vsync_open(pl_vsync **out, const pl_vsync_cfg *cfg) {
  *out = NULL;
  if (cfg->out_fps.num <= 0 || cfg->out_fps.den <= 0 || cfg->in_tb.num <= 0 ||
      cfg->in_tb.den <= 0 || cfg->mode < PL_VSYNC_PASSTHROUGH || cfg->mode > PL_VSYNC_DROP)
    return AVERROR(EINVAL);
  pl_vsync *v = calloc(1, sizeof *v);
  if (!v) return AVERROR(ENOMEM);
  v->c = *cfg;
  v->out_tb = av_inv_q(cfg->out_fps);
  int64_t fill = cfg->fill_us > 0 ? cfg->fill_us : PL_VSYNC_FILL_MIN_US;
  v->max_fill = av_rescale_q_rnd(fill, AV_TIME_BASE_Q, v->out_tb, AV_ROUND_UP);
  if (v->max_fill < PL_VSYNC_MIN_FILL) v->max_fill = PL_VSYNC_MIN_FILL;
  *out = v;
  return 0;
}

/* The frame's time in output slots, with the precision and the nudge off
 * exact midpoints that ffmpeg uses, so ties round the same way. */
static double slot_of(const pl_vsync *v, int64_t pts) {
  AVRational tb = v->out_tb;
  int extra = av_clip(29 - av_log2(tb.den), 0, 16);
  tb.den <<= extra;
  double t = (double)av_rescale_q(pts, v->c.in_tb, tb);
  t /= (double)(1 << extra);
  return t + FFSIGN(t) * 1.0 / (1 << 17);
}

/* How long the frame lasts, in output slots. */
static double duration_of(const pl_vsync *v, const AVFrame *f) {
  double d = 0;
  if (v->c.in_fps.num > 0 && v->c.in_fps.den > 0)
    d = FFMIN(av_q2d(v->c.out_fps) / av_q2d(v->c.in_fps), 1.0);
  if (v->c.pkt_durations && f->pkt_duration > 0) {
    AVRational tb = v->c.dur_tb.num > 0 && v->c.dur_tb.den > 0 ? v->c.dur_tb : v->c.in_tb;
    long p = lrintf((float)(f->pkt_duration * av_q2d(tb) * av_q2d(v->c.out_fps)));
    if (p > 0) d = (double)p;
  }
  return d;
}

static void plan(pl_vsync *v, const AVFrame *f) {
  int nb = 1, nb0 = 0;
  if (!f) {
    /* The end: the last frame repeats as often as recent frames were. */
    int a = v->last_nb0[0], b = v->last_nb0[1], c = v->last_nb0[2];
    nb = nb0 = FFMAX(FFMIN(a, b), FFMIN(FFMAX(a, b), c));
  } else if (f->pts == AV_NOPTS_VALUE) {
    /* No time: shown once, in the next slot. */
  } else {
    double ipts = slot_of(v, f->pts), dur = duration_of(v, f);
    double delta0 = ipts - (double)v->sync_opts, delta = delta0 + dur;
    pl_vsync_mode m = v->c.mode;
    if (delta0 < 0 && delta > 0 && m != PL_VSYNC_PASSTHROUGH && m != PL_VSYNC_DROP) {
      /* Starts in a slot already sent but lasts into the next: clipped. */
      ipts = (double)v->sync_opts;
      delta0 = 0;
    }
    switch (m) {
    case PL_VSYNC_VSCFR:
      if (v->frame_number == 0 && delta0 >= 0.5) {
        delta = dur;
        delta0 = 0;
        v->sync_opts = llrint(ipts);
      }
      /* fall through */
    case PL_VSYNC_CFR:
      if (delta < -1.1)
        nb = 0;
      else if (delta > 1.1) {
        nb = (int)FFMIN(llrintf((float)delta), INT32_MAX);
        if (delta0 > 1.1) nb0 = (int)FFMIN(llrintf((float)(delta0 - 0.6)), INT32_MAX);
      }
      break;
    case PL_VSYNC_VFR:
      if (delta <= -0.6)
        nb = 0;
      else if (delta > 0.6)
        v->sync_opts = llrint(ipts);
      break;
    default: /* passthrough, drop */
      /* Never onto a slot already sent: ffmpeg would hand the encoder the
       * same pts twice, which encoders and muxers refuse. */
      if (llrint(ipts) > v->sync_opts) v->sync_opts = llrint(ipts);
      break;
    }
    if (nb > v->max_fill) {
      if (!v->warned)
        av_log(NULL, AV_LOG_WARNING,
               "video sync: a timestamp jump of %.3f s at %.3f s is more than %.3f s of "
               "output: treated as a discontinuity, not filled with duplicates\n",
               delta * av_q2d(v->out_tb), ipts * av_q2d(v->out_tb),
               v->max_fill * av_q2d(v->out_tb));
      v->warned = true;
      v->sync_opts = llrint(ipts);
      nb = 1;
      nb0 = 0;
    }
  }
  nb0 = FFMIN(nb0, nb);
  memmove(v->last_nb0 + 1, v->last_nb0, 2 * sizeof v->last_nb0[0]);
  v->last_nb0[0] = nb0;
  /* At the rates the fill limit above allows this is never reached; at a
   * nanosecond rate (image2's -ts_from_file 2) each gap between frames is
   * millions of slots, and ffmpeg drops the frame rather than repeat the
   * previous one that often. */
  v->skip = nb > PL_VSYNC_DUP_MAX;
  if (v->skip) {
    av_log(NULL, AV_LOG_ERROR, "%d frame duplication too large, skipping\n", nb - 1);
    nb = nb0 = 0;
  }
  if (f) {
    if (nb == 0) v->dropped++;
    if (nb > 1) v->duplicated += nb - 1;
  } else {
    v->duplicated += nb;
  }
  v->nb = nb;
  v->nb0 = nb0;
  v->i = 0;
}

int pl_vsync_send(pl_vsync *v, AVFrame *frame) {
  if (v->eof) return AVERROR_EOF;
  if (v->i < v->nb && (v->last || v->next)) return AVERROR(EAGAIN);
  if (v->next) {
    av_frame_free(&v->last);
    v->last = v->next;
    v->next = NULL;
  }
  if (!frame) {
    v->eof = true;
    plan(v, NULL);
    if (!v->last) v->nb = 0;
    return 0;
  }
  if (!(v->next = av_frame_alloc())) return AVERROR(ENOMEM);
  av_frame_move_ref(v->next, frame);
  plan(v, v->next);
  if (v->skip) av_frame_free(&v->next);
  return 0;
}

int pl_vsync_receive(pl_vsync *v, AVFrame *out) {
  if (v->i >= v->nb) return v->eof ? AVERROR_EOF : AVERROR(EAGAIN);
  AVFrame *pic = v->i < v->nb0 && v->last ? v->last : v->next;
  if (!pic) {
    v->i = v->nb;
    return v->eof ? AVERROR_EOF : AVERROR(EAGAIN);
  }
  /* Input timestamps are thrown away by drop: frames are numbered at the rate. */
  int64_t pts = v->c.mode == PL_VSYNC_DROP ? v->frame_number : v->sync_opts;
  if (v->c.end_us >= 0 && av_compare_ts(pts, v->out_tb, v->c.end_us, AV_TIME_BASE_Q) >= 0) {
    v->eof = true;
    v->nb = 0;
    return AVERROR_EOF;
  }
  int ret = av_frame_ref(out, pic);
  if (ret < 0) return ret;
  out->pts = pts;
  if (v->c.mode != PL_VSYNC_DROP) v->sync_opts++;
  out->pkt_duration = 1;
  v->frame_number++;
  v->i++;
  return 0;
}

void pl_vsync_counts(const pl_vsync *v, int64_t *dropped, int64_t *duplicated) {
  if (dropped) *dropped = v->dropped;
  if (duplicated) *duplicated = v->duplicated;
}

void pl_vsync_close(pl_vsync **pv) {
  pl_vsync *v = pv ? *pv : NULL;
  if (!v) return;
  av_frame_free(&v->last);
  av_frame_free(&v->next);
  free(v);
  *pv = NULL;
}
