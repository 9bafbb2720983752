/* Bounded links: items move downstream only while the sender holds credits the receiver returns. */
#include <stdlib.h>

#include "runtime/rt_internal.h"

/*
 * Protocol (message flags, see rt_internal.h):
 *   tx -> rx  HELLO(sendport of tx's credit port)   first message, FIFO before items
 *   tx -> rx  DATA(item)                            consumes one credit
 *   tx -> rx  EOF
 *   rx -> tx  CREDIT(n)                             after iso_link_rx_ack
 *   rx -> tx  FINISH                                receiver wants no more
 * The capacity rides in the rx port's core, so tx starts with full credit
 * without a round trip.
 */

struct iso_link_rx {
  iso_port *port;
  iso_sendport *tx_sp; /* learned from HELLO */
  iso_link_rx_cbs cbs;
  void *ud;
  uint32_t capacity, depth, owed; /* owed: acks not sent yet (before HELLO, or out of memory) */
  uint32_t batch;                 /* credits go back once this many are owed, or before parking */
  bool lazy;                      /* in this thread's list of links with credits held back */
  bool finished, eof;
  iso_value *finish_msg;   /* allocated up front: ending a link never needs memory */
  iso_value *spare_credit; /* for an ack made when memory is short: see send_owed */
};

struct iso_link_tx {
  iso_port *port;
  iso_sendport *rx_sp;
  iso_link_tx_cbs cbs;
  void *ud;
  uint32_t capacity, credits;
  bool finished, eof;
  bool told; /* on_finished ran: once, when FINISH arrives, even if a send saw the end first */
  iso_value *eof_msg; /* allocated up front: a lost EOF would leave the receiver waiting forever */
};

static void rx_closed(iso_port *port, void *ud);
static void tx_closed(iso_port *port, void *ud);

static void send_ctl(iso_sendport *sp, uint32_t flags, iso_value *v) {
  if (!v) return;
  if (rt_send_flags(sp, v, flags, true) != ISO_OK) iso_value_free(v);
}

/* The preallocated message, or a fresh one if it was already used. */
static iso_value *take_msg(iso_value **pre) {
  iso_value *v = *pre;
  *pre = NULL;
  return v ? v : iso_null();
}

/* A lost CREDIT can stall the link for good: the sender waits with no
 * credit and the receiver, with nothing left to ack, never sends another.
 * So an ack that cannot allocate uses a spare allocated earlier (refilled
 * when memory allows); credits still unsent stay owed for the next ack. */
static void send_owed(iso_link_rx *rx) {
  if (!rx->spare_credit) rx->spare_credit = iso_int(0);
  if (!rx->owed || !rx->tx_sp || rx->finished) return;
  iso_value *v = iso_int(rx->owed);
  if (!v && rx->spare_credit) {
    v = rx->spare_credit;
    rx->spare_credit = NULL;
    v->u.i = rx->owed;
  }
  if (!v) return;
  rx->owed = 0;
  send_ctl(rx->tx_sp, RT_MSG_LINK_CREDIT | RT_MSG_WAKE_NOW, v);
}

static void rx_handler(iso_port *port, iso_value *msg, void *ud) {
  iso_link_rx *rx = ud;
  uint32_t f = rt_msg_flags(msg);
  if (f & RT_MSG_LINK_HELLO) {
    iso_sendport_release(rx->tx_sp);
    rx->tx_sp = iso_sendport_ref(iso_as_sendport(msg));
    iso_value_free(msg);
    if (rx->finished) send_ctl(rx->tx_sp, RT_MSG_LINK_FINISH, take_msg(&rx->finish_msg));
    send_owed(rx);
    return;
  }
  if (f & RT_MSG_LINK_EOF) {
    iso_value_free(msg);
    if (rx->eof) return;
    rx->eof = true;
    if (rx->cbs.on_eof && !rx->finished) rx->cbs.on_eof(rx, rx->ud);
    return;
  }
  if (rx->finished || rx->eof || !rx->cbs.on_item) {
    iso_value_free(msg); /* late items after finish: freed, dtors run */
    return;
  }
  rx->depth++;
  rx->cbs.on_item(rx, msg, rx->ud);
}

