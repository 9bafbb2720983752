/* The embedding API of a pipeline: options, outputs, callbacks, start, run, cancel, free. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pipeline/pl_main.h"
#include "pipeline/pl_meta.h"
#include "pipeline/pl_preview.h"
#include "pipeline/pl_spawn.h"

void pl_pipeline_deliver_log(iso_pipeline *p, int level, const char *stage, const char *line) {
  if (p->cb.on_log) p->cb.on_log(p, level, stage, line, p->ud);
}

iso_pipeline *iso_pipeline_new(void) {
  iso_pipeline *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->job = pl_job_new();
  if (!p->job) {
    free(p);
    return NULL;
  }
  p->file[0] = p->job;
  p->nfiles = 1;
  p->status = ISO_OK;
  p->eta = -1;
  p->prog.percent = -1;
  p->prog.eta_s = -1;
  p->prog.duration_s = -1;
  return p;
}

int iso_pipeline_set(iso_pipeline *p, const char *key, const char *value) {
  if (!p) return ISO_EINVAL;
  if (p->state != ST_NEW) {
    snprintf(p->error, sizeof p->error, "options are fixed once the pipeline started");
    return ISO_ESTATE;
  }
  char err[PL_ERRLEN] = "";
  int r = pl_job_set(p->job, key, value, err, sizeof err);
  if (r != ISO_OK) snprintf(p->error, sizeof p->error, "%s", err);
  return r;
}

int iso_pipeline_add_output(iso_pipeline *p) {
  if (!p) return ISO_EINVAL;
  if (p->state != ST_NEW) {
    snprintf(p->error, sizeof p->error, "options are fixed once the pipeline started");
    return ISO_ESTATE;
  }
  if (p->nfiles >= PL_MAX_FILES) {
    snprintf(p->error, sizeof p->error, "too many outputs (max %d)", PL_MAX_FILES);
    return ISO_EINVAL;
  }
  pl_job *j = pl_job_new();
  if (!j) return ISO_ENOMEM;
  p->file[p->nfiles] = j;
  return p->nfiles++;
}

int iso_pipeline_outputs(const iso_pipeline *p) {
  return p ? p->nfiles : 0;
}

int iso_pipeline_set_output(iso_pipeline *p, int out, const char *key, const char *value) {
  if (!p) return ISO_EINVAL;
  if (out < 0 || out >= p->nfiles) {
    snprintf(p->error, sizeof p->error, "no output #%d (add it with iso_pipeline_add_output)", out);
    return ISO_EINVAL;
  }
  /* Input options are the run's, whichever output they were given with. */
  if (out == 0 || pl_job_is_input_key(key)) return iso_pipeline_set(p, key, value);
  if (p->state != ST_NEW) {
    snprintf(p->error, sizeof p->error, "options are fixed once the pipeline started");
    return ISO_ESTATE;
  }
  char err[PL_ERRLEN] = "";
  int r = pl_job_set(p->file[out], key, value, err, sizeof err);
  if (r != ISO_OK) snprintf(p->error, sizeof p->error, "%s", err);
  return r;
}

int iso_pipeline_add_input(iso_pipeline *p) {
  if (!p) return ISO_EINVAL;
  if (p->state != ST_NEW) {
    snprintf(p->error, sizeof p->error, "options are fixed once the pipeline started");
    return ISO_ESTATE;
  }
  if (p->job->ninputs >= PL_MAX_INPUTS) {
    snprintf(p->error, sizeof p->error, "too many inputs (max %d)", PL_MAX_INPUTS);
    return ISO_EINVAL;
  }
  return p->job->ninputs++;
}

int iso_pipeline_inputs(const iso_pipeline *p) {
  return p ? p->job->ninputs : 0;
}

int iso_pipeline_set_input(iso_pipeline *p, int in, const char *key, const char *value) {
  if (!p || !key) return ISO_EINVAL;
  if (p->state != ST_NEW) {
    snprintf(p->error, sizeof p->error, "options are fixed once the pipeline started");
    return ISO_ESTATE;
  }
  /* Input #0's options are the pipeline's own keys, but for its offset. */
  if (in == 0 && strcmp(key, "itsoffset")) {
    const char *k = !strcmp(key, "f") ? "input_format" : key;
    if (!strcmp(k, "i") || !strcmp(k, "input_format") || !strncmp(k, "in:", 3))
      return iso_pipeline_set(p, k, value);
  }
  char err[PL_ERRLEN] = "";
  int r = pl_input_set(p->job, in, key, value, err, sizeof err);
  if (r != ISO_OK) snprintf(p->error, sizeof p->error, "%s", err);
  return r;
}

