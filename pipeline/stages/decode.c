/* The decode stage: packets in, frames out; trims to the input's window (every output's -ss/-t);
 * corrupt packets counted and skipped. */
#include <stdio.h>
#include <stdlib.h>

#include "codecs/codecs.h"
#include "pipeline/pl_preview.h"
#include "pipeline/pl_stage.h"

typedef struct dec_impl {
  int in_index; /* the input stream decoded */
  int turns;    /* its pictures' quarter turns to upright, for the preview */
  cx_dec *dec;
  AVRational tb;
  AVFrame *frame;
  /* The union of the outputs' windows, from the demux's start (0): with
   * one output, its -ss/-t; each output cuts its own from this. */
  pl_trim win;
  AVRational sar; /* the container's aspect ratio, if it states one */
  /* -r before -i: pictures are counted at this rate, their own timestamps
   * ignored, as ffmpeg does (cfr_next is the next picture's number). */
  AVRational cfr;
  int64_t cfr_next;
  bool trimmed;
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
  if (f->st->job->fail_fast) {
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

/* Input #0 is cut to the outputs' union window; a further input also to
 * its own -ss/-t (input options), placed at its -itsoffset. */
static pl_trim input_window(const pl_job *j, int k, AVRational tb) {
  int64_t start = 0, end = j->in_t_us;
  bool cut = j->in_ss_us > 0;
  if (k > 0 && k < j->ninputs) {
    const pl_input *in = &j->in[k];
    if (in->ss_us > 0) cut = true, start = in->offset_us > 0 ? in->offset_us : 0;
    int64_t e = in->t_us >= 0 ? in->offset_us + in->t_us : -1;
    if (e >= 0 && (end < 0 || e < end)) end = e;
  }
  pl_trim w = pl_trim_make(tb, start, end, cut);
  /* Input #0's end is the outputs' (their -t, or an input -t composed into
   * them); a further input's is its own input -t. */
  w.whole_end = k == 0 && !j->t_from_input;
  return w;
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
    /* Decoder options given before -i (-skip_frame nokey) reach this
     * input's decoders, as in ffmpeg. */
    const pl_stream_info *sin = &st->job->info.st[x->in_index];
    int file = sin->file > 0 && sin->file < st->job->ninputs ? sin->file : 0;
    const AVDictionary *dopts = file ? st->job->in[file].opts : st->job->in_opts;
    /* -c:v NAME before -i chooses the decoder. */
    char dk[8];
    snprintf(dk, sizeof dk, "dec:%c",
             sin->type == AVMEDIA_TYPE_VIDEO   ? 'v'
             : sin->type == AVMEDIA_TYPE_AUDIO ? 'a'
                                               : 's');
    const AVDictionaryEntry *named = av_dict_get(dopts, dk, NULL, 0);
    if (!named) named = av_dict_get(dopts, "dec", NULL, 0);
    int r = cx_dec_open2(&x->dec, in->par, in->tb, st->job->threads, named ? named->value : NULL,
                         dopts, err);
    pl_msg_free(in);
    if (r < 0) {
      pl_stage_fail_av(st, r, "%s", err);
      /* Not EAGAIN (a thread that could not start), which would hand the
       * freed message back to the queue. */
      return AVERROR(EINVAL);
    }
    /* -ss given by every output: the demux maps the earliest to 0, and
     * what precedes it is not shown. */
    x->win = input_window(st->job, st->node->input, x->tb);
    const pl_stream_info *si = &st->job->info.st[x->in_index];
    if (si->type == AVMEDIA_TYPE_VIDEO && si->file >= 0 && si->file < st->job->ninputs)
      x->cfr = st->job->in[si->file].rate;
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
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return r;
    if (r < 0) {
      decode_error(f, r, "decode error");
      if (st->ended) return r;
      continue;
    }
    st->decoded++;
    AVRational tb = x->tb;
    int64_t coded_pts = x->frame->pts;
    if (x->cfr.num > 0 && !x->frame->nb_samples) {
      x->frame->pts = x->cfr_next++;
      tb = av_inv_q(x->cfr);
    }
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
    int t = pl_trim_frame(&x->win, x->frame, tb);
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
      pl_preview_offer(st->job->preview, x->in_index, x->turns, x->frame, tb);
    pl_msg *m = pl_msg_new(PL_M_FRAME);
    if (!m) return AVERROR(ENOMEM);
    m->frame = x->frame;
    x->frame = NULL;
    m->tb = tb;
    m->stamp = pl_prof_stamp_pop(st->prof, x->cfr.num > 0 && !m->frame->nb_samples
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
  x->win = pl_trim_make(AV_TIME_BASE_Q, 0, -1, false);
  const pl_node *nd = &job->node[job->self];
  x->in_index = nd->in_stream;
  x->sar = job->info.st[x->in_index].stream_sar;
  x->turns = pl_preview_turns(job, x->in_index);
  x->rd_last = x->prev_pkt_pts = AV_NOPTS_VALUE;
  pl_filter_start(job, &dec_ops, x, pl_link_capacity(job, job->self));
}
