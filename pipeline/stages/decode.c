/* The decode stage: packets in, frames out; trims to the input's window (every output's -ss/-t);
 * corrupt packets counted and skipped. */
#include <stdio.h>
#include <stdlib.h>

#include "codecs/codecs.h"
#include "pipeline/pl_preview.h"
#include "pipeline/pl_stage.h"

typedef struct dec_impl {
  pl_dec_set *set;
  cx_dec *dec;
  AVRational tb;
  AVFrame *frame;
  /* The union of the outputs' windows, from the demux's start (0): with
   * one output, its -ss/-t; each output cuts its own from this. */
  pl_trim win;
  /* -r before -i (set->cfr): pictures are counted at that rate, their own
   * timestamps ignored, as ffmpeg does; the next picture's number. */
  int64_t cfr_next;
  bool trimmed;
  /* -stream_loop read the input again: the decoder is drained (its last
   * frames go out) and reset before the next pass's packets, as ffmpeg
   * does when it seeks back. */
  bool restarting;
  uint64_t errors;
  /* audio: ffmpeg's timestamp smoothing into 1/sample_rate */
  int64_t rd_last, prev_pkt_pts;
} dec_impl;

static void decode_error(pl_filter *f, int averr, const char *what) {
  dec_impl *x = f->impl;
  char why[128];
  cx_errstr(averr, why, sizeof why);
  /* Not the input's fault: skipped, the frame would be lost without a word. */
  if (averr == AVERROR(ENOMEM)) {
    pl_stage_fail_av(f->st, averr, "out of memory: a frame could not be decoded");
    return;
  }
  if (x->set->fail_fast) {
    pl_stage_fail_av(f->st, averr, "%s: %s", what, why);
    return;
  }
  x->errors++;
  f->st->decode_errors++;
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
    const pl_dec_set *d = x->set;
    /* -c:v NAME before -i chooses the decoder. */
    char dk[8];
    snprintf(dk, sizeof dk, "dec:%c",
             d->type == AVMEDIA_TYPE_VIDEO   ? 'v'
             : d->type == AVMEDIA_TYPE_AUDIO ? 'a'
                                             : 's');
    const AVDictionaryEntry *named = av_dict_get(d->opts, dk, NULL, 0);
    if (!named) named = av_dict_get(d->opts, "dec", NULL, 0);
    int r = cx_dec_open2(&x->dec, in->par, in->tb, d->threads, named ? named->value : NULL, d->opts,
                         err);
    pl_msg_free(in);
    if (r < 0) {
      pl_stage_fail_av(st, r, "%s", err);
      /* Not EAGAIN (a thread that could not start), which would hand the
       * freed message back to the queue. */
      return AVERROR(EINVAL);
    }
    /* -ss given by every output: the demux maps the earliest to 0, and
     * what precedes it is not shown. */
    x->win = pl_trim_make(x->tb, d->win_start_us, d->win_end_us, d->win_cut);
    return 0;
  }
  if (x->restarting) return AVERROR(EAGAIN); /* drained first */
  if (in->kind == PL_M_RESTART && x->dec && !x->trimmed) {
    pl_msg_free(in);
    x->restarting = true;
    cx_dec_send(x->dec, NULL);
    return 0;
  }
  if (in->kind != PL_M_PACKET || !x->dec || x->trimmed) {
    pl_msg_free(in);
    return 0;
  }
  const AVPacket *pkt = in->pkt;
  /* Frames leave in another order than packets came: only the decoder
   * can tell the trace which packet a frame is (by pts). */
  if (pkt->pts != AV_NOPTS_VALUE) pl_prof_stamp_push(st->prof, pkt->pts, in->stamp);
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

static int drain(pl_filter *f, pl_msg **out) {
  dec_impl *x = f->impl;
  pl_stage *st = f->st;
  if (x->trimmed) return AVERROR_EOF;
  if (!x->dec) return f->fed_eof ? AVERROR_EOF : AVERROR(EAGAIN);
  for (int guard = 0; guard < 64; guard++) {
    if (!x->frame && !(x->frame = av_frame_alloc())) return AVERROR(ENOMEM);
    int r = cx_dec_receive(x->dec, x->frame);
    if (r == AVERROR_EOF && x->restarting) {
      cx_dec_reset(x->dec);
      x->restarting = false;
      return AVERROR(EAGAIN);
    }
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return r;
    if (r < 0) {
      decode_error(f, r, "decode error");
      if (st->ended) return r;
      continue;
    }
    st->decoded++;
    AVRational tb = x->tb;
    int64_t coded_pts = x->frame->pts;
    if (x->set->cfr.num > 0 && !x->frame->nb_samples) {
      x->frame->pts = x->cfr_next++;
      tb = av_inv_q(x->set->cfr);
    }
    if (x->frame->nb_samples > 0 && x->frame->sample_rate > 0) {
      /* Audio leaves in 1/sample_rate: the sample count decides, the
       * container's (coarser) stamps only bound it, as in ffmpeg. */
      AVRational sr = {1, x->frame->sample_rate};
      if (x->frame->pts != AV_NOPTS_VALUE)
        x->frame->pts =
            av_rescale_delta(x->tb, x->frame->pts, sr, x->frame->nb_samples, &x->rd_last, sr);
      tb = sr;
    } else if (x->set->sar.num > 0 && x->set->sar.den > 0)
      x->frame->sample_aspect_ratio = x->set->sar;
    int t = pl_trim_frame(&x->win, x->frame, tb);
    if (t < -1) {
      av_frame_unref(x->frame);
      return t;
    }
    if (t < 0) {
      av_frame_unref(x->frame);
      continue;
    }
    if (t > 0) {
      av_frame_unref(x->frame);
      x->trimmed = true;
      return AVERROR_EOF;
    }
    if (!x->frame->nb_samples)
      pl_preview_offer(x->set->preview, x->set->in_index, x->set->turns, x->frame, tb);
    pl_msg *m = pl_msg_new(PL_M_FRAME);
    if (!m) return AVERROR(ENOMEM);
    m->frame = x->frame;
    x->frame = NULL;
    m->tb = tb;
    m->stamp = pl_prof_stamp_pop(st->prof, x->set->cfr.num > 0 && !m->frame->nb_samples
                                               ? coded_pts
                                               : av_rescale_q(m->frame->pts, tb, x->tb));
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
  pl_dec_set_free(x->set);
  free(x);
  f->impl = NULL;
}

static const pl_filter_ops dec_ops = {feed, drain, destroy};

void pl_decode_entry(iso_value *msg) {
  pl_spawn *s = pl_spawn_take(msg);
  if (!s) return;
  /* A subtitle stream decoded for a filter graph is drawn as video. */
  if (s->dec && s->dec->type == AVMEDIA_TYPE_SUBTITLE) {
    pl_sub2video_start(s);
    return;
  }
  dec_impl *x = calloc(1, sizeof *x);
  if (!x || !s->dec) {
    free(x);
    pl_spawn_free(s);
    return;
  }
  x->set = s->dec;
  s->dec = NULL;
  x->win = pl_trim_make(AV_TIME_BASE_Q, 0, -1, false);
  x->rd_last = x->prev_pkt_pts = AV_NOPTS_VALUE;
  pl_filter_start(s, &dec_ops, x);
}
