/* The input read again from its start (-stream_loop): each pass's length and where the next one
 * starts. */
#ifndef ISOPIPE_PIPELINE_STAGES_DEMUX_LOOP_H
#define ISOPIPE_PIPELINE_STAGES_DEMUX_LOOP_H

#include <libavcodec/packet.h>
#include <libavformat/avformat.h>
#include <stdbool.h>
#include <stdint.h>

#include "pipeline/pl_internal.h"

/* The length of what was read is ffmpeg 5.1's, so every pass starts where
 * ffmpeg starts it: per stream, the span of its timestamps plus its last
 * frame; when a decoded audio stream has samples, the audio streams alone
 * count, their last frame being the samples it decodes to; the longest
 * stream gives the input's length. The lengths cover every pass so far, so
 * pass k is moved by the length of the k passes before it. */
typedef struct dloop {
  int left; /* passes still to read after this one; -1 endless */
  int64_t add;
  AVRational add_tb;                    /* what this pass's timestamps are moved by (0: none yet) */
  int64_t lo[PL_MAX_IN], hi[PL_MAX_IN]; /* per stream, in its time base: pts span */
  int last_samples[PL_MAX_IN];          /* a decoded audio stream's last frame */
  bool seen[PL_MAX_IN];
  int64_t packets; /* read in this pass: an empty pass ends the loop */
} dloop;

void dloop_init(dloop *l, int loops);
/* Moves one packet of stream st by the passes before and counts it in the
 * input's length; decoded: the stream has a decoder (its last frame is then
 * counted in samples, as a decoder gives them). */
void dloop_packet(dloop *l, AVPacket *pkt, const AVStream *st, bool decoded);
/* At the input's end: true when another pass is to be read (the caller
 * seeks to the start), with its offset set. rate: -r before -i ({0,0} none). */
bool dloop_next(dloop *l, const AVFormatContext *fmt, const bool *decoded, AVRational rate);

#endif
