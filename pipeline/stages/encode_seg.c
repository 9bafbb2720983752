/* The encode stage of a segmented audio stream: encoders run side by side on overlapping
 * segments and their packets are joined in order, gaplessly, into one stream. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/stages/encode_seg.h"

/* ---- the stage: cuts the stream into segments and joins their packets ----- */

typedef struct seg_impl {
  pl_segrun run; /* first: the hook's pl_segrun is the stage's seg_impl */
  pl_filter *f;
  bool started;
  pl_seg_plan plan;
  int64_t base, pos; /* the first frame's pts; samples taken so far */
  int sample_rate;
  /* A cluster run: a task encodes only segment `task` and leaves its
   * packets in dir; the join reads every segment's from there. */
  int task, ntasks;
  bool join;
  AVCodecParameters *file_par; /* a task's stream, for its segment file */
  /* The joined stream so far: where its next packet must begin (pkt_tb),
   * and the segment that gave the last one. */
  int64_t next_pts;
  int last_seg;
  int64_t run_id; /* of a cluster run: see pl_seg_run_id() */
} seg_impl;

static void seg_path(const seg_impl *x, int k, char *path, size_t n) {
  snprintf(path, n, "%s/seg-%d.nut", x->run.set->seg_dir, k);
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
  seg_name(x, x->run.created - 1, a, sizeof a);
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
  r->pkt_tb = x->run.par_tb;
  int ret = pl_seg_file_read(r, path, err, sizeof err);
  if (ret < 0) pl_stage_fail(x->f->st, ISO_EMEDIA, "segment %d: %s", r->index, err);
  return ret;
}

/* A task's own segment, written whole or not at all. */
static int save(seg_impl *x, pl_seg_req *r) {
  char path[4096], err[CX_ERRLEN + 4200];
  seg_path(x, r->index, path, sizeof path);
  int ret = pl_seg_file_write(r, x->file_par, path, err, sizeof err);
  if (ret < 0) pl_stage_fail(x->f->st, ISO_EMEDIA, "segment %d: %s", r->index, err);
  return ret;
}

/* A task encodes its own segment; the last task also any the input holds
 * past the array's end (its duration was longer than the probe said). */
static bool encoded_here(const seg_impl *x, int k) {
  return !x->join && (x->task < 0 || k == x->task || (x->task == x->ntasks - 1 && k > x->task));
}

/* A cluster run: the join loads the segments the tasks left; a task
 * encodes only its own. */
static int local(pl_segrun *s, pl_seg_req *r) {
  seg_impl *x = (seg_impl *)s;
  if (encoded_here(x, r->index)) return 1;
  return x->join && load(x, r) < 0 ? -1 : 0;
}

static pl_seg_req *new_seg(seg_impl *x, int k) {
  pl_seg_req *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->index = k;
  r->out_stream = x->f->st->node->out_stream;
  r->tb = (AVRational){1, x->sample_rate};
  r->w = pl_seg_window_of(&x->plan, k, x->base);
  r->join_from = INT64_MIN;
  r->run_id = x->run_id;
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
  const pl_enc_set *e = x->run.set;
  int r = pl_enc_open(e, in->frame, tb, &enc, &rc, &q, err);
  if (r < 0) {
    pl_stage_fail(st, ISO_EMEDIA, "%s", err);
    return r;
  }
  AVCodecContext *ctx = cx_enc_ctx(enc);
  int fs = cx_enc_frame_size(enc);
  x->run.par = avcodec_parameters_alloc();
  r = x->run.par ? avcodec_parameters_from_context(x->run.par, ctx) : AVERROR(ENOMEM);
  if (r >= 0 && x->task >= 0)
    r = (x->file_par = avcodec_parameters_alloc())
            ? avcodec_parameters_copy(x->file_par, x->run.par)
            : AVERROR(ENOMEM);
  x->run.par_tb = cx_enc_time_base(enc);
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
                  e->encoder);
    return AVERROR(EINVAL);
  }
  x->sample_rate = in->frame->sample_rate;
  if (x->task >= 0 || x->join) x->run_id = e->run_id;
  pl_seg_plan_make(&x->plan, x->run.nseg, fs, delay, x->sample_rate, e->input_us,
                   pl_seg_join_range(e->encoder));
  x->base = in->frame->pts == AV_NOPTS_VALUE ? 0 : av_rescale_q(in->frame->pts, in->tb, tb);
  x->started = true;
  pl_stage_log(st, AV_LOG_VERBOSE,
               "segments: %d encoders side by side, %.3f s segments, overlap %d samples "
               "(delay %d, frame %d)",
               x->run.nseg, (double)x->plan.len / x->sample_rate, (int)x->plan.overlap, delay, fs);
  return 0;
}

