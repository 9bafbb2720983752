/* The encode stage of a segmented audio stream: encoders run side by side on overlapping
 * segments and their packets are joined in order, gaplessly, into one stream. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codecs/codecs.h"
#include "pipeline/pl_internal.h"
#include "pipeline/pl_segments.h"

#define SEG_TAG 0x504c5347u /* "PLSG": a segment's request / result */
#define SEG_SLOTS (2 * PL_SEG_MAX + 4)

/* One segment: the frames it encodes going out, its kept packets coming back. */
typedef struct seg_req {
  pl_job *job;
  int out_stream, index;
  pl_seg_window w;
  AVRational tb; /* of the frames' pts: 1/sample_rate */
  AVFrame **fr;
  int nfr, frcap;
  AVPacket **pkt;
  int64_t *at;                  /* each packet's pts in samples */
  int npkt, pkcap, atcap, next; /* next: the join's read position */
  AVRational pkt_tb;
  /* The join's cut: packets in [join_from, join_to) go out; join_to is
   * known once the next segment is in (bounded). */
  int64_t join_from, join_to;
  bool bounded;
  pl_stamp stamp;
  uint64_t t0, t1; /* the worker's start and end (pl_now) */
  double cpu_s;    /* the worker's thread CPU */
  bool failed;
  char err[CX_ERRLEN];
} seg_req;

static void req_free(void *p) {
  seg_req *r = p;
  if (!r) return;
  for (int i = 0; i < r->nfr; i++)
    av_frame_free(&r->fr[i]);
  for (int i = 0; i < r->npkt; i++)
    av_packet_free(&r->pkt[i]);
  free(r->fr);
  free(r->pkt);
  free(r->at);
  pl_job_free(r->job);
  free(r);
}

static bool grow(void **arr, int *cap, int need, size_t elem) {
  if (need <= *cap) return true;
  int n = *cap ? *cap * 2 : 64;
  while (n < need)
    n *= 2;
  void *a = realloc(*arr, (size_t)n * elem);
  if (!a) return false;
  *arr = a;
  *cap = n;
  return true;
}

/* ---- the worker: one segment, on its own isolate ------------------------------ */

/* The part of fr inside [from, to) (sample positions), or fr itself. */
static AVFrame *cut(AVFrame *fr, int64_t from, int64_t to) {
  int64_t a = fr->pts > from ? fr->pts : from;
  int64_t b = fr->pts + fr->nb_samples < to ? fr->pts + fr->nb_samples : to;
  if (a >= b) return NULL;
  if (a == fr->pts && b == fr->pts + fr->nb_samples) return fr;
  AVFrame *c = av_frame_alloc();
  if (!c) return NULL;
  c->format = fr->format;
  c->sample_rate = fr->sample_rate;
  c->nb_samples = (int)(b - a);
  if (av_channel_layout_copy(&c->ch_layout, &fr->ch_layout) < 0 || av_frame_get_buffer(c, 0) < 0 ||
      av_samples_copy(c->extended_data, fr->extended_data, 0, (int)(a - fr->pts), c->nb_samples,
                      fr->ch_layout.nb_channels, fr->format) < 0) {
    av_frame_free(&c);
    return NULL;
  }
  c->pts = a;
  return c;
}

typedef struct seg_enc {
  seg_req *r;
  cx_enc *enc;
  cx_aconv *rc;
  AVFrame *tmp;
  int quality;
  bool enc_flushed;
} seg_enc;

static int keep_packet(seg_enc *e, AVPacket *pkt) {
  seg_req *r = e->r;
  int64_t at = av_rescale_q(pkt->pts, r->pkt_tb, r->tb);
  if (!pl_seg_keep(&r->w, at)) {
    av_packet_free(&pkt);
    return 0;
  }
  if (!grow((void **)&r->pkt, &r->pkcap, r->npkt + 1, sizeof *r->pkt) ||
      !grow((void **)&r->at, &r->atcap, r->npkt + 1, sizeof *r->at)) {
    av_packet_free(&pkt);
    return AVERROR(ENOMEM);
  }
  r->at[r->npkt] = at;
  r->pkt[r->npkt++] = pkt;
  return 0;
}

/* Moves what the encoder has into the segment's packets, feeding it from
 * the re-chunker while it can take more. */
