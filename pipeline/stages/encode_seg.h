/* One segment of a segmented audio stream: the frames its encoder is fed and the packets it keeps
 * for the join, encoded on a worker isolate or read from the file a cluster task wrote. */
#ifndef ISOPIPE_PL_ENCODE_SEG_H
#define ISOPIPE_PL_ENCODE_SEG_H

#include <stdbool.h>
#include <stdint.h>

#include "codecs/codecs.h"
#include "pipeline/pl_stage.h"
#include "pipeline/pl_segments.h"

#define PL_SEG_TAG 0x504c5347u /* "PLSG": a segment's request / result */

typedef struct pl_seg_req {
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
} pl_seg_req;

void pl_seg_req_free(void *p);
/* Grows *arr (of *cap elements of elem bytes) to hold need; false when out of memory. */
bool pl_seg_grow(void **arr, int *cap, int need, size_t elem);
/* Appends pkt (taken) with its pts in samples. */
int pl_seg_add_packet(pl_seg_req *r, AVPacket *pkt, int64_t at);
/* The worker: takes a transferred pl_seg_req with its frames, encodes the
 * window, keeps the packets the join may need, returns the request. */
iso_value *pl_seg_worker(iso_value *arg);

/* A segment's kept packets, with their side data, in a NUT file (par: the
 * stream's parameters) and back (r->pkt_tb and r->tb set): 0, or a
 * negative AVERROR with the reason in err. */
int pl_seg_file_write(const pl_seg_req *r, const AVCodecParameters *par, const char *path,
                      char *err, size_t n);
int pl_seg_file_read(pl_seg_req *r, const char *path, char *err, size_t n);

#endif
