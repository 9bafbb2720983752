/* The mailbox queue (Vyukov's intrusive MPSC) and the futex parking it wakes. */
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/isolate/rt_internal.h"

void rt_mpsc_init(rt_mpsc *q) {
  atomic_init(&q->stub.q_next, NULL);
  atomic_init(&q->tail, &q->stub);
  q->head = &q->stub;
}

void rt_mpsc_push(rt_mpsc *q, iso_value *n) {
  atomic_store_explicit(&n->q_next, NULL, memory_order_relaxed);
  /* seq_cst: pairs with the consumer's parked flag (Dekker) so no wakeup is lost. */
  iso_value *prev = atomic_exchange_explicit(&q->tail, n, memory_order_seq_cst);
  atomic_store_explicit(&prev->q_next, n, memory_order_release);
}

iso_value *rt_mpsc_pop(rt_mpsc *q) {
  iso_value *head = q->head;
  iso_value *next = atomic_load_explicit(&head->q_next, memory_order_acquire);
  if (head == &q->stub) {
    if (!next) return NULL;
    q->head = next;
    head = next;
    next = atomic_load_explicit(&next->q_next, memory_order_acquire);
  }
  if (next) {
    q->head = next;
    return head;
  }
  if (atomic_load_explicit(&q->tail, memory_order_acquire) != head) return NULL; /* mid-push */
  rt_mpsc_push(q, &q->stub);
  next = atomic_load_explicit(&head->q_next, memory_order_acquire);
  if (next) {
    q->head = next;
    return head;
  }
  return NULL;
}

bool rt_mpsc_empty(rt_mpsc *q) {
  /* q->head is the next node to return unless it is the stub. */
  if (q->head != &q->stub) return false;
  if (atomic_load_explicit(&q->stub.q_next, memory_order_acquire)) return false;
  return atomic_load_explicit(&q->tail, memory_order_seq_cst) == &q->stub;
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
