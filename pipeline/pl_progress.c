/* The main isolate's 60 Hz tick: progress, rate and ETA, and the end of the run (stats, trace,
 * status). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pl_main.h"
#include "pipeline/pl_preview.h"

/* The longest output's: progress runs until the last output is done. */
static double expected_duration(const iso_pipeline *p) {
  const pl_job *j = p->job;
  double longest = -1;
  for (int f = 0; f < p->nfiles; f++) {
    const pl_job *fj = p->file[f];
    double d = -1;
    if (j->info.duration_us != AV_NOPTS_VALUE && j->info.duration_us > 0) {
      d = j->info.duration_us / 1e6;
      if (fj->ss_us > 0) d -= fj->ss_us / 1e6;
      if (d < 0) d = 0;
    }
    if (fj->t_us >= 0 && (d < 0 || fj->t_us / 1e6 < d)) d = fj->t_us / 1e6;
    if (d < 0) return -1; /* one output of unknown length: the run's is unknown */
    if (d > longest) longest = d;
  }
  return longest;
}

static void fill_progress(iso_pipeline *p, uint64_t now) {
  iso_progress *g = &p->prog;
  int finished = g->finished;
  if (p->stats) pl_stats_fill(p->stats, g);
  g->finished = finished;
  g->position_s = p->pos_s;
  g->duration_s = p->graph_built ? expected_duration(p) : -1;
  g->frames = p->frames;
  g->out_bytes = p->out_bytes > 0 ? (uint64_t)p->out_bytes : 0;
  g->bitrate_kbps = p->pos_s > 0 ? g->out_bytes * 8.0 / p->pos_s / 1000.0 : 0;
  uint64_t paused = p->paused_ns + (p->paused ? now - p->pause_start_ns : 0);
  double el = (now - p->start_ns - paused) / 1e9; /* time paused is no time spent */
  g->elapsed_s = el;
  g->speed = el > 0 ? p->pos_s / el : 0;
  g->percent = g->duration_s > 0 ? fmin(100.0, 100.0 * p->pos_s / g->duration_s) : -1;

  /* A ~1 s window for the recent frame rate and speed. */
  unsigned i = p->hist_i % PL_FPS_WINDOW;
  p->hist_t[i] = now;
  p->hist_frames[i] = p->frames;
  p->hist_pos[i] = p->pos_s;
  p->hist_i++;
  if (p->hist_n < PL_FPS_WINDOW) p->hist_n++;
  unsigned oldest = p->hist_n < PL_FPS_WINDOW ? 0 : p->hist_i % PL_FPS_WINDOW;
  double dt = (now - p->hist_t[oldest]) / 1e9;
  double rspeed = g->speed;
  if (dt > 0.2) {
    g->fps = (p->frames - p->hist_frames[oldest]) / dt;
    rspeed = (p->pos_s - p->hist_pos[oldest]) / dt;
  } else if (el > 0) {
    g->fps = p->frames / el;
  }
  if (g->duration_s > 0 && rspeed > 0 && el > 1.0 && p->pos_s > 0) {
    double raw = (g->duration_s - p->pos_s) / rspeed;
    if (raw < 0) raw = 0;
    p->eta = p->eta < 0 ? raw : 0.9 * p->eta + 0.1 * raw;
    g->eta_s = p->eta;
  } else {
    g->eta_s = -1;
  }
  if (g->finished) {
    g->eta_s = 0;
    if (g->duration_s > 0 && p->status == ISO_OK && !p->cancelled) g->percent = 100;
  }
}

static void tick(iso_pipeline *p, iso_timer *t);

/* Not even a kill got through: a stage is blocked in a call that ignores
 * it (a caller's I/O callback, a long FFmpeg call). Said once, naming the
 * stages; the run still ends only when they have exited, since until then
 * they use what the run owns and the caller's callbacks (iso_io's promise:
 * no call after on_done). */
