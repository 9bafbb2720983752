/* Receive ports, send capabilities, and send: the copy/share/move rules and dropping. */
#include <stdlib.h>

#include "runtime/rt_internal.h"

/* A slot index plus a generation: a message for a closed port never
 * reaches a newer port that reused the slot. */
static int slot_take(rt_iso *iso, iso_port *p, uint64_t *id) {
  uint32_t i;
  if (iso->free_slot) {
    i = iso->free_slot - 1;
    iso->free_slot = iso->slots[i].next_free;
  } else {
    if (iso->nslots == iso->cslots) {
      uint32_t c = iso->cslots ? iso->cslots * 2 : 8;
      struct rt_slot *v = realloc(iso->slots, c * sizeof(*v));
      if (!v) return ISO_ENOMEM;
      iso->slots = v;
      iso->cslots = c;
    }
    i = iso->nslots++;
    iso->slots[i].gen = 0;
  }
  iso->slots[i].port = p;
  iso->slots[i].gen++;
  *id = ((uint64_t)iso->slots[i].gen << 32) | i;
  return ISO_OK;
}

static void slot_free(rt_iso *iso, uint64_t id) {
  uint32_t i = (uint32_t)id;
  iso->slots[i].port = NULL;
  iso->slots[i].next_free = iso->free_slot;
  iso->free_slot = i + 1;
}

static iso_port *slot_port(rt_iso *iso, uint64_t id) {
  uint32_t i = (uint32_t)id;
  if (i >= iso->nslots || iso->slots[i].gen != (uint32_t)(id >> 32)) return NULL;
  return iso->slots[i].port;
}

static rt_core *core_new(rt_iso *iso, iso_port *p) {
  rt_core *c = aligned_alloc(64, sizeof(*c));
  if (!c) return NULL;
  if (slot_take(iso, p, &c->port_id)) {
    free(c);
    return NULL;
  }
  atomic_init(&c->refs, 1);
  atomic_init(&c->closed, false);
  rt_iso_ref(iso);
  c->iso = iso;
  c->link_capacity = 0;
  return c;
}

void rt_core_release(rt_core *c) {
  if (!c) return;
  if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1) return;
  rt_iso_unref(c->iso);
  free(c);
}

iso_port *rt_port_new(rt_iso *iso, iso_handler h, void *ud) {
  if (!iso || iso->ending) return NULL;
  iso_port *p = calloc(1, sizeof(*p));
  if (!p) return NULL;
  p->core = core_new(iso, p);
  if (!p->core) {
    free(p);
    return NULL;
  }
  p->iso = iso;
  p->handler = h;
  p->ud = ud;
  p->next = iso->ports;
  if (iso->ports) iso->ports->prev = p;
  iso->ports = p;
  iso->alive++;
  return p;
}

iso_port *iso_port_new_raw(iso_handler handler, void *ud) {
  if (!handler) return NULL;
  return rt_port_new(rt_self, handler, ud);
}

iso_port *iso_port_new(void) {
  return rt_port_new(rt_self, NULL, NULL);
}

int iso_port_listen(iso_port *p, iso_handler handler, void *ud) {
  if (!p || !handler || p->closed) return ISO_EINVAL;
  if (p->iso != rt_self) return ISO_ESTATE;
  p->handler = handler;
  p->ud = ud;
  /* Messages that queued before listen go to the handler first, in order. */
  while (p->pend_head && !p->closed && p->handler == handler && !p->awaiting) {
    iso_value *m = p->pend_head;
    p->pend_head = atomic_load_explicit(&m->q_next, memory_order_relaxed);
    if (!p->pend_head) p->pend_tail = NULL;
    atomic_store_explicit(&m->q_next, NULL, memory_order_relaxed);
    p->iso->depth++;
    p->pins++;
    handler(p, m, p->ud);
    p->pins--;
    p->iso->depth--;
  }
  if (p->closed && !p->awaiting && !p->pins) free(p);
  return ISO_OK;
}

static bool port_has_msg(void *arg) {
  iso_port *p = arg;
  return p->pend_head != NULL || p->closed;
}

int iso_port_next(iso_port *p, uint64_t timeout_ns, iso_value **msg) {
  if (!p || !msg) return ISO_EINVAL;
  *msg = NULL;
  if (p->iso != rt_self) return ISO_ESTATE;
  if (p->closed) return ISO_ECLOSED;
  /* The port stays allocated until its last awaiting frame leaves. */
  p->awaiting++;
  int rc = p->pend_head ? ISO_OK : rt_wait(port_has_msg, p, timeout_ns);
  p->awaiting--;
  if (p->pend_head && !p->closed) {
    iso_value *m = p->pend_head;
    p->pend_head = atomic_load_explicit(&m->q_next, memory_order_relaxed);
    if (!p->pend_head) p->pend_tail = NULL;
    atomic_store_explicit(&m->q_next, NULL, memory_order_relaxed);
    *msg = m;
    rc = ISO_OK;
  } else if (p->closed) {
    rc = ISO_ECLOSED;
  } else if (rc == ISO_OK) {
    rc = ISO_ECLOSED;
  }
  if (p->closed && !p->awaiting && !p->pins) free(p);
  return rc == ISO_EKILLED ? ISO_ECLOSED : rc;
}

iso_sendport *iso_port_sendport(iso_port *p) {
  if (!p || p->closed) return NULL;
  atomic_fetch_add_explicit(&p->core->refs, 1, memory_order_relaxed);
  return (iso_sendport *)p->core;
}

static void port_drop_pending(iso_port *p) {
  while (p->pend_head) {
    iso_value *m = p->pend_head;
    p->pend_head = atomic_load_explicit(&m->q_next, memory_order_relaxed);
    iso_value_free(m);
  }
  p->pend_tail = NULL;
}

