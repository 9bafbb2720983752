/* The order in which a muxer fed by several inputs writes its streams' packets. */
#ifndef ISOPIPE_PL_MUX_ORDER_H
#define ISOPIPE_PL_MUX_ORDER_H

#include <stdbool.h>

/*
 * With one input the demux reads in file order and the muxer writes what
 * comes as it comes. Each further input has its own demux, which would
 * read its file as fast as the muxer takes it (a whole audio track ahead
 * of the video's encoder, held in libavformat's interleaving queue). So
 * the muxer writes the earliest of its streams' first packets, and only
 * once every stream still running has one: an input ahead waits, its link
 * fills and its demux stops reading.
 */
typedef struct pl_mux_lane {
  bool live;     /* can still bring packets: not ended, or some queued */
  bool has;      /* a packet is queued */
  bool full;     /* every credit of its link is out: its sender is blocked */
  int input;     /* the input file it comes from; -1 several (a filtergraph's) */
  double head_s; /* its first queued packet's dts (or pts), seconds */
} pl_mux_lane;

/* The lane whose first packet goes next, or -1 to wait for more. alone:
 * this muxer is the pipeline's only output. */
int pl_mux_pick(const pl_mux_lane *l, int n, bool alone);

#endif
