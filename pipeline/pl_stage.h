/* What stage isolates share: the stage plumbing, the one-in one-out engine, fan-out and encoder
 * opening. */
#ifndef ISOPIPE_PL_STAGE_H
#define ISOPIPE_PL_STAGE_H

#include "pipeline/pl_spawn.h"

/* ---- stage plumbing (runs on stage isolates) ---------------------------- */

typedef struct pl_stage pl_stage;
typedef struct pl_stage_ops {
  void (*on_ctl)(pl_stage *st, pl_msg *m); /* CONNECT, STOP (owns m) */
  void (*on_kick)(pl_stage *st);
  /* Frees impl and its links, except when st->links_gone: the isolate is
   * ending and the runtime closes (has closed) every link end itself. */
  void (*destroy)(pl_stage *st);
  /* Optional: true while the stage holds an item it has no credit to send
   * (how a control-port handler, a self-kick above all, is left). */
  bool (*blocked)(const pl_stage *st);
} pl_stage_ops;

struct pl_stage {
  pl_stage_cfg cfg;
  const pl_node *node; /* &cfg.node */
  const char *name;
  iso_port *ctl;
  iso_sendport *ctl_sp;
  pl_prof *prof;
  const pl_stage_ops *ops;
  void *impl;
  bool kick_pending, ended, aborting;
  bool links_gone;   /* the runtime is closing the isolate's ports */
  bool helpers_busy; /* isolates it started work for it (segment encoders) */
  /* Decoders: frames decoded and decode errors, told to main with DONE
   * (main holds them against max_error_rate at the end of the run). */
  uint64_t decoded, decode_errors;
  iso_value *fin; /* the preallocated teardown message */
};

/* Entry helper: sets up the stage's control port. Takes s (its cfg moves
 * to st; the kind's settings left in it are freed). */
pl_stage *pl_stage_new(pl_spawn *s, const pl_stage_ops *ops, void *impl);
/* Stage structs alive in the process (freed by their last handler or by
 * the control port's close when the isolate is killed). */
int pl_stage_live(void);
/* Posts a message to itself so work continues after pending control. */
void pl_stage_kick(pl_stage *st);
/* Ends the stage: DONE to main when ok, final stats, frees everything. */
void pl_stage_end(pl_stage *st, bool ok);
/* Reports a fatal error ("name (file): reason") to main and ends. */
void pl_stage_fail(pl_stage *st, int code, const char *fmt, ...) ISO_PRINTF(3, 4);
/* As pl_stage_fail(ISO_EMEDIA) with the AVERROR that caused it, so main can
 * classify the failure (not found, corrupt, unsupported...). */
void pl_stage_fail_av(pl_stage *st, int averr, const char *fmt, ...) ISO_PRINTF(3, 4);
/* A failure whose category the stage knows better than its code says. */
void pl_stage_fail_cat(pl_stage *st, int code, int cat, const char *fmt, ...) ISO_PRINTF(4, 5);
/* Sends a log line to main. */
void pl_stage_log(pl_stage *st, int level, const char *fmt, ...) ISO_PRINTF(3, 4);
/* Handler bracket: marks the stage current (logs), busy; after: the
 * stage's state (blocked / starved) and a stats report when due. */
void pl_stage_enter(pl_stage *st);
void pl_stage_leave(pl_stage *st, bool blocked);
/* A stage with input links of its own (mux, filter_complex) tells main it
 * is ready: ready (a PL_M_READY with 1 + n ports, consumed) gets the stage's
 * control port, then rx[i]'s. ready NULL: a link could not be made; the
 * stage fails. */
void pl_stage_ready(pl_stage *st, pl_msg *ready, iso_link_rx *const *rx, int n);
/* The file a stage's errors name (input for demux/decode, else output). */
const char *pl_stage_file(const pl_stage *st);

/* ---- items on links: the choke point (pl_links.c) -------------------------
 * Every item a stage takes off an input link passes pl_stage_take, every item
 * it puts on an output link pl_stage_send (several links: pl_fanout); the
 * stage's --stats and --trace figures are taken there, not by the stages.
 * What only a stage knows stays with it: demux's reads of its file, mux's
 * writes to its file and position, a decoder's skipped packets, and the
 * stamps of the stages whose output frames are not their input's (decode,
 * audio convert and encode reorder or re-chunk: only they know which input
 * an output came from). */

/* An output link of a stage. */
typedef struct pl_outlink {
  iso_link_tx *tx;
  int prof;     /* profiling's index of the link, -1 none */
  uint32_t cap; /* its capacity, for the depth figures */
  bool done;    /* its consumer finished */
} pl_outlink;

