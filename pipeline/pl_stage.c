/* What every stage isolate shares: its control port, self-kicks, reports to main, orderly end. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/bprint.h>

#include "pipeline/pl_stage.h"

/* Stages alive in the process (pl_stage_live): tests prove teardown. */
static atomic_int g_live;

int pl_stage_live(void) {
  return atomic_load(&g_live);
}

/* Stage memory outlives pl_stage_end until the handler that ended it has
 * returned: the struct is freed by the last handler frame to leave. */
typedef struct pl_stage_priv {
  pl_stage pub;
  int depth;
  bool destroyed;
} pl_stage_priv;

static void stage_free(pl_stage_priv *sp) {
  pl_stage_cfg_clear(&sp->pub.cfg);
  free(sp);
  atomic_fetch_sub(&g_live, 1);
}

static void stage_destroy(pl_stage *st) {
  pl_stage_priv *sp = (pl_stage_priv *)st;
  if (sp->destroyed) return;
  sp->destroyed = true;
  if (st->ops && st->ops->destroy) st->ops->destroy(st);
  st->impl = NULL;
  if (st->prof) {
    pl_prof_free(st->prof);
    st->prof = NULL;
  }
  if (st->ctl) {
    iso_port_close(st->ctl);
    st->ctl = NULL;
  }
  iso_sendport_release(st->ctl_sp);
  st->ctl_sp = NULL;
  iso_value_free(st->fin);
  st->fin = NULL;
}

void pl_stage_enter(pl_stage *st) {
  pl_stage_priv *sp = (pl_stage_priv *)st;
  sp->depth++;
  pl_log_set_stage(st);
  if (!st->ended && st->prof) pl_prof_busy(st->prof);
}

void pl_stage_leave(pl_stage *st, bool blocked) {
  pl_stage_priv *sp = (pl_stage_priv *)st;
  if (!st->ended && st->prof) {
    /* Also with a self-kick pending: never go back to the loop busy. In
     * inline mode the other isolates run before the kick comes back, and
     * their time and CPU would land on this stage. */
    if (st->helpers_busy)
      pl_prof_busy(st->prof); /* its work goes on in other isolates */
    else if (blocked)
      pl_prof_blocked(st->prof);
    else
      pl_prof_starved(st->prof);
    uint64_t now = pl_now();
    if (pl_prof_due(st->prof, now)) {
      iso_value *rep = pl_prof_report(st->prof, now);
      if (rep) iso_send_move(st->cfg.main_sp, rep);
    }
  }
  pl_log_set_stage(NULL);
  if (--sp->depth == 0 && st->ended && sp->destroyed) stage_free(sp);
}

static void ctl_handler(iso_port *port, iso_value *v, void *ud) {
  (void)port;
  pl_stage *st = ud;
  pl_msg *m = pl_msg_take(v);
  if (!m) {
    iso_value_free(v);
    return;
  }
  pl_stage_enter(st);
  if (m->kind == PL_M_KICK && m->ival == 1) {
    /* The deferred teardown posted by pl_stage_end. */
    pl_msg_free(m);
    stage_destroy(st);
  } else if (st->ended) {
    pl_msg_free(m);
  } else if (m->kind == PL_M_KICK) {
    pl_msg_free(m);
    st->kick_pending = false;
    st->ops->on_kick(st);
  } else if (m->kind == PL_M_ABORT) {
    pl_msg_free(m);
    st->aborting = true;
    pl_stage_end(st, false);
  } else {
    st->ops->on_ctl(st, m);
  }
  bool blocked = !st->ended && st->impl && st->ops && st->ops->blocked && st->ops->blocked(st);
  pl_stage_leave(st, blocked);
}

/*
 * The control port closes without our stage_destroy when the isolate ends
 * by kill, exit or a fatal error, e.g. main's kill after ABORT could not
 * reach a stage, or a stage whose kick could not be allocated and whose
 * peers then never got its EOF. No other code of ours runs there: free the
 * stage here, allocation-free, leaving the link ends to the runtime, which
 * closes every port of the isolate in some order of its own.
 */
static void ctl_closed(iso_port *port, void *ud) {
  (void)port;
  pl_stage_priv *sp = ud;
  pl_stage *st = &sp->pub;
  if (sp->destroyed) return; /* our own close from stage_destroy */
  st->ended = true;
  st->links_gone = true;
  st->ctl = NULL; /* closing already */
  stage_destroy(st);
  if (sp->depth == 0) stage_free(sp);
}