static void give_up(iso_pipeline *p) {
  p->gave_up = true;
  char names[160] = "";
  size_t len = 0;
  for (int i = 0; i < p->nnodes && len < sizeof names; i++)
    if (p->node[i].spawned && !p->node[i].exited)
      len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "",
                              p->job->node[i].name);
  char text[PL_ERRLEN];
  snprintf(text, sizeof text,
           "pipeline (%s): stages did not stop within %.0f s of the abort (still running: %s); "
           "waiting for them",
           p->job->input, PL_GIVE_UP_NS / 1e9, names);
  if (p->status == ISO_OK && !p->cancelled)
    pl_main_fail(p, ISO_ETIMEDOUT, 0, ISO_ERRCAT_TIMEOUT, -1, text);
  else
    pl_pipeline_deliver_log(p, AV_LOG_WARNING, "pipeline", text);
}

void pl_main_tick(iso_timer *t, void *ud) {
  iso_pipeline *prev = pl_log_main_enter(ud);
  tick(ud, t);
  pl_log_main_enter(prev);
}

static void tick(iso_pipeline *p, iso_timer *t) {
  uint64_t now = iso_now_ns();
  int req = atomic_exchange(&p->cancel_req, 0);
  if (req) pl_main_cancel(p, req == 2 ? ISO_CANCEL_NOW : ISO_CANCEL_GRACEFUL);
  pl_preview_tick(p->job->preview);
  pl_log_drain(p, p->log_id);
  if (p->stats) pl_stats_tick(p->stats, now, iso_timer_lateness_ns(t), iso_timer_missed(t));
  if (p->aborting && !p->gave_up && now - p->abort_start_ns > PL_GIVE_UP_NS) give_up(p);
  if (p->aborting && now - p->abort_ns > PL_KILL_AFTER_NS) {
    /* A stage stuck in a long FFmpeg call: the isolate goes, exit stays prompt. */
    for (int i = 0; i < p->nnodes; i++)
      if (p->node[i].spawned && !p->node[i].exited && p->node[i].iso)
        iso_kill(p->node[i].iso, ISO_PRIO_IMMEDIATE);
    p->abort_ns = now;
  }
  if (p->state == ST_RUNNING) pl_main_restep(p);
  fill_progress(p, now);
  uint64_t period = p->job->progress_period_ns;
  if (period && p->last_progress_ns && now - p->last_progress_ns < period) return;
  p->last_progress_ns = now;
  if (p->cb.on_progress) p->cb.on_progress(p, &p->prog, p->ud);
}

/* ffmpeg's -max_error_rate, per stream: a decoder that failed on more of
 * its packets than the rate allows fails the run once every output is
 * finished (what could be decoded stays written, as in ffmpeg). */
static void check_error_rate(iso_pipeline *p) {
  if (p->status != ISO_OK || p->cancelled || !p->graph_built) return;
  double rate = p->job->max_error_rate;
  for (int i = 0; i < p->job->nnodes; i++) {
    const pl_node_rt *n = &p->node[i];
    if (p->job->node[i].kind != PL_N_DECODE || !n->done_ok || n->decode_errors <= 0) continue;
    double tried = (double)(n->decoded + n->decode_errors);
    if (n->decode_errors <= rate * tried) continue;
    char text[PL_ERRLEN];
    snprintf(text, sizeof text,
             "%s (%s): %lld of %.0f decode attempts failed (%.0f %%), above max_error_rate %.2f",
             p->job->node[i].name, pl_basename(pl_input_path(p->job, p->job->node[i].input)),
             (long long)n->decode_errors, tried, 100.0 * n->decode_errors / tried, rate);
    pl_main_fail(p, ISO_EMEDIA, AVERROR_INVALIDDATA, ISO_ERRCAT_CORRUPT, i, text);
    return;
  }
}

/* A file of the run (stats, trace) could not be written whole: the run
 * fails (exit 1 in the CLI), or, already failed, says so in a log line. */
