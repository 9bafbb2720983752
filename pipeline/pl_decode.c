/* The decode stage: packets in, frames out; trims to -ss/-t; corrupt packets counted and skipped.
 */
#include <stdio.h>
#include <stdlib.h>

#include "codecs/codecs.h"
#include "pipeline/pl_internal.h"

typedef struct dec_impl {
  cx_dec *dec;
  AVRational tb;
  AVFrame *frame;
  int64_t end;    /* -t in tb, INT64_MAX none */
  bool cut_start; /* -ss given: what precedes 0 is not shown */
  AVRational sar; /* the container's aspect ratio, if it states one */
  bool trimmed;
  uint64_t errors;
  /* audio: ffmpeg's timestamp smoothing into 1/sample_rate */
  int64_t rd_last, prev_pkt_pts;
} dec_impl;

static void decode_error(pl_filter *f, int averr, const char *what) {
  dec_impl *x = f->impl;
  char why[128];
  cx_errstr(averr, why, sizeof why);
  if (f->st->job->fail_fast) {
    pl_stage_fail(f->st, ISO_EMEDIA, "%s: %s", what, why);
    return;
  }
  x->errors++;
  pl_prof_skip(f->st->prof);
  if (x->errors <= 5 || (x->errors & (x->errors - 1)) == 0)
    pl_stage_log(f->st, AV_LOG_WARNING, "%s, skipped (%llu so far): %s", what,
                 (unsigned long long)x->errors, why);
}

static int feed(pl_filter *f, pl_msg *in) {
  dec_impl *x = f->impl;
  pl_stage *st = f->st;
  if (!in) {
    if (x->dec) cx_dec_send(x->dec, NULL);
    return 0;
  }
  if (in->kind == PL_M_PARAMS) {
    char err[CX_ERRLEN] = "";
    x->tb = in->tb;
    int r = cx_dec_open(&x->dec, in->par, in->tb, st->job->threads, err);
    pl_msg_free(in);
    if (r < 0) {
      pl_stage_fail(st, ISO_EMEDIA, "%s", err);
      return r;
    }
    x->end = st->job->t_us >= 0 ? av_rescale_q(st->job->t_us, AV_TIME_BASE_Q, x->tb) : INT64_MAX;
    return 0;
  }
  if (in->kind != PL_M_PACKET || !x->dec || x->trimmed) {
    pl_msg_free(in);
    return 0;
  }
  const AVPacket *pkt = in->pkt;
  if (pkt->pts != AV_NOPTS_VALUE) pl_prof_stamp_push(st->prof, pkt->pts, in->stamp);
  pl_prof_flow(st->prof, in->stamp.flow);
  /* A gap wider than the packet's duration: timestamps resynchronise. */
  if (pkt->duration && x->prev_pkt_pts != AV_NOPTS_VALUE && pkt->pts != AV_NOPTS_VALUE &&
      pkt->pts - x->prev_pkt_pts > pkt->duration)
    x->rd_last = AV_NOPTS_VALUE;
  x->prev_pkt_pts = pkt->pts;
  int r = cx_dec_send(x->dec, in->pkt);
  if (r == AVERROR(EAGAIN)) return r;
  pl_msg_free(in);
  if (r < 0 && r != AVERROR_EOF) decode_error(f, r, "corrupt packet");
  return 0;
}

/* Drops the first n samples of an audio frame by moving its data pointers:
 * the samples stay where they are, nothing is copied. */
static void audio_skip(AVFrame *fr, int n) {
  int planar = av_sample_fmt_is_planar(fr->format);
  int bps = av_get_bytes_per_sample(fr->format);
  int planes = planar ? fr->ch_layout.nb_channels : 1;
  size_t off = (size_t)n * bps * (planar ? 1 : fr->ch_layout.nb_channels);
  for (int p = 0; p < planes; p++) {
    fr->extended_data[p] += off;
    if (fr->extended_data != fr->data && p < AV_NUM_DATA_POINTERS) fr->data[p] += off;
  }
  fr->nb_samples -= n;
}

