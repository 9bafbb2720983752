/* An output's -ss/-t window in its convert stages: cut before the filters, and after them when they
 * move time. */
#include "pipeline/stages/conv_window.h"

#include "pipeline/pl_stage.h"

AVRational pl_out_fps(const pl_job *j, const pl_out_stream *o) {
  AVRational fps = j->rate;
  if (fps.num <= 0 || fps.den <= 0) fps = j->info.st[o->in_index].fps;
  if (fps.num <= 0 || fps.den <= 0) fps = (AVRational){25, 1};
  return fps;
}

/* With -frames:v, ffmpeg ends the whole output once its video has that
 * many frames: the output's other streams end where the last one does
 * (at out_fps, as convert:v paces it), which keeps A/V in sync. */
static int64_t frames_end_us(const pl_job *job, int64_t start_us) {
  const pl_out_stream *me = &job->out[job->node[job->self].out_stream];
  if (job->max_vframes < 1 || me->type == AVMEDIA_TYPE_VIDEO) return -1;
  for (int i = 0; i < job->nout; i++) {
    const pl_out_stream *o = &job->out[i];
    if (o->file != me->file || o->type != AVMEDIA_TYPE_VIDEO || o->copy) continue;
    return start_us + av_rescale_q(job->max_vframes, av_inv_q(pl_out_fps(job, o)), AV_TIME_BASE_Q);
  }
  return -1;
}

/*
 * ffmpeg cuts an output's -ss/-t after its filters, on their output's
 * clock, and an input's before them. Where the filters keep time the two
 * agree and the whole window is cut before them (nothing past the end is
 * filtered); where they move it (setpts, select, thumbnail, atempo...)
 * only the input's part is, and the output's own part is cut after them:
 * from its -ss (given after -i) for its -t, timestamps then counted from
 * that -ss.
 */
void conv_window_init(conv_window *cw, const pl_job *job, unsigned kind_bit) {
  const pl_node *nd = &job->node[job->self];
  AVRational tb = job->info.st[job->out[nd->out_stream].in_index].tb;
  int64_t start = job->win_start_us > 0 ? job->win_start_us : 0, end = job->win_end_us;
  int64_t fend = frames_end_us(job, start);
  if (fend >= 0 && (end < 0 || fend < end)) end = fend;
  if ((job->cut_after & kind_bit) && fend < 0) {
    int64_t own = job->ss_out_us > 0 ? job->ss_out_us : 0;
    int64_t pre_end = job->t_from_input ? end : -1;
    cw->on = true;
    cw->w = pl_trim_make(tb, start - own, pre_end, start - own > 0);
    cw->w.whole_end = !job->t_from_input;
    cw->post_on = true;
    cw->post = pl_trim_make(AV_TIME_BASE_Q, own,
                            job->t_from_input || job->t_us < 0 ? -1 : own + job->t_us, own > 0);
    cw->post.whole_end = true;
    return;
  }
  cw->on = pl_job_trims(job) || end != job->win_end_us;
  cw->w = pl_trim_make(tb, job->win_start_us, end, job->win_start_us > 0);
  cw->w.whole_end = !job->t_from_input;
}

bool conv_window_drops(conv_window *cw, pl_msg *in) {
  if (cw->done) {
    pl_msg_free(in);
    return true;
  }
  if (!cw->on) return false;
  int t = pl_trim_frame(&cw->w, in->frame, in->tb);
  if (t != 0) {
    pl_msg_free(in);
    if (t > 0) cw->done = true;
    return true;
  }
  if (in->frame->pts != AV_NOPTS_VALUE)
    in->frame->pts -= pl_trim_start_in(&cw->w, in->frame, in->tb);
  return false;
}

int conv_window_post(conv_window *cw, AVFrame *fr, AVRational tb) {
  if (!cw->post_on) return 0;
  if (cw->post_done) return 1;
  int t = pl_trim_frame(&cw->post, fr, tb);
  if (t > 0) cw->post_done = true;
  if (t == 0 && fr->pts != AV_NOPTS_VALUE) fr->pts -= pl_trim_start_in(&cw->post, fr, tb);
  return t;
}