pl_stage *pl_stage_new(pl_spawn *s, const pl_stage_ops *ops, void *impl) {
  pl_stage_priv *sp = calloc(1, sizeof *sp);
  if (!sp) {
    pl_spawn_free(s);
    return NULL;
  }
  atomic_fetch_add(&g_live, 1);
  pl_stage *st = &sp->pub;
  st->cfg = s->cfg;
  s->cfg = (pl_stage_cfg){0};
  pl_spawn_free(s);
  st->node = &st->cfg.node;
  st->name = st->node->name;
  st->ops = ops;
  st->impl = impl;
  /* A codec stage's step is bounded CPU work, never an I/O wait: its wakes
   * to a parked peer may wait for the end of a step, so a starved muxer or
   * a sender blocked on credits wakes once per burst, not once per item. */
  pl_node_kind k = st->node->kind;
  iso_set_wake_batching(k == PL_N_DECODE || k == PL_N_VCONV || k == PL_N_ACONV || k == PL_N_ENCODE);
  st->ctl = iso_port_new_raw(ctl_handler, st);
  if (st->ctl) iso_port_on_close(st->ctl, ctl_closed);
  st->ctl_sp = st->ctl ? iso_port_sendport(st->ctl) : NULL;
  st->prof = pl_prof_new(st->name, st->cfg.trace);
  /* The teardown message exists from the start: a stage can always end,
   * even when memory has run out. */
  pl_msg *fin = pl_msg_new(PL_M_KICK);
  if (fin) fin->ival = 1;
  st->fin = fin ? pl_msg_value(fin) : NULL;
  if (!st->ctl || !st->ctl_sp || !st->prof || !st->fin) {
    st->ops = NULL; /* the caller still owns impl */
    stage_destroy(st);
    stage_free(sp);
    return NULL;
  }
  return st;
}

void pl_stage_ready(pl_stage *st, pl_msg *ready, iso_link_rx *const *rx, int n) {
  if (!ready) {
    pl_stage_fail(st, ISO_ENOMEM, "cannot create input links");
    return;
  }
  ready->stage = st->cfg.self;
  ready->ports[0] = iso_sendport_ref(st->ctl_sp);
  for (int i = 0; i < n; i++)
    ready->ports[1 + i] = iso_link_rx_sendport(rx[i]);
  ready->nports = 1 + n;
  /* Lost, main would wait for it forever: end, main sees the exit. */
  if (pl_msg_send(st->cfg.main_sp, ready) != ISO_OK) pl_stage_fail(st, ISO_ENOMEM, "out of memory");
}

void pl_stage_kick(pl_stage *st) {
  if (st->kick_pending || st->ended) return;
  pl_msg *m = pl_msg_new(PL_M_KICK);
  st->kick_pending = true;
  if (!m || pl_msg_send(st->ctl_sp, m) != ISO_OK) {
    /* Without its kick the stage would stall: end it, main sees why. */
    st->kick_pending = false;
    pl_stage_fail(st, ISO_ENOMEM, "out of memory");
  }
}

void pl_stage_end(pl_stage *st, bool ok) {
  if (st->ended) return;
  st->ended = true;
  if (ok) {
    pl_msg *m = pl_msg_new(PL_M_DONE);
    if (m) {
      m->stage = st->cfg.self;
      m->frames = (int64_t)st->decoded;
      m->ival = (int64_t)st->decode_errors;
      pl_msg_send(st->cfg.main_sp, m);
    }
  }
  if (st->prof) {
    pl_prof_done(st->prof);
    iso_value *rep = pl_prof_report(st->prof, pl_now());
    if (rep) iso_send_move(st->cfg.main_sp, rep);
  }
  /* Tear down from a handler of our own control port, never from inside a
   * link callback that the teardown would free. */
  iso_value *fin = st->fin;
  st->fin = NULL;
  if (!fin || iso_send_move(st->ctl_sp, fin) != ISO_OK) {
    /* Out of memory even for that: tear down here, the lesser risk. */
    stage_destroy(st);
  }
}

const char *pl_stage_file(const pl_stage *st) {
  return st->cfg.file;
}

static void stage_vfail(pl_stage *st, int code, int averr, int cat, const char *fmt, va_list ap) {
  if (st->ended) return;
  /* Whole: main fits it into its error line, shortening file names. */
  AVBPrint bp;
  av_bprint_init(&bp, 0, AV_BPRINT_SIZE_UNLIMITED);
  av_bprintf(&bp, "%s (%s): ", st->name, pl_stage_file(st));
  av_vbprintf(&bp, fmt, ap);
  pl_msg *m = pl_msg_new(PL_M_ERROR);
  if (m) {
    if (av_bprint_is_complete(&bp)) m->text = strdup(bp.str);
    m->stage = st->cfg.self;
    m->ival = code;
    m->averr = averr;
    m->cat = cat;
    pl_msg_send(st->cfg.main_sp, m);
  }
  av_bprint_finalize(&bp, NULL);
  pl_stage_end(st, false);
}

void pl_stage_fail(pl_stage *st, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  stage_vfail(st, code, 0, 0, fmt, ap);
  va_end(ap);
}

void pl_stage_fail_av(pl_stage *st, int averr, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  stage_vfail(st, averr == AVERROR(ENOMEM) ? ISO_ENOMEM : ISO_EMEDIA, averr, 0, fmt, ap);
  va_end(ap);
}

void pl_stage_fail_cat(pl_stage *st, int code, int cat, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  stage_vfail(st, code, 0, cat, fmt, ap);
  va_end(ap);
}

void pl_stage_log(pl_stage *st, int level, const char *fmt, ...) {
  if (level > av_log_get_level()) return;
  pl_msg *m = pl_msg_new(PL_M_LOG);
  if (!m) return;
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  m->text = strdup(buf);
  m->level = level;
  m->stage = st->cfg.self;
  pl_msg_send(st->cfg.main_sp, m);
}