/* -1 drop, 0 keep, 1 past the end. */
static int trim(dec_impl *x, AVFrame *fr, AVRational tb) {
  if (fr->pts == AV_NOPTS_VALUE) return 0;
  if (fr->nb_samples > 0 && fr->sample_rate > 0) {
    AVRational sr = {1, fr->sample_rate};
    int64_t s0 = av_rescale_q(fr->pts, tb, sr);
    int64_t s1 = s0 + fr->nb_samples;
    int64_t e = x->end == INT64_MAX ? INT64_MAX : av_rescale_q(x->end, x->tb, sr);
    if (s0 >= e) return 1;
    if (x->cut_start && s1 <= 0) return -1;
    if (s1 > e) fr->nb_samples = (int)(e - s0);
    if (x->cut_start && s0 < 0) {
      audio_skip(fr, (int)-s0);
      fr->pts = 0;
    }
    return 0;
  }
  if (fr->pts >= x->end) return 1;
  /* Frames before the -ss point (demux maps it to 0) are decoded, not shown. */
  if (x->cut_start && fr->pts < 0) return -1;
  return 0;
}

static int drain(pl_filter *f, pl_msg **out) {
  dec_impl *x = f->impl;
  pl_stage *st = f->st;
  if (x->trimmed) return AVERROR_EOF;
  if (!x->dec) return f->fed_eof ? AVERROR_EOF : AVERROR(EAGAIN);
  for (int guard = 0; guard < 64; guard++) {
    if (!x->frame && !(x->frame = av_frame_alloc())) return AVERROR(ENOMEM);
    int r = cx_dec_receive(x->dec, x->frame);
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return r;
    if (r < 0) {
      decode_error(f, r, "decode error");
      if (st->ended) return r;
      continue;
    }
    AVRational tb = x->tb;
    if (x->frame->nb_samples > 0 && x->frame->sample_rate > 0) {
      /* Audio leaves in 1/sample_rate: the sample count decides, the
       * container's (coarser) stamps only bound it, as in ffmpeg. */
      AVRational sr = {1, x->frame->sample_rate};
      if (x->frame->pts != AV_NOPTS_VALUE)
        x->frame->pts =
            av_rescale_delta(x->tb, x->frame->pts, sr, x->frame->nb_samples, &x->rd_last, sr);
      tb = sr;
    } else if (x->sar.num > 0 && x->sar.den > 0)
      x->frame->sample_aspect_ratio = x->sar;
    int t = trim(x, x->frame, tb);
    if (t < 0) {
      av_frame_unref(x->frame);
      continue;
    }
    if (t > 0) {
      av_frame_unref(x->frame);
      x->trimmed = true;
      return AVERROR_EOF;
    }
    pl_msg *m = pl_msg_new(PL_M_FRAME);
    if (!m) return AVERROR(ENOMEM);
    m->frame = x->frame;
    x->frame = NULL;
    m->tb = tb;
    m->stamp = pl_prof_stamp_pop(st->prof, av_rescale_q(m->frame->pts, tb, x->tb));
    pl_prof_flow(st->prof, m->stamp.flow);
    *out = m;
    return 0;
  }
  pl_stage_kick(st);
  return AVERROR(EAGAIN);
}

static void destroy(pl_filter *f) {
  dec_impl *x = f->impl;
  if (!x) return;
  cx_dec_close(&x->dec);
  av_frame_free(&x->frame);
  free(x);
  f->impl = NULL;
}

static const pl_filter_ops dec_ops = {feed, drain, destroy};

void pl_decode_entry(iso_value *msg) {
  pl_job *job = pl_job_take(msg);
  if (!job) return;
  dec_impl *x = calloc(1, sizeof *x);
  if (!x) {
    pl_job_free(job);
    return;
  }
  x->end = INT64_MAX;
  x->cut_start = job->ss_us > 0;
  const pl_node *nd = &job->node[job->self];
  x->sar = job->info.st[job->out[nd->out_stream].in_index].stream_sar;
  x->rd_last = x->prev_pkt_pts = AV_NOPTS_VALUE;
  pl_filter_start(job, &dec_ops, x, pl_link_capacity(job, job->self));
}
