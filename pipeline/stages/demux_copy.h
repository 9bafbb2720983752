/* What a link out of the demux keeps of its stream: a copy's window (its output's -ss/-t, ffmpeg's
 * stream-copy rules) and the shift that gives its output's timestamps. */
#ifndef ISOPIPE_PIPELINE_STAGES_DEMUX_COPY_H
#define ISOPIPE_PIPELINE_STAGES_DEMUX_COPY_H

#include <libavcodec/packet.h>
#include <libavformat/avformat.h>
#include <stdbool.h>
#include <stdint.h>

#include "pipeline/pl_internal.h"

typedef struct dcopy {
  bool copy, started;
  bool from_key;      /* an output -ss: nothing decoded before it, even at 0 */
  bool any_start;     /* -copyinkf: the first packet need not be a keyframe */
  int64_t start, end; /* the window (its output's -ss/-t) after the read's start, in the tb */
  int64_t restore;    /* -copyts: what the read took off, less -start_at_zero's start */
  /* Subtracted from a packet's timestamps to give the output's (0 at its
   * -ss; with -copyts the input's clock less -ss); own_end: the output's
   * own end on that clock, INT64_MAX none (end then holds an input's). */
  int64_t shift, own_end;
} dcopy;

/* Where the read of a stream in time base tb stands: offset is what the
 * demux takes off its timestamps (the read's start), scale its -itsscale;
 * the input's -itsoffset, -start_at_zero's start (zero, 0 without it) and
 * a further input's own end (in_end_us, -1 none), all in microseconds. */
typedef struct dcopy_read {
  AVRational tb;
  int64_t offset;
  double scale;
  int64_t itsoffset_us, zero_us, in_end_us;
  bool copyts;
} dcopy_read;

void dcopy_init(dcopy *w, const pl_demux_link *dl, const dcopy_read *rd);

typedef enum { DCOPY_SKIP, DCOPY_SEND, DCOPY_END } dcopy_verdict;
/* For a copy: whether pkt (timestamps as read, less the offset) goes out,
 * is left out, or ends the link (its -t reached). Other links: SEND. */
dcopy_verdict dcopy_packet(dcopy *w, const AVPacket *pkt);

/* The decode time ffmpeg 5.1's stream copy gives a packet read without one
 * (Matroska's video with B-frames): its reading of the stream from the first
 * packet, in microseconds. */
typedef struct dcopy_dts {
  bool seen;
  int64_t dts, next; /* microseconds */
} dcopy_dts;

/* Follows the stream s with pkt (every packet read, timestamps as they go
 * out less the shift): the dts ffmpeg writes for pkt when it has none, in
 * microseconds (ffmpeg rescales it from there to the file's time base),
 * AV_NOPTS_VALUE when unknown. */
int64_t dcopy_dts_guess(dcopy_dts *p, const AVPacket *pkt, const AVStream *s);

/* ts * scale as ffmpeg computes it (the product truncated), or no
 * timestamp where that leaves int64_t's range. */
int64_t dcopy_scaled(int64_t ts, double scale);

#endif
