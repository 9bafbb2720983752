/* An output's -ss/-t window in its convert stages: cut before the filters, and after them when they
 * move time. */
#ifndef ISOPIPE_CONV_WINDOW_H
#define ISOPIPE_CONV_WINDOW_H

#include <stdbool.h>

#include "pipeline/pl_internal.h"

/* The decoders serve every output and cut only to the union of their
 * windows (pl_job_windows); the first stage of an output of its own cuts
 * to that output's, so one output ending never ends another. */
typedef struct conv_window {
  pl_trim w;
  bool on;   /* narrower than the input's: cut here */
  bool done; /* past its end: the converter drains, then the stage ends */
  /* The output's own -ss/-t on the filters' output (pl_job.cut_after). */
  pl_trim post;
  bool post_on, post_done;
} conv_window;

/* kind_bit: 1 for a video stage, 2 for an audio one (pl_job.cut_after). */
void conv_window_init(conv_window *cw, const pl_job *job, unsigned kind_bit);
/* Consumes in when it is outside the window (true: 'done' may now be set);
 * otherwise its timestamp counts from the window's start, as ffmpeg's
 * output -ss makes it. */
bool conv_window_drops(conv_window *cw, pl_msg *in);
/* A frame out of the filters (pts in tb): -1 drop it, 1 the window has
 * ended (post_done set; drop it), 0 keep it, its pts from the window's start. */
int conv_window_post(conv_window *cw, AVFrame *fr, AVRational tb);

#endif
