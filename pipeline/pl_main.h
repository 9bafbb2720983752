/* The main isolate's side of a pipeline: its state, shared by the API, the dispatcher and the tick.
 */
#ifndef ISOPIPE_PL_MAIN_H
#define ISOPIPE_PL_MAIN_H

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
  /* a decoder's DONE: frames decoded, decode errors */
  int64_t decoded, decode_errors;
} pl_node_rt;

struct iso_pipeline {
  pl_job *job;                /* the input, the first output, and the graph */
  pl_job *file[PL_MAX_FILES]; /* every output's options; file[0] == job */
  int nfiles;
  iso_pipeline_callbacks cb;
  void *ud;
  iso_preview_fn preview_fn;
  void *preview_ud;
  char *stats_path, *trace_path;
  pl_state state;
  iso_port *port;
  iso_sendport *sp;
  iso_timer *timer;
  pl_stats *stats;
  pl_prio prio;
  pl_node_rt node[PL_MAX_NODES];
  /* each demux's INFO until the graph is built (then merged into job->info) */
  pl_input_info *in_info[PL_MAX_INPUTS];
  struct pl_meta *in_meta[PL_MAX_INPUTS];
  char *in_dump[PL_MAX_INPUTS]; /* each input's description, printed in order once all are in */
  int nnodes;                   /* spawned or to spawn */
  bool graph_built, connected, aborting, stopping, cancelled, log_on, paused;
  bool gave_up; /* the abort took too long: said once */
  uint64_t log_id;
  /* From any thread: iso_pipeline_cancel's request (1 graceful, 2 now), which
   * main's next tick carries out, and whether a run is under way. */
  _Atomic int cancel_req;
  _Atomic bool live;
  uint64_t last_progress_ns, paused_ns, pause_start_ns;
  uint64_t abort_ns, abort_start_ns, start_ns;
  int status;
  char error[PL_ERRLEN];
  /* the first error in structured form (iso_pipeline_error_info) */
  int err_cat, err_averr;
  char err_stage[ISO_STAGE_NAME_MAX];
  const char *err_file;
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

/* pl_dispatch.c: the stages' lifecycle and their messages. */
void pl_main_send_ctl(iso_pipeline *p, int id, pl_kind kind);
void pl_main_abort_all(iso_pipeline *p);
void pl_main_set_error(iso_pipeline *p, int code, const char *text);
/* The first pass's statistics files (-pass 1) under the output-path policy,
 * once the graph says which streams keep them; ISO_EINVAL with err set. */
int pl_main_check_pass_logs(iso_pipeline *p, char *err, size_t errlen);
/* pl_fpolicy.c: the files filters write under the output-path policy, and
 * with untrusted_filters no filter that acts outside its graph; before any
 * filter is created. ISO_EINVAL with err set. */
int pl_main_check_filters(iso_pipeline *p, char *err, size_t errlen);
/* The same with what a stage knows: its node id (-1 none), the AVERROR and
 * a category (0: classify from code and averr). */
void pl_main_fail(iso_pipeline *p, int code, int averr, int cat, int node, const char *text);
void pl_main_restep(iso_pipeline *p);
/* Spawns stage id; on failure err (n bytes) says why when the reason is more
 * than the code's (an option of its stream that does not apply). */
int pl_main_spawn_node(iso_pipeline *p, int id, char *err, size_t n);
void pl_main_port_handler(iso_port *port, iso_value *v, void *ud);
/* pl_error.c: a failure's category; kind is the stage's pl_node_kind, -1 none. */
iso_error_category pl_error_classify(int code, int averr, int kind);
/* pl_progress.c: the 60 Hz tick, progress and the end of the run. */
void pl_main_tick(iso_timer *t, void *ud);
/* Calls the preview callback with an RGBA picture (pts in microseconds). */
void pl_main_show_preview(iso_pipeline *p, const AVFrame *f);
void pl_main_finish(iso_pipeline *p);
/* pl_pipeline.c: a cancel, on main. */
void pl_main_cancel(iso_pipeline *p, iso_cancel_mode how);

#endif
