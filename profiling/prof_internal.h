/* Private structures shared by the prof_*.c files: the report message, the aggregator, the writers.
 */
#ifndef ISOPIPE_PIPELINE_PROF_INTERNAL_H
#define ISOPIPE_PIPELINE_PROF_INTERNAL_H

#include <stdio.h>

#include "profiling/prof.h"

enum { PL_ST_BUSY = 0, PL_ST_STARVED = 1, PL_ST_BLOCKED = 2, PL_ST_DONE = 3 };

/* Where a stage sits in a flow: demux starts one, mux ends it. */
enum { PL_ROLE_STEP = 0, PL_ROLE_START = 1, PL_ROLE_END = 2 };

typedef struct pl_slice {
  const char *name; /* static string */
  uint64_t t0, t1, flow;
} pl_slice;

/* Sender-side figures of one output link, time-weighted. */
typedef struct pl_link_fig {
  char to[ISO_STAGE_NAME_MAX];
  uint32_t depth, capacity, min, max;
  double mean;   /* items, time-weighted since the first sample */
  double full_s; /* time spent at capacity */
  double span_s; /* time covered by the figures */
} pl_link_fig;

/* What a stage moves to main: everything here belongs to the report. */
typedef struct pl_report {
  iso_stage_stats st;
  int state;      /* PL_ST_* at t_ns */
  uint64_t t_ns;  /* when the snapshot was taken */
  uint64_t t0_ns; /* when the stage started */
  int role;       /* PL_ROLE_* */
  int nlinks;
  pl_link_fig links[PL_PROF_LINKS_MAX];
  pl_hist *lat; /* latency samples (us) since the last report, or NULL */
  pl_slice *slices;
  uint32_t nslices;
  uint64_t slices_dropped; /* since the last report */
  uint64_t reports_before; /* reports this stage sent before: its own transfers */
} pl_report;

/* Builds the report without wrapping it in an iso_value (tests, inline use). */
pl_report *pl_prof_report_raw(pl_prof *p, uint64_t now_ns);
void pl_report_free(void *r);
/* Aggregates a report; takes ownership of r. */
void pl_stats_take_report(pl_stats *s, pl_report *r);
/* The trace's event budget (default PL_TRACE_BUDGET); before trace_open. */
void pl_stats_trace_budget(pl_stats *s, uint64_t events);

/* ---- JSON writer (plain file or gzip) ---------------------------------- */

#define PL_JSON_DEPTH 32

typedef struct pl_json {
  FILE *f;
  void *gz; /* gzFile */
  char buf[1 << 16];
  size_t len;
  int depth;
  bool first[PL_JSON_DEPTH]; /* no comma needed yet at this depth */
  bool after_key;
  bool pretty;
  int err;
  int errnum;     /* errno of the first failed write */
  uint64_t bytes; /* written so far (uncompressed) */
} pl_json;

/* A path ending in ".gz" writes gzip. NULL when it cannot be opened. */
pl_json *pl_json_open(const char *path, bool pretty);
/* Writes into a memory stream instead (tests): f stays the caller's. */
void pl_json_init_file(pl_json *j, FILE *f, bool pretty);
/* Flushes, closes the file; ISO_OK or ISO_EINVAL on any write error. */
int pl_json_close(pl_json *j);
void pl_json_flush(pl_json *j);
void pl_json_obj(pl_json *j);
void pl_json_obj_end(pl_json *j);
void pl_json_arr(pl_json *j);
void pl_json_arr_end(pl_json *j);
void pl_json_key(pl_json *j, const char *k);
void pl_json_str(pl_json *j, const char *s); /* NULL writes null */
void pl_json_num(pl_json *j, double d);      /* non-finite writes null */
void pl_json_uint(pl_json *j, uint64_t v);
void pl_json_int(pl_json *j, int64_t v);
void pl_json_bool(pl_json *j, bool b);
void pl_json_null(pl_json *j);
/* Whitespace between values, so long arrays stay greppable line by line. */
void pl_json_newline(pl_json *j);
/* A number with a fixed count of decimals (timestamps in us keep ns). */
void pl_json_fixed(pl_json *j, double d, int decimals);
/* key + value shorthands */
void pl_json_kstr(pl_json *j, const char *k, const char *s);
void pl_json_knum(pl_json *j, const char *k, double d);
void pl_json_kuint(pl_json *j, const char *k, uint64_t v);
void pl_json_kint(pl_json *j, const char *k, int64_t v);

