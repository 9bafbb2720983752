/* Per-stage accounting snapshots that stage isolates send to the main isolate. */
#ifndef ISOPIPE_STATS_H
#define ISOPIPE_STATS_H

#include <stdint.h>

#include "isopipe/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ISO_STAGE_NAME_MAX 24

/* What a stage does in the pipeline's graph, so a tool can lay the graph out
 * (and the profiler reason about it) without reading names. */
typedef enum iso_stage_kind {
  ISO_STAGE_OTHER,
  ISO_STAGE_INPUT,  /* demux */
  ISO_STAGE_DECODE, /* decoders: shared by every output that uses their stream */
  ISO_STAGE_FILTER, /* convert / filter graphs */
  ISO_STAGE_ENCODE,
  ISO_STAGE_OUTPUT /* mux */
} iso_stage_kind;

/* Cumulative figures of one stage since it started (monotonic clock for the
 * three times, CLOCK_THREAD_CPUTIME_ID for cpu). busy + starved + blocked
 * covers the stage's life up to 'wall'. */
typedef struct iso_stage_stats {
  char name[ISO_STAGE_NAME_MAX]; /* "demux", "decode:v", "convert:a", "mux"... */
  int kind;                      /* iso_stage_kind */
  char media;                    /* 'v', 'a', or 0 (demux, mux) */
  int output;                    /* the output file it serves; -1 when every output shares it */
  uint64_t items_in, items_out;  /* packets / frames */
  uint64_t samples_out;          /* audio samples produced (audio stages) */
  uint64_t bytes_in, bytes_out;  /* payload bytes (packet sizes, frame planes) */
  uint64_t bytes_copied;         /* runtime deep-copy bytes: 0 for media */
  uint64_t transfers;            /* payloads moved */
  uint64_t errors_skipped;       /* e.g. corrupt packets skipped */
  double wall_s;                 /* since the stage started */
  double busy_s, starved_s, blocked_s;
  double cpu_s;
  /* Runnable but waiting for a core (threads mode, Linux schedstat; 0
   * elsewhere): mostly inside busy, when the stage was preempted. */
  double runq_s;
  /* Input link: current items waiting, its capacity, and min/mean/max
   * sampled by the stage whenever it receives or acks. */
  uint32_t in_depth, in_capacity;
  uint32_t in_depth_min, in_depth_max;
  double in_depth_mean;
  double last_pts_s; /* position of the last item out, seconds; -1 unknown */
  int done;          /* 1 once the stage drained and ended */
} iso_stage_stats;

/* Room for every stage a pipeline can have (8 inputs, 8 outputs of 16
 * streams): stages[] never leaves one out. */
#define ISO_MAX_STAGES 80

/* What the main isolate knows at one tick. Fields are only ever added at
 * the end, after 'finished' (with ISO_MAX_STAGES kept); a program reads the
 * ones its header declares, also through iso_pipeline_progress. */
typedef struct iso_progress {
  double elapsed_s;   /* wall since start */
  double position_s;  /* least muxed end over the output streams still running, s */
  double duration_s;  /* expected output duration; <= 0 unknown */
  double percent;     /* 0..100, or -1 unknown */
  double eta_s;       /* smoothed; -1 until stable */
  double speed;       /* position / elapsed (x realtime) */
  double fps;         /* output video frames per second (recent) */
  uint64_t frames;    /* video frames muxed */
  uint64_t out_bytes; /* bytes written to the output */
  double bitrate_kbps;
  /* Main isolate tick lateness (actual - deadline), microseconds. */
  double tick_late_p50_us, tick_late_p99_us, tick_late_max_us;
  uint64_t ticks, ticks_missed;
  int nstages;
  iso_stage_stats stages[ISO_MAX_STAGES];
  /* Frame latency demux-in -> mux-out, milliseconds. */
  double latency_p50_ms, latency_p99_ms, latency_max_ms;
  int finished; /* 1 on the last snapshot */
} iso_progress;

#ifdef __cplusplus
}
#endif
#endif