void iso_pipeline_set_callbacks(iso_pipeline *p, const iso_pipeline_callbacks *cb, void *ud) {
  if (!p) return;
  if (cb)
    p->cb = *cb;
  else
    memset(&p->cb, 0, sizeof p->cb);
  p->ud = ud;
}

/* Custom I/O: the callbacks are copied; the name ("i" / "o", when given)
 * only names the file in messages and lets the format be guessed. */
static int io_refused(iso_pipeline *p, const char *why) {
  snprintf(p->error, sizeof p->error, "%s", why);
  return ISO_EINVAL;
}

int iso_pipeline_set_input_io(iso_pipeline *p, const iso_io *io) {
  if (!p) return ISO_EINVAL;
  if (p->state != ST_NEW) return io_refused(p, "options are fixed once the pipeline started");
  if (io && !io->read) return io_refused(p, "a custom input needs a read callback");
  p->job->in_io = io ? *io : (iso_io){0};
  return ISO_OK;
}

int iso_pipeline_set_output_io(iso_pipeline *p, int out, const iso_io *io) {
  if (!p) return ISO_EINVAL;
  if (out < 0 || out >= p->nfiles) return io_refused(p, "no such output");
  if (p->state != ST_NEW) return io_refused(p, "options are fixed once the pipeline started");
  if (io && !io->write) return io_refused(p, "a custom output needs a write callback");
  p->file[out]->out_io = io ? *io : (iso_io){0};
  return ISO_OK;
}

int iso_pipeline_set_preview(iso_pipeline *p, int width, int height, double fps, iso_preview_fn fn,
                             void *ud) {
  if (!p) return ISO_EINVAL;
  if (p->state != ST_NEW) return io_refused(p, "options are fixed once the pipeline started");
  if (width < 0 || height < 0 || !(fps >= 0) || width > 16384 || height > 16384)
    return io_refused(p, "preview: width and height 0..16384, fps >= 0");
  pl_preview_unref(&p->job->preview);
  p->preview_fn = fn;
  p->preview_ud = ud;
  if (fn && !(p->job->preview = pl_preview_new(width, height, fps > 0 ? fps : 10)))
    return ISO_ENOMEM;
  return ISO_OK;
}

int iso_pipeline_progress_copy(const iso_pipeline *p, iso_progress *out, size_t size) {
  if (!p || !out || size < offsetof(iso_progress, stages)) return ISO_EINVAL;
  memcpy(out, &p->prog, size < sizeof p->prog ? size : sizeof p->prog);
  return ISO_OK;
}

static int set_path(char **dst, const char *path) {
  free(*dst);
  *dst = path ? strdup(path) : NULL;
  return (path && !*dst) ? ISO_ENOMEM : ISO_OK;
}

int iso_pipeline_set_stats_path(iso_pipeline *p, const char *path) {
  return p ? set_path(&p->stats_path, path) : ISO_EINVAL;
}

int iso_pipeline_set_trace_path(iso_pipeline *p, const char *path) {
  if (!p) return ISO_EINVAL;
  p->job->trace = path != NULL;
  return set_path(&p->trace_path, path);
}

/* Every file the run writes through the one output-path policy: outputs
 * (each with its own protocols and overwrite), then stats and trace. */
static int path_refused(iso_pipeline *p, int r, const char *path) {
  /* A name the policy refuses (the input, a protocol) is a usage error; one
   * it cannot take (a file that exists, a directory) is the output's. */
  p->err_cat = r == PL_PATH_REFUSED ? ISO_ERRCAT_INVALID_OPTION : ISO_ERRCAT_OUTPUT_EXISTS;
  struct stat sb;
  if (r != PL_PATH_REFUSED && (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)))
    p->err_cat = ISO_ERRCAT_OUTPUT_WRITE;
  p->err_file = path;
  snprintf(p->err_stage, sizeof p->err_stage, "pipeline");
  return ISO_EINVAL;
}

int pl_main_check_pass_logs(iso_pipeline *p, char *err, size_t errlen) {
  /* A first pass's statistics: rewritten on every run, as ffmpeg does, but
   * never over an input, an output or the stats and trace files. */
  const char *names[PL_MAX_FILES + 2 + PL_MAX_OUT];
  char logs[PL_MAX_OUT][1024];
  int n = 0;
  for (int f = 0; f < p->nfiles; f++)
    if (p->file[f]->output && !p->file[f]->out_io.write) names[n++] = p->file[f]->output;
  if (p->stats_path) names[n++] = p->stats_path;
  if (p->trace_path) names[n++] = p->trace_path;
  for (int i = 0; i < p->job->nout && i < PL_MAX_OUT; i++) {
    const pl_out_stream *o = &p->job->out[i];
    const pl_job *j = p->file[o->file];
    if (!(j->pass & 1) || !pl_pass_log_name(j, o, i, logs[i], sizeof logs[i])) continue;
    for (int k = 0; k < p->job->ninputs; k++) {
      pl_outpath_ctx c = {k || !p->job->in_io.read ? pl_input_path(p->job, k) : NULL, "file", 1,
                          names, n};
      int r = pl_outpath_check("-passlogfile", logs[i], &c, err, errlen);
      if (r != PL_PATH_OK) return ISO_EINVAL;
    }
    names[n++] = logs[i];
  }
  return ISO_OK;
}

