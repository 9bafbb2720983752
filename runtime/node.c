/* Per-thread caches of value nodes so that a small message costs no malloc on the hot path. */
#include <stdlib.h>
#include <string.h>

#include "runtime/rt_internal.h"

/*
 * Each isolate thread owns a cache. A node freed on its home thread goes back
 * to the local list; a node freed on another thread (the receiver of a
 * message) is pushed onto its home cache's lock-free "remote" stack, which
 * the owner takes whole when its local list runs dry (mimalloc's delayed
 * free, in small). Caches outlive threads: a finished thread parks its cache
 * for the next thread to adopt, so a node never points at freed memory.
 */

/* Cached nodes all have this size (64 bytes of header); malloc'd, not
 * aligned_alloc'd: glibc's memalign is slow and scatters the nodes, and
 * the producer allocates fresh ones whenever its receiver falls behind. */
#define RT_NODE_SIZE 128
#define RT_NODE_EXTRA (RT_NODE_SIZE - sizeof(iso_value)) /* short strings, bytes, list items */
#define RT_NODE_LOCAL_MAX 4096

/* Nodes go home in batches that live inside their first node: returning
 * nodes allocates nothing, and the owner reads 14 addresses from one node
 * (prefetching the next few) instead of following a link per node, each
 * link a cache miss on a line the receiving core last wrote. */
#define RT_FB_MAX ((RT_NODE_SIZE - 2 * sizeof(void *)) / sizeof(void *))
typedef struct rt_fbatch {
  _Atomic(iso_value *) q_next; /* remote stack link, where a node keeps it */
  size_t n;
  iso_value *v[RT_FB_MAX];
} rt_fbatch;
_Static_assert(sizeof(rt_fbatch) <= RT_NODE_SIZE, "a batch fits in its first node");
#define RT_FB_PREFETCH 3

/* remote sits on its own cache line: receivers hit it on every batch while
 * the owner works on the rest. */
struct rt_ncache {
  iso_value *local; /* freed on this thread */
  size_t nlocal;
  rt_fbatch *cur, *more; /* batches taken from remote, being handed out */
  rt_ncache *next_idle;
  _Alignas(64) _Atomic(iso_value *) remote; /* stack of batches */
  char pad[64 - sizeof(void *)];
};

static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static rt_ncache *idle_caches;
static _Thread_local rt_ncache *my_cache;
/* Nodes freed here that belong to another cache, batched: one atomic per
 * RT_FB_MAX + 1 frees instead of one per free. */
static _Thread_local rt_ncache *pend_home;
static _Thread_local rt_fbatch *pend;

static void push_remote(rt_ncache *c, rt_fbatch *b) {
  iso_value *head = atomic_load_explicit(&c->remote, memory_order_relaxed);
  do {
    atomic_store_explicit(&b->q_next, head, memory_order_relaxed);
  } while (!atomic_compare_exchange_weak_explicit(&c->remote, &head, (iso_value *)b,
                                                  memory_order_release, memory_order_relaxed));
}

void rt_node_flush(void) {
  if (pend) push_remote(pend_home, pend);
  pend = NULL;
  pend_home = NULL;
}

#if defined(__SANITIZE_ADDRESS__)
#define RT_NODE_CACHE 0 /* let ASan see every node's use-after-free */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RT_NODE_CACHE 0
#endif
#endif
#ifndef RT_NODE_CACHE
#define RT_NODE_CACHE 1
#endif

static rt_ncache *cache_get(void) {
  if (!RT_NODE_CACHE) return NULL;
  if (my_cache) return my_cache;
  if (!rt_self) return NULL; /* foreign threads use malloc */
  pthread_mutex_lock(&idle_lock);
  rt_ncache *c = idle_caches;
  if (c) idle_caches = c->next_idle;
  pthread_mutex_unlock(&idle_lock);
  if (!c) {
    c = aligned_alloc(64, sizeof(*c));
    if (c) memset(c, 0, sizeof(*c));
  }
  my_cache = c;
  return c;
}

