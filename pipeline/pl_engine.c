/* The one-in one-out stage engine behind decode, convert and encode: queue, feed, drain, send. */
#include <stdlib.h>

#include "pipeline/pl_stage.h"

uint64_t pl_msg_bytes(const pl_msg *m) {
  if (m->pkt) return (uint64_t)m->pkt->size;
  if (m->frame) {
    uint64_t n = 0;
    for (int i = 0; i < AV_NUM_DATA_POINTERS && m->frame->buf[i]; i++)
      n += m->frame->buf[i]->size;
    return n;
  }
  return 0;
}

static bool queue_push(pl_filter *f, pl_msg *m) {
  if (ring_full(&f->q)) return false;
  f->inq[ring_push(&f->q)] = m;
  return true;
}

static pl_msg *queue_pop(pl_filter *f) {
  return f->q.len ? f->inq[ring_shift(&f->q)] : NULL;
}

/* An op returned an error without failing the stage (its contract says it
 * fails it): the stage fails with FFmpeg's reason, never a bare code. */
static void fail_unreported(pl_stage *st, int r) {
  if (st->ended) return;
  pl_stage_fail_av(st, r, "%s", av_err2str(r));
}

static bool blocked(const pl_filter *f) {
  return f->out != NULL;
}

static void on_item(iso_link_rx *rx, iso_value *item, void *ud) {
  (void)rx;
  pl_filter *f = ud;
  pl_stage *st = f->st;
  pl_stage_enter(st);
  pl_msg *m = pl_stage_take(st, item, f->rx, f->out_cap);
  if (m && !queue_push(f, m)) {
    pl_msg_free(m);
    pl_stage_fail(st, ISO_ESTATE, "input queue overflow (link protocol broken)");
  } else if (m) {
    pl_stage_kick(st);
  }
  pl_stage_leave(st, blocked(f));
}

static void on_eof(iso_link_rx *rx, void *ud) {
  (void)rx;
  pl_filter *f = ud;
  pl_stage_enter(f->st);
  f->in_eof = true;
  pl_stage_kick(f->st);
  pl_stage_leave(f->st, blocked(f));
}

static int tx_index(const pl_filter *f, const iso_link_tx *tx) {
  for (int i = 0; i < f->ntx; i++)
    if (f->link[i].tx == tx) return i;
  return -1;
}

static void on_writable(iso_link_tx *tx, void *ud) {
  pl_filter *f = ud;
  pl_stage_enter(f->st);
  if (!f->st->ended) {
    int i = tx_index(f, tx);
    if (i >= 0) pl_outlink_credit(f->st, &f->link[i]);
    pl_stage_kick(f->st);
  }
  pl_stage_leave(f->st, blocked(f));
}

static bool all_tx_done(const pl_filter *f) {
  for (int i = 0; i < f->ntx; i++)
    if (!f->link[i].done) return false;
  return f->ntx > 0;
}

static void on_finished(iso_link_tx *tx, void *ud) {
  pl_filter *f = ud;
  pl_stage *st = f->st;
  pl_stage_enter(st);
  int i = tx_index(f, tx);
  if (i >= 0) f->link[i].done = true;
  if (!st->ended && all_tx_done(f)) {
    /* Nobody wants our output any more (downstream trimmed or stopped):
     * tell upstream the same and end. */
    if (f->rx) iso_link_rx_finish(f->rx);
    pl_stage_end(st, true);
  } else if (!st->ended) {
    pl_stage_kick(st); /* the others may be waiting on that one's credit no more */
  }
  pl_stage_leave(st, false);
}

static pl_outlink *engine_link(void *ctx, int i) {
  pl_filter *f = ctx;
  return &f->link[i];
}

static const pl_fanout_ops engine_fanout = {engine_link, NULL};

/* Sends the pending output if every consumer has a credit (a slow one
 * holds the others back: memory stays bounded by the credits). With
 * several consumers each gets its own reference to the same buffers. True
 * when it went out. */
static bool flush_out(pl_filter *f) {
  pl_stage *st = f->st;
  if (!f->out) return true;
  if (!f->ntx) return false; /* not connected yet */
  uint64_t to = f->ntx >= 64 ? ~0ull : (1ull << f->ntx) - 1;
  int err;
  if (!pl_fanout(st, &to, f->ntx, f->out, &engine_fanout, f, &err)) return false;
  f->out = NULL; /* sent, or freed when every consumer finished: on_finished ends the stage */
  if (err) pl_stage_fail(st, err, "out of memory");
  return true;
}

static void eof_all(pl_filter *f) {
  for (int i = 0; i < f->ntx; i++)
    if (!f->link[i].done) iso_link_tx_eof(f->link[i].tx);
}

