/* Internal profiling API: per-stage accounting, its aggregation on main, the stats/trace writers
 * and the verdict. */
#ifndef ISOPIPE_PIPELINE_PROF_H
#define ISOPIPE_PIPELINE_PROF_H

/*
 * Two halves that share no memory and talk by one message kind:
 *
 *   stage isolate: pl_prof  --- report (ISO_V_TRANSFER, moved) --->  main: pl_stats
 *
 * RECIPE FOR A STAGE ISOLATE (demux, decode:v, convert:a, encode:v, mux...)
 *   The pipeline calls most of this at its choke point (pipeline/pl_links.c:
 *   every item taken off or put on a link; pl_stage.c: handler brackets and
 *   reports); a stage itself calls only what it alone knows (reads, writes,
 *   skips, stamps across reordering).
 *   setup     p = pl_prof_new("encode:v", trace_on);   // clock starts, state = busy
 *             i = pl_prof_add_link(p, "mux");           // once per OUTPUT link, in order
 *   handler   every handler (on_item, on_writable, a self-kick, a demux read
 *             step) starts with  t0 = pl_prof_busy(p);
 *             and ends with pl_prof_blocked(p) if it still holds an item it
 *             could not send (no credit), else pl_prof_starved(p) -- ALSO
 *             when it leaves a self-kick pending: never return to the loop
 *             in the busy state. In inline mode the other isolates run in
 *             that gap and their time and CPU would land on this stage (in
 *             threads mode the gap is microseconds either way).
 *             pl_prof_starved() counts as blocked while an output link is
 *             at capacity (last pl_prof_link_depth), so a stage that only
 *             knows "I am waiting" still gets it right.
 *             (demux is never starved: it is busy or blocked.)
 *   input     pl_prof_in(p, bytes)             per packet/frame received
 *   output    pl_prof_out(p, bytes, samples)   per item sent (samples: audio, else 0)
 *             pl_prof_link_depth(p, i, iso_link_tx_inflight(tx), capacity)
 *                                              after every iso_link_send and in
 *                                              on_writable (sender side sees the
 *                                              items still queued in the port)
 *             pl_prof_pts(p, seconds)          position of the last item out
 *   errors    pl_prof_skip(p)                  per corrupt packet skipped
 *   trace     automatic: every pl_prof_busy() opens a unit of work that the
 *             next state call closes; with --trace each unit becomes a slice
 *             named after the stage kind ("read", "decode", "convert",
 *             "encode", "write"). Tag it with the frame it worked on:
 *               pl_prof_flow(p, stamp.flow)
 *             (decode/convert/encode: the input's stamp when feeding, the
 *             output's when draining; mux: the packet's). pl_prof_stamp_new,
 *             _push and _pop tag the unit themselves.
 *             Optional, finer: pl_prof_slice(p, "scale", t0, pl_now(), flow)
 *             (name: a string literal, it travels as a pointer); a stage
 *             that calls it gets no automatic slices.
 *   stamps    demux: st = pl_prof_stamp_new(p, stream_index) per packet and
 *             carries st.flow / st.t_ns in the item message (two ISO_V_INTs,
 *             suggested keys "flow" and "t0"). Stages that reorder or
 *             re-chunk (decode, audio convert) keep the mapping with
 *             pl_prof_stamp_push(p, pts, st) when an item comes in and
 *             st = pl_prof_stamp_pop(p, pts) when one goes out. Others
 *             pass the stamp through unchanged.
 *   mux       per packet written: pl_prof_latency(p, st.t_ns, pl_now()) and
 *             pl_prof_flow(p, st.flow) (the flow's end in the trace).
 *   report    at the end of each handler:
 *               if (pl_prof_due(p, now)) iso_send_move(main_sp, pl_prof_report(p, now));
 *             (at most one per 1/60 s, sooner when the trace buffer fills)
 *   end       pl_prof_done(p); iso_send_move(main_sp, pl_prof_report(p, pl_now()));
 *             pl_prof_free(p);
 *   Counting bytes_copied / transfers: pl_prof_report() reads the isolate's
 *   iso_counters itself.
 *
 * RECIPE FOR MAIN
 *   start     s = pl_stats_new();
 *             if (trace_path) pl_stats_trace_open(s, trace_path);  // ".gz" = gzip
 *   graph     pl_stats_declare(s, name, kind, media, output);      // every stage, before
 *                                                                // its first report
 *   messages  in the handler of the port stages report to:
 *               if (pl_stats_take(s, msg)) return;                 // consumed it
 *   tick      pl_stats_tick(s, iso_now_ns(), iso_timer_lateness_ns(t), iso_timer_missed(t));
 *             pl_stats_fill(s, &prog);   // stages[], nstages, tick_late_*, latency_*,
 *                                        // ticks; the pipeline fills the rest
 *   end       pl_stats_end(s, iso_now_ns());   // closes the trace file
 *             pl_stats_fill(s, &prog); prog.finished = 1;
 *             if (stats_path) pl_stats_write_json(s, stats_path, &prog, &info);
 *             with --profile: pl_stats_table(&prog, buf, n) (rows + the
 *             verdict line) -> stderr, by main only; pl_verdict_pick()
 *             for the verdict alone.
 *             pl_stats_free(s);
 *
 * Trace size policy (docs/profiling.md): main keeps at most PL_TRACE_BUDGET
 * records in memory (a record = one slice with its flow point, or one
 * counter sample; counters at 20 Hz, only when they change) and writes
 * the file when the run ends. When the budget fills, the level rises:
 * only frames whose flow id is a multiple of 2^level (and counter samples
 * likewise) are kept, and the records already held are thinned the same
 * way, so a long run is sampled evenly from start to end and a sampled
 * frame keeps its slices in every stage. File <= ~2 x budget events
 * (~100 bytes each before gzip). A stage's local buffer holds
 * PL_PROF_SLICES_MAX slices per report; extra slices are counted as
 * dropped.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isopipe/isolate.h"
#include "isopipe/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_TAG_PROF 0x50524f46u /* "PROF": iso_transfer tag of a report */
#define PL_PROF_PERIOD_NS (1000000000ull / 60)
#define PL_PROF_SLICES_MAX 1024
#define PL_PROF_LINKS_MAX 4
#define PL_TRACE_BUDGET 100000

