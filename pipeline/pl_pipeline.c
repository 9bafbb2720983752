/* The embedding API and the main-isolate side of a pipeline: graph, control, errors, progress. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pl_internal.h"

#define PL_TICK_NS (1000000000ull / 60)
#define PL_KILL_AFTER_NS 1500000000ull
#define PL_GIVE_UP_NS 4000000000ull
#define PL_FPS_WINDOW 64

typedef enum { ST_NEW, ST_STARTING, ST_RUNNING, ST_DONE } pl_state;

typedef struct pl_node_rt {
  iso_isolate *iso;
  iso_sendport *ctl;
  iso_sendport *in[PL_MAX_OUT];
  bool spawned, ready, exited, done_ok, abort_sent;
  /* a muxer's latest MUXSTAT */
  bool muxstat;
  int64_t bytes, frames;
  double pos_s;
} pl_node_rt;

struct iso_pipeline {
  pl_job *job;                /* the input, the first output, and the graph */
  pl_job *file[PL_MAX_FILES]; /* every output's options; file[0] == job */
  int nfiles;
  iso_pipeline_callbacks cb;
  void *ud;
  char *stats_path, *trace_path;
  pl_state state;
  iso_port *port;
  iso_sendport *sp;
  iso_timer *timer;
  pl_stats *stats;
  pl_prio prio;
  pl_node_rt node[PL_MAX_NODES];
  int nnodes; /* spawned or to spawn */
  bool graph_built, connected, aborting, stopping, cancelled, log_on;
  uint64_t abort_ns, abort_start_ns, start_ns;
  int status;
  char error[PL_ERRLEN];
  iso_progress prog;
  int64_t out_bytes;
  uint64_t frames;
  double pos_s;
  /* recent history for fps / ETA */
  uint64_t hist_t[PL_FPS_WINDOW];
  uint64_t hist_frames[PL_FPS_WINDOW];
  double hist_pos[PL_FPS_WINDOW];
  unsigned hist_n, hist_i;
  double eta;
};

static void finish(iso_pipeline *p);

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

