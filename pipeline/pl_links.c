/* Items on links: a stage takes each off an input link and puts each on its output links here, and
 * --stats/--trace count them here. */
#include "pipeline/pl_stage.h"

/*
 * This is the stages' one choke point, as a tracer hooks the single push of
 * a pad: no stage counts its own traffic. Items are the media (packets and
 * frames); a link's PARAMS sets it up and is not counted. Nothing here
 * allocates or locks: it runs once per item.
 */

static bool is_media(const pl_msg *m) {
  /* A frame's shape without its picture (PL_FRAME_SHAPE) sets up, as PARAMS. */
  return m->pkt || (m->frame && !(m->kind == PL_M_FRAME && m->ival == PL_FRAME_SHAPE));
}

pl_msg *pl_stage_take(pl_stage *st, iso_value *item, iso_link_rx *rx, uint32_t cap) {
  pl_msg *m = pl_msg_take(item);
  if (!m) {
    iso_value_free(item);
    return NULL;
  }
  if (st->ended) {
    pl_msg_free(m);
    return NULL;
  }
  if (is_media(m)) pl_prof_in(st->prof, pl_msg_bytes(m));
  if (rx) pl_prof_depth(st->prof, iso_link_rx_depth(rx), cap);
  return m;
}

void pl_stage_work_on(pl_stage *st, const pl_msg *in) {
  pl_prof_flow(st->prof, in->stamp.flow);
}

bool pl_outlink_open(pl_stage *st, pl_outlink *o, iso_sendport *sp, const iso_link_tx_cbs *cbs,
                     void *ud, const char *to, uint32_t cap) {
  o->tx = iso_link_tx_new(sp, cbs, ud);
  o->done = false;
  o->cap = cap;
  o->prof = o->tx ? pl_prof_add_link(st->prof, to) : -1;
  return o->tx != NULL;
}

void pl_outlink_credit(pl_stage *st, const pl_outlink *o) {
  if (o->tx) pl_prof_link_depth(st->prof, o->prof, iso_link_tx_inflight(o->tx), o->cap);
}

int pl_stage_send(pl_stage *st, pl_outlink *o, pl_msg *m) {
  double pts = -1;
  if (m->frame && m->frame->pts != AV_NOPTS_VALUE) pts = m->frame->pts * av_q2d(m->tb);
  if (m->pkt && m->pkt->pts != AV_NOPTS_VALUE) pts = m->pkt->pts * av_q2d(m->tb);
  uint64_t flow = m->stamp.flow;
  iso_value *v = pl_msg_value(m); /* on failure m is freed */
  int rc = v ? iso_link_send(o->tx, v) : ISO_ENOMEM;
  if (rc == ISO_OK) {
    if (pts >= 0) pl_prof_pts(st->prof, pts);
    pl_prof_flow(st->prof, flow);
  } else if (v && rc != ISO_ECLOSED) {
    iso_value_free(v); /* refused before it was taken */
  }
  pl_outlink_credit(st, o);
  return rc;
}

/*
 * The slowest consumer holds the item, and so its producer: memory stays
 * bounded by the credits of every link. Each link but the last gets a new
 * reference to the same buffers (pl_msg_ref), the last the item itself, so
 * nothing is copied. The item is counted out once, whatever the number of
 * links it went to.
 */
bool pl_fanout(pl_stage *st, uint64_t *to, int n, pl_msg *m, const pl_fanout_ops *ops, void *ctx,
               int *err) {
  *err = ISO_OK;
  int last = -1;
  for (int i = 0; i < n; i++) {
    if (!(*to & (1ull << i))) continue;
    pl_outlink *o = ops->link(ctx, i);
    if (!o || o->done || !o->tx) {
      *to &= ~(1ull << i); /* that consumer finished */
      continue;
    }
    if (iso_link_tx_credits(o->tx) == 0) return false;
    last = i;
  }
  bool media = is_media(m), sent = false;
  uint64_t bytes = pl_msg_bytes(m);
  uint64_t samples = m->frame && m->frame->nb_samples > 0 ? (uint64_t)m->frame->nb_samples : 0;
  for (int i = 0; i <= last; i++) {
    if (!(*to & (1ull << i))) continue;
    pl_msg *one = i == last ? m : pl_msg_ref(m);
    if (!one) {
      pl_msg_free(m);
      *err = ISO_ENOMEM;
      *to = 0;
      return true;
    }
    if (ops->prepare) ops->prepare(ctx, i, one);
    int rc = pl_stage_send(st, ops->link(ctx, i), one);
    /* A consumer that finished meanwhile takes nothing; any other refusal
     * would lose the item without a word. */
    if (rc == ISO_OK)
      sent = true;
    else if (rc != ISO_ECLOSED && *err == ISO_OK)
      *err = rc;
  }
  if (last < 0) pl_msg_free(m);
  if (sent && media) pl_prof_out(st->prof, bytes, samples);
  *to = 0;
  return true;
}