/* CLOCK_MONOTONIC in ns, the same clock as iso_now_ns(). */
uint64_t pl_now(void);

/* ---- stage side ------------------------------------------------------- */

typedef struct pl_prof pl_prof;

/* Identity and demux time of one frame, carried in item messages. */
typedef struct pl_stamp {
  uint64_t flow; /* 0 = none */
  uint64_t t_ns; /* pl_now() when demux read the packet; 0 = unknown */
} pl_stamp;

/* name is copied (truncated to ISO_STAGE_NAME_MAX - 1). trace: record slices. */
pl_prof *pl_prof_new(const char *name, bool trace);
void pl_prof_free(pl_prof *p); /* NULL-safe */

/* State changes; each returns the pl_now() it used, handy as a slice start. */
uint64_t pl_prof_busy(pl_prof *p);
/* Waiting for input; becomes blocked while an output link is full. */
uint64_t pl_prof_starved(pl_prof *p);
uint64_t pl_prof_blocked(pl_prof *p);
/* Stops the clocks; the next report says done = 1. */
void pl_prof_done(pl_prof *p);

void pl_prof_in(pl_prof *p, uint64_t bytes);
void pl_prof_out(pl_prof *p, uint64_t bytes, uint64_t samples);
void pl_prof_skip(pl_prof *p);
void pl_prof_pts(pl_prof *p, double seconds);

/* Output links, named after the downstream stage; returns the index for
 * pl_prof_link_depth, or -1 when PL_PROF_LINKS_MAX are taken. */
int pl_prof_add_link(pl_prof *p, const char *to_stage);
/* Items in flight on output link i (time-weighted mean between calls). */
void pl_prof_link_depth(pl_prof *p, int i, uint32_t depth, uint32_t capacity);
/* Receiver-side depth of the input link, for stages whose sender cannot
 * report it; main prefers the sender's figure when both exist. */
void pl_prof_depth(pl_prof *p, uint32_t depth, uint32_t capacity);

/* Tags the current busy unit (its automatic slice) with a frame's flow id;
 * the last call in a unit wins. 0 is ignored. */
void pl_prof_flow(pl_prof *p, uint64_t flow);
/* A unit of work [t0, t1] (pl_now() values) on this stage. name must
 * outlive the run (a string literal). flow 0 = not tied to a frame.
 * Turns this stage's automatic slices off. */
void pl_prof_slice(pl_prof *p, const char *name, uint64_t t0, uint64_t t1, uint64_t flow);
/* CPU that isolates working for the stage used on its behalf (a segmented
 * encoder's segments): counted in the stage's cpu_s. */
void pl_prof_helper_cpu(pl_prof *p, double seconds);

/* Demux: a fresh stamp (flow id unique per stream and packet, t_ns = now). */
pl_stamp pl_prof_stamp_new(pl_prof *p, int stream_index);
/* Reordering stages: remember the stamp of an input pts, fetch it for an
 * output pts (exact match, else the newest older one; {0,0} if none). */
void pl_prof_stamp_push(pl_prof *p, int64_t pts, pl_stamp st);
pl_stamp pl_prof_stamp_pop(pl_prof *p, int64_t pts);

/* Mux: one end-to-end latency sample (demux read -> packet written). */
void pl_prof_latency(pl_prof *p, uint64_t t_demux_ns, uint64_t t_now_ns);