iso_link_rx *iso_link_rx_new(uint32_t capacity, const iso_link_rx_cbs *cbs, void *ud) {
  if (!capacity || !cbs || !rt_self) return NULL;
  iso_link_rx *rx = calloc(1, sizeof(*rx));
  if (!rx) return NULL;
  rx->finish_msg = iso_null();
  rx->spare_credit = iso_int(0);
  rx->port = rx->finish_msg && rx->spare_credit ? iso_port_new_raw(rx_handler, rx) : NULL;
  if (!rx->port) {
    iso_value_free(rx->finish_msg);
    iso_value_free(rx->spare_credit);
    free(rx);
    return NULL;
  }
  rx->port->core->link_capacity = capacity;
  iso_port_on_close(rx->port, rx_closed);
  rx->cbs = *cbs;
  rx->ud = ud;
  rx->capacity = capacity;
  rx->batch = capacity >= 4 ? capacity / 2 : 1;
  return rx;
}

iso_sendport *iso_link_rx_sendport(iso_link_rx *rx) {
  return rx ? iso_port_sendport(rx->port) : NULL;
}

/* Credits go back in batches of half the capacity: a sender blocked on
 * credits then wakes once per batch instead of once per item: a wake costs
 * more than the small items of an audio chain take to process. They
 * are never held while the receiver waits: the loop sends whatever is owed
 * as soon as its mailbox runs dry (rt_link_flush_lazy), so a receiver that
 * keeps items while waiting for more cannot starve its own sender. */
#define RT_LAZY_MAX 16
static _Thread_local iso_link_rx *rt_lazy[RT_LAZY_MAX];
static _Thread_local int rt_nlazy;

static void lazy_remove(iso_link_rx *rx) {
  if (!rx->lazy) return;
  rx->lazy = false;
  for (int i = 0; i < rt_nlazy; i++)
    if (rt_lazy[i] == rx) {
      rt_lazy[i] = rt_lazy[--rt_nlazy];
      return;
    }
}

void rt_link_flush_lazy(void) {
  while (rt_nlazy) {
    iso_link_rx *rx = rt_lazy[--rt_nlazy];
    rx->lazy = false;
    send_owed(rx);
  }
}

void iso_link_rx_ack(iso_link_rx *rx, uint32_t n) {
  if (!rx || !n) return;
  if (n > rx->depth) n = rx->depth;
  rx->depth -= n;
  if (!n || rx->finished) return;
  rx->owed += n;
  if (rx->owed < rx->batch && rt_rt.mode == ISO_MODE_THREADS &&
      (rx->lazy || rt_nlazy < RT_LAZY_MAX)) {
    if (!rx->lazy) {
      rx->lazy = true;
      rt_lazy[rt_nlazy++] = rx;
    }
    return;
  }
  lazy_remove(rx);
  send_owed(rx);
}

void iso_link_rx_finish(iso_link_rx *rx) {
  if (!rx || rx->finished) return;
  rx->finished = true;
  if (rx->tx_sp) send_ctl(rx->tx_sp, RT_MSG_LINK_FINISH, take_msg(&rx->finish_msg));
}

uint32_t iso_link_rx_depth(const iso_link_rx *rx) {
  return rx ? rx->depth : 0;
}

/* Runs on iso_link_rx_free, or when the isolate ends without freeing rx. */
static void rx_closed(iso_port *port, void *ud) {
  iso_link_rx *rx = ud;
  lazy_remove(rx);
  if (!rx->eof) iso_link_rx_finish(rx); /* the sender must not wait for credits forever */
  iso_sendport_release(rx->tx_sp);
  iso_value_free(rx->finish_msg);
  iso_value_free(rx->spare_credit);
  free(rx);
}

void iso_link_rx_free(iso_link_rx *rx) {
  if (rx) iso_port_close(rx->port);
}