/* Every segment whose window reaches into [pos, pos + n) gets its own reference to fr. */
static int take_frame(pl_segrun *s, pl_msg *in) {
  seg_impl *x = (seg_impl *)s;
  AVFrame *fr = in->frame;
  int64_t n = fr->nb_samples, end = x->pos + n;
  while (pl_seg_first_at(&x->plan, x->run.created) < end) {
    if (x->run.created - x->run.joined >= PL_SEG_SLOTS - 1) return AVERROR(EAGAIN);
    pl_seg_req *r = new_seg(x, x->run.created);
    if (!r) return AVERROR(ENOMEM);
    r->stamp = in->stamp;
    *pl_segrun_slot(&x->run, x->run.created) = r;
    *pl_segrun_complete(&x->run, x->run.created) = false;
    x->run.created++;
  }
  for (int k = x->run.dispatched; k < x->run.created; k++) {
    pl_seg_req *r = *pl_segrun_slot(&x->run, k);
    if (!r || *pl_segrun_complete(&x->run, k)) continue;
    if (!encoded_here(x, k)) {
      if (x->base + end >= r->w.to) *pl_segrun_complete(&x->run, k) = true;
      continue;
    }
    if (x->base + end <= r->w.from || x->base + x->pos >= r->w.to) continue;
    if (!pl_seg_grow((void **)&r->fr, &r->frcap, r->nfr + 1, sizeof *r->fr)) return AVERROR(ENOMEM);
    AVFrame *c = av_frame_clone(fr);
    if (!c) return AVERROR(ENOMEM);
    c->pts = x->base + x->pos;
    r->fr[r->nfr++] = c;
    if (x->base + end >= r->w.to) *pl_segrun_complete(&x->run, k) = true;
  }
  x->pos = end;
  return 0;
}

/* The end of the input: the segment holding the last sample is the last
 * (it keeps everything to the end); later ones only held overlap. */
static void finish_plan(seg_impl *x) {
  int last = pl_seg_last(&x->plan, x->pos);
  for (int k = last + 1; k < x->run.created; k++) {
    pl_seg_req_free(*pl_segrun_slot(&x->run, k));
    *pl_segrun_slot(&x->run, k) = NULL;
  }
  if (x->run.created > last + 1) x->run.created = last + 1;
  for (int k = x->run.dispatched; k < x->run.created; k++) {
    *pl_segrun_complete(&x->run, k) = true;
    if (k == last && *pl_segrun_slot(&x->run, k))
      pl_seg_make_last(&(*pl_segrun_slot(&x->run, k))->w);
  }
  x->run.eof = true;
}

static int seg_feed(pl_filter *f, pl_msg *in) {
  seg_impl *x = f->impl;
  if (!in) {
    if (x->started) finish_plan(x);
    x->run.eof = true;
    pl_segrun_dispatch(&x->run);
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
  return pl_segrun_feed(&x->run, in, take_frame);
}

/* Where segment k (complete) ends and k + 1 begins: the serial run's
 * boundary, or for MP3 a frame near it whose borrowed bytes can be carried
 * over. False while segment k + 1 is still encoding. */
static bool bound(seg_impl *x, pl_seg_req *r) {
  int k = x->run.joined;
  if (x->run.eof && k == x->run.created - 1) {
    r->join_to = INT64_MAX;
    return r->bounded = true;
  }
  if (k + 1 >= x->run.dispatched || !*pl_segrun_complete(&x->run, k + 1)) return false;
  pl_seg_req *n = *pl_segrun_slot(&x->run, k + 1);
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
  while (x->run.joined < x->run.dispatched && *pl_segrun_complete(&x->run, x->run.joined)) {
    pl_seg_req *r = *pl_segrun_slot(&x->run, x->run.joined);
    int ret = encoded_here(x, r->index) ? save(x, r) : 0;
    pl_segrun_next(&x->run); /* after a failure the stage has ended: nothing starts */
    if (ret < 0) return ret;
  }
  return pl_segrun_end(&x->run);
}

static int seg_drain(pl_filter *f, pl_msg **out) {
  seg_impl *x = f->impl;
  if (pl_segrun_params(&x->run, out)) return *out ? 0 : AVERROR(ENOMEM);
  if (x->task >= 0) return task_drain(x);
  while (x->run.joined < x->run.dispatched && *pl_segrun_complete(&x->run, x->run.joined)) {
    pl_seg_req *r = *pl_segrun_slot(&x->run, x->run.joined);
    while (r->next < r->npkt && r->at[r->next] < r->join_from)
      av_packet_free(&r->pkt[r->next++]);
    /* Packets well before the next boundary go out before the next segment is in. */
    int64_t limit = r->bounded ? r->join_to
                               : pl_seg_boundary(&x->plan, x->run.joined + 1, x->base) -
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
    pl_segrun_next(&x->run);
  }
  if (x->run.eof && x->run.joined == x->run.created) {
    int bad = check_end(x, x->run.par_tb);
    return bad < 0 ? bad : AVERROR_EOF;
  }
  return AVERROR(EAGAIN);
}

static void seg_destroy(pl_filter *f) {
  seg_impl *x = f->impl;
  if (!x) return;
  pl_segrun_close(&x->run);
  avcodec_parameters_free(&x->file_par);
  free(x);
  f->impl = NULL;
}

static const pl_filter_ops seg_ops = {seg_feed, seg_drain, seg_destroy};

void pl_encode_seg_start(pl_spawn *s) {
  seg_impl *x = calloc(1, sizeof *x);
  if (!x) {
    pl_spawn_free(s);
    return;
  }
  const pl_enc_set *e = x->run.set = pl_enc_set_ref(s->enc);
  x->run.nseg = e->nseg;
  x->task = e->seg_task;
  x->ntasks = e->seg_tasks;
  x->join = e->seg_join;
  x->last_seg = -1;
  pl_filter *f = pl_filter_start(s, &seg_ops, x);
  if (!f) return;
  x->f = f;
  x->run.local = local;
  pl_segrun_open(&x->run, f);
}