static void on_kick(pl_stage *st) {
  pl_filter *f = st->impl;
  if (f->out && !flush_out(f)) return; /* blocked: on_writable kicks again */
  if (st->ended) return;
  pl_msg *out = NULL;
  int r = f->ops->drain(f, &out);
  if (st->ended) {
    pl_msg_free(out);
    return;
  }
  if (r == 0) {
    f->out = out;
    if (flush_out(f)) pl_stage_kick(st);
    return;
  }
  if (r == AVERROR_EOF) {
    eof_all(f);
    if (f->rx) iso_link_rx_finish(f->rx);
    pl_stage_end(st, true);
    return;
  }
  if (r != AVERROR(EAGAIN)) {
    fail_unreported(st, r);
    return;
  }
  if (f->q.len) {
    pl_msg *in = queue_pop(f);
    pl_stage_work_on(st, in);
    r = f->ops->feed(f, in);
    if (r == AVERROR(EAGAIN)) {
      /* Not taken: back to the head of the queue, drain first. */
      f->inq[ring_unshift(&f->q)] = in;
      if (!st->ended && !f->paused) pl_stage_kick(st);
      return;
    }
    if (st->ended) return;
    iso_link_rx_ack(f->rx, 1);
    pl_prof_depth(st->prof, iso_link_rx_depth(f->rx), f->out_cap);
    if (r < 0) {
      fail_unreported(st, r);
      return;
    }
    pl_stage_kick(st);
    return;
  }
  if (f->in_eof && !f->fed_eof) {
    f->fed_eof = true;
    r = f->ops->feed(f, NULL);
    if (st->ended) return;
    if (r < 0 && r != AVERROR(EAGAIN)) {
      fail_unreported(st, r);
      return;
    }
    if (r == AVERROR(EAGAIN)) f->fed_eof = false;
    pl_stage_kick(st);
  }
  /* Otherwise starved: on_item / on_eof kick. */
}

static void on_ctl(pl_stage *st, pl_msg *m) {
  pl_filter *f = st->impl;
  int nd = st->cfg.ndown;
  int n = m->nports < nd ? m->nports : nd;
  if (m->kind == PL_M_CONNECT && n > 0 && !f->ntx) {
    static const iso_link_tx_cbs tcbs = {on_writable, on_finished};
    for (int i = 0; i < n; i++) {
      const pl_stage_down *down = &st->cfg.down[i];
      if (!pl_outlink_open(st, &f->link[i], m->ports[i], &tcbs, f, down->name, down->cap)) {
        pl_msg_free(m);
        pl_stage_fail(st, ISO_ENOMEM, "cannot create output link");
        return;
      }
      f->ntx = i + 1;
    }
    pl_stage_kick(st);
  }
  pl_msg_free(m);
}

static void destroy(pl_stage *st) {
  pl_filter *f = st->impl;
  if (!f) return;
  if (f->ops->destroy) f->ops->destroy(f);
  pl_msg_free(f->out);
  while (f->q.len)
    pl_msg_free(queue_pop(f));
  if (!st->links_gone) {
    for (int i = 0; i < f->ntx; i++)
      iso_link_tx_free(f->link[i].tx);
    if (f->rx) iso_link_rx_free(f->rx);
  }
  free(f);
}

static bool stage_blocked(const pl_stage *st) {
  return blocked(st->impl);
}

static const pl_stage_ops filter_stage_ops = {on_ctl, on_kick, destroy, stage_blocked};

pl_filter *pl_filter_start(pl_spawn *s, const pl_filter_ops *ops, void *impl) {
  pl_filter *f = calloc(1, sizeof *f);
  if (!f) {
    pl_filter tmp = {.impl = impl};
    ops->destroy(&tmp);
    pl_spawn_free(s);
    return NULL;
  }
  uint32_t in_cap = s->cfg.in_cap;
  f->ops = ops;
  f->impl = impl;
  ring_init(&f->q, sizeof f->inq / sizeof f->inq[0]);
  f->out_cap = in_cap;
  pl_stage *st = pl_stage_new(s, &filter_stage_ops, f);
  if (!st) {
    ops->destroy(f);
    free(f);
    return NULL;
  }
  f->st = st;
  pl_stage_enter(st);
  static const iso_link_rx_cbs rcbs = {on_item, on_eof};
  f->rx = iso_link_rx_new(in_cap, &rcbs, f);
  pl_msg *ready = pl_msg_new_ports(PL_M_READY, 2);
  if (!f->rx || !ready) {
    pl_msg_free(ready);
    pl_stage_fail(st, ISO_ENOMEM, "cannot create input link");
    pl_stage_leave(st, false);
    return NULL;
  }
  ready->stage = st->cfg.self;
  ready->ports[0] = iso_sendport_ref(st->ctl_sp);
  ready->ports[1] = iso_link_rx_sendport(f->rx);
  ready->nports = 2;
  /* Lost, main would wait for it forever: end, main sees the exit. */
  if (pl_msg_send(st->cfg.main_sp, ready) != ISO_OK) pl_stage_fail(st, ISO_ENOMEM, "out of memory");
  pl_stage_leave(st, false);
  return f;
}
