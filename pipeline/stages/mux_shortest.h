/* -shortest as ffmpeg 5.1 ends an encoded video from another input: with what its encoder held. */
#ifndef ISOPIPE_PL_MUX_SHORTEST_H
#define ISOPIPE_PL_MUX_SHORTEST_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline/pl_internal.h"

/*
 * ffmpeg 5.1 feeds, one packet of one input at a time, the output stream
 * whose last written dts is the least. When the first stream (A) ends, the
 * output's end becomes A's end, and a later frame is no longer encoded; but
 * a video of another input (V) was fed up to the frame whose packet first
 * passed A's last dts before its end, and its encoder (x264's lookahead)
 * held those frames: they are flushed and written too ('-loop 1 -i pic
 * -i song -c:v libx264 -shortest' has the picture run on well past the
 * song). Each packet of V carries, from its encoder, the frames fed when it
 * came out; V keeps every frame fed up to that packet's, and those before
 * A's end.
 */
typedef struct pl_fed_entry {
  double dts_s, fed_s; /* the packet's dts; the latest frame fed when it came out */
  int64_t fed_n;       /* frames fed then */
} pl_fed_entry;

#define PL_FED_HIST 1024
#define PL_FED_MAX_REORDER 64

typedef struct pl_fed {
  pl_fed_entry *hist; /* the latest packets (a ring), until the end is decided */
  size_t head, len;
  double pre_eof_dts_s; /* the latest dts written before its stream's end reached its encoder */
  bool has_pre_eof;
  bool pending;     /* the first stream ended: waiting for the packet past its last dts */
  double after_s;   /* that dts */
  bool after_ge;    /* the ended stream comes first in the file: a tie counts as past */
  double keep_to_s; /* -1: not decided; else frames up to this time are kept */
  int64_t keep_n;   /* frames fed up to it */
  uint64_t dropped; /* packets left out after it */
} pl_fed;

void pl_fed_init(pl_fed *f);
void pl_fed_free(pl_fed *f);
/* Notes a packet queued for the stream (its encoder's tags in m); false when out of memory. */
bool pl_fed_note(pl_fed *f, bool video_encoded, const pl_msg *m, double dts_s);
/* Stream a ended first (its last dts before its end: ended->pre_eof_dts_s);
 * v, another input's encoded video, is to keep what ffmpeg's encoder held,
 * whether or not any of its packets has arrived yet. */
void pl_fed_start(pl_fed *v, const pl_fed *ended, bool ended_first);
/* -shortest's cut for a packet of v at pts_s (cut_s: the output's end;
 * written: v's packets in the file so far): true to leave it out; *finish
 * when no later packet can be kept. */
bool pl_fed_past(pl_fed *v, double cut_s, double pts_s, double dts_s, uint64_t written,
                 bool *finish);

#endif
