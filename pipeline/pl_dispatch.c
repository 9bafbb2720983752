/* The main isolate's dispatcher: spawning and wiring the stages, their messages, errors and aborts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "base/textfit.h"
#include "codecs/codecs.h"
#include "pipeline/pl_main.h"
#include "pipeline/pl_meta.h"
#include "pipeline/pl_preview.h"
#include "pipeline/pl_segments.h"
#include "pipeline/pl_spawn.h"

void pl_main_send_ctl(iso_pipeline *p, int id, pl_kind kind) {
  pl_msg *m = pl_msg_new(kind);
  if (m) pl_msg_send(p->node[id].ctl, m);
}

void pl_main_abort_all(iso_pipeline *p) {
  if (!p->aborting) {
    p->aborting = true;
    p->abort_ns = p->abort_start_ns = iso_now_ns();
    atomic_store(&p->job->flag->state, PL_ABORT);
  }
  for (int i = 0; i < p->nnodes; i++) {
    pl_node_rt *n = &p->node[i];
    if (n->spawned && !n->exited && n->ctl && !n->abort_sent) {
      n->abort_sent = true;
      pl_main_send_ctl(p, i, PL_M_ABORT);
    }
  }
}

void pl_main_fail(iso_pipeline *p, int code, int averr, int cat, int node, const char *text) {
  if (p->error[0] && p->status != ISO_OK) return; /* the first error is the cause */
  p->status = code != ISO_OK ? code : ISO_EMEDIA;
  textfit(p->error, sizeof p->error, text);
  p->err_averr = averr;
  bool staged = p->graph_built || (node >= 0 && node < p->job->ninputs);
  if (node >= 0 && node < PL_MAX_NODES && staged) {
    const pl_node *nd = &p->job->node[node];
    snprintf(p->err_stage, sizeof p->err_stage, "%s", nd->name);
    int f = nd->file >= 0 && nd->file < p->nfiles ? nd->file : 0;
    bool in = nd->kind == PL_N_DEMUX || nd->kind == PL_N_DECODE;
    p->err_file = in ? pl_input_path(p->job, nd->input) : p->file[f]->output;
    p->err_cat = cat ? cat : (int)pl_error_classify(p->status, averr, (int)nd->kind);
  } else {
    snprintf(p->err_stage, sizeof p->err_stage, "pipeline");
    const char *sp = strchr(text, ' ');
    if (sp && (size_t)(sp - text) < sizeof p->err_stage)
      snprintf(p->err_stage, sizeof p->err_stage, "%.*s", (int)(sp - text), text);
    p->err_file = p->job->input;
    p->err_cat = cat ? cat : (int)pl_error_classify(p->status, averr, -1);
  }
  if (p->cb.on_error) p->cb.on_error(p, p->err_stage, text, p->ud);
  pl_main_abort_all(p);
}

