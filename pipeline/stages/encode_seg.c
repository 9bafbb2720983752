/* The encode stage of a segmented audio stream: encoders run side by side on overlapping
 * segments and their packets are joined in order, gaplessly, into one stream. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/stages/encode_seg.h"

#define SEG_SLOTS (2 * PL_SEG_MAX + 4)

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
  pl_seg_req *slot[SEG_SLOTS];
  bool complete[SEG_SLOTS];
  int created, dispatched, joined, running;
  /* A cluster run: a task encodes only segment `task` and leaves its
   * packets in dir; the join reads every segment's from there. */
  int task, ntasks;
  bool join;
  AVCodecParameters *file_par; /* a task's stream, for its segment file */
  /* The joined stream so far: where its next packet must begin (pkt_tb),
   * and the segment that gave the last one. */
  int64_t next_pts;
  int last_seg;
} seg_impl;

static pl_seg_req **slot_of(seg_impl *x, int k) {
  return &x->slot[k % SEG_SLOTS];
}

static void fail_stage(seg_impl *x, const char *fmt, const char *why) {
  pl_stage_fail(x->f->st, ISO_EMEDIA, fmt, why);
}

static void seg_path(const seg_impl *x, int k, char *path, size_t n) {
  snprintf(path, n, "%s/seg-%d.nut", x->f->st->job->seg_dir, k);
}

/* "segment k", and in a join the file it came from. */
static void seg_name(const seg_impl *x, int k, char *buf, size_t n) {
  int len = snprintf(buf, n, "segment %d", k);
  if (x->join && len > 0 && (size_t)len < n) {
    char path[4096];
    seg_path(x, k, path, sizeof path);
    snprintf(buf + len, n - (size_t)len, " (%s)", path);
  }
}

static double seconds(const seg_impl *x, int64_t pts, AVRational tb) {
  return (double)(av_rescale_q(pts, tb, (AVRational){1, x->sample_rate}) - x->base) /
         x->sample_rate;
}

/* The joined packets follow each other without a gap or an overlap, from
 * the stream's start to its end: a segment file cut short, damaged, swapped
 * with another or from another run must not make a shorter stream. */
static int check_next(seg_impl *x, int k, const AVPacket *p, AVRational tb) {
  char a[4200], b[4200];
  const char *why = x->join ? "its file is damaged or from another run" : "an internal error";
  int64_t start = av_rescale_q(x->base, (AVRational){1, x->sample_rate}, tb);
  if (x->last_seg < 0 && p->pts > start) {
    seg_name(x, k, a, sizeof a);
    pl_stage_fail(x->f->st, ISO_EMEDIA,
                  "%s: its packets begin at %.3f s, after the stream's start (%s)", a,
                  seconds(x, p->pts, tb), why);
    return AVERROR_INVALIDDATA;
  }
  if (x->last_seg >= 0 && p->pts != x->next_pts) {
    seg_name(x, k, a, sizeof a);
    if (x->last_seg == k)
      pl_stage_fail(x->f->st, ISO_EMEDIA, "%s: packets missing between %.3f s and %.3f s (%s)", a,
                    seconds(x, x->next_pts, tb), seconds(x, p->pts, tb), why);
    else {
      seg_name(x, x->last_seg, b, sizeof b);
      pl_stage_fail(x->f->st, ISO_EMEDIA, "%s goes on at %.3f s but %s ends at %.3f s (%s)", a,
                    seconds(x, p->pts, tb), b, seconds(x, x->next_pts, tb), why);
    }
    return AVERROR_INVALIDDATA;
  }
  if (p->duration <= 0 || p->pts > INT64_MAX - p->duration) {
    seg_name(x, k, a, sizeof a);
    pl_stage_fail(x->f->st, ISO_EMEDIA, "%s: a packet at %.3f s without a duration (%s)", a,
                  seconds(x, p->pts, tb), why);
    return AVERROR_INVALIDDATA;
  }
  x->next_pts = p->pts + p->duration;
  x->last_seg = k;
  return 0;
}

