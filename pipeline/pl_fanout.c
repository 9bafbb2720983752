/* Fan-out: one item to several consumer links, sent only when every live one holds a credit. */
#include "pipeline/pl_stage.h"

/*
 * The slowest consumer holds the item, and so its producer: memory stays
 * bounded by the credits of every link. Each link but the last gets a new
 * reference to the same buffers (pl_msg_ref), the last the item itself, so
 * nothing is copied.
 */
bool pl_fanout(uint64_t *to, int n, pl_msg *m, const pl_fanout_ops *ops, void *ctx, int *err) {
  *err = ISO_OK;
  int last = -1;
  for (int i = 0; i < n; i++) {
    if (!(*to & (1ull << i))) continue;
    iso_link_tx *tx = ops->tx(ctx, i);
    if (!tx) {
      *to &= ~(1ull << i); /* that consumer finished */
      continue;
    }
    if (iso_link_tx_credits(tx) == 0) return false;
    last = i;
  }
  for (int i = 0; i < last; i++) {
    if (!(*to & (1ull << i))) continue;
    pl_msg *one = pl_msg_ref(m);
    if (!one) {
      pl_msg_free(m);
      *err = ISO_ENOMEM;
      *to = 0;
      return true;
    }
    ops->send(ctx, i, one);
  }
  if (last >= 0)
    ops->send(ctx, last, m);
  else
    pl_msg_free(m);
  *to = 0;
  return true;
}