void iso_pipeline_set_callbacks(iso_pipeline *p, const iso_pipeline_callbacks *cb, void *ud) {
  if (!p) return;
  if (cb)
    p->cb = *cb;
  else
    memset(&p->cb, 0, sizeof p->cb);
  p->ud = ud;
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

/* ---- errors and teardown ----------------------------------------------------- */

static void send_ctl(iso_pipeline *p, int id, pl_kind kind) {
  pl_msg *m = pl_msg_new(kind);
  if (m) pl_msg_send(p->node[id].ctl, m);
}

static void abort_all(iso_pipeline *p) {
  if (!p->aborting) {
    p->aborting = true;
    p->abort_ns = p->abort_start_ns = iso_now_ns();
    atomic_store(&p->job->flag->state, PL_ABORT);
  }
  for (int i = 0; i < p->nnodes; i++) {
    pl_node_rt *n = &p->node[i];
    if (n->spawned && !n->exited && n->ctl && !n->abort_sent) {
      n->abort_sent = true;
      send_ctl(p, i, PL_M_ABORT);
    }
  }
}

static void set_error(iso_pipeline *p, int code, const char *text) {
  if (p->error[0] && p->status != ISO_OK) return; /* the first error is the cause */
  p->status = code != ISO_OK ? code : ISO_EMEDIA;
  snprintf(p->error, sizeof p->error, "%s", text);
  if (p->cb.on_error) {
    char stage[ISO_STAGE_NAME_MAX] = "pipeline";
    const char *sp = strchr(text, ' ');
    if (sp && (size_t)(sp - text) < sizeof stage)
      snprintf(stage, sizeof stage, "%.*s", (int)(sp - text), text);
    p->cb.on_error(p, stage, text, p->ud);
  }
  abort_all(p);
}

static const char *node_name(const iso_pipeline *p, int id) {
  return (id >= 0 && id < PL_MAX_NODES) ? p->job->node[id].name : "?";
}

/* The output file a stage's errors name. */
static const char *node_output(const iso_pipeline *p, int id) {
  int f = (id >= 0 && id < PL_MAX_NODES) ? p->job->node[id].file : 0;
  return p->file[f >= 0 && f < p->nfiles ? f : 0]->output;
}

/* ---- spawning and wiring ----------------------------------------------------- */

static iso_entry entry_for(pl_node_kind k) {
  switch (k) {
  case PL_N_DEMUX:
    return pl_demux_entry;
  case PL_N_DECODE:
    return pl_decode_entry;
  case PL_N_VCONV:
    return pl_vconv_entry;
  case PL_N_ACONV:
    return pl_aconv_entry;
  case PL_N_ENCODE:
    return pl_encode_entry;
  case PL_N_MUX:
    return pl_mux_entry;
  }
  return NULL;
}

static pl_prio_kind prio_kind(const iso_pipeline *p, int id) {
  const pl_node *nd = &p->job->node[id];
  switch (nd->kind) {
  case PL_N_DECODE:
    return PL_PRIO_DECODE;
  case PL_N_VCONV:
  case PL_N_ACONV:
    return PL_PRIO_CONVERT;
  case PL_N_ENCODE:
    return p->job->out[nd->out_stream].type == AVMEDIA_TYPE_AUDIO ? PL_PRIO_AUDIO_ENCODE
                                                                  : PL_PRIO_OTHER;
  default:
    return PL_PRIO_OTHER;
  }
}

/* The machine became ours, or stopped being: restep the stages. Going back
 * up needs CAP_SYS_NICE (the CLI's realtime main has it); without it the
 * stages keep the lower priority. */
static void restep(iso_pipeline *p) {
  if (!p->job->adapt_nice || !pl_prio_sample(&p->prio, iso_now_ns())) return;
  for (int i = 0; i < p->nnodes; i++) {
    pl_prio_kind k = prio_kind(p, i);
    if (k == PL_PRIO_OTHER || !p->node[i].spawned || p->node[i].exited || !p->node[i].iso) continue;
    iso_isolate_set_nice(p->node[i].iso, pl_prio_nice(p->job->worker_nice, k, p->prio.alone));
  }
  if (p->log_on)
    pl_pipeline_deliver_log(p, AV_LOG_VERBOSE, "main",
                            p->prio.alone
                                ? "machine otherwise idle: decode and convert yield to the encoders"
                                : "other programs use the cores: decode and convert step back up");
}

static int spawn_node(iso_pipeline *p, int id) {
  /* Each stage reads the options of the output it serves (decoders and
   * the demux: the first's, which holds the input's); every job holds the
   * same graph. */
  int f = p->job->node[id].file;
  pl_job *copy = pl_job_clone(p->file[f >= 0 && f < p->nfiles ? f : 0], id, p->sp);
  if (!copy) return ISO_ENOMEM;
  iso_value *msg = pl_job_value(copy);
  if (!msg) return ISO_ENOMEM;
  iso_spawn_opts o;
  iso_spawn_opts_init(&o);
  o.name = p->job->node[id].name;
  o.on_exit = p->sp;
  o.exit_msg = iso_int(id);
  o.on_error = p->sp;
  if (!o.exit_msg) {
    /* Without its exit notice main could never tell the stage ended. */
    iso_value_free(msg);
    return ISO_ENOMEM;
  }
  pl_prio_kind pk = prio_kind(p, id);
  o.nice = pl_prio_nice(p->job->worker_nice, pk, p->prio.alone);
  pl_sched ws = p->job->worker_sched;
  o.batch = ws == PL_SCHED_BATCH || (ws == PL_SCHED_AUTO && pk != PL_PRIO_OTHER);
  int r = iso_spawn(entry_for(p->job->node[id].kind), msg, &o, &p->node[id].iso);
  if (r != ISO_OK) return r;
  p->node[id].spawned = true;
  return ISO_OK;
}

static void connect_all(iso_pipeline *p) {
  pl_job *j = p->job;
  bool ok = true;
  p->connected = true;
  for (int id = 1; id < j->nnodes; id++) {
    pl_node *nd = &j->node[id];
    pl_msg *m = pl_msg_new(PL_M_CONNECT);
    if (!m) {
      ok = false;
      break;
    }
    for (int d = 0; d < pl_node_ndown(nd); d++) {
      int port, down = pl_node_down(nd, d, &port);
      m->ports[m->nports++] = iso_sendport_ref(p->node[down].in[port]);
    }
    if (pl_msg_send(p->node[id].ctl, m) != ISO_OK) ok = false;
  }
  pl_msg *m = ok ? pl_msg_new(PL_M_CONNECT) : NULL;
  if (!m) ok = false; /* the demux's own CONNECT too: without it nothing ever starts */
  if (m) {
    /* Port k feeds the demux's link k (job->dlink[k]). */
    for (int k = 0; k < j->ndlinks; k++)
      m->ports[m->nports++] = iso_sendport_ref(p->node[j->dlink[k].node].in[j->dlink[k].port]);
    /* The demux learns the graph from a fresh copy of the job. */
    m->job = pl_job_clone(j, 0, NULL);
    if (!m->job) {
      pl_msg_free(m);
      ok = false;
    } else {
      ok = pl_msg_send(p->node[0].ctl, m) == ISO_OK;
    }
  }
  /* A stage left without its CONNECT would wait forever. */
  if (!ok) set_error(p, ISO_ENOMEM, "pipeline: out of memory while connecting the stages");
}

static void on_info(iso_pipeline *p, pl_msg *m) {
  pl_job *j = p->job;
  p->node[0].ctl = m->nports > 0 ? iso_sendport_ref(m->ports[0]) : NULL;
  p->node[0].ready = true;
  if (m->info) j->info = *m->info;
  if (p->aborting) {
    abort_all(p);
    return;
  }
  char err[PL_ERRLEN] = "";
  if (pl_job_build_graph(p->file, p->nfiles, err, sizeof err) != ISO_OK) {
    char text[PL_ERRLEN + 64];
    snprintf(text, sizeof text, "pipeline (%s): %s", j->input, err);
    set_error(p, ISO_EINVAL, text);
    return;
  }
  for (int f = 1; f < p->nfiles; f++)
    pl_job_copy_graph(p->file[f], j);
  p->graph_built = true;
  p->nnodes = j->nnodes;
  for (int id = 1; id < j->nnodes; id++) {
    int r = spawn_node(p, id);
    if (r != ISO_OK) {
      char text[256];
      snprintf(text, sizeof text, "%s (%s): cannot spawn: %s", node_name(p, id), node_output(p, id),
               iso_strerror(r));
      set_error(p, r, text);
      return;
    }
  }
}

static void on_ready(iso_pipeline *p, pl_msg *m) {
  if (m->stage <= 0 || m->stage >= p->nnodes) return;
  pl_node_rt *n = &p->node[m->stage];
  n->ready = true;
  n->ctl = m->nports > 0 ? iso_sendport_ref(m->ports[0]) : NULL;
  for (int k = 1; k < m->nports && k - 1 < PL_MAX_OUT; k++)
    n->in[k - 1] = iso_sendport_ref(m->ports[k]);
  if (p->aborting) {
    abort_all(p);
    return;
  }
  for (int id = 0; id < p->nnodes; id++)
    if (!p->node[id].ready) return;
  connect_all(p);
  if (p->stopping) send_ctl(p, 0, PL_M_STOP);
}

static void on_exit_notice(iso_pipeline *p, int id) {
  if (id < 0 || id >= PL_MAX_NODES || p->node[id].exited) return;
  pl_node_rt *n = &p->node[id];
  n->exited = true;
  if (!n->done_ok && !p->aborting && !p->error[0]) {
    char text[128];
    snprintf(text, sizeof text, "%s (%s): stage ended unexpectedly", node_name(p, id),
             id == 0 ? p->job->input : node_output(p, id));
    set_error(p, ISO_ENORESULT, text);
  }
  /* Stages are spawned when the demux's INFO arrives, which precedes its
   * exit notice on this port: all exited means the run is over. */
  for (int i = 0; i < p->nnodes; i++)
    if (p->node[i].spawned && !p->node[i].exited) return;
  finish(p);
}

/* Several outputs: bytes add up, the position is the least advanced
 * unfinished output's (one cut short by its -t holds nobody back), frames
 * are the first output with video's (as ffmpeg's frame=). */
static void mux_totals(iso_pipeline *p) {
  int64_t bytes = 0, frames = -1;
  double pos = -1, done_pos = -1;
  for (int id = 0; id < p->nnodes; id++) {
    const pl_node *nd = &p->job->node[id];
    if (nd->kind != PL_N_MUX) continue;
    const pl_node_rt *r = &p->node[id];
    bool done = r->done_ok || r->exited;
    if (!r->muxstat) {
      if (!done) pos = 0; /* an output that has written nothing holds the position at 0 */
      continue;
    }
    bytes += r->bytes;
    if (frames < 0 && r->frames > 0) frames = r->frames;
    if (done) {
      if (r->pos_s > done_pos) done_pos = r->pos_s;
      continue;
    }
    if (pos < 0 || r->pos_s < pos) pos = r->pos_s;
  }
  if (pos < 0) pos = done_pos; /* every output finished */
  p->out_bytes = bytes;
  p->frames = frames > 0 ? (uint64_t)frames : 0;
  if (pos > p->pos_s) p->pos_s = pos;
}

static void on_muxstat(iso_pipeline *p, const pl_msg *m) {
  if (m->stage < 0 || m->stage >= PL_MAX_NODES) return;
  pl_node_rt *n = &p->node[m->stage];
  n->muxstat = true;
  n->bytes = m->ival;
  n->frames = m->frames;
  n->pos_s = m->pos_s;
  mux_totals(p);
}

static void on_msg(iso_pipeline *p, pl_msg *m) {
  switch (m->kind) {
  case PL_M_INFO:
    on_info(p, m);
    break;
  case PL_M_READY:
    on_ready(p, m);
    break;
  case PL_M_LOG:
    if (p->cb.on_log)
      p->cb.on_log(p, m->level, node_name(p, m->stage), m->text ? m->text : "", p->ud);
    break;
  case PL_M_ERROR: {
    int code = (int)m->ival;
    set_error(p, code < 0 ? code : ISO_EMEDIA, m->text ? m->text : "unknown error");
    break;
  }
  case PL_M_DONE:
    if (m->stage >= 0 && m->stage < PL_MAX_NODES) {
      p->node[m->stage].done_ok = true;
      /* A finished output no longer holds the position back. */
      if (p->graph_built && p->job->node[m->stage].kind == PL_N_MUX) mux_totals(p);
    }
    break;
  case PL_M_MUXSTAT:
    on_muxstat(p, m);
    break;
  default:
    break;
  }
  pl_msg_free(m);
}

static void port_handler(iso_port *port, iso_value *v, void *ud) {
  (void)port;
  iso_pipeline *p = ud;
  if (p->stats && pl_stats_take(p->stats, v)) return;
  if (iso_type(v) == ISO_V_INT) {
    int id = (int)iso_as_int(v);
    iso_value_free(v);
    on_exit_notice(p, id);
    return;
  }
  if (iso_type(v) == ISO_V_LIST) {
    /* [message, where] from an isolate that raised or crashed. */
    const char *msg = iso_as_str(iso_list_at(v, 0));
    const char *where = iso_as_str(iso_list_at(v, 1));
    char text[PL_ERRLEN];
    snprintf(text, sizeof text, "%s (%s): %s", where ? where : "stage", p->job->input,
             msg ? msg : "error");
    iso_value_free(v);
    set_error(p, ISO_EREMOTE, text);
    return;
  }
  pl_msg *m = pl_msg_take(v);
  if (!m) {
    iso_value_free(v);
    return;
  }
  on_msg(p, m);
}

/* ---- progress ------------------------------------------------------------------ */

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
  double el = (now - p->start_ns) / 1e9;
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

static void tick(iso_timer *t, void *ud) {
  iso_pipeline *p = ud;
  uint64_t now = iso_now_ns();
  pl_log_drain();
  if (p->stats) pl_stats_tick(p->stats, now, iso_timer_lateness_ns(t), iso_timer_missed(t));
  if (p->aborting && now - p->abort_start_ns > PL_GIVE_UP_NS) {
    /* Not even a kill got through (memory exhausted): report the end
     * anyway; iso_runtime_shutdown() reaps whatever is left. */
    if (p->status == ISO_OK) p->status = ISO_ENOMEM;
    finish(p);
    return;
  }
  if (p->aborting && now - p->abort_ns > PL_KILL_AFTER_NS) {
    /* A stage stuck in a long FFmpeg call: the isolate goes, exit stays prompt. */
    for (int i = 0; i < p->nnodes; i++)
      if (p->node[i].spawned && !p->node[i].exited && p->node[i].iso)
        iso_kill(p->node[i].iso, ISO_PRIO_IMMEDIATE);
    p->abort_ns = now;
  }
  if (p->state == ST_RUNNING) restep(p);
  fill_progress(p, now);
  if (p->cb.on_progress) p->cb.on_progress(p, &p->prog, p->ud);
}

static void finish(iso_pipeline *p) {
  if (p->state == ST_DONE) return;
  p->state = ST_DONE;
  uint64_t now = iso_now_ns();
  if (p->timer) {
    iso_timer_stop(p->timer);
    p->timer = NULL;
  }
  pl_log_drain();
  if (p->cancelled && p->status == ISO_OK) p->status = ISO_EKILLED;
  if (p->stats) pl_stats_end(p->stats, now);
  p->prog.finished = 1;
  fill_progress(p, now);
  if (p->stats && p->stats_path) {
    const char *outputs[PL_MAX_FILES];
    for (int f = 0; f < p->nfiles; f++)
      outputs[f] = p->file[f]->output;
    pl_run_info info = {p->job->input, p->job->output, p->status, p->error[0] ? p->error : NULL,
                        p->trace_path};
    if (pl_stats_write_json_outputs(p->stats, p->stats_path, &p->prog, &info, outputs, p->nfiles) !=
            ISO_OK &&
        p->cb.on_log) {
      char line[600];
      snprintf(line, sizeof line, "cannot write stats to %s", p->stats_path);
      p->cb.on_log(p, AV_LOG_WARNING, "main", line, p->ud);
    }
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

int iso_pipeline_start(iso_pipeline *p) {
  if (!p) return ISO_EINVAL;
  if (p->state != ST_NEW) return ISO_ESTATE;
  if (!iso_is_main()) {
    snprintf(p->error, sizeof p->error, "iso_pipeline_start must run on the main isolate");
    return ISO_ESTATE;
  }
  char err[PL_ERRLEN] = "";
  int r = pl_job_prepare(p->job, err, sizeof err);
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
  if (r != ISO_OK) {
    snprintf(p->error, sizeof p->error, "%s", err);
    p->status = r;
    return r;
  }
  pl_job_windows(p->file, p->nfiles);
  p->stats = pl_stats_new();
  p->port = iso_port_new_raw(port_handler, p);
  p->sp = p->port ? iso_port_sendport(p->port) : NULL;
  if (!p->stats || !p->port || !p->sp) goto nomem;
  if (p->trace_path && pl_stats_trace_open(p->stats, p->trace_path) != ISO_OK) {
    snprintf(p->error, sizeof p->error, "cannot open trace file %s", p->trace_path);
    p->status = ISO_EINVAL;
    goto fail;
  }
  pl_log_acquire(p);
  p->log_on = true;
  /* The demux goes first: the graph depends on what the input holds. */
  pl_job *j = p->job;
  j->nnodes = 1;
  memset(&j->node[0], 0, sizeof j->node[0]);
  snprintf(j->node[0].name, sizeof j->node[0].name, "demux");
  j->node[0].kind = PL_N_DEMUX;
  j->node[0].down_node = -1;
  j->node[0].out_stream = -1;
  j->node[0].file = 0;
  p->nnodes = 1;
  p->start_ns = iso_now_ns();
  p->state = ST_STARTING;
  r = spawn_node(p, 0);
  if (r != ISO_OK) {
    snprintf(p->error, sizeof p->error, "demux: cannot spawn: %s", iso_strerror(r));
    p->status = r;
    p->state = ST_NEW;
    goto fail;
  }
  p->timer = iso_timer_start(PL_TICK_NS, PL_TICK_NS, tick, p);
  p->state = ST_RUNNING;
  return ISO_OK;
nomem:
  snprintf(p->error, sizeof p->error, "out of memory");
  p->status = ISO_ENOMEM;
fail:
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

int iso_pipeline_run(iso_pipeline *p) {
  int r = iso_pipeline_start(p);
  if (r != ISO_OK) return r;
  while (p->state != ST_DONE)
    iso_loop_poll(100000000ull);
  return p->status;
}

void iso_pipeline_cancel(iso_pipeline *p, iso_cancel_mode how) {
  if (!p || p->state == ST_DONE || p->state == ST_NEW) return;
  p->cancelled = true;
  if (how == ISO_CANCEL_NOW) {
    abort_all(p);
    return;
  }
  if (p->stopping) return;
  p->stopping = true;
  int run = PL_RUN;
  atomic_compare_exchange_strong(&p->job->flag->state, &run, PL_STOP);
  if (p->connected)
    send_ctl(p, 0, PL_M_STOP);
  else if (!p->graph_built)
    abort_all(p); /* nothing was written yet */
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
    iso_pipeline_cancel(p, ISO_CANCEL_NOW);
    while (p->state != ST_DONE)
      iso_loop_poll(100000000ull);
  }
  pl_stats_free(p->stats);
  for (int f = 1; f < p->nfiles; f++)
    pl_job_free(p->file[f]);
  pl_job_free(p->job);
  free(p->stats_path);
  free(p->trace_path);
  free(p);
}