void iso_port_close(iso_port *p) {
  if (!p || p->closed) return;
  rt_iso *iso = p->iso;
  p->closed = true;
  atomic_store_explicit(&p->core->closed, true, memory_order_release);
  slot_free(iso, p->core->port_id);
  rt_core_release(p->core);
  p->core = NULL;
  port_drop_pending(p);
  if (!p->weak) iso->alive--;
  if (p->prev)
    p->prev->next = p->next;
  else
    iso->ports = p->next;
  if (p->next) p->next->prev = p->prev;
  iso_port_close_fn fn = p->on_close;
  p->on_close = NULL;
  if (fn) {
    p->pins++; /* p stays readable inside fn */
    fn(p, p->ud);
    p->pins--;
  }
  if (!p->awaiting && !p->pins) free(p);
}

void iso_port_on_close(iso_port *p, iso_port_close_fn fn) {
  if (p && !p->closed) p->on_close = fn;
}

void rt_port_close_all(rt_iso *iso) {
  while (iso->ports)
    iso_port_close(iso->ports);
}

void iso_port_set_ud(iso_port *p, void *ud) {
  if (p) p->ud = ud;
}
void *iso_port_ud(iso_port *p) {
  return p ? p->ud : NULL;
}

void iso_port_weak(iso_port *p, bool weak) {
  if (!p || p->closed || p->weak == weak) return;
  p->weak = weak;
  p->iso->alive += weak ? -1 : 1;
}

iso_sendport *iso_sendport_ref(iso_sendport *sp) {
  if (sp) atomic_fetch_add_explicit(&((rt_core *)sp)->refs, 1, memory_order_relaxed);
  return sp;
}

void iso_sendport_release(iso_sendport *sp) {
  rt_core_release((rt_core *)sp);
}

bool iso_sendport_equal(const iso_sendport *a, const iso_sendport *b) {
  return a == b;
}

/* Runs on the receiving isolate for each message popped from its mailbox. */
void rt_dispatch_msg(rt_iso *iso, iso_value *msg) {
  iso_port *p = slot_port(iso, msg->q_port);
  if (!p) {
    iso->ctr.dropped++;
    iso_value_free(msg); /* queued at port close: its payload is freed */
    return;
  }
  iso->ctr.msgs_received++;
  if (p->handler && !p->awaiting && !p->pend_head) {
    iso->depth++;
    p->handler(p, msg, p->ud);
    iso->depth--;
    return;
  }
  atomic_store_explicit(&msg->q_next, NULL, memory_order_relaxed);
  if (p->pend_tail)
    atomic_store_explicit(&p->pend_tail->q_next, msg, memory_order_relaxed);
  else
    p->pend_head = msg;
  p->pend_tail = msg;
  /* A listening port that buffered while awaited catches up later. */
  if (p->handler && !p->awaiting) iso_port_listen(p, p->handler, p->ud);
}

int rt_send_flags(iso_sendport *sp, iso_value *v, uint32_t flags, bool move) {
  if (!sp || !v) return ISO_EINVAL;
  rt_core *c = (rt_core *)sp;
  rt_iso *me = rt_self;
  /* Ask for the receiver's mailbox line now: the copy below overlaps it. */
  __builtin_prefetch(&c->iso->mbox.top, 1);
  uint64_t transfers = 0, bytes = 0;
  if (rt_value_check_sendable(v, &transfers)) return ISO_EUNSENDABLE;
  iso_value *m = v;
  if (!move) {
    transfers = 0;
    m = rt_value_copy_for_send(v, &bytes, &transfers);
    if (!m) return ISO_ENOMEM;
  }
  if (me) {
    me->ctr.transfers += transfers;
    me->ctr.bytes_copied += bytes;
  }
  rt_iso *dst = c->iso;
  if (atomic_load_explicit(&c->closed, memory_order_acquire) ||
      atomic_load_explicit(&dst->dead, memory_order_acquire)) {
    if (me) me->ctr.dropped++;
    iso_value_free(m);
    return ISO_OK;
  }
  if (me) me->ctr.msgs_sent++;
  m->q_port = c->port_id;
  m->q_flags = flags;
  /* A push onto a non-empty mailbox needs no futex call: whoever made it
   * non-empty saw the receiver awake or woke it, and the receiver takes the
   * whole stack at once, this message included. Except while that wake is
   * held back (rt_iso_wake_soon): so a push onto a non-empty mailbox of a
   * receiver still parked goes through rt_iso_wake_soon too, which counts
   * it towards the batching sender's burst, and wakes the receiver at once
   * for any other sender (its message must not wait for someone else's
   * event to end). Reading the parked flag is cheap: only a parking
   * receiver writes that line. */
  if (rt_mpsc_push(&dst->mbox, m) || rt_rt.mode == ISO_MODE_INLINE ||
      atomic_load_explicit(&dst->parked, memory_order_seq_cst)) {
    if (flags & RT_MSG_WAKE_NOW)
      rt_iso_wake(dst);
    else if (rt_rt.mode == ISO_MODE_THREADS &&
             atomic_load_explicit(&dst->mail_latency_ns, memory_order_relaxed))
      ; /* it reads its mail at its own pace (rt_park's lazy wait) */
    else
      rt_iso_wake_soon(dst);
  }
  return ISO_OK;
}

int iso_send(iso_sendport *sp, iso_value *v) {
  return rt_send_flags(sp, v, 0, false);
}
int iso_send_move(iso_sendport *sp, iso_value *v) {
  return rt_send_flags(sp, v, 0, true);
}