/* A segment none of whose packets fell in its part of the stream. */
static int check_empty(seg_impl *x, const pl_seg_req *r) {
  char a[4200];
  seg_name(x, r->index, a, sizeof a);
  pl_stage_fail(x->f->st, ISO_EMEDIA,
                "%s: none of its %d packets falls in its part of the stream, from %.3f s (%s)", a,
                r->npkt,
                (double)(r->join_from == INT64_MIN ? 0 : r->join_from - x->base) / x->sample_rate,
                x->join ? "its file is damaged or from another run" : "an internal error");
  return AVERROR_INVALIDDATA;
}

/* At the end: the joined packets reach the input's last sample. */
static int check_end(seg_impl *x, AVRational tb) {
  if (!x->started) return 0;
  int64_t end = x->base + x->pos;
  int64_t got =
      x->last_seg < 0 ? INT64_MIN : av_rescale_q(x->next_pts, tb, (AVRational){1, x->sample_rate});
  if (got >= end) return 0;
  char a[4200];
  seg_name(x, x->created - 1, a, sizeof a);
  pl_stage_fail(x->f->st, ISO_EMEDIA,
                "%s: the joined packets end at %.3f s, the input at %.3f s (%s)", a,
                x->last_seg < 0 ? 0.0 : (double)(got - x->base) / x->sample_rate,
                (double)x->pos / x->sample_rate,
                x->join ? "its file is damaged or from another run" : "an internal error");
  return AVERROR_INVALIDDATA;
}

/* The join's segment k, as its task left it. */
static int load(seg_impl *x, pl_seg_req *r) {
  char path[4096], err[CX_ERRLEN + 64];
  seg_path(x, r->index, path, sizeof path);
  r->pkt_tb = x->par_tb;
  int ret = pl_seg_file_read(r, path, err, sizeof err);
  if (ret < 0) pl_stage_fail(x->f->st, ISO_EMEDIA, "segment %d: %s", r->index, err);
  return ret;
}

/* A task's own segment, written whole or not at all. */
static int save(seg_impl *x, pl_seg_req *r) {
  char path[4096], tmp[4200], err[CX_ERRLEN + 4200];
  seg_path(x, r->index, path, sizeof path);
  snprintf(tmp, sizeof tmp, "%s.part", path);
  int ret = pl_seg_file_write(r, x->file_par, tmp, err, sizeof err);
  if (ret >= 0 && rename(tmp, path) < 0) {
    ret = AVERROR(errno);
    snprintf(err, sizeof err, "%s: %s", path, strerror(errno));
  }
  if (ret < 0) {
    unlink(tmp);
    pl_stage_fail(x->f->st, ISO_EMEDIA, "segment %d: %s", r->index, err);
  }
  return ret;
}

/* A task encodes its own segment; the last task also any the input holds
 * past the array's end (its duration was longer than the probe said). */
static bool encoded_here(const seg_impl *x, int k) {
  return !x->join && (x->task < 0 || k == x->task || (x->task == x->ntasks - 1 && k > x->task));
}

