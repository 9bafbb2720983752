/* The encode stage of a segmented video stream: runs of whole frames go to encoders side by side,
 * each starting with a keyframe, and their packets are joined in order into one stream. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/stages/encode_seg.h"

/*
 * The frames come from the stream's own decoder and filters, in order, so
 * every segment gets exactly the serial run's frames with their
 * timestamps, whatever the input's GOPs, frame rate changes or filters.
 * Segment k takes the frames whose pts fall in its run of the plan
 * (pl_seg_video_bound), so that a cluster task, which sees only the frames
 * from a keyframe before its segment on, cuts where this process does. A
 * segment is collected only when an encoder is free for it; with N
 * encoding the stage takes no input (the link credits hold everything
 * upstream), which bounds memory to N segments of pictures, fewer as their
 * encoders advance (pl_seg_video_frames sizes them).
 *
 * A cluster run (--cluster): task k owns a run of the plan's segments
 * (pl_seg_task_range), drops the frames before it (the demux sought to the
 * keyframe at or before it), encodes each of its segments with an encoder
 * of its own as this stage does in process, and leaves each segment's
 * packets in DIR/vseg-S.nut; at the first frame past its run it takes no
 * more input, so the decoder and the demux stop. The last task takes every
 * segment to the input's end. The join decodes one frame only (for the
 * stream's parameters, as an encoder opened here gives them) and sends the
 * files' packets, in order, with the same checks; each file names the frame
 * the next begins with, so a segment without frames has no file.
 */
typedef struct vseg_impl {
  pl_segrun run;
  pl_filter *f;
  bool started;
  AVRational in_tb, fps;
  int64_t len;      /* frames a segment owns (at a constant rate) */
  int64_t cur;      /* the plan's segment being collected */
  int64_t last_dts; /* the last packet sent, in par_tb (AV_NOPTS_VALUE: none yet) */
  /* A cluster run: task >= 0 encodes the plan's segments [lo, hi) (the
   * last of ntasks every segment after them too); join reads the files. */
  int task, ntasks;
  int64_t lo, hi;
  bool join;
  bool done;  /* no more input wanted */
  bool ended; /* the input ended: the last segment is the stream's */
  int64_t run_id;
  AVCodecParameters *file_par;
  pl_seg_req *jr; /* the join's segment being sent */
  int64_t expect; /* the pts (par_tb) its next file's first frame must have */
  int64_t jnext;  /* the join's next file */
} vseg_impl;

/* The stream's parameters, from an encoder opened as the segments' own
 * (same options, same first frame), and the plan's segment length. */
static int start(vseg_impl *x, const pl_msg *in) {
  pl_stage *st = x->f->st;
  const pl_enc_set *e = x->run.set;
  cx_enc *enc = NULL;
  cx_aconv *rc = NULL;
  int q;
  char err[CX_ERRLEN] = "";
  int r = pl_enc_open(e, in->frame, in->tb, &enc, &rc, &q, err);
  if (r < 0) {
    pl_stage_fail_av(st, r, "%s", err);
    return r;
  }
  x->run.par = avcodec_parameters_alloc();
  r = x->run.par ? avcodec_parameters_from_context(x->run.par, cx_enc_ctx(enc)) : AVERROR(ENOMEM);
  x->run.par_tb = cx_enc_time_base(enc);
  cx_enc_close(&enc);
  cx_aconv_close(&rc);
  if (r < 0) {
    pl_stage_fail(st, ISO_ENOMEM, "out of memory");
    return r;
  }
  if (x->task >= 0 || x->join) {
    x->run_id = e->run_id;
    if (!(x->file_par = avcodec_parameters_alloc()) ||
        avcodec_parameters_copy(x->file_par, x->run.par) < 0) {
      pl_stage_fail(st, ISO_ENOMEM, "out of memory");
      return AVERROR(ENOMEM);
    }
  }
  x->fps = e->fps;
  x->len = e->video_len;
  x->lo = e->task_lo;
  x->hi = e->task_hi;
  x->in_tb = in->tb;
  x->started = true;
  pl_stage_log(st, AV_LOG_VERBOSE,
               "segments: %d %s encoders side by side, segments of %" PRId64 " frames (%.3f s)",
               x->run.nseg, e->encoder, x->len, x->len / av_q2d(x->fps));
  return 0;
}

