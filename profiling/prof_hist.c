/* Log-bucket histogram (HDR-style, 16 sub-buckets per octave) for latency and tick lateness
 * percentiles. */
#include <string.h>

#include "profiling/prof.h"

#define SUB (1u << PL_HIST_SUB_BITS) /* values below this get exact buckets */
#define HALF (SUB / 2)

static unsigned bucket_of(uint64_t v) {
  if (v < SUB) return (unsigned)v;
  unsigned msb = 63u - (unsigned)__builtin_clzll(v);
  unsigned shift = msb - (PL_HIST_SUB_BITS - 1);
  return (msb - PL_HIST_SUB_BITS + 1) * HALF + (unsigned)(v >> shift);
}

/* The midpoint of a bucket's range, so the error is at most half a bucket. */
static uint64_t bucket_mid(unsigned idx) {
  if (idx < SUB) return idx;
  unsigned shift = idx / HALF - 1;
  uint64_t sub = idx % HALF + HALF;
  uint64_t lo = sub << shift;
  uint64_t width = (uint64_t)1 << shift;
  return lo + (width - 1) / 2;
}

void pl_hist_init(pl_hist *h) {
  memset(h, 0, sizeof *h);
  h->min = UINT64_MAX;
}

void pl_hist_add(pl_hist *h, uint64_t v) {
  h->bucket[bucket_of(v)]++;
  h->count++;
  h->sum += (double)v;
  if (v < h->min) h->min = v;
  if (v > h->max) h->max = v;
}

void pl_hist_merge(pl_hist *into, const pl_hist *from) {
  if (!from->count) return;
  for (unsigned i = 0; i < PL_HIST_BUCKETS; i++)
    into->bucket[i] += from->bucket[i];
  into->count += from->count;
  into->sum += from->sum;
  if (from->min < into->min) into->min = from->min;
  if (from->max > into->max) into->max = from->max;
}

uint64_t pl_hist_quantile(const pl_hist *h, double q) {
  if (!h->count) return 0;
  if (q <= 0) return h->min;
  if (q >= 1) return h->max;
  /* The sample of rank ceil(q * count), as in the nearest-rank method. */
  double r = q * (double)h->count;
  uint64_t rank = (uint64_t)r;
  if ((double)rank < r) rank++;
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (unsigned i = 0; i < PL_HIST_BUCKETS; i++) {
    seen += h->bucket[i];
    if (seen >= rank) {
      uint64_t v = bucket_mid(i);
      if (v < h->min) v = h->min;
      if (v > h->max) v = h->max;
      return v;
    }
  }
  return h->max;
}

double pl_hist_mean(const pl_hist *h) {
  return h->count ? h->sum / (double)h->count : 0.0;
}
