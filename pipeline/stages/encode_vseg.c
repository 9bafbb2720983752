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
  /* The segment being read, streamed to its encoder (index -1: none): its
   * encoder's port once it named it, the frames for it until then, the
   * frames given to it and taken by it, and its end while not yet sent. */
  int feed_index;
  iso_sendport *feed_sp;
  AVFrame **pend;
  int npend, pendcap;
  int64_t fed, took;
  bool end_pending, end_ends;
  int64_t end_next;
  /* Frames given to each segment in flight and taken by its encoder (as it
   * last said), and the frames held so far at most (logged at the end). */
  int64_t fed_of[PL_SEG_SLOTS], took_of[PL_SEG_SLOTS];
  int64_t held, held_max;
  bool said_held;
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

static void frame_dtor(void *p) {
  AVFrame *fr = p;
  av_frame_free(&fr);
}

/* fr (taken) to the segment being read: to its encoder, or held until the
 * encoder names its port. */
static int feed_push(vseg_impl *x, AVFrame *fr) {
  x->fed++;
  x->fed_of[x->feed_index % PL_SEG_SLOTS]++;
  if (++x->held > x->held_max) x->held_max = x->held;
  if (!x->feed_sp) {
    if (!pl_seg_grow((void **)&x->pend, &x->pendcap, x->npend + 1, sizeof *x->pend)) {
      av_frame_free(&fr);
      return AVERROR(ENOMEM);
    }
    x->pend[x->npend++] = fr;
    return 0;
  }
  /* On failure iso_transfer frees the frame itself. */
  iso_value *v = iso_listv(iso_str("fr"), iso_transfer(fr, frame_dtor, PL_SEG_TAG), NULL);
  if (!v || iso_send_move(x->feed_sp, v) != ISO_OK) {
    iso_value_free(v);
    return AVERROR(ENOMEM);
  }
  return 0;
}

/* The segment being read has its last frame: its encoder flushes (next:
 * the pts of the frame after it; ends: the stream's last segment). */
static int feed_end(vseg_impl *x, int64_t next, bool ends) {
  if (x->feed_index < 0) return 0;
  x->end_pending = true;
  x->end_next = next;
  x->end_ends = ends;
  if (!x->feed_sp) return 0; /* sent once its encoder names its port */
  iso_value *v = iso_listv(iso_str("end"), iso_int(next), iso_bool(ends), NULL);
  int ret = v && iso_send_move(x->feed_sp, v) == ISO_OK ? 0 : AVERROR(ENOMEM);
  if (ret < 0) iso_value_free(v);
  iso_sendport_release(x->feed_sp);
  x->feed_sp = NULL;
  x->feed_index = -1;
  x->end_pending = false;
  return ret;
}

/* A message from a streamed segment's encoder: its port (the frames held
 * for it go there), or how many frames it took. */
static void vseg_note(pl_segrun *s, iso_value *v) {
  vseg_impl *x = (vseg_impl *)s;
  const char *tag = iso_as_str(iso_list_at(v, 0));
  int64_t index = iso_as_int(iso_list_at(v, 1));
  if (!tag || index < x->run.joined || index >= x->run.created) return;
  int ret = 0;
  if (!strcmp(tag, "feed") && index == x->feed_index && !x->feed_sp) {
    x->feed_sp = iso_sendport_ref(iso_as_sendport(iso_list_at(v, 2)));
    x->fed -= x->npend;
    x->fed_of[index % PL_SEG_SLOTS] -= x->npend;
    x->held -= x->npend;
    for (int i = 0; i < x->npend && ret >= 0; i++) {
      ret = feed_push(x, x->pend[i]);
      x->pend[i] = NULL;
    }
    for (int i = 0; i < x->npend; i++)
      av_frame_free(&x->pend[i]);
    x->npend = 0;
    if (ret >= 0 && x->end_pending) ret = feed_end(x, x->end_next, x->end_ends);
  }
  if (!strcmp(tag, "took")) {
    int64_t n = iso_as_int(iso_list_at(v, 2)), *t = &x->took_of[index % PL_SEG_SLOTS];
    x->held -= n - *t;
    *t = n;
    if (index == x->feed_index) x->took = n;
  }
  if (ret < 0) {
    pl_stage_fail(x->f->st, ISO_ENOMEM, "out of memory");
    return;
  }
  if (x->f->paused) {
    x->f->paused = false;
    pl_stage_kick(x->f->st);
  }
}

/* A new segment of the plan (its index in w.from), its encoder started, or EAGAIN while every
 * encoder is busy. */
