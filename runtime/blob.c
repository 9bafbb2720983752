/* Immutable ref-counted byte blobs: shared between isolates by reference, never copied. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/rt_internal.h"

struct iso_blob {
  atomic_uint refs;
  const void *data;
  size_t len;
  iso_dtor dtor; /* NULL when the bytes live inside the blob */
};

iso_blob *iso_blob_new(const void *p, size_t n) {
  if (!p && n) return NULL;
  iso_blob *b = malloc(sizeof(*b) + n);
  if (!b) return NULL;
  atomic_init(&b->refs, 1);
  if (n) memcpy(b + 1, p, n);
  b->data = b + 1;
  b->len = n;
  b->dtor = NULL;
  return b;
}

iso_blob *iso_blob_wrap(const void *p, size_t n, iso_dtor dtor) {
  iso_blob *b = malloc(sizeof(*b));
  if (!b) {
    if (dtor && p) dtor((void *)p);
    return NULL;
  }
  atomic_init(&b->refs, 1);
  b->data = p;
  b->len = n;
  b->dtor = dtor;
  return b;
}

iso_blob *iso_blob_ref(iso_blob *b) {
  if (b) atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
  return b;
}

void iso_blob_unref(iso_blob *b) {
  if (!b) return;
  if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1) return;
  if (b->dtor) b->dtor((void *)b->data);
  free(b);
}

const void *iso_blob_data(const iso_blob *b, size_t *len) {
  if (len) *len = b ? b->len : 0;
  return b ? b->data : NULL;
}