static void write_failed(iso_pipeline *p, const char *what, const char *path, int errnum) {
  char text[PL_ERRLEN];
  snprintf(text, sizeof text, "%s (%s): cannot write: %s", what, path,
           strerror(errnum ? errnum : EIO));
  if (p->status == ISO_OK)
    pl_main_fail(p, ISO_EMEDIA, AVERROR(errnum ? errnum : EIO), ISO_ERRCAT_OUTPUT_WRITE, -1, text);
  else if (p->cb.on_log)
    p->cb.on_log(p, AV_LOG_ERROR, what, text, p->ud);
}

void pl_main_show_preview(iso_pipeline *p, const AVFrame *f) {
  iso_preview_frame pf = {f->width, f->height, f->linesize[0], f->data[0],
                          f->pts != AV_NOPTS_VALUE ? f->pts / 1e6 : -1};
  p->preview_fn(p, &pf, p->preview_ud);
}

void pl_main_finish(iso_pipeline *p) {
  if (p->state == ST_DONE) return;
  p->state = ST_DONE;
  atomic_store(&p->live, false);
  uint64_t now = iso_now_ns();
  if (p->timer) {
    iso_timer_stop(p->timer);
    p->timer = NULL;
  }
  pl_log_drain(p, p->log_id);
  AVFrame *last = p->preview_fn ? pl_preview_last(p->job->preview) : NULL;
  if (last) pl_main_show_preview(p, last);
  av_frame_free(&last);
  pl_preview_stop(p->job->preview);
  check_error_rate(p);
  /* A cancel from another thread that no tick picked up yet still counts:
   * the stages saw its stop word. */
  if (atomic_exchange(&p->cancel_req, 0)) p->cancelled = true;
  /* A stage interrupted by the cancel may report that as its error. */
  if (p->cancelled && (p->status == ISO_OK || p->err_averr == AVERROR_EXIT)) {
    p->status = ISO_ECANCELLED;
    p->err_cat = ISO_ERRCAT_CANCELLED;
    p->err_averr = 0;
    snprintf(p->err_stage, sizeof p->err_stage, "pipeline");
    p->err_file = p->job->input;
    snprintf(p->error, sizeof p->error, "pipeline (%s): cancelled", p->job->input);
  }
  if (p->stats) pl_stats_end(p->stats, now);
  /* A trace cut short (a full disk) is invalid JSON: the run failed. */
  int terr = p->stats && p->trace_path ? pl_stats_trace_errno(p->stats) : 0;
  if (terr) write_failed(p, "trace", p->trace_path, terr);
  p->prog.finished = 1;
  fill_progress(p, now);
  if (p->stats && p->stats_path) {
    const char *outputs[PL_MAX_FILES];
    for (int f = 0; f < p->nfiles; f++)
      outputs[f] = p->file[f]->output;
    pl_run_info info = {p->job->input, p->job->output,
                        p->status,     p->error[0] ? p->error : NULL,
                        p->trace_path, p->job->max_error_rate};
    if (pl_stats_write_json_outputs(p->stats, p->stats_path, &p->prog, &info, outputs, p->nfiles) !=
        ISO_OK)
      write_failed(p, "stats", p->stats_path, errno);
  }
  if (p->cb.on_progress) p->cb.on_progress(p, &p->prog, p->ud);
  for (int i = 0; i < PL_MAX_NODES; i++) {
    pl_node_rt *n = &p->node[i];
    iso_sendport_release(n->ctl);
    n->ctl = NULL;
    for (int k = 0; k < PL_MAX_OUT; k++) {
      iso_sendport_release(n->in[k]);
      n->in[k] = NULL;
    }
    if (n->iso) iso_isolate_release(n->iso);
    n->iso = NULL;
  }
  if (p->port) {
    iso_port_close(p->port);
    p->port = NULL;
  }
  iso_sendport_release(p->sp);
  p->sp = NULL;
  if (p->log_on) {
    pl_log_release(p);
    p->log_on = false;
  }
  if (p->cb.on_done) p->cb.on_done(p, p->status, p->ud);
}

/* ---- public control ------------------------------------------------------------ */
