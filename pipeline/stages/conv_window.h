/* An output's -ss/-t window in its convert stages: cut before the filters, and after them when they
 * move time. */
#ifndef ISOPIPE_CONV_WINDOW_H
#define ISOPIPE_CONV_WINDOW_H

#include <stdbool.h>

#include "pipeline/pl_spawn.h"

/* conv_window (pl_spawn.h): main sets it at spawn, the stage keeps it. */
/* Consumes in when it is outside the window (1: 'done' may now be set) or
 * when out of memory (AVERROR(ENOMEM)); otherwise (0) its timestamp counts
 * from the window's start, as ffmpeg's output -ss makes it. */
int conv_window_drops(conv_window *cw, pl_msg *in);
/* A frame out of the filters (pts in tb): -1 drop it, 1 the window has
 * ended (post_done set; drop it), 0 keep it, its pts from the window's start;
 * AVERROR(ENOMEM) out of memory. */
int conv_window_post(conv_window *cw, AVFrame *fr, AVRational tb);

#endif