static int pump(seg_enc *e) {
  for (;;) {
    AVPacket *pkt = av_packet_alloc();
    if (!pkt) return AVERROR(ENOMEM);
    int r = cx_enc_receive(e->enc, pkt);
    if (r == 0) {
      if ((r = keep_packet(e, pkt)) < 0) return r;
      continue;
    }
    av_packet_free(&pkt);
    if (r == AVERROR_EOF) return 0;
    if (r != AVERROR(EAGAIN)) return r;
    if (!e->rc) return 0;
    r = cx_aconv_receive(e->rc, e->tmp);
    if (r == AVERROR(EAGAIN)) return 0;
    if (r == AVERROR_EOF) {
      if (e->enc_flushed) return 0;
      e->enc_flushed = true;
      r = cx_enc_send(e->enc, NULL);
    } else if (r == 0) {
      if (e->quality) e->tmp->quality = e->quality;
      r = cx_enc_send(e->enc, e->tmp);
      av_frame_unref(e->tmp);
    }
    if (r < 0 && r != AVERROR_EOF) return r;
  }
}

static int feed_one(seg_enc *e, AVFrame *fr) {
  if (e->quality && fr) fr->quality = e->quality;
  for (;;) {
    int r = e->rc ? cx_aconv_send(e->rc, fr) : cx_enc_send(e->enc, fr);
    if (r != AVERROR(EAGAIN)) {
      if (r < 0) return r;
      return pump(e);
    }
    if ((r = pump(e)) < 0) return r;
  }
}

static int encode_segment(seg_req *r) {
  seg_enc e = {.r = r};
  int ret = 0;
  if (!(e.tmp = av_frame_alloc())) return AVERROR(ENOMEM);
  for (int i = 0; i < r->nfr && ret >= 0; i++) {
    AVFrame *c = cut(r->fr[i], r->w.from, r->w.to);
    if (!c) continue;
    if (!e.enc) {
      ret = pl_enc_open(r->job, r->out_stream, c, r->tb, &e.enc, &e.rc, &e.quality, r->err);
      if (ret < 0) {
        if (c != r->fr[i]) av_frame_free(&c);
        break;
      }
      r->pkt_tb = cx_enc_time_base(e.enc);
    }
    ret = feed_one(&e, c);
    if (c != r->fr[i]) av_frame_free(&c);
    av_frame_free(&r->fr[i]); /* done with it: memory goes back as the segment advances */
  }
  if (ret >= 0 && e.enc) {
    if (e.rc) {
      ret = cx_aconv_send(e.rc, NULL);
    } else {
      e.enc_flushed = true;
      ret = cx_enc_send(e.enc, NULL);
    }
    if (ret >= 0 || ret == AVERROR_EOF) ret = pump(&e);
  }
  if (ret < 0 && !r->err[0]) cx_errstr(ret, r->err, sizeof r->err);
  cx_enc_close(&e.enc);
  cx_aconv_close(&e.rc);
  av_frame_free(&e.tmp);
  return ret;
}

static iso_value *seg_worker(iso_value *arg) {
  seg_req *r = iso_transfer_take(arg, NULL);
  iso_value_free(arg);
  if (!r) return iso_null();
  struct timespec c0, c1;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
  r->t0 = pl_now();
  if (encode_segment(r) < 0) r->failed = true;
  r->t1 = pl_now();
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
  r->cpu_s = (double)(c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) * 1e-9;
  for (int i = 0; i < r->nfr; i++)
    av_frame_free(&r->fr[i]);
  r->nfr = 0;
  return iso_transfer(r, req_free, SEG_TAG);
}

/* ---- the stage: cuts the stream into segments and joins their packets ----- */

typedef struct seg_impl {
  pl_filter *f;
  int nseg;
  iso_port *reply;
  iso_sendport *reply_sp;
  bool started, params_sent, eof;
  AVCodecParameters *par;
  AVRational par_tb;
  pl_seg_plan plan;
  int64_t base, pos; /* the first frame's pts; samples taken so far */
  int sample_rate;
  seg_req *slot[SEG_SLOTS];
  bool complete[SEG_SLOTS];
  int created, dispatched, joined, running;
} seg_impl;

static seg_req **slot_of(seg_impl *x, int k) {
  return &x->slot[k % SEG_SLOTS];
}

static void fail_stage(seg_impl *x, const char *fmt, const char *why) {
  pl_stage_fail(x->f->st, ISO_EMEDIA, fmt, why);
}

static void dispatch(seg_impl *x) {
  pl_stage *st = x->f->st;
  while (!st->ended && x->dispatched < x->created && x->complete[x->dispatched % SEG_SLOTS] &&
         x->running < x->nseg && x->dispatched - x->joined < 2 * x->nseg) {
    seg_req **s = slot_of(x, x->dispatched);
    seg_req *r = *s;
    *s = NULL;
    r->job = pl_job_clone(st->job, st->job->self, NULL);
    iso_value *v = r->job ? iso_transfer(r, req_free, SEG_TAG) : NULL;
    if (!v) {
      req_free(r);
      pl_stage_fail(st, ISO_ENOMEM, "out of memory");
      return;
    }
    int ret = iso_run_async(seg_worker, v, x->reply_sp);
    if (ret != ISO_OK) {
      pl_stage_fail(st, ret, "segment %d: cannot start its encoder: %s", x->dispatched,
                    iso_strerror(ret));
      return;
    }
    x->complete[x->dispatched % SEG_SLOTS] = false; /* until its result is back */
    x->running++;
    x->dispatched++;
    st->helpers_busy = true;
  }
}

/* A segment's result: ["ok", transfer] or ["error", message, where]. */
static void on_reply(iso_port *port, iso_value *v, void *ud) {
  (void)port;
  seg_impl *x = ud;
  pl_stage *st = x->f->st;
  pl_stage_enter(st);
  const char *tag = iso_as_str(iso_list_at(v, 0));
  seg_req *r = tag && !strcmp(tag, "ok") ? iso_transfer_take(iso_list_at(v, 1), NULL) : NULL;
  if (!st->ended) {
    if (!r) {
      const char *why = iso_as_str(iso_list_at(v, 1));
      fail_stage(x, "a segment's encoder ended: %s", why ? why : "no result");
    } else if (r->failed) {
      pl_stage_fail(st, ISO_EMEDIA, "segment %d: %s", r->index, r->err);
    } else {
      pl_prof_helper_cpu(st->prof, r->cpu_s);
      if (st->prof) pl_prof_slice(st->prof, "segment", r->t0, r->t1, 0);
      x->running--;
      st->helpers_busy = x->running > 0;
      *slot_of(x, r->index) = r;
      x->complete[r->index % SEG_SLOTS] = true;
      r = NULL;
      dispatch(x);
      x->f->paused = false;
      pl_stage_kick(st);
    }
  }
  req_free(r);
  iso_value_free(v);
  pl_stage_leave(st, false);
}

static seg_req *new_seg(seg_impl *x, int k) {
  seg_req *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->index = k;
  r->out_stream = x->f->st->node->out_stream;
  r->tb = (AVRational){1, x->sample_rate};
  r->w = pl_seg_window_of(&x->plan, k, x->base);
  r->join_from = INT64_MIN;
  return r;
}

/* The codec's frame size and delay, and the stream's parameters, from an
 * encoder opened like the segments' own (same options, same frame). */
static int start(seg_impl *x, const pl_msg *in) {
  pl_stage *st = x->f->st;
  cx_enc *enc = NULL;
  cx_aconv *rc = NULL;
  int q;
  char err[CX_ERRLEN] = "";
  AVRational tb = {1, in->frame->sample_rate};
  int r = pl_enc_open(st->job, st->node->out_stream, in->frame, tb, &enc, &rc, &q, err);
  if (r < 0) {
    pl_stage_fail(st, ISO_EMEDIA, "%s", err);
    return r;
  }
  AVCodecContext *ctx = cx_enc_ctx(enc);
  int fs = cx_enc_frame_size(enc);
  x->par = avcodec_parameters_alloc();
  r = x->par ? avcodec_parameters_from_context(x->par, ctx) : AVERROR(ENOMEM);
  x->par_tb = cx_enc_time_base(enc);
  int delay = ctx->initial_padding;
  cx_enc_close(&enc);
  cx_aconv_close(&rc);
  if (r < 0) {
    pl_stage_fail(st, ISO_ENOMEM, "out of memory");
    return r;
  }
  if (fs <= 0) {
    pl_stage_fail(st, ISO_EINVAL,
                  "segments: encoder %s has no fixed frame size, so its segments cannot be "
                  "joined; use segments 1",
                  st->job->out[st->node->out_stream].encoder);
    return AVERROR(EINVAL);
  }
  x->sample_rate = in->frame->sample_rate;
  int64_t dur = pl_seg_input_us(st->job);
  const char *name = st->job->out[st->node->out_stream].encoder;
  pl_seg_plan_make(&x->plan, x->nseg, fs, delay, x->sample_rate, dur, pl_seg_join_range(name));
  x->base = in->frame->pts == AV_NOPTS_VALUE ? 0 : av_rescale_q(in->frame->pts, in->tb, tb);
  x->started = true;
  pl_stage_log(st, AV_LOG_VERBOSE,
               "segments: %d encoders side by side, %.3f s segments, overlap %d samples "
               "(delay %d, frame %d)",
               x->nseg, (double)x->plan.len / x->sample_rate, (int)x->plan.overlap, delay, fs);
  return 0;
}

/* Every segment whose window reaches into [pos, pos + n) gets its own reference to fr. */
static int take_frame(seg_impl *x, const pl_msg *in) {
  AVFrame *fr = in->frame;
  int64_t n = fr->nb_samples, end = x->pos + n;
  while (pl_seg_first_at(&x->plan, x->created) < end) {
    if (x->created - x->joined >= SEG_SLOTS - 1) return AVERROR(EAGAIN);
    seg_req *r = new_seg(x, x->created);
    if (!r) return AVERROR(ENOMEM);
    r->stamp = in->stamp;
    *slot_of(x, x->created) = r;
    x->complete[x->created % SEG_SLOTS] = false;
    x->created++;
  }
  for (int k = x->dispatched; k < x->created; k++) {
    seg_req *r = *slot_of(x, k);
    if (!r || x->complete[k % SEG_SLOTS]) continue;
    if (x->base + end <= r->w.from || x->base + x->pos >= r->w.to) continue;
    if (!grow((void **)&r->fr, &r->frcap, r->nfr + 1, sizeof *r->fr)) return AVERROR(ENOMEM);
    AVFrame *c = av_frame_clone(fr);
    if (!c) return AVERROR(ENOMEM);
    c->pts = x->base + x->pos;
    r->fr[r->nfr++] = c;
    if (x->base + end >= r->w.to) x->complete[k % SEG_SLOTS] = true;
  }
  x->pos = end;
  return 0;
}

/* The end of the input: the segment holding the last sample is the last
 * (it keeps everything to the end); later ones only held overlap. */
static void finish_plan(seg_impl *x) {
  int last = pl_seg_last(&x->plan, x->pos);
  for (int k = last + 1; k < x->created; k++) {
    req_free(*slot_of(x, k));
    *slot_of(x, k) = NULL;
  }
  if (x->created > last + 1) x->created = last + 1;
  for (int k = x->dispatched; k < x->created; k++) {
    x->complete[k % SEG_SLOTS] = true;
    if (k == last && *slot_of(x, k)) pl_seg_make_last(&(*slot_of(x, k))->w);
  }
  x->eof = true;
}

static int seg_feed(pl_filter *f, pl_msg *in) {
  seg_impl *x = f->impl;
  if (!in) {
    if (x->started) finish_plan(x);
    x->eof = true;
    dispatch(x);
    return 0;
  }
  if (in->kind != PL_M_FRAME || !in->frame->nb_samples) {
    pl_msg_free(in);
    return 0;
  }
  if (!x->started && start(x, in) < 0) {
    pl_msg_free(in);
    return AVERROR(EINVAL);
  }
  /* A finished segment waits for a free encoder: so does the input. */
  bool waiting = x->dispatched < x->created && x->complete[x->dispatched % SEG_SLOTS];
  int r = waiting ? AVERROR(EAGAIN) : take_frame(x, in);
  if (r == AVERROR(EAGAIN)) {
    f->paused = true;
    return r;
  }
  pl_msg_free(in);
  if (r < 0) {
    pl_stage_fail(f->st, ISO_ENOMEM, "out of memory");
    return r;
  }
  dispatch(x);
  return 0;
}

/* Where segment k (complete) ends and k + 1 begins: the serial run's
 * boundary, or for MP3 a frame near it whose borrowed bytes can be carried
 * over. False while segment k + 1 is still encoding. */