static void dispatch(seg_impl *x) {
  pl_stage *st = x->f->st;
  while (!st->ended && x->dispatched < x->created && x->complete[x->dispatched % SEG_SLOTS] &&
         x->running < x->nseg && x->dispatched - x->joined < 2 * x->nseg) {
    pl_seg_req **s = slot_of(x, x->dispatched);
    pl_seg_req *r = *s;
    if (!encoded_here(x, r->index)) {
      if (x->join && load(x, r) < 0) return;
      x->dispatched++;
      continue;
    }
    *s = NULL;
    r->job = pl_job_clone(st->job, st->job->self, NULL);
    iso_value *v = r->job ? iso_transfer(r, pl_seg_req_free, PL_SEG_TAG) : NULL;
    if (!v) {
      pl_seg_req_free(r);
      pl_stage_fail(st, ISO_ENOMEM, "out of memory");
      return;
    }
    int ret = iso_run_async(pl_seg_worker, v, x->reply_sp);
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
  pl_seg_req *r = tag && !strcmp(tag, "ok") ? iso_transfer_take(iso_list_at(v, 1), NULL) : NULL;
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
  pl_seg_req_free(r);
  iso_value_free(v);
  pl_stage_leave(st, false);
}

static pl_seg_req *new_seg(seg_impl *x, int k) {
  pl_seg_req *r = calloc(1, sizeof *r);
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
  if (r >= 0 && x->task >= 0)
    r = (x->file_par = avcodec_parameters_alloc()) ? avcodec_parameters_copy(x->file_par, x->par)
                                                   : AVERROR(ENOMEM);
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
    pl_seg_req *r = new_seg(x, x->created);
    if (!r) return AVERROR(ENOMEM);
    r->stamp = in->stamp;
    *slot_of(x, x->created) = r;
    x->complete[x->created % SEG_SLOTS] = false;
    x->created++;
  }
  for (int k = x->dispatched; k < x->created; k++) {
    pl_seg_req *r = *slot_of(x, k);
    if (!r || x->complete[k % SEG_SLOTS]) continue;
    if (!encoded_here(x, k)) {
      if (x->base + end >= r->w.to) x->complete[k % SEG_SLOTS] = true;
      continue;
    }
    if (x->base + end <= r->w.from || x->base + x->pos >= r->w.to) continue;
    if (!pl_seg_grow((void **)&r->fr, &r->frcap, r->nfr + 1, sizeof *r->fr)) return AVERROR(ENOMEM);
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
    pl_seg_req_free(*slot_of(x, k));
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
static bool bound(seg_impl *x, pl_seg_req *r) {
  int k = x->joined;
  if (x->eof && k == x->created - 1) {
    r->join_to = INT64_MAX;
    return r->bounded = true;
  }
  if (k + 1 >= x->dispatched || !x->complete[(k + 1) % SEG_SLOTS]) return false;
  pl_seg_req *n = *slot_of(x, k + 1);
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

/* A task: its segment goes to its file, the others' are dropped; nothing
 * goes downstream but the stream's parameters. */
static int task_drain(seg_impl *x) {
  while (x->joined < x->dispatched && x->complete[x->joined % SEG_SLOTS]) {
    pl_seg_req *r = *slot_of(x, x->joined);
    int ret = encoded_here(x, r->index) ? save(x, r) : 0;
    pl_seg_req_free(r);
    *slot_of(x, x->joined) = NULL;
    x->complete[x->joined % SEG_SLOTS] = false;
    x->joined++;
    if (ret < 0) return ret;
    dispatch(x);
    if (x->f->paused) {
      x->f->paused = false;
      pl_stage_kick(x->f->st);
    }
  }
  if (x->eof && x->joined == x->created) return AVERROR_EOF;
  return AVERROR(EAGAIN);
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
  if (x->task >= 0) return task_drain(x);
  while (x->joined < x->dispatched && x->complete[x->joined % SEG_SLOTS]) {
    pl_seg_req *r = *slot_of(x, x->joined);
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
      int bad = check_next(x, r->index, r->pkt[r->next], r->pkt_tb);
      if (bad < 0) return bad;
      pl_msg *m = pl_msg_new(PL_M_PACKET);
      if (!m) return AVERROR(ENOMEM);
      m->pkt = r->pkt[r->next];
      r->pkt[r->next++] = NULL;
      m->tb = r->pkt_tb;
      m->stamp = r->stamp;
      *out = m;
      return 0;
    }
    if (x->last_seg != r->index) return check_empty(x, r);
    pl_seg_req_free(r);
    *slot_of(x, x->joined) = NULL;
    x->complete[x->joined % SEG_SLOTS] = false;
    x->joined++;
    dispatch(x);
    if (f->paused) {
      f->paused = false;
      pl_stage_kick(f->st);
    }
  }
  if (x->eof && x->joined == x->created) {
    int bad = check_end(x, x->par_tb);
    return bad < 0 ? bad : AVERROR_EOF;
  }
  return AVERROR(EAGAIN);
}

static void seg_destroy(pl_filter *f) {
  seg_impl *x = f->impl;
  if (!x) return;
  for (int i = 0; i < SEG_SLOTS; i++)
    pl_seg_req_free(x->slot[i]);
  avcodec_parameters_free(&x->par);
  avcodec_parameters_free(&x->file_par);
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
  x->task = job->seg_task;
  x->ntasks = job->seg_tasks;
  x->join = job->seg_join;
  x->last_seg = -1;
  pl_filter *f = pl_filter_start(job, &seg_ops, x, pl_link_capacity(job, job->self));
  if (!f) return;
  x->f = f;
  x->reply = iso_port_new_raw(on_reply, x);
  x->reply_sp = x->reply ? iso_port_sendport(x->reply) : NULL;
  if (!x->reply_sp) pl_stage_fail(f->st, ISO_ENOMEM, "out of memory");
}
