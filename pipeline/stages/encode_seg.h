/* One segment of a segmented audio stream: the frames its encoder is fed and the packets it keeps
 * for the join, encoded on a worker isolate or read from the file a cluster task wrote. */
#ifndef ISOPIPE_PL_ENCODE_SEG_H
#define ISOPIPE_PL_ENCODE_SEG_H

#include <stdbool.h>
#include <stdint.h>

#include "codecs/codecs.h"
#include "pipeline/pl_segments.h"
#include "pipeline/pl_stage.h"

#define PL_SEG_TAG 0x504c5347u /* "PLSG": a segment's request / result */

typedef struct pl_seg_req {
  pl_enc_set *set; /* its stage's (a reference) */
  int out_stream, index;
  bool video;   /* a video segment: its frames are all encoded, its packets all kept */
  bool stopped; /* a video segment's encoder saw main's stop: its packets end the stream */
  bool head;    /* the oldest segment not yet joined when it started: it never stops early */
  pl_seg_window w;
  AVRational tb; /* of the frames' pts: 1/sample_rate (audio), the stage's input's (video) */
  AVFrame **fr;
  int nfr, frcap;
  AVPacket **pkt;
  int64_t *at;                  /* each packet's pts in samples (audio), dts (video) */
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
  /* A cluster run's input (pl_seg_file_*): written with the segment, and
   * the join reads only segments of its own; 0 none. */
  int64_t run_id;
  bool ends; /* a cluster task's video segment: the stream's last (its file says so) */
  /* A video segment: the pts of the frame after its last (the next
   * segment's first; in tb while encoding, pkt_tb in its file), AV_NOPTS_VALUE none. */
  int64_t next_pts;
  /* A video segment streamed to its encoder: the stage's reply port, where
   * the encoder names its own port for the frames and says how many it took. */
  iso_sendport *ctl;
  int64_t took;
} pl_seg_req;

void pl_seg_req_free(void *p);
/* Grows *arr (of *cap elements of elem bytes) to hold need; false when out of memory. */
bool pl_seg_grow(void **arr, int *cap, int need, size_t elem);
/* Appends pkt (taken) with its pts in samples. */
int pl_seg_add_packet(pl_seg_req *r, AVPacket *pkt, int64_t at);
/* The worker: takes a transferred pl_seg_req with its frames, encodes the
 * window, keeps the packets the join may need, returns the request. */
iso_value *pl_seg_worker(iso_value *arg);

/* The segments of a stage in flight: created (collecting or complete),
 * dispatched to an encoder, joined (sent on). slot[k % PL_SEG_SLOTS] holds
 * segment k while it is the stage's; complete: collected, then (once
 * dispatched) its result is back. */
#define PL_SEG_SLOTS (2 * PL_SEG_MAX + 4)
typedef struct pl_segrun pl_segrun;
struct pl_segrun {
  pl_filter *f;
  pl_enc_set *set; /* the stage's encoder settings (a reference, taken by the stage's start) */
  int nseg;        /* encoders at once */
  iso_port *reply;
  iso_sendport *reply_sp;
  pl_seg_req *slot[PL_SEG_SLOTS];
  bool complete[PL_SEG_SLOTS];
  int created, dispatched, joined, running;
  bool eof;               /* the input has ended: the last segment is known */
  AVCodecParameters *par; /* the stream's, until sent downstream */
  AVRational par_tb;      /* the packets' time base */
  bool params_sent;
  bool stopped; /* the join reached a stopped segment: the stream ends there */
  /* Before dispatching r: 1 encode it here, 0 it is not encoded here (the
   * hook did what else it needs), < 0 the stage failed. NULL: always 1. */
  int (*local)(pl_segrun *s, pl_seg_req *r);
  /* A message on the reply port from a running segment's encoder (not its
   * result); NULL: none are expected. */
  void (*note)(pl_segrun *s, iso_value *v);
};
pl_seg_req **pl_segrun_slot(pl_segrun *s, int k);
bool *pl_segrun_complete(pl_segrun *s, int k);
/* Starts encoders for the complete segments, in order, while fewer than
 * nseg run and fewer than 2 * nseg wait for the join. */
void pl_segrun_dispatch(pl_segrun *s);
/* The head segment is joined: freed, and the next may start (a paused
 * input resumes). */
void pl_segrun_next(pl_segrun *s);
/* Feeds in (a frame) to take, which adds it to the segments (in is freed
 * after) or says AVERROR(EAGAIN); while a complete segment waits for an
 * encoder, or take says so, the input pauses until a reply or a join. */
int pl_segrun_feed(pl_segrun *s, pl_msg *in, int (*take)(pl_segrun *s, pl_msg *in));
/* The stream's parameters as the stage's first output: true when it is
 * their turn (*out the message, NULL when out of memory). */
bool pl_segrun_params(pl_segrun *s, pl_msg **out);
/* What drain returns once nothing is ready: AVERROR_EOF after the last
 * segment (once stopped: after the input's end, with no encoder running),
 * else AVERROR(EAGAIN). */
int pl_segrun_end(const pl_segrun *s);
/* The reply port (on f's stage; its failure fails the stage), and its end
 * with every segment still held. */
void pl_segrun_open(pl_segrun *s, pl_filter *f);
void pl_segrun_close(pl_segrun *s);

/* A video segment is streamed to its encoder from its first frame. While
 * another encoder is free, the stage reads the segment whole (the next
 * segment can only start after it); with every encoder busy, it keeps at
 * most PL_VSEG_FEED frames ahead of the encoder, which reports every
 * PL_VSEG_ACK frames it takes: of the N segments encoding, only N - 1 are
 * held whole. */
#define PL_VSEG_FEED 8
#define PL_VSEG_ACK 4

/* A video segment's encoder (vseg_encode.c, on the worker): 0 or a
 * negative AVERROR, the reason in r->err. */
int pl_vseg_encode(pl_seg_req *r);

/* A segment's kept packets, with their side data, in a NUT file (par: the
 * stream's parameters; written to path.part, then renamed, so a killed
 * writer leaves no half file) and back (r->pkt_tb and r->tb set): 0, or a
 * negative AVERROR with the reason in err. */
int pl_seg_file_write(const pl_seg_req *r, const AVCodecParameters *par, const char *path,
                      char *err, size_t n);
int pl_seg_file_read(pl_seg_req *r, const char *path, char *err, size_t n);

#endif
