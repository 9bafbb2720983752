/* The filter_complex stage's state, shared by its loop (lavfi.c) and the building of its graph
 * (lavfi_build.c). */
#ifndef ISOPIPE_PIPELINE_STAGES_LAVFI_H
#define ISOPIPE_PIPELINE_STAGES_LAVFI_H

#include <stdbool.h>

#include "codecs/codecs.h"
#include "pipeline/pl_stage.h"

#define FC_QMAX 256

struct lavfi_impl;

typedef struct fc_in {
  struct lavfi_impl *x;
  iso_link_rx *rx;
  uint32_t cap;
  pl_msg *q[FC_QMAX];
  ring r;
  bool eof;     /* its link ended */
  bool fed_eof; /* the graph was told */
  int file;     /* input file it comes from */
  /* what the graph was built for */
  int w, h, format, rate;
  AVChannelLayout layout;
  /* The properties (no data) and time base of its last frame, which a
   * rebuilt graph's source takes when no frame of its waits. */
  AVFrame *proto;
  AVRational tb;
  bool from_params; /* built from the stream's probed parameters, no frame yet */
  /* sub2video: a subtitle stream's canvases; the last one, which a
   * heartbeat sends again, and the last time one went in. */
  bool s2v;
  AVFrame *canvas;
  int64_t canvas_pts;
} fc_in;

typedef struct fc_out {
  struct lavfi_impl *x;
  pl_outlink link; /* done: its consumer wants no more, frames are dropped here */
  bool ended;      /* the graph's output ended: EOF sent */
  pl_msg *pending;
  double pos;   /* seconds of the last frame out */
  bool started; /* a frame went out: pos means something */
  int64_t frames;
  bool shape_sent; /* it ended with no frame: a PL_FRAME_SHAPE went out */
} fc_out;

typedef struct lavfi_impl {
  pl_stage *st;
  pl_lavfi_set *set;
  int nin, nout;
  fc_in in[PL_FC_MAX];
  fc_out out[PL_FC_MAX];
  cx_fcx *g;
  AVFrame *tmp;
  pl_stamp stamp;
  bool connected;
  bool rebuild; /* an input changed: drain, then build anew */
  bool built;   /* a graph was built before (the next is a rebuild) */
} lavfi_impl;

static inline pl_msg *in_head(const fc_in *in) {
  return in->r.len ? in->q[in->r.head] : NULL;
}

/* A sub2video heartbeat: a time, no picture. */
static inline bool in_tick(const pl_msg *m) {
  return m && m->ival == PL_FRAME_TICK;
}

/* Whether frame f (video or audio) has the size, format, rate and layout
 * in's graph source was built for. */
bool pl_lavfi_same_input(const fc_in *in, const AVFrame *f, bool video);
/* Built once every input has its first frame (its size, format, rate), or
 * has ended or holds up another without one: 0, AVERROR(EAGAIN) while it
 * waits, or another negative AVERROR. */
int pl_lavfi_build(lavfi_impl *x);

#endif