static int check_paths(iso_pipeline *p, char *err, size_t errlen) {
  const char *names[PL_MAX_FILES + 2];
  int n = 0;
  /* A custom input is no file a write could destroy; a custom output is
   * not opened by its name. */
  const char *input = p->job->in_io.read ? NULL : p->job->input;
  for (int f = 0; f < p->nfiles; f++) {
    const pl_job *j = p->file[f];
    if (!j->output || j->out_io.write) continue;
    pl_outpath_ctx c = {input, j->out_protocols, j->overwrite, names, n};
    int r = pl_outpath_check("output", j->output, &c, err, errlen);
    /* Nor a further input. */
    for (int k = 1; r == PL_PATH_OK && k < p->job->ninputs; k++) {
      pl_outpath_ctx ck = {pl_input_path(p->job, k), j->out_protocols, 1, NULL, 0};
      r = pl_outpath_check("output", j->output, &ck, err, errlen);
    }
    if (r != PL_PATH_OK) return path_refused(p, r, j->output);
    names[n++] = j->output;
  }
  const char *side[2][2] = {{"stats", p->stats_path}, {"trace", p->trace_path}};
  for (int i = 0; i < 2; i++) {
    if (!side[i][1]) continue;
    pl_outpath_ctx c = {input, "file", p->job->overwrite, names, n};
    int r = pl_outpath_check(side[i][0], side[i][1], &c, err, errlen);
    if (r != PL_PATH_OK) return path_refused(p, r, side[i][1]);
    names[n++] = side[i][1];
  }
  return ISO_OK;
}

/* ---- errors and teardown ----------------------------------------------------- */

static int start(iso_pipeline *p);

int iso_pipeline_start(iso_pipeline *p) {
  if (!p) return ISO_EINVAL;
  iso_pipeline *prev = pl_log_main_enter(p);
  pl_log_hold();
  int r = start(p);
  pl_log_unhold();
  pl_log_main_enter(prev);
  return r;
}

