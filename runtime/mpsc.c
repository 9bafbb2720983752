/* The mailbox queue (an intrusive MPSC stack taken whole by the consumer) and futex helpers. */
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "runtime/rt_internal.h"

/*
 * Producers push onto a LIFO stack with one CAS; the consumer takes the whole
 * stack with one exchange and reverses it into a private FIFO batch. Against
 * Vyukov's queue this drops the stub re-push (a consumer write to the
 * producers' line on every message that empties the queue) and lets the
 * consumer pay one atomic per batch instead of per message. Push order is
 * preserved: the reversed stack is the order in which pushes took effect.
 */
void rt_mpsc_init(rt_mpsc *q) {
  atomic_init(&q->top, NULL);
  q->head = NULL;
}

bool rt_mpsc_push(rt_mpsc *q, iso_value *n) {
  iso_value *old = atomic_load_explicit(&q->top, memory_order_relaxed);
  do {
    atomic_store_explicit(&n->q_next, old, memory_order_relaxed);
    /* seq_cst: pairs with the consumer's parked flag (Dekker) so no wakeup is lost. */
  } while (!atomic_compare_exchange_weak_explicit(&q->top, &old, n, memory_order_seq_cst,
                                                  memory_order_relaxed));
  return old == NULL;
}

iso_value *rt_mpsc_pop(rt_mpsc *q) {
  iso_value *h = q->head;
  if (!h) {
    iso_value *t = atomic_load_explicit(&q->top, memory_order_relaxed);
    if (!t) return NULL;
    /* Start the newest message's miss before the exchange: the two
     * transfers (its line, and top's line made exclusive) then overlap. */
    __builtin_prefetch(t);
    iso_value *s = atomic_exchange_explicit(&q->top, NULL, memory_order_acquire);
    while (s) { /* newest first: reverse into arrival order */
      iso_value *next = atomic_load_explicit(&s->q_next, memory_order_relaxed);
      atomic_store_explicit(&s->q_next, h, memory_order_relaxed);
      h = s;
      s = next;
    }
  }
  q->head = atomic_load_explicit(&h->q_next, memory_order_relaxed);
  return h;
}

void rt_futex_wait(_Atomic int *addr, int val, uint64_t timeout_ns) {
  struct timespec ts, *tp = NULL;
  if (timeout_ns != UINT64_MAX) {
    ts.tv_sec = (time_t)(timeout_ns / 1000000000u);
    ts.tv_nsec = (long)(timeout_ns % 1000000000u);
    tp = &ts;
  }
  syscall(SYS_futex, (int *)addr, FUTEX_WAIT_PRIVATE, val, tp, NULL, 0);
}

void rt_futex_wake(_Atomic int *addr, int n) {
  syscall(SYS_futex, (int *)addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

void rt_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

uint64_t iso_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