/* The cumulative figures now (the current state's time counted up to now). */
void pl_prof_snapshot(pl_prof *p, iso_stage_stats *out);
/* True when a report should go to main: PL_PROF_PERIOD_NS since the last
 * one, the slice buffer is 3/4 full, or the stage is done. */
bool pl_prof_due(const pl_prof *p, uint64_t now_ns);
/* A report (snapshot, link depths, latency histogram, the slices recorded
 * since the last report) as an ISO_V_TRANSFER tagged PL_TAG_PROF: send it
 * with iso_send_move(); it moves, nothing is copied. */
iso_value *pl_prof_report(pl_prof *p, uint64_t now_ns);

/* ---- histogram (log buckets, ~3 % relative error) ---------------------- */

#define PL_HIST_SUB_BITS 5
#define PL_HIST_BUCKETS ((64 - PL_HIST_SUB_BITS + 2) << (PL_HIST_SUB_BITS - 1))

typedef struct pl_hist {
  uint64_t count, min, max;
  double sum;
  uint32_t bucket[PL_HIST_BUCKETS];
} pl_hist;

void pl_hist_init(pl_hist *h);
void pl_hist_add(pl_hist *h, uint64_t v);
void pl_hist_merge(pl_hist *into, const pl_hist *from);
/* q in [0, 1]; 0 when empty; exact for min (q=0) and max (q=1). */
uint64_t pl_hist_quantile(const pl_hist *h, double q);
double pl_hist_mean(const pl_hist *h);

/* ---- main side ---------------------------------------------------------- */

typedef struct pl_stats pl_stats;

pl_stats *pl_stats_new(void);
void pl_stats_free(pl_stats *s); /* NULL-safe; closes an open trace */
/* ".gz" suffix writes gzip (zlib). ISO_OK or ISO_EINVAL (cannot open). */
int pl_stats_trace_open(pl_stats *s, const char *path);
/* A stage's place in the graph (iso_stage_kind, 'v'/'a'/0, its output file
 * or -1 when shared): the display order, the trace's thread order and the
 * verdict's upstream/downstream reasoning come from it, never from names.
 * ISO_EINVAL when the stage table is full. */
int pl_stats_declare(pl_stats *s, const char *name, int kind, char media, int output);
/* If msg is a report (PL_TAG_PROF transfer), takes it and frees msg. */
bool pl_stats_take(pl_stats *s, iso_value *msg);
/* One main tick: lateness into the histogram, link depths sampled. */
void pl_stats_tick(pl_stats *s, uint64_t now_ns, uint64_t lateness_ns, uint64_t missed);
/* Fills stages[] (stale stages extrapolated to now), nstages, ticks,
 * ticks_missed, tick_late_*, latency_*, elapsed_s. */
void pl_stats_fill(const pl_stats *s, iso_progress *prog);
/* The run is over: freezes wall time, flushes and closes the trace. */
void pl_stats_end(pl_stats *s, uint64_t now_ns);

/* After pl_stats_end: 0, or the errno that kept the trace from being
 * written whole (a full disk). */
int pl_stats_trace_errno(const pl_stats *s);

typedef struct pl_run_info {
  const char *input, *output; /* may be NULL */
  int status;                 /* ISO_OK or an error code */
  const char *error;          /* NULL when none */
  const char *trace_path;     /* NULL when none */
  double max_error_rate;      /* the decoders' limit; <= 0 not stated */
} pl_run_info;

/* One JSON document, schema in docs/stats-schema.md. ISO_OK / ISO_EINVAL. */
int pl_stats_write_json(const pl_stats *s, const char *path, const iso_progress *prog,
                        const pl_run_info *info);
/* The same listing every output's path ("outputs"; outputs[0] is
 * info->output); NULL / 0: info->output alone. */
int pl_stats_write_json_outputs(const pl_stats *s, const char *path, const iso_progress *prog,
                                const pl_run_info *info, const char *const *outputs, int noutputs);

/* ---- verdict and table --------------------------------------------------- */

typedef struct pl_verdict {
  int stage; /* index into the stats array; -1 = none */
  char name[ISO_STAGE_NAME_MAX];
  char reason[192]; /* "97 % busy, input full 90 % ..., mux starved 80 %" */
  char hint[128];   /* "try a faster -preset or more -threads" */
  char line[384];   /* "encode:v is the bottleneck: <reason>; <hint>" */
} pl_verdict;

/* Names the bottleneck: the busiest stage whose input stays full while
 * the stages after it starve. Returns v->stage. */
int pl_verdict_pick(const iso_stage_stats *st, int n, pl_verdict *v);
/* The end-of-run table (one row per stage: fps, busy %, starved %,
 * blocked %, CPU s, mean queue depth) plus the verdict line, into buf.
 * Returns the length it needed (snprintf-style). */
size_t pl_stats_table(const iso_progress *prog, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif
