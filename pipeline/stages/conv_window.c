/* An output's -ss/-t window in its convert stages: cut before the filters, and after them when they
 * move time. */
#include "pipeline/stages/conv_window.h"

#include "pipeline/pl_stage.h"

int conv_window_drops(conv_window *cw, pl_msg *in) {
  if (cw->done) {
    pl_msg_free(in);
    return 1;
  }
  if (!cw->on) return 0;
  int t = pl_trim_frame(&cw->w, in->frame, in->tb);
  if (t != 0) {
    pl_msg_free(in);
    if (t > 0) cw->done = true;
    return t < -1 ? t : 1;
  }
  if (in->frame->pts != AV_NOPTS_VALUE)
    in->frame->pts -= pl_trim_start_in(&cw->w, in->frame, in->tb);
  return 0;
}

int conv_window_post(conv_window *cw, AVFrame *fr, AVRational tb) {
  if (!cw->post_on) return 0;
  if (cw->post_done) return 1;
  int t = pl_trim_frame(&cw->post, fr, tb);
  if (t > 0) cw->post_done = true;
  if (t == 0 && fr->pts != AV_NOPTS_VALUE) fr->pts -= pl_trim_start_in(&cw->post, fr, tb);
  return t;
}