/* ---- trace writer (Chrome Trace Event format, bounded, written at close) -- */

typedef struct pl_trace pl_trace;

pl_trace *pl_trace_open(const char *path, uint64_t t0_ns, uint64_t budget);
/* Names a track; sort orders the tracks in the viewer. */
void pl_trace_thread(pl_trace *t, int tid, const char *name, int sort);
/* Slices of one stage (with their flow events), sampled per the policy. */
void pl_trace_slices(pl_trace *t, int tid, int role, const pl_slice *sl, uint32_t n);
/* A counter sample; name and arg must outlive the trace. */
void pl_trace_counter(pl_trace *t, const char *name, const char *arg, uint64_t t_ns, double v);
/* Whether main tick number 'tick' samples the counters (20 Hz). */
bool pl_trace_counters_due(pl_trace *t, uint64_t tick);
/* JSON events the records held now will write (slice + flow point = 2). */
uint64_t pl_trace_events(const pl_trace *t);
/* Records left out or removed by the thinning. */
uint64_t pl_trace_dropped(const pl_trace *t);
int pl_trace_level(const pl_trace *t);
/* Ends the document; ISO_OK or ISO_EINVAL (write error). Frees t. */
int pl_trace_close(pl_trace *t, uint64_t slices_dropped_by_stages);

/* ---- the aggregator ------------------------------------------------------ */

#define PL_SERIES_MAX 512
#define PL_SERIES_PERIOD_NS 100000000ull

typedef struct pl_series_pt {
  double t_s; /* start of the bucket, seconds since the run started */
  double min, max, sum;
  uint32_t n;
} pl_series_pt;

typedef struct pl_link_agg {
  int from_tid; /* the sending stage's tid */
  char from[ISO_STAGE_NAME_MAX];
  char to[ISO_STAGE_NAME_MAX];
  char counter[2 * ISO_STAGE_NAME_MAX + 16]; /* trace counter name */
  pl_link_fig fig;                           /* latest from the sender */
  pl_series_pt series[PL_SERIES_MAX];
  int nseries;
  uint64_t period_ns;  /* of one series bucket; doubles when full */
  double last_emitted; /* last value written to the trace */
} pl_link_agg;

typedef struct pl_stage_agg {
  pl_report last; /* slices/lat always NULL here */
  int tid;        /* trace thread id, fixed at the first report */
  int rank;       /* display order: demux, video chain, audio chain, mux */
  /* Its place in the graph, as main declared it (pl_stats_declare). */
  int kind;
  char media;
  int output;
} pl_stage_agg;

#define PL_LINKS_MAX (ISO_MAX_STAGES * 2)

struct pl_stats {
  uint64_t t0_ns, t_now_ns, t_end_ns;
  bool ended;
  int nstages;
  pl_stage_agg stages[ISO_MAX_STAGES];
  int nlinks;
  pl_link_agg links[PL_LINKS_MAX];
  pl_hist lat_us;       /* frame latency */
  pl_hist tick_late_us; /* main tick lateness */
  uint64_t ticks, missed;
  double cpu0_s; /* process CPU at start */
  double cpu_s;  /* process CPU at end */
  pl_trace *trace;
  uint64_t trace_budget;
  uint64_t trace_events, trace_dropped; /* totals kept after close */
  uint64_t stage_slices_dropped;
  double last_tick_late;
  int trace_status;
  int trace_errno; /* why the trace could not be written */
};

double pl_process_cpu_s(void);
/* Display rank from a stage's place in the graph: demux, then per output
 * its video chain, audio chain and mux (stages every output shares first). */
int pl_stage_rank(int kind, char media, int output);
/* The aggregate of the stage with this name, or NULL. */
const pl_stage_agg *pl_stats_stage(const pl_stats *s, const char *name);

#endif
