/* Index arithmetic of a FIFO ring buffer; the caller owns the slot array, of whatever type. */
#ifndef ISOPIPE_BASE_RING_H
#define ISOPIPE_BASE_RING_H

#include <stdbool.h>
#include <stddef.h>

/* head: slot of the first item; len: items held; cap: slots in the caller's
 * array. A zeroed ring has no slots: set cap (ring_init) before use. */
typedef struct ring {
  size_t head, len, cap;
} ring;

static inline void ring_init(ring *r, size_t cap) {
  r->head = r->len = 0;
  r->cap = cap;
}

static inline bool ring_full(const ring *r) {
  return r->len == r->cap;
}

/* The slot of the i-th item from the first (i < len). */
static inline size_t ring_at(const ring *r, size_t i) {
  return (r->head + i) % r->cap;
}

/* Appends an item: returns the slot to fill. The caller checked !ring_full. */
static inline size_t ring_push(ring *r) {
  return ring_at(r, r->len++);
}

/* Appends, dropping the first item when full: returns the slot to fill,
 * which then held the dropped item. */
static inline size_t ring_push_over(ring *r) {
  if (!ring_full(r)) return ring_push(r);
  size_t s = r->head;
  r->head = (r->head + 1) % r->cap;
  return s;
}

/* Takes the first item out: returns its slot, still holding it. The caller
 * checked len > 0. */
static inline size_t ring_shift(ring *r) {
  size_t s = r->head;
  r->head = (r->head + 1) % r->cap;
  r->len--;
  return s;
}

/* Puts an item back in front of the first (undoes ring_shift): returns the
 * slot to fill. The caller checked !ring_full. */
static inline size_t ring_unshift(ring *r) {
  r->head = (r->head + r->cap - 1) % r->cap;
  r->len++;
  return r->head;
}

/* Keeps the first n items in order and forgets the rest (n <= len): for a
 * caller that compacts in place through ring_at. */
static inline void ring_truncate(ring *r, size_t n) {
  r->len = n;
}

#endif