static int start(iso_pipeline *p) {
  if (p->state != ST_NEW) return ISO_ESTATE;
  if (!iso_is_main()) {
    snprintf(p->error, sizeof p->error, "iso_pipeline_start must run on the main isolate");
    return ISO_ESTATE;
  }
  char err[PL_ERRLEN] = "";
  int r = ISO_OK;
  for (int k = 1; k < p->job->ninputs; k++)
    if (!p->job->in[k].path) {
      snprintf(p->error, sizeof p->error, "no file for input #%d (option i)", k);
      p->status = ISO_EINVAL;
      return ISO_EINVAL;
    }
  if (p->job->in_io.read && !p->job->input)
    r = pl_job_set(p->job, "i", "custom input", err, sizeof err);
  for (int f = 0; r == ISO_OK && f < p->nfiles; f++)
    if (p->file[f]->out_io.write && !p->file[f]->output)
      r = pl_job_set(p->file[f], "o", "custom output", err, sizeof err);
  /* -ss wins over -sseof, as in ffmpeg. */
  for (int k = 0; r == ISO_OK && k < p->job->ninputs; k++)
    if (p->job->in[k].sseof_us < 0 && p->job->in[k].ss_us >= 0) {
      char line[PL_ERRLEN];
      snprintf(line, sizeof line, "input #%d: cannot use -ss and -sseof both, using -ss", k);
      pl_pipeline_deliver_log(p, AV_LOG_WARNING, "pipeline", line);
      p->job->in[k].sseof_us = 0;
    }
  /* Input windows: #0's into every output's, a further input's -to into its -t. */
  pl_input in0 = p->job->in[0];
  for (int f = 0; r == ISO_OK && f < p->nfiles; f++) {
    /* An output's own -ss, before the input's is composed into it. */
    p->file[f]->ss_out_us = p->file[f]->ss_us;
    r = pl_window_compose(p->file[f], &in0, err, sizeof err);
  }
  p->job->in[0].ss_us = p->job->in[0].t_us = p->job->in[0].to_us = -1;
  for (int k = 1; r == ISO_OK && k < p->job->ninputs; k++)
    r = pl_input_fold_to(&p->job->in[k], k, err, sizeof err);
  if (r == ISO_OK) r = pl_main_check_filters(p, err, sizeof err);
  if (r == ISO_OK) r = pl_job_prepare(p->job, err, sizeof err);
  for (int f = 1; r == ISO_OK && f < p->nfiles; f++) {
    r = pl_job_inherit_input(p->file[f], p->job);
    if (r != ISO_OK) {
      snprintf(err, sizeof err, "out of memory");
      break;
    }
    char why[PL_ERRLEN] = "";
    r = pl_job_prepare(p->file[f], why, sizeof why);
    if (r != ISO_OK) snprintf(err, sizeof err, "output #%d: %s", f, why);
  }
  if (r == ISO_OK) r = check_paths(p, err, sizeof err);
  if (r != ISO_OK) {
    snprintf(p->error, sizeof p->error, "%s", err);
    p->status = r;
    return r;
  }
  for (int f = 0; f < p->nfiles; f++) {
    if (!p->file[f]->ignored[0]) continue;
    char line[PL_ERRLEN];
    snprintf(line, sizeof line, "%s: options used by no stream, ignored as ffmpeg does: %s",
             p->file[f]->output, p->file[f]->ignored);
    pl_pipeline_deliver_log(p, AV_LOG_WARNING, "pipeline", line);
  }
  pl_job_windows(p->file, p->nfiles);
  p->stats = pl_stats_new();
  p->port = iso_port_new_raw(pl_main_port_handler, p);
  p->sp = p->port ? iso_port_sendport(p->port) : NULL;
  if (!p->stats || !p->port || !p->sp) goto nomem;
  if (p->job->preview && pl_preview_start(p->job->preview, p->sp) != ISO_OK) goto nomem;
  if (p->trace_path && pl_stats_trace_open(p->stats, p->trace_path) != ISO_OK) {
    snprintf(p->error, sizeof p->error, "cannot open trace file %s", p->trace_path);
    p->status = ISO_EINVAL;
    goto fail;
  }
  p->log_id = pl_log_acquire(p);
  for (int f = 0; f < p->nfiles; f++)
    p->file[f]->log_id = p->log_id;
  p->log_on = true;
  /* The demuxes go first, one per input: the graph depends on what the
   * inputs hold. */
  pl_job *j = p->job;
  j->nnodes = j->ninputs;
  p->nnodes = j->ninputs;
  for (int k = 0; k < j->ninputs; k++) {
    pl_node *nd = &j->node[k];
    memset(nd, 0, sizeof *nd);
    pl_numbered_name(nd->name, sizeof nd->name, "demux", k);
    nd->kind = PL_N_DEMUX;
    nd->down_node = -1;
    nd->out_stream = -1;
    nd->input = k;
  }
  p->start_ns = iso_now_ns();
  p->state = ST_STARTING;
  /* Before the first stage runs: a cancel another thread sends once the
   * demux has begun (its source may stall at once) must not be dropped. */
  atomic_store(&p->live, true);
  for (int k = 0; k < j->ninputs; k++) {
    char why[PL_ERRLEN] = "";
    r = pl_main_spawn_node(p, k, why, sizeof why);
    if (r != ISO_OK) {
      snprintf(p->error, sizeof p->error, "%s (%s): cannot spawn: %s", j->node[k].name,
               pl_input_path(j, k), *why ? why : iso_strerror(r));
      p->status = r;
      if (k == 0) {
        p->state = ST_NEW;
        goto fail;
      }
      /* The demuxes already running end with the abort. */
      pl_main_abort_all(p);
      break;
    }
  }
  p->timer = iso_timer_start(PL_TICK_NS, PL_TICK_NS, pl_main_tick, p);
  p->state = ST_RUNNING;
  return ISO_OK;
nomem:
  snprintf(p->error, sizeof p->error, "out of memory");
  p->status = ISO_ENOMEM;
fail:
  atomic_store(&p->live, false);
  atomic_store(&p->cancel_req, 0);
  if (p->log_on) pl_log_release(p);
  p->log_on = false;
  if (p->port) iso_port_close(p->port);
  p->port = NULL;
  iso_sendport_release(p->sp);
  p->sp = NULL;
  pl_stats_free(p->stats);
  p->stats = NULL;
  return p->status;
}

/* Pumps main until p is done; false when the runtime is gone (nothing can
 * end the run any more). The give-up in the tick bounds the wait. */