static void tx_handler(iso_port *port, iso_value *msg, void *ud) {
  iso_link_tx *tx = ud;
  uint32_t f = rt_msg_flags(msg);
  if (f & RT_MSG_LINK_CREDIT) {
    int64_t n = iso_as_int(msg);
    iso_value_free(msg);
    if (tx->finished || n <= 0) return;
    tx->credits += (uint32_t)n;
    if (tx->credits > tx->capacity) tx->credits = tx->capacity;
    if (tx->cbs.on_writable && !tx->eof) tx->cbs.on_writable(tx, tx->ud);
    return;
  }
  iso_value_free(msg);
  /* A send may have found the receiver gone and marked the link finished
   * already; the owner still hears of it here, or it would feed a link
   * nobody reads for ever. */
  if ((f & RT_MSG_LINK_FINISH) && !tx->told) {
    tx->finished = tx->told = true;
    if (tx->cbs.on_finished) tx->cbs.on_finished(tx, tx->ud);
  }
}

iso_link_tx *iso_link_tx_new(iso_sendport *rx_port, const iso_link_tx_cbs *cbs, void *ud) {
  if (!rx_port || !rt_self) return NULL;
  rt_core *c = (rt_core *)rx_port;
  if (!c->link_capacity) return NULL;
  iso_link_tx *tx = calloc(1, sizeof(*tx));
  if (!tx) return NULL;
  tx->eof_msg = iso_null();
  tx->port = tx->eof_msg ? iso_port_new_raw(tx_handler, tx) : NULL;
  if (!tx->port) {
    iso_value_free(tx->eof_msg);
    free(tx);
    return NULL;
  }
  if (cbs) tx->cbs = *cbs;
  tx->ud = ud;
  tx->rx_sp = iso_sendport_ref(rx_port);
  iso_port_on_close(tx->port, tx_closed);
  tx->capacity = tx->credits = c->link_capacity;
  iso_sendport *mine = iso_port_sendport(tx->port);
  iso_value *hello = mine ? iso_v_sendport(mine) : NULL;
  iso_sendport_release(mine);
  if (!hello) {
    /* Without HELLO the receiver could never return credits. */
    tx->eof = true;
    iso_port_close(tx->port);
    return NULL;
  }
  send_ctl(tx->rx_sp, RT_MSG_LINK_HELLO, hello);
  return tx;
}

uint32_t iso_link_tx_credits(const iso_link_tx *tx) {
  return tx ? tx->credits : 0;
}
uint32_t iso_link_tx_inflight(const iso_link_tx *tx) {
  return tx ? tx->capacity - tx->credits : 0;
}
bool iso_link_tx_finished(const iso_link_tx *tx) {
  return tx && tx->finished;
}

int iso_link_send(iso_link_tx *tx, iso_value *item) {
  if (!tx || !item) return ISO_EINVAL;
  if (!tx->finished && atomic_load(&((rt_core *)tx->rx_sp)->closed)) {
    /* The receiver (or its isolate) is gone, maybe before it ever learnt
     * of this link, so no FINISH may come: the owner hears it from our own
     * port once this call has returned (never from inside a send). */
    tx->finished = true;
    iso_sendport *mine = iso_port_sendport(tx->port);
    if (mine) send_ctl(mine, RT_MSG_LINK_FINISH, iso_null());
    iso_sendport_release(mine);
  }
  if (tx->finished || tx->eof) {
    iso_value_free(item);
    return ISO_ECLOSED;
  }
  if (!tx->credits) return ISO_ENOCREDIT;
  /* Held-back wakes pay off for many small items; on a two-deep link of
   * video frames they would leave the receiver asleep with work queued. */
  uint32_t flags = RT_MSG_LINK_DATA | (tx->capacity < 4 ? RT_MSG_WAKE_NOW : 0);
  int rc = rt_send_flags(tx->rx_sp, item, flags, true);
  if (rc == ISO_OK) tx->credits--;
  return rc;
}

void iso_link_tx_eof(iso_link_tx *tx) {
  if (!tx || tx->eof) return;
  tx->eof = true;
  send_ctl(tx->rx_sp, RT_MSG_LINK_EOF, take_msg(&tx->eof_msg));
}

/* Runs on iso_link_tx_free, or when the isolate ends without freeing tx. */
static void tx_closed(iso_port *port, void *ud) {
  iso_link_tx *tx = ud;
  if (!tx->finished) iso_link_tx_eof(tx); /* downstream must never wait forever */
  iso_sendport_release(tx->rx_sp);
  iso_value_free(tx->eof_msg);
  free(tx);
}

void iso_link_tx_free(iso_link_tx *tx) {
  if (tx) iso_port_close(tx->port);
}