static bool bound(seg_impl *x, seg_req *r) {
  int k = x->joined;
  if (x->eof && k == x->created - 1) {
    r->join_to = INT64_MAX;
    return r->bounded = true;
  }
  if (k + 1 >= x->dispatched || !x->complete[(k + 1) % SEG_SLOTS]) return false;
  seg_req *n = *slot_of(x, k + 1);
  int64_t j = pl_seg_boundary(&x->plan, k + 1, x->base);
  if (x->plan.range) {
    pl_seg_part a = {r->pkt, r->at, r->npkt}, b = {n->pkt, n->at, n->npkt};
    int deficit = 0;
    int64_t cut = pl_seg_mp3_join(&a, &b, j, x->plan.frame_size, x->plan.range, &deficit);
    if (cut == INT64_MIN)
      pl_stage_log(x->f->st, AV_LOG_WARNING,
                   "segments: join %d: no frame both segments share near %.3f s; cut there", k + 1,
                   (double)(j - x->base) / x->sample_rate);
    else
      j = cut;
    if (deficit)
      pl_stage_log(x->f->st, AV_LOG_WARNING,
                   "segments: join %d at %.3f s: the frame there borrows %d bytes more than the "
                   "reservoir left and decodes with an error",
                   k + 1, (double)(j - x->base) / x->sample_rate, deficit);
  }
  r->join_to = n->join_from = j;
  return r->bounded = true;
}

static int seg_drain(pl_filter *f, pl_msg **out) {
  seg_impl *x = f->impl;
  if (x->par && !x->params_sent) {
    pl_msg *m = pl_msg_new(PL_M_PARAMS);
    if (!m) return AVERROR(ENOMEM);
    m->par = x->par;
    x->par = NULL;
    m->tb = x->par_tb;
    x->params_sent = true;
    *out = m;
    return 0;
  }
  while (x->joined < x->dispatched && x->complete[x->joined % SEG_SLOTS]) {
    seg_req *r = *slot_of(x, x->joined);
    while (r->next < r->npkt && r->at[r->next] < r->join_from)
      av_packet_free(&r->pkt[r->next++]);
    /* Packets well before the next boundary go out before the next segment is in. */
    int64_t limit = r->bounded ? r->join_to
                               : pl_seg_boundary(&x->plan, x->joined + 1, x->base) -
                                     (int64_t)(x->plan.range + 1) * x->plan.frame_size;
    if (!(r->next < r->npkt && r->at[r->next] < limit) && !r->bounded) {
      if (!bound(x, r)) return AVERROR(EAGAIN);
      continue;
    }
    if (r->next < r->npkt && r->at[r->next] < limit) {
      pl_msg *m = pl_msg_new(PL_M_PACKET);
      if (!m) return AVERROR(ENOMEM);
      m->pkt = r->pkt[r->next];
      r->pkt[r->next++] = NULL;
      m->tb = r->pkt_tb;
      m->stamp = r->stamp;
      *out = m;
      return 0;
    }
    req_free(r);
    *slot_of(x, x->joined) = NULL;
    x->complete[x->joined % SEG_SLOTS] = false;
    x->joined++;
    dispatch(x);
    if (f->paused) {
      f->paused = false;
      pl_stage_kick(f->st);
    }
  }
  if (x->eof && x->joined == x->created) return AVERROR_EOF;
  return AVERROR(EAGAIN);
}

static void seg_destroy(pl_filter *f) {
  seg_impl *x = f->impl;
  if (!x) return;
  for (int i = 0; i < SEG_SLOTS; i++)
    req_free(x->slot[i]);
  avcodec_parameters_free(&x->par);
  iso_sendport_release(x->reply_sp);
  if (x->reply && !f->st->links_gone) iso_port_close(x->reply);
  free(x);
  f->impl = NULL;
}

static const pl_filter_ops seg_ops = {seg_feed, seg_drain, seg_destroy};

void pl_encode_seg_start(pl_job *job, int nseg) {
  seg_impl *x = calloc(1, sizeof *x);
  if (!x) {
    pl_job_free(job);
    return;
  }
  x->nseg = nseg;
  pl_filter *f = pl_filter_start(job, &seg_ops, x, pl_link_capacity(job, job->self));
  if (!f) return;
  x->f = f;
  x->reply = iso_port_new_raw(on_reply, x);
  x->reply_sp = x->reply ? iso_port_sendport(x->reply) : NULL;
  if (!x->reply_sp) pl_stage_fail(f->st, ISO_ENOMEM, "out of memory");
}