void rt_node_thread_done(void) {
  rt_node_flush();
  rt_ncache *c = my_cache;
  if (!c) return;
  my_cache = NULL;
  pthread_mutex_lock(&idle_lock);
  c->next_idle = idle_caches;
  idle_caches = c;
  pthread_mutex_unlock(&idle_lock);
}

static void free_chain(iso_value *n) {
  while (n) {
    iso_value *next = atomic_load_explicit(&n->q_next, memory_order_relaxed);
    free(n);
    n = next;
  }
}

static void free_batches(rt_fbatch *b) {
  while (b) {
    rt_fbatch *next = (rt_fbatch *)atomic_load_explicit(&b->q_next, memory_order_relaxed);
    for (size_t i = 0; i < b->n; i++)
      free(b->v[i]);
    free(b);
    b = next;
  }
}

/* Frees the nodes parked in idle caches (runtime shutdown); the cache
 * headers stay, since a late value may still be freed towards them. */
void rt_node_trim(void) {
  pthread_mutex_lock(&idle_lock);
  for (rt_ncache *c = idle_caches; c; c = c->next_idle) {
    free_chain(c->local);
    c->local = NULL;
    c->nlocal = 0;
    if (c->cur) { /* cur is already unlinked from more */
      atomic_store_explicit(&c->cur->q_next, NULL, memory_order_relaxed);
      free_batches(c->cur);
    }
    free_batches(c->more);
    c->cur = c->more = NULL;
    free_batches((rt_fbatch *)atomic_exchange_explicit(&c->remote, NULL, memory_order_acquire));
  }
  pthread_mutex_unlock(&idle_lock);
}

/* The next node handed back by other threads; a batch's container last. */
static iso_value *batch_take(rt_ncache *c) {
  rt_fbatch *b = c->cur;
  if (!b) {
    if (!c->more)
      c->more = (rt_fbatch *)atomic_exchange_explicit(&c->remote, NULL, memory_order_acquire);
    b = c->more;
    if (!b) return NULL;
    c->more = (rt_fbatch *)atomic_load_explicit(&b->q_next, memory_order_relaxed);
    c->cur = b;
    for (size_t i = 1; i <= RT_FB_PREFETCH && i <= b->n; i++)
      __builtin_prefetch(b->v[b->n - i], 1);
  }
  if (b->n) {
    iso_value *v = b->v[--b->n];
    if (b->n > RT_FB_PREFETCH) __builtin_prefetch(b->v[b->n - 1 - RT_FB_PREFETCH], 1);
    return v;
  }
  c->cur = NULL;
  return (iso_value *)b;
}

iso_value *rt_node_alloc(size_t extra) {
  rt_ncache *c = extra <= RT_NODE_EXTRA ? cache_get() : NULL;
  iso_value *v = NULL;
  if (c) {
    v = c->local;
    if (v) {
      c->local = atomic_load_explicit(&v->q_next, memory_order_relaxed);
      c->nlocal--;
    } else {
      v = batch_take(c);
    }
  }
  if (!v) {
    v = malloc(c ? RT_NODE_SIZE : sizeof(*v) + extra);
    if (!v) return NULL;
  }
  memset(v, 0, sizeof(*v));
  v->home = c;
  return v;
}

void rt_node_free(iso_value *v) {
  rt_ncache *c = v->home;
  if (!c) {
    free(v);
    return;
  }
  if (c == my_cache) {
    if (c->nlocal >= RT_NODE_LOCAL_MAX) {
      free(v);
      return;
    }
    atomic_store_explicit(&v->q_next, c->local, memory_order_relaxed);
    c->local = v;
    c->nlocal++;
    return;
  }
  if (!my_cache) { /* a foreign thread: no batch, it has no exit hook */
    rt_fbatch *one = (rt_fbatch *)v;
    one->n = 0;
    push_remote(c, one);
    return;
  }
  if (pend_home != c) {
    rt_node_flush();
    pend_home = c;
    pend = (rt_fbatch *)v; /* the first node holds the batch */
    pend->n = 0;
    return;
  }
  pend->v[pend->n++] = v;
  if (pend->n == RT_FB_MAX) rt_node_flush();
}
