/* Per-thread caches of value nodes so that a small message costs no malloc on the hot path. */
#include <stdlib.h>
#include <string.h>

#include "pipeline/isolate/rt_internal.h"

/*
 * Each isolate thread owns a cache. A node freed on its home thread goes back
 * to the local list; a node freed on another thread (the receiver of a
 * message) is pushed onto its home cache's lock-free "remote" stack, which
 * the owner takes whole when its local list runs dry (mimalloc's delayed
 * free, in small). Caches outlive threads: a finished thread parks its cache
 * for the next thread to adopt, so a node never points at freed memory.
 */

/* A cached node is two cache lines, 64-aligned: a scalar message's header
 * and value then share one line, the only line that moves between cores. */
#define RT_NODE_SIZE 128
#define RT_NODE_EXTRA (RT_NODE_SIZE - sizeof(iso_value)) /* short strings, bytes, list items */
#define RT_NODE_LOCAL_MAX 4096

/* remote sits on its own cache line: receivers hit it on every free while
 * the owner works on local. */
struct rt_ncache {
  iso_value *local;
  size_t nlocal;
  rt_ncache *next_idle;
  _Alignas(64) _Atomic(iso_value *) remote;
  char pad[64 - sizeof(void *)];
};

static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static rt_ncache *idle_caches;
static _Thread_local rt_ncache *my_cache;
/* Nodes freed here that belong to another cache, handed back in batches:
 * one atomic per RT_NODE_BATCH frees instead of one per free. */
#define RT_NODE_BATCH 32
static _Thread_local rt_ncache *pend_home;
static _Thread_local iso_value *pend_head, *pend_tail;
static _Thread_local int npend;

static void push_remote(rt_ncache *c, iso_value *first, iso_value *last) {
  iso_value *head = atomic_load_explicit(&c->remote, memory_order_relaxed);
  do {
    atomic_store_explicit(&last->q_next, head, memory_order_relaxed);
  } while (!atomic_compare_exchange_weak_explicit(&c->remote, &head, first, memory_order_release,
                                                  memory_order_relaxed));
}

void rt_node_flush(void) {
  if (pend_head) push_remote(pend_home, pend_head, pend_tail);
  pend_head = pend_tail = NULL;
  pend_home = NULL;
  npend = 0;
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

/* Frees the nodes parked in idle caches (runtime shutdown); the cache
 * headers stay, since a late value may still be freed towards them. */
void rt_node_trim(void) {
  pthread_mutex_lock(&idle_lock);
  for (rt_ncache *c = idle_caches; c; c = c->next_idle) {
    free_chain(c->local);
    c->local = NULL;
    c->nlocal = 0;
    free_chain(atomic_exchange_explicit(&c->remote, NULL, memory_order_acquire));
  }
  pthread_mutex_unlock(&idle_lock);
}

iso_value *rt_node_alloc(size_t extra) {
  rt_ncache *c = extra <= RT_NODE_EXTRA ? cache_get() : NULL;
  iso_value *v = NULL;
  if (c) {
    if (!c->local) {
      c->local = atomic_exchange_explicit(&c->remote, NULL, memory_order_acquire);
      c->nlocal = 0; /* unknown length: the cap is only a soft bound */
    }
    v = c->local;
    if (v) {
      c->local = atomic_load_explicit(&v->q_next, memory_order_relaxed);
      if (c->nlocal) c->nlocal--;
    }
  }
  if (!v) {
    v = c ? aligned_alloc(64, RT_NODE_SIZE) : malloc(sizeof(*v) + extra);
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
    push_remote(c, v, v);
    return;
  }
  if (pend_home != c) {
    rt_node_flush();
    pend_home = c;
    pend_tail = v;
  }
  atomic_store_explicit(&v->q_next, pend_head, memory_order_relaxed);
  pend_head = v;
  if (++npend >= RT_NODE_BATCH) rt_node_flush();
}