void pl_main_set_error(iso_pipeline *p, int code, const char *text) {
  pl_main_fail(p, code, 0, 0, -1, text);
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
  case PL_N_LAVFI:
    return pl_lavfi_entry;
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
  case PL_N_LAVFI:
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
void pl_main_restep(iso_pipeline *p) {
  if (!p->job->adapt_nice || !pl_prio_sample(&p->prio, iso_now_ns())) return;
  /* Levels are above the main isolate's own niceness (a run under nice
   * stays under it), as the stages were spawned. */
  int base = getpriority(PRIO_PROCESS, 0);
  for (int i = 0; i < p->nnodes; i++) {
    pl_prio_kind k = prio_kind(p, i);
    if (k == PL_PRIO_OTHER || !p->node[i].spawned || p->node[i].exited || !p->node[i].iso) continue;
    int n = base + pl_prio_nice(p->job->worker_nice, k, p->prio.alone);
    iso_isolate_set_nice(p->node[i].iso, n > 19 ? 19 : n);
  }
  if (p->log_on)
    pl_pipeline_deliver_log(p, AV_LOG_VERBOSE, "main",
                            p->prio.alone
                                ? "machine otherwise idle: decode and convert yield to the encoders"
                                : "other programs use the cores: decode and convert step back up");
}

/* The profiler learns each stage's place in the graph from the graph itself. */
static void declare(iso_pipeline *p, int id) {
  const pl_job *j = p->job;
  const pl_node *nd = &j->node[id];
  static const int kinds[] = {[PL_N_DEMUX] = ISO_STAGE_INPUT,   [PL_N_DECODE] = ISO_STAGE_DECODE,
                              [PL_N_VCONV] = ISO_STAGE_FILTER,  [PL_N_ACONV] = ISO_STAGE_FILTER,
                              [PL_N_ENCODE] = ISO_STAGE_ENCODE, [PL_N_MUX] = ISO_STAGE_OUTPUT,
                              [PL_N_LAVFI] = ISO_STAGE_FILTER};
  int kind =
      (unsigned)nd->kind < sizeof kinds / sizeof kinds[0] ? kinds[nd->kind] : ISO_STAGE_OTHER;
  char media = 0;
  bool typed = nd->kind == PL_N_DECODE ||
               (nd->out_stream >= 0 && nd->out_stream < j->nout && kind != ISO_STAGE_OUTPUT);
  if (typed) {
    enum AVMediaType t =
        nd->kind == PL_N_DECODE ? j->info.st[nd->in_stream].type : j->out[nd->out_stream].type;
    media = t == AVMEDIA_TYPE_VIDEO ? 'v' : t == AVMEDIA_TYPE_AUDIO ? 'a' : 0;
  }
  bool shared = kind == ISO_STAGE_INPUT || kind == ISO_STAGE_DECODE || nd->kind == PL_N_LAVFI;
  if (p->stats) pl_stats_declare(p->stats, nd->name, kind, media, shared ? -1 : nd->file);
}

int pl_main_spawn_node(iso_pipeline *p, int id, char *err, size_t n) {
  if (n) *err = 0;
  /* Each stage reads the options of the output it serves (decoders and
   * the demux: the first's, which holds the input's); every job holds the
   * same graph. */
  int f = p->job->node[id].file;
  declare(p, id);
  pl_spawn *s = NULL;
  int r = pl_spawn_new(p->file[f >= 0 && f < p->nfiles ? f : 0], id, p->sp, &s, err, n);
  if (r != ISO_OK) return r;
  iso_value *msg = pl_spawn_value(s);
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
  r = iso_spawn(entry_for(p->job->node[id].kind), msg, &o, &p->node[id].iso);
  if (r != ISO_OK) return r;
  p->node[id].spawned = true;
  return ISO_OK;
}

/* Demux k's CONNECT: the ports of the links out of input k, in the order
 * of job->dlink, and what the demux needs to know of each (its plan). */
static bool connect_demux(iso_pipeline *p, int k) {
  pl_job *j = p->job;
  int nports = 0;
  for (int i = 0; i < j->ndlinks; i++)
    if (j->info.st[j->dlink[i].in_index].file == k) nports++;
  pl_msg *m = pl_msg_new_ports(PL_M_CONNECT, nports);
  if (!m || !(m->plan = calloc(1, sizeof *m->plan + (size_t)nports * sizeof m->plan->l[0]))) {
    pl_msg_free(m);
    return false;
  }
  m->plan->seek_us = k == 0 ? pl_seg_task_seek_us(j) : -1;
  for (int i = 0; i < j->ndlinks; i++) {
    const pl_dlink *dl = &j->dlink[i];
    if (j->info.st[dl->in_index].file != k) continue;
    pl_demux_link *l = &m->plan->l[m->plan->n++];
    l->stream = j->info.st[dl->in_index].index;
    l->copy = dl->copy;
    l->start_us = dl->start_us;
    l->end_us = dl->end_us;
    l->out_ss_us = dl->out_ss_us;
    l->copyinkf = dl->copyinkf;
    l->end_own = dl->end_own;
    for (int f = 0; f < j->fc.nin; f++)
      l->complex_in = l->complex_in || j->fc.in_stream[f] == dl->in_index;
    /* A subtitle stream drawn for a graph hears every packet of its input. */
    l->ticks = !dl->copy && j->info.st[dl->in_index].type == AVMEDIA_TYPE_SUBTITLE &&
               j->node[dl->node].kind == PL_N_DECODE;
    snprintf(l->to, sizeof l->to, "%s", j->node[dl->node].name);
    m->ports[m->nports++] = iso_sendport_ref(p->node[dl->node].in[dl->port]);
  }
  return pl_msg_send(p->node[k].ctl, m) == ISO_OK;
}

static void connect_all(iso_pipeline *p) {
  pl_job *j = p->job;
  bool ok = true;
  p->connected = true;
  for (int id = j->ninputs; id < j->nnodes; id++) {
    pl_node *nd = &j->node[id];
    pl_msg *m = pl_msg_new_ports(PL_M_CONNECT, pl_node_ndown(nd));
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
  /* Every demux's CONNECT too: without it nothing ever starts. */
  for (int k = 0; ok && k < j->ninputs; k++)
    ok = connect_demux(p, k);
  /* A stage left without its CONNECT would wait forever. */
  if (!ok) {
    char text[PL_ERRLEN + 64];
    snprintf(text, sizeof text, "pipeline (%s): out of memory while connecting the stages",
             j->input);
    pl_main_set_error(p, ISO_ENOMEM, text);
  }
}

/* Each demux describes its input; the graph is built once all have. */
/* Data and attachment streams a map asked for: one warning per file
 * naming them, where ffmpeg would copy them (or fail). */
static void warn_unwritten(iso_pipeline *p, const pl_job *g, int f) {
  if (!g->unwritten[f]) return;
  char line[PL_ERRLEN];
  size_t len = (size_t)snprintf(line, sizeof line,
                                "%s: not written (isopipe writes no data "
                                "streams, and attachments only into Matroska; -dn leaves "
                                "data out):",
                                p->file[f]->output);
  for (int i = 0; i < g->info.nstreams && i < 64 && len < sizeof line; i++) {
    if (!(g->unwritten[f] & (1ull << i))) continue;
    int in = 0;
    while (g->ninputs > 0 && in + 1 < g->ninputs && g->info.first[in + 1] <= i)
      in++;
    int local = g->ninputs > 0 ? i - g->info.first[in] : i;
    const char *t = av_get_media_type_string(g->info.st[i].type);
    const char *c = avcodec_get_name(g->info.st[i].codec_id);
    len += (size_t)snprintf(line + len, sizeof line - len, " #%d:%d (%s %s)", in, local,
                            t ? t : "unknown", c);
  }
  pl_pipeline_deliver_log(p, AV_LOG_WARNING, "pipeline", line);
}

/* Cover art a format takes only as a picture the muxer refuses. */
static void warn_cover(iso_pipeline *p, const pl_job *g, int f) {
  int i = g->cover_left[f];
  if (i < 0 || i >= g->info.nstreams) return;
  char line[PL_ERRLEN];
  snprintf(line, sizeof line,
           "%s: cover art #0:%d (%s) not written (this format takes it only copied: -map 0 "
           "-c:v copy)",
           p->file[f]->output, g->ninputs > 0 ? i - g->info.first[0] : i,
           avcodec_get_name(g->info.st[i].codec_id));
  pl_pipeline_deliver_log(p, AV_LOG_WARNING, "pipeline", line);
}

/* Each input's description, in the inputs' order, line by line at info
 * level, as ffmpeg prints them before it writes anything. */
static void print_inputs(iso_pipeline *p) {
  for (int k = 0; k < p->job->ninputs; k++) {
    char *text = p->in_dump[k];
    for (char *line = text, *next; line && *line; line = next) {
      next = strchr(line, '\n');
      if (next) *next++ = 0;
      pl_pipeline_deliver_log(p, AV_LOG_INFO, "", line);
    }
    free(p->in_dump[k]);
    p->in_dump[k] = NULL;
  }
}

static void on_info(iso_pipeline *p, pl_msg *m) {
  pl_job *j = p->job;
  int k = m->stage;
  if (k < 0 || k >= j->ninputs || p->node[k].ready) return;
  p->node[k].ctl = m->nports > 0 ? iso_sendport_ref(m->ports[0]) : NULL;
  p->node[k].ready = true;
  p->in_info[k] = m->info;
  m->info = NULL;
  p->in_meta[k] = m->meta;
  m->meta = NULL;
  free(p->in_dump[k]);
  p->in_dump[k] = m->text;
  m->text = NULL;
  /* A cancel from another thread that no tick has seen yet: the graph is
   * not built, nothing is opened for writing. */
  int req = atomic_exchange(&p->cancel_req, 0);
  if (req) pl_main_cancel(p, req == 2 ? ISO_CANCEL_NOW : ISO_CANCEL_GRACEFUL);
  if (p->paused) pl_main_send_ctl(p, k, PL_M_PAUSE);
  if (p->aborting) {
    pl_main_abort_all(p);
    return;
  }
  for (int i = 0; i < j->ninputs; i++)
    if (!p->in_info[i]) return;
  print_inputs(p);
  for (int i = 0; i < j->ninputs; i++)
    if (p->in_info[i]->sseof_ss_us > 0)
      pl_inputs_sseof(p->file, p->nfiles, i, p->in_info[i]->sseof_ss_us);
  pl_inputs_merge(&j->info, p->in_info, j->ninputs);
  pl_inputs_disable(&j->info, j);
  pl_meta_unref(&j->in_meta);
  j->in_meta = pl_meta_merge(p->in_meta, j->ninputs, j->info.first);
  if (!j->in_meta) {
    pl_main_set_error(p, ISO_ENOMEM, "pipeline: out of memory");
    return;
  }
  char err[PL_ERRLEN] = "";
  if (pl_job_build_graph(p->file, p->nfiles, err, sizeof err) != ISO_OK) {
    char text[PL_ERRLEN + 64];
    snprintf(text, sizeof text, "pipeline (%s): %s", j->input, err);
    pl_main_set_error(p, ISO_EINVAL, text);
    return;
  }
  for (int f = 0; f < p->nfiles; f++) {
    warn_unwritten(p, j, f);
    warn_cover(p, j, f);
  }
  for (int f = 1; f < p->nfiles; f++)
    pl_job_copy_graph(p->file[f], j);
  if (pl_main_check_pass_logs(p, err, sizeof err) != ISO_OK) {
    char text[PL_ERRLEN + 64];
    snprintf(text, sizeof text, "pipeline (%s): %s", j->input, err);
    pl_main_fail(p, ISO_EINVAL, 0, ISO_ERRCAT_INVALID_OPTION, -1, text);
    return;
  }
  p->graph_built = true;
  p->nnodes = j->nnodes;
  for (int id = j->ninputs; id < j->nnodes; id++) {
    char why[PL_ERRLEN] = "";
    int r = pl_main_spawn_node(p, id, why, sizeof why);
    if (r != ISO_OK) {
      char text[PL_ERRLEN + 256];
      snprintf(text, sizeof text, "%s (%s): cannot spawn: %s", node_name(p, id), node_output(p, id),
               *why ? why : iso_strerror(r));
      pl_main_fail(p, r, 0, 0, id, text);
      return;
    }
  }
}

static void on_ready(iso_pipeline *p, pl_msg *m) {
  if (m->stage < p->job->ninputs || m->stage >= p->nnodes) return;
  pl_node_rt *n = &p->node[m->stage];
  n->ready = true;
  n->ctl = m->nports > 0 ? iso_sendport_ref(m->ports[0]) : NULL;
  for (int k = 1; k < m->nports && k - 1 < PL_MAX_OUT; k++)
    n->in[k - 1] = iso_sendport_ref(m->ports[k]);
  if (p->aborting) {
    pl_main_abort_all(p);
    return;
  }
  for (int id = 0; id < p->nnodes; id++)
    if (!p->node[id].ready) return;
  connect_all(p);
  for (int k = 0; p->stopping && k < p->job->ninputs; k++)
    pl_main_send_ctl(p, k, PL_M_STOP);
}

static void on_exit_notice(iso_pipeline *p, int id) {
  if (id < 0 || id >= PL_MAX_NODES || p->node[id].exited) return;
  pl_node_rt *n = &p->node[id];
  n->exited = true;
  if (!n->done_ok && !p->aborting && !p->error[0]) {
    char text[128];
    snprintf(text, sizeof text, "%s (%s): stage ended unexpectedly", node_name(p, id),
             id < p->job->ninputs ? pl_input_path(p->job, id) : node_output(p, id));
    pl_main_fail(p, ISO_ENORESULT, 0, 0, id, text);
  }
  /* Stages are spawned when the demux's INFO arrives, which precedes its
   * exit notice on this port: all exited means the run is over. */
  for (int i = 0; i < p->nnodes; i++)
    if (p->node[i].spawned && !p->node[i].exited) return;
  pl_main_finish(p);
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

/* A stage whose error text could not be allocated: its name, file and
 * code still say where and why. */
static const char *lost_error_text(const iso_pipeline *p, const pl_msg *m, char *buf, size_t len) {
  int id = m->stage;
  const pl_node *nd = id >= 0 && id < PL_MAX_NODES ? &p->job->node[id] : NULL;
  bool in = nd && (nd->kind == PL_N_DEMUX || nd->kind == PL_N_DECODE);
  char why[128] = "failed";
  if (m->averr < 0) cx_errstr(m->averr, why, sizeof why);
  snprintf(buf, len, "%s (%s): %s; its message was lost: out of memory", node_name(p, id),
           in ? pl_input_path(p->job, nd->input) : node_output(p, id), why);
  return buf;
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
    char lost[1024];
    pl_main_fail(p, code < 0 ? code : ISO_EMEDIA, m->averr, m->cat, m->stage,
                 m->text ? m->text : lost_error_text(p, m, lost, sizeof lost));
    break;
  }
  case PL_M_DONE:
    if (m->stage >= 0 && m->stage < PL_MAX_NODES) {
      p->node[m->stage].done_ok = true;
      p->node[m->stage].decoded = m->frames;
      p->node[m->stage].decode_errors = m->ival;
      /* A finished output no longer holds the position back. */
      if (p->graph_built && p->job->node[m->stage].kind == PL_N_MUX) mux_totals(p);
    }
    break;
  case PL_M_MUXSTAT:
    on_muxstat(p, m);
    break;
  case PL_M_PREVIEW:
    pl_preview_arrived(p->job->preview, m->frame && p->preview_fn && p->state != ST_DONE);
    if (m->frame && p->preview_fn && p->state != ST_DONE) pl_main_show_preview(p, m->frame);
    break;
  default:
    break;
  }
  pl_msg_free(m);
}

static void port_handler(iso_pipeline *p, iso_value *v);

void pl_main_port_handler(iso_port *port, iso_value *v, void *ud) {
  (void)port;
  iso_pipeline *prev = pl_log_main_enter(ud);
  port_handler(ud, v);
  pl_log_main_enter(prev);
}

static void port_handler(iso_pipeline *p, iso_value *v) {
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
    pl_main_set_error(p, ISO_EREMOTE, text);
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
