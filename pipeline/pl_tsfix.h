/* Input timestamp discontinuities: the correction ffmpeg applies to formats that declare them. */
#ifndef ISOPIPE_PL_TSFIX_H
#define ISOPIPE_PL_TSFIX_H

#include <libavformat/avformat.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Formats flagged AVFMT_TS_DISCONT (MPEG-TS, MPEG-PS, ...) may restart or
 * jump their clock mid-file: concatenated recordings, a broadcaster's
 * splice. Left alone, the restarted timestamps fall inside the window
 * already written, so decoded video is dropped as late and a copy is
 * refused by the muxer. As ffmpeg (-dts_delta_threshold, 10 s by default),
 * one offset for the whole file absorbs a jump of a stream's dts against
 * the dts its previous packet predicts: forward by more than the
 * threshold, or back by more than a tenth of a second. The offset moves
 * every stream, so their sync is kept.
 */

typedef struct pl_tsfix_stream {
  int64_t next_us; /* dts the next packet should have; INT64_MIN: none yet */
  int64_t last_us; /* dts of the last packet */
  int64_t step_us; /* a frame's duration when packets carry none */
} pl_tsfix_stream;

typedef struct pl_tsfix {
  bool on;
  int n;
  int64_t offset_us; /* added to every packet of the file */
  int64_t last_us;   /* dts of the last packet of any stream */
  int64_t jumps;
  int64_t threshold_us;
  pl_tsfix_stream *s;
} pl_tsfix;

/* on: the format declares discontinuities and the user keeps no input
 * timestamps as they are; threshold_us: the forward jump that counts as
 * one. Returns false when out of memory. */
bool pl_tsfix_init(pl_tsfix *f, const AVFormatContext *fmt, bool on, int64_t threshold_us);
void pl_tsfix_free(pl_tsfix *f);
/* Moves pkt (in tb) by the file's offset; returns the jump it absorbed
 * now, in microseconds (0: none). */
int64_t pl_tsfix_apply(pl_tsfix *f, AVPacket *pkt, AVRational tb);

#endif