static int new_segment(vseg_impl *x, int64_t k, pl_stamp stamp) {
  /* A new segment only for a free encoder, which starts at once and takes
   * its frames as they come: decoding is far faster than these encoders,
   * and no picture waits for an encoder. */
  if (x->run.created - x->run.joined >= 2 * x->run.nseg || x->run.running >= x->run.nseg)
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
  r->ctl = iso_sendport_ref(x->run.reply_sp);
  *pl_segrun_slot(&x->run, x->run.created) = r;
  *pl_segrun_complete(&x->run, x->run.created) = true;
  x->run.created++;
  x->cur = k;
  x->feed_index = r->index;
  x->fed = x->took = 0;
  x->fed_of[r->index % PL_SEG_SLOTS] = x->took_of[r->index % PL_SEG_SLOTS] = 0;
  pl_segrun_dispatch(&x->run);
  /* Not dispatched: the stage has failed (r stays in its slot until the end). */
  return x->run.dispatched == x->run.created ? 0 : AVERROR(EINVAL);
}

/* A task has its segments: the rest of the input is not read. */
static int task_stop(vseg_impl *x, pl_stamp stamp, int64_t next) {
  if (!x->run.created && x->lo < x->hi) {
    /* No frame fell in its run: its first segment's file says so, empty,
     * and where the next frame is. */
    int ret = new_segment(x, x->lo, stamp);
    if (ret < 0) return ret;
  }
  int ret = feed_end(x, next, false);
  if (ret < 0) return ret;
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
  /* The segment's next frame waits while its encoder is behind and no
   * other encoder is free; the next segment, until the last one's encoder
   * named its port (a moment) and an encoder is free. */
  if (x->feed_index >= 0 && !x->feed_sp && (k > x->cur || x->npend >= PL_VSEG_FEED))
    return AVERROR(EAGAIN);
  if (x->feed_index >= 0 && k > x->cur) {
    /* Its encoder flushes now, whenever the next segment starts. */
    int ret = feed_end(x, pts, false);
    if (ret < 0) return ret;
  }
  if (x->feed_index < 0) {
    int ret = new_segment(x, k, in->stamp);
    if (ret < 0) return ret;
  } else if (x->run.running >= x->run.nseg && x->fed - x->took >= PL_VSEG_FEED) {
    return AVERROR(EAGAIN);
  }
  in->frame = NULL;
  fr->pts = pts;
  /* The decoder's picture types are no orders for the encoders. */
  fr->pict_type = AV_PICTURE_TYPE_NONE;
  return feed_push(x, fr);
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
    x->run.eof = true;
    x->ended = true;
    /* The last, shorter, segment is the stream's. */
    if (feed_end(x, AV_NOPTS_VALUE, true) < 0) {
      pl_stage_fail(f->st, ISO_ENOMEM, "out of memory");
      return AVERROR(ENOMEM);
    }
    return 0;
  }
  /* A shape without a picture (PL_FRAME_SHAPE) starts no segment. */
  if (in->kind != PL_M_FRAME || in->ival == PL_FRAME_SHAPE || x->run.stopped || x->done) {
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

/* The head segment is joined: its frames are all taken. */
static void joined(vseg_impl *x) {
  int k = x->run.joined % PL_SEG_SLOTS;
  x->held -= x->fed_of[k] - x->took_of[k];
  x->fed_of[k] = x->took_of[k] = 0;
  pl_segrun_next(&x->run);
}

/* What drain returns once nothing is ready; at the end, how many frames
 * the segments held at most (the memory they cost). */
static int ending(vseg_impl *x) {
  int ret = pl_segrun_end(&x->run);
  if (ret == AVERROR_EOF && !x->said_held && x->run.created) {
    x->said_held = true;
    pl_stage_log(x->f->st, AV_LOG_VERBOSE, "segments: at most %" PRId64 " frames held at once",
                 x->held_max);
  }
  return ret;
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
    joined(x);
  }
  return ending(x);
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
    joined(x); /* after a failure the stage has ended: nothing starts */
    if (ret < 0) return ret;
  }
  return ending(x);
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
  if (x->feed_sp) {
    /* Its encoder waits for frames that will not come. */
    iso_value *v = iso_listv(iso_str("abort"), NULL);
    if (v && iso_send_move(x->feed_sp, v) != ISO_OK) iso_value_free(v);
    iso_sendport_release(x->feed_sp);
  }
  for (int i = 0; i < x->npend; i++)
    av_frame_free(&x->pend[i]);
  free(x->pend);
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
  x->feed_index = -1;
  x->run.note = vseg_note;
  pl_filter *f = pl_filter_start(s, &vseg_ops, x);
  if (!f) return;
  x->f = f;
  pl_segrun_open(&x->run, f);
}