static bool pump_until_done(iso_pipeline *p) {
  while (p->state != ST_DONE)
    if (iso_loop_poll(100000000ull) < 0) return false;
  return true;
}

int iso_pipeline_run(iso_pipeline *p) {
  int r = iso_pipeline_start(p);
  if (r != ISO_OK) return r;
  if (!pump_until_done(p)) return ISO_ESTATE;
  return p->status;
}

void pl_main_cancel(iso_pipeline *p, iso_cancel_mode how) {
  if (p->state == ST_DONE || p->state == ST_NEW) return;
  p->cancelled = true;
  if (how == ISO_CANCEL_NOW) {
    pl_main_abort_all(p);
    return;
  }
  if (p->stopping) return;
  p->stopping = true;
  int run = PL_RUN;
  atomic_compare_exchange_strong(&p->job->flag->state, &run, PL_STOP);
  if (p->paused) iso_pipeline_pause(p, false); /* a paused demux would never read its end */
  if (p->connected)
    for (int k = 0; k < p->job->ninputs; k++)
      pl_main_send_ctl(p, k, PL_M_STOP);
  else if (!p->graph_built)
    pl_main_abort_all(p); /* nothing was written yet */
}

void iso_pipeline_cancel(iso_pipeline *p, iso_cancel_mode how) {
  if (!p) return;
  if (iso_is_main()) {
    pl_main_cancel(p, how);
    return;
  }
  /* Another thread: only atomics. The stop word reaches the demux and any
   * blocked FFmpeg I/O (its interrupt callback) at once; main's next tick
   * does the rest. */
  if (!atomic_load(&p->live)) return;
  int want = how == ISO_CANCEL_NOW ? 2 : 1;
  int cur = atomic_load(&p->cancel_req);
  while (cur < want && !atomic_compare_exchange_weak(&p->cancel_req, &cur, want)) {
  }
  int run = PL_RUN;
  atomic_compare_exchange_strong(&p->job->flag->state, &run, want == 2 ? PL_ABORT : PL_STOP);
}

int iso_pipeline_pause(iso_pipeline *p, bool pause) {
  if (!p) return ISO_EINVAL;
  if (!iso_is_main() || p->state != ST_RUNNING) return ISO_ESTATE;
  if (pause == p->paused) return ISO_OK;
  if (pause && p->stopping) return ISO_ESTATE;
  uint64_t now = iso_now_ns();
  p->paused = pause;
  if (pause)
    p->pause_start_ns = now;
  else
    p->paused_ns += now - p->pause_start_ns;
  /* Before INFO a demux's port is unknown: on_info sends the pause. */
  for (int k = 0; k < p->job->ninputs; k++)
    if (p->node[k].ctl) pl_main_send_ctl(p, k, pause ? PL_M_PAUSE : PL_M_RESUME);
  return ISO_OK;
}

bool iso_pipeline_paused(const iso_pipeline *p) {
  return p && p->paused;
}

bool iso_pipeline_done(const iso_pipeline *p) {
  return p && p->state == ST_DONE;
}
int iso_pipeline_status(const iso_pipeline *p) {
  return p ? p->status : ISO_EINVAL;
}
bool iso_pipeline_cancelled(const iso_pipeline *p) {
  return p && p->cancelled;
}
const char *iso_pipeline_error(const iso_pipeline *p) {
  return p && p->error[0] ? p->error : NULL;
}
const iso_progress *iso_pipeline_progress(const iso_pipeline *p) {
  return p ? &p->prog : NULL;
}

void iso_pipeline_free(iso_pipeline *p) {
  if (!p) return;
  if (p->state == ST_STARTING || p->state == ST_RUNNING) {
    /* Freed while running: stop now and wait for the stages to end. */
    p->cb.on_done = NULL;
    p->cb.on_progress = NULL;
    p->cb.on_log = NULL;
    p->cb.on_error = NULL;
    pl_main_cancel(p, ISO_CANCEL_NOW);
    if (!pump_until_done(p)) {
      /* iso_runtime_shutdown already ended the stages and freed main's
       * ports and timers: release the rest (handles, logs) as an end would. */
      p->port = NULL;
      p->timer = NULL;
      pl_main_finish(p);
    }
  }
  pl_stats_free(p->stats);
  for (int k = 0; k < PL_MAX_INPUTS; k++) {
    free(p->in_info[k]);
    free(p->in_dump[k]);
    pl_meta_unref(&p->in_meta[k]);
  }
  for (int f = 1; f < p->nfiles; f++)
    pl_job_free(p->file[f]);
  pl_job_free(p->job);
  free(p->stats_path);
  free(p->trace_path);
  free(p);
}