/* The item of a value from an input link (rx: that link, whose depth is
 * sampled; NULL none), counted in. NULL (the value freed) when the value is
 * not an item or the stage has ended. */
pl_msg *pl_stage_take(pl_stage *st, iso_value *item, iso_link_rx *rx, uint32_t cap);
/* The stage's work now is on item in, taken from its input queue: the
 * trace ties the unit to in's frame. */
void pl_stage_work_on(pl_stage *st, const pl_msg *in);
/* Opens o on sp toward the stage named to. False: out of memory. */
bool pl_outlink_open(pl_stage *st, pl_outlink *o, iso_sendport *sp, const iso_link_tx_cbs *cbs,
                     void *ud, const char *to, uint32_t cap);
/* A credit came back on o (its on_writable): its depth is sampled. */
void pl_outlink_credit(pl_stage *st, const pl_outlink *o);
/* Sends m (taken) on o: ISO_OK when it went out, ISO_ECLOSED when o's
 * consumer finished, else the error (out of memory). Counts no item:
 * pl_fanout does, once per item. */
int pl_stage_send(pl_stage *st, pl_outlink *o, pl_msg *m);

/* Fan-out: how the caller's links look to it. */
typedef struct pl_fanout_ops {
  pl_outlink *(*link)(void *ctx, int i);        /* link i (done: its consumer finished) */
  void (*prepare)(void *ctx, int i, pl_msg *m); /* optional: m's own copy for link i */
} pl_fanout_ops;
/* Sends m to every live link of *to (bit i: link i; n links) once each holds
 * a credit, and counts it out once. False without credit: nothing sent, m
 * still the caller's. True: m is gone (sent; freed when no live link is
 * left; *err set when a reference could not be made or a live link
 * refused it, ISO_ENOMEM mostly) and *to is 0. */
bool pl_fanout(pl_stage *st, uint64_t *to, int n, pl_msg *m, const pl_fanout_ops *ops, void *ctx,
               int *err);

/* ---- the generic one-in one-out stage (decode, convert, encode) ----------- */

typedef struct pl_filter pl_filter;
typedef struct pl_filter_ops {
  /* Consumes in (NULL = EOF). 0, AVERROR(EAGAIN) (in not taken: drain
   * first) or an error (the stage has failed already or fails now). */
  int (*feed)(pl_filter *f, pl_msg *in);
  /* 0 with *out, AVERROR(EAGAIN) (needs input), AVERROR_EOF, or error. */
  int (*drain)(pl_filter *f, pl_msg **out);
  void (*destroy)(pl_filter *f);
} pl_filter_ops;

struct pl_filter {
  pl_stage *st;
  const pl_filter_ops *ops;
  void *impl;
  iso_link_rx *rx;
  pl_outlink link[PL_MAX_FAN]; /* several when a decoder feeds several outputs */
  int ntx;
  uint32_t out_cap;
  pl_msg *inq[256];
  ring q; /* over inq */
  bool in_eof, fed_eof, failed;
  /* Set by an op whose feed returned EAGAIN until something outside the
   * input (a helper's reply) arrives: the engine waits for that kick
   * instead of retrying. */
  bool paused;
  pl_msg *out; /* produced, waiting for a credit */
};

/* Creates the stage + filter (takes s as pl_stage_new), sends READY (ctl +
 * input link) to main. */
pl_filter *pl_filter_start(pl_spawn *s, const pl_filter_ops *ops, void *impl);

/* The sub2video stage (stages/sub2video.c), started for a subtitle
 * stream's decode node: takes s. */
void pl_sub2video_start(pl_spawn *s);

/* ---- encoders (stages/encode.c) and segment-parallel encoding ---------- */

struct cx_enc;
struct cx_aconv;
/* Opens the encoder e describes for its first frame (in in_tb); *rc gets a
 * re-chunker when the encoder takes a fixed frame size, *quality the -q
 * lambda (0 none). err gets the reason on failure. */
int pl_enc_open(const pl_enc_set *e, const AVFrame *fr, AVRational in_tb, struct cx_enc **enc,
                struct cx_aconv **rc, int *quality, char *err);

/* The encode stage of a segmented audio stream (stages/encode_seg.c), of a
 * segmented video stream (stages/encode_vseg.c). */
void pl_encode_seg_start(pl_spawn *s);
void pl_encode_vseg_start(pl_spawn *s);

#endif