static pl_seg_req *collecting(vseg_impl *x) {
  int k = x->run.created - 1;
  if (x->run.created <= x->run.dispatched || *pl_segrun_complete(&x->run, k)) return NULL;
  return *pl_segrun_slot(&x->run, k);
}

/* A new segment of the plan (its index in w.from), or EAGAIN while too many are held. */
static int new_segment(vseg_impl *x, int64_t k, pl_stamp stamp, pl_seg_req **out) {
  /* A new segment only for a free encoder: decoding is far faster than
   * these encoders, so a segment fills in a fraction of the time the
   * others take, and no picture waits for an encoder. */
  if (x->run.created - x->run.joined >= PL_SEG_SLOTS - 1 ||
      x->run.running + (x->run.created - x->run.dispatched) >= x->run.nseg)
    return AVERROR(EAGAIN);
  pl_seg_req *r = calloc(1, sizeof *r);
  if (!r) return AVERROR(ENOMEM);
  r->index = x->run.created;
  r->video = true;
  r->out_stream = x->f->st->node->out_stream;
  r->tb = x->in_tb;
  r->stamp = stamp;
  r->run_id = x->run_id;
  r->w.from = k;
  r->w.to = k + 1;
  r->next_pts = AV_NOPTS_VALUE;
  *pl_segrun_slot(&x->run, x->run.created) = r;
  *pl_segrun_complete(&x->run, x->run.created) = false;
  x->run.created++;
  x->cur = k;
  *out = r;
  return 0;
}

/* A task has its segments: the rest of the input is not read. */
static int task_stop(vseg_impl *x, pl_stamp stamp, int64_t next) {
  pl_seg_req *r = collecting(x);
  if (!r && !x->run.created && x->lo < x->hi) {
    /* No frame fell in its run: its first segment's file says so, empty,
     * and where the next frame is. */
    int ret = new_segment(x, x->lo, stamp, &r);
    if (ret < 0) return ret;
  }
  if (r) {
    r->next_pts = next;
    *pl_segrun_complete(&x->run, r->index) = true;
  }
  x->done = true;
  x->run.eof = true;
  iso_link_rx_finish(x->f->rx);
  return 0;
}

/* The frame joins its segment of the plan (a new one when it is past the
 * segment being collected); a task drops the frames before its own. */
static int take_frame(pl_segrun *s, pl_msg *in) {
  vseg_impl *x = (vseg_impl *)s;
  AVFrame *fr = in->frame;
  int64_t pts = fr->pts;
  if (pts != AV_NOPTS_VALUE && (in->tb.num != x->in_tb.num || in->tb.den != x->in_tb.den))
    pts = av_rescale_q(pts, in->tb, x->in_tb);
  int64_t k = pts == AV_NOPTS_VALUE ? x->cur : pl_seg_video_index(x->len, x->fps, pts, x->in_tb);
  if (k < x->cur) k = x->cur; /* out of order: stays in the segment being collected */
  if (x->task >= 0 && !x->run.created && k < x->lo) {
    /* Before the task's segments; the seek must have landed before them. */
    return 0;
  }
  if (x->task >= 0 && k >= x->hi) return task_stop(x, in->stamp, pts);
  pl_seg_req *r = collecting(x);
  if (!r || k > r->w.from) {
    if (r) {
      r->next_pts = pts;
      *pl_segrun_complete(&x->run, r->index) = true;
    }
    int ret = new_segment(x, k, in->stamp, &r);
    if (ret < 0) return ret;
  }
  if (!pl_seg_grow((void **)&r->fr, &r->frcap, r->nfr + 1, sizeof *r->fr)) return AVERROR(ENOMEM);
  in->frame = NULL;
  fr->pts = pts;
  /* The decoder's picture types are no orders for the encoders. */
  fr->pict_type = AV_PICTURE_TYPE_NONE;
  r->fr[r->nfr++] = fr;
  return 0;
}

/* A task's first frame after the seek is at or before its segment's start,
 * or frames of it would be missing. */
static int check_seek(vseg_impl *x, const pl_msg *in) {
  if (x->task < 0 || x->lo <= 0 || in->frame->pts == AV_NOPTS_VALUE) return 0;
  int64_t pts = av_rescale_q(in->frame->pts, in->tb, x->in_tb);
  int64_t b = pl_seg_video_bound(x->len, x->fps, x->lo, x->in_tb);
  if (pts <= b) return 0;
  pl_stage_fail(x->f->st, ISO_EMEDIA,
                "segments: task %d: the input's first frame after seeking is at %.3f s, after "
                "its segment's start at %.3f s: the input's seek index is not exact; run "
                "without --cluster",
                x->task, pts * av_q2d(x->in_tb), b * av_q2d(x->in_tb));
  return AVERROR(EINVAL);
}

static int vseg_feed(pl_filter *f, pl_msg *in) {
  vseg_impl *x = f->impl;
  if (!in) {
    if (x->done) return 0;
    if (x->join) {
      pl_stage_fail(f->st, ISO_EMEDIA,
                    "segments: the input has no video frame to take the stream's parameters from");
      return AVERROR(EINVAL);
    }
    pl_seg_req *last = collecting(x);
    if (last) last->ends = true;
    for (int k = x->run.dispatched; k < x->run.created; k++)
      *pl_segrun_complete(&x->run, k) = true; /* the last, shorter, segment */
    x->run.eof = true;
    x->ended = true;
    pl_segrun_dispatch(&x->run);
    return 0;
  }
  if (in->kind != PL_M_FRAME || x->run.stopped || x->done) {
    pl_msg_free(in);
    return 0;
  }
  if (!x->started && (start(x, in) < 0 || check_seek(x, in) < 0)) {
    pl_msg_free(in);
    return AVERROR(EINVAL);
  }
  if (x->join) {
    /* The parameters are known: the packets come from the tasks' files. */
    pl_msg_free(in);
    x->done = true;
    iso_link_rx_finish(f->rx);
    pl_stage_kick(f->st);
    return 0;
  }
  return pl_segrun_feed(&x->run, in, take_frame);
}

/* The head segment's next packet, checked to continue the stream: decode
 * timestamps rise across the join as within a segment. */
static int next_packet(vseg_impl *x, pl_seg_req *r, pl_msg **out) {
  AVPacket *pkt = r->pkt[r->next];
  if (pkt->dts != AV_NOPTS_VALUE) {
    int64_t d = av_rescale_q(pkt->dts, r->pkt_tb, x->run.par_tb);
    if (r->next == 0 && x->last_dts != AV_NOPTS_VALUE && d <= x->last_dts) {
      pl_stage_fail(x->f->st, ISO_EMEDIA,
                    "segments: join %d: its first packet's dts %" PRId64 " is not after the "
                    "previous segment's last, %" PRId64 " (time base %d/%d): the encoder's "
                    "delay differs between segments; use --segments 1",
                    r->index, d, x->last_dts, x->run.par_tb.num, x->run.par_tb.den);
      return AVERROR(EINVAL);
    }
    x->last_dts = d;
  }
  pl_msg *m = pl_msg_new(PL_M_PACKET);
  if (!m) return AVERROR(ENOMEM);
  m->pkt = pkt;
  r->pkt[r->next++] = NULL;
  m->tb = r->pkt_tb;
  m->stamp = r->stamp;
  *out = m;
  return 0;
}

static int task_drain(vseg_impl *x);
static int join_drain(vseg_impl *x, pl_msg **out);

static int vseg_drain(pl_filter *f, pl_msg **out) {
  vseg_impl *x = f->impl;
  if (pl_segrun_params(&x->run, out)) return *out ? 0 : AVERROR(ENOMEM);
  if (x->task >= 0) return task_drain(x);
  if (x->join) return join_drain(x, out);
  while (x->run.joined < x->run.dispatched && *pl_segrun_complete(&x->run, x->run.joined)) {
    pl_seg_req *r = *pl_segrun_slot(&x->run, x->run.joined);
    if (r->next < r->npkt) return next_packet(x, r, out);
    if (r->stopped) {
      /* Later segments would leave a hole: the output ends with this one. */
      if (!x->run.stopped)
        pl_stage_log(f->st, AV_LOG_INFO,
                     "segments: stopped during segment %d; the frames after it are not encoded",
                     r->index);
      x->run.stopped = true;
      break;
    }
    pl_segrun_next(&x->run);
  }
  return pl_segrun_end(&x->run);
}

/* ---- a cluster run: the task's files, and the join that reads them ------- */

static void seg_path(const vseg_impl *x, int64_t k, char *path, size_t n) {
  snprintf(path, n, "%s/vseg-%" PRId64 ".nut", x->run.set->seg_dir, k);
}

/* A task's segment, written whole or not at all. */
static int save(vseg_impl *x, pl_seg_req *r) {
  char path[4096], err[CX_ERRLEN + 4200];
  seg_path(x, r->w.from, path, sizeof path);
  if (!r->npkt) r->pkt_tb = x->run.par_tb;
  if (r->next_pts != AV_NOPTS_VALUE) r->next_pts = av_rescale_q(r->next_pts, x->in_tb, r->pkt_tb);
  int ret = pl_seg_file_write(r, x->file_par, path, err, sizeof err);
  if (ret < 0) pl_stage_fail(x->f->st, ISO_EMEDIA, "segment %" PRId64 ": %s", r->w.from, err);
  return ret;
}

static int task_drain(vseg_impl *x) {
  while (x->run.joined < x->run.dispatched && *pl_segrun_complete(&x->run, x->run.joined)) {
    int ret = save(x, *pl_segrun_slot(&x->run, x->run.joined));
    pl_segrun_next(&x->run); /* after a failure the stage has ended: nothing starts */
    if (ret < 0) return ret;
  }
  return pl_segrun_end(&x->run);
}

/* The join's next file: whole, of this run, its own segment's, beginning
 * with a keyframe, its frames within its part of the plan. */
static int load(vseg_impl *x) {
  char path[4096], err[CX_ERRLEN + 4200];
  int64_t k = x->jnext++;
  seg_path(x, k, path, sizeof path);
  pl_seg_req *r = x->jr = calloc(1, sizeof *r);
  if (!r) return AVERROR(ENOMEM);
  r->index = (int)k;
  r->video = true;
  r->w.from = k;
  r->run_id = x->run_id;
  r->tb = r->pkt_tb = x->run.par_tb;
  int ret = pl_seg_file_read(r, path, err, sizeof err);
  /* Its first frame is the one its predecessor stopped at: no frame is
   * missing or twice at the cut. */
  int64_t first = INT64_MAX;
  for (int i = 0; i < r->npkt; i++)
    if (r->pkt[i]->pts < first) first = r->pkt[i]->pts;
  if (ret >= 0 && r->npkt && x->expect != AV_NOPTS_VALUE && first != x->expect) {
    snprintf(err, sizeof err,
             "%s: its first frame is at %.3f s, but the segment before it ends before a frame "
             "at %.3f s",
             path, first * av_q2d(r->pkt_tb), x->expect * av_q2d(r->pkt_tb));
    ret = AVERROR_INVALIDDATA;
  }
  if (ret >= 0 && !r->ends && r->next_pts == AV_NOPTS_VALUE) {
    snprintf(err, sizeof err,
             "%s: neither the stream's last segment nor says where the next begins", path);
    ret = AVERROR_INVALIDDATA;
  }
  x->expect = r->next_pts;
  if (ret >= 0 && r->next_pts != AV_NOPTS_VALUE) {
    /* The next file is the segment of the frame this one stopped at:
     * segments without frames have none. */
    int64_t nk = pl_seg_video_index(x->len, x->fps, r->next_pts, r->pkt_tb);
    if (nk > x->jnext) x->jnext = nk;
  }
  if (ret >= 0 && r->npkt && !(r->pkt[0]->flags & AV_PKT_FLAG_KEY)) {
    snprintf(err, sizeof err, "%s: its first packet is not a keyframe", path);
    ret = AVERROR_INVALIDDATA;
  }
  int64_t lo = pl_seg_video_bound(x->len, x->fps, k, x->in_tb);
  int64_t hi = pl_seg_video_bound(x->len, x->fps, k + 1, x->in_tb);
  for (int i = 0; ret >= 0 && i < r->npkt; i++) {
    int64_t pts = r->pkt[i]->pts;
    if ((k && av_compare_ts(pts, r->pkt_tb, lo, x->in_tb) < 0) ||
        (!r->ends && av_compare_ts(pts, r->pkt_tb, hi, x->in_tb) >= 0)) {
      snprintf(err, sizeof err, "%s: a frame at %.3f s outside its segment (%.3f s to %.3f s)",
               path, pts * av_q2d(r->pkt_tb), lo * av_q2d(x->in_tb), hi * av_q2d(x->in_tb));
      ret = AVERROR_INVALIDDATA;
    }
  }
  if (ret < 0)
    pl_stage_fail(x->f->st, ISO_EMEDIA,
                  "segment %" PRId64 ": %s (its file is damaged or from "
                  "another run)",
                  k, err);
  return ret;
}

static int join_drain(vseg_impl *x, pl_msg **out) {
  if (!x->started) return AVERROR(EAGAIN);
  for (;;) {
    pl_seg_req *r = x->jr;
    if (r && r->next < r->npkt) return next_packet(x, r, out);
    if (r && r->ends) return AVERROR_EOF;
    pl_seg_req_free(r);
    x->jr = NULL;
    int ret = load(x);
    if (ret < 0) return ret;
  }
}

static void vseg_destroy(pl_filter *f) {
  vseg_impl *x = f->impl;
  if (!x) return;
  pl_segrun_close(&x->run);
  pl_seg_req_free(x->jr);
  avcodec_parameters_free(&x->file_par);
  free(x);
  f->impl = NULL;
}

static const pl_filter_ops vseg_ops = {vseg_feed, vseg_drain, vseg_destroy};

void pl_encode_vseg_start(pl_spawn *s) {
  vseg_impl *x = calloc(1, sizeof *x);
  if (!x) {
    pl_spawn_free(s);
    return;
  }
  const pl_enc_set *e = x->run.set = pl_enc_set_ref(s->enc);
  x->run.nseg = e->nseg;
  x->last_dts = AV_NOPTS_VALUE;
  x->expect = AV_NOPTS_VALUE;
  x->task = e->seg_task;
  x->ntasks = e->seg_tasks;
  x->join = e->seg_join;
  pl_filter *f = pl_filter_start(s, &vseg_ops, x);
  if (!f) return;
  x->f = f;
  pl_segrun_open(&x->run, f);
}

/* ---- one segment's encoder, on a worker isolate -------------------------- */

/* Everything the encoder has ready goes into the segment's packets. */
static int take_packets(pl_seg_req *r, cx_enc *enc) {
  for (;;) {
    AVPacket *pkt = av_packet_alloc();
    if (!pkt) return AVERROR(ENOMEM);
    int ret = cx_enc_receive(enc, pkt);
    if (ret < 0) {
      av_packet_free(&pkt);
      return ret == AVERROR(EAGAIN) || ret == AVERROR_EOF ? 0 : ret;
    }
    if (r->npkt == 0 && !(pkt->flags & AV_PKT_FLAG_KEY)) {
      av_packet_free(&pkt);
      snprintf(r->err, sizeof r->err, "the encoder's first packet is not a keyframe");
      return AVERROR(EINVAL);
    }
    if ((ret = pl_seg_add_packet(r, pkt, pkt->dts)) < 0) return ret;
  }
}

int pl_vseg_encode(pl_seg_req *r) {
  cx_enc *enc = NULL;
  cx_aconv *rc = NULL;
  int q = 0, ret = 0;
  for (int i = 0; i <= r->nfr && ret >= 0; i++) {
    AVFrame *fr = i < r->nfr ? r->fr[i] : NULL;
    /* Main asked to stop (Ctrl-C): the head segment encodes what it holds,
     * as a serial encoder flushes what reached it; a later one flushes
     * what it has encoded so far, and the output ends with it. */
    if (fr && !r->head && pl_flag_interrupt(r->set->flag)) {
      r->stopped = true;
      fr = NULL;
      i = r->nfr;
    }
    if (!enc) {
      if (!fr) break;
      ret = pl_enc_open(r->set, fr, r->tb, &enc, &rc, &q, r->err);
      if (ret < 0) break;
      r->pkt_tb = cx_enc_time_base(enc);
    }
    if (fr && q) fr->quality = q;
    while ((ret = cx_enc_send(enc, fr)) == AVERROR(EAGAIN))
      if ((ret = take_packets(r, enc)) < 0) break;
    if (ret >= 0) ret = take_packets(r, enc);
    if (fr) av_frame_free(&r->fr[i]); /* memory goes back as the segment advances */
  }
  if (ret < 0 && !r->err[0]) cx_errstr(ret, r->err, sizeof r->err);
  cx_enc_close(&enc);
  cx_aconv_close(&rc);
  return ret;
}
