/* The isolate object: creation, references, wakes, control queue, and its end. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "runtime/rt_internal.h"

rt_runtime rt_rt;
_Thread_local rt_iso *rt_self;
static atomic_uint rt_name_seq;

rt_iso *rt_iso_new(const char *name) {
  rt_iso *iso = aligned_alloc(64, (sizeof(*iso) + 63) & ~(size_t)63); /* rt_mpsc's lines */
  if (!iso) return NULL;
  memset(iso, 0, sizeof(*iso));
  char buf[32];
  if (!name) {
    snprintf(buf, sizeof(buf), "isolate-%u", atomic_fetch_add(&rt_name_seq, 1) + 1);
    name = buf;
  }
  iso->name = rt_strdup(name);
  if (!iso->name) {
    free(iso);
    return NULL;
  }
  atomic_init(&iso->refs, 1); /* the runtime's reference, dropped once it has finished */
  atomic_init(&iso->fatal_errors, true);
  iso->spin = 64;
  pthread_mutex_init(&iso->lock, NULL);
  rt_mpsc_init(&iso->mbox);
  pthread_mutex_lock(&rt_rt.lock);
  iso->all_next = rt_rt.all;
  if (rt_rt.all) rt_rt.all->all_prev = iso;
  rt_rt.all = iso;
  pthread_mutex_unlock(&rt_rt.lock);
  return iso;
}

void rt_iso_ref(rt_iso *iso) {
  atomic_fetch_add_explicit(&iso->refs, 1, memory_order_relaxed);
}

static void notices_free(rt_notice *n) {
  while (n) {
    rt_notice *next = n->next;
    iso_sendport_release(n->sp);
    iso_value_free(n->msg);
    free(n);
    n = next;
  }
}

static void ctl_free(rt_ctl *c) {
  while (c) {
    rt_ctl *next = c->next;
    iso_sendport_release(c->sp);
    iso_value_free(c->msg);
    free(c);
    c = next;
  }
}

void rt_drain_mailbox(rt_iso *iso) {
  iso_value *m;
  while ((m = rt_mpsc_pop(&iso->mbox)) != NULL)
    iso_value_free(m);
}

void rt_iso_unref(rt_iso *iso) {
  if (!iso || atomic_fetch_sub_explicit(&iso->refs, 1, memory_order_acq_rel) != 1) return;
  /* After a clean shutdown no other thread of the runtime is left. */
  bool lock = rt_lock_live;
  if (lock) pthread_mutex_lock(&rt_rt.lock);
  if (iso->all_prev)
    iso->all_prev->all_next = iso->all_next;
  else if (rt_rt.all == iso)
    rt_rt.all = iso->all_next;
  if (iso->all_next) iso->all_next->all_prev = iso->all_prev;
  if (lock) pthread_mutex_unlock(&rt_rt.lock);
  rt_drain_mailbox(iso);
  ctl_free(iso->ctl_head);
  notices_free(iso->on_exit);
  notices_free(iso->on_error);
  iso_value_free(iso->entry_msg);
  iso_value_free(iso->exit_val);
  iso_sendport_release(iso->exit_sp);
  pthread_mutex_destroy(&iso->lock);
  free(iso->slots);
  free(iso->name);
  free(iso);
}

void rt_iso_wake(rt_iso *iso) {
  if (rt_rt.mode == ISO_MODE_INLINE) {
    rt_sched_ready(iso);
    return;
  }
  if (iso->is_main) {
    /* A foreign loop watches this fd instead of main parking on its futex. */
    int fd1 = atomic_load_explicit(&rt_rt.main_fd1, memory_order_acquire);
    if (fd1 > 0) {
      uint64_t one = 1;
      if (write(fd1 - 1, &one, sizeof one) < 0) {
        /* EAGAIN: the counter is saturated, the fd is readable anyway */
      }
    }
  }
  if (atomic_load_explicit(&iso->parked, memory_order_seq_cst) &&
      atomic_exchange_explicit(&iso->parked, 0, memory_order_seq_cst))
    rt_futex_wake(&iso->parked, 1);
}

void rt_iso_poke(rt_iso *iso) {
  atomic_store_explicit(&iso->poked, true, memory_order_seq_cst);
  rt_iso_wake(iso);
}

void rt_ctl_push(rt_iso *iso, rt_ctl *c) {
  c->next = NULL;
  pthread_mutex_lock(&iso->lock);
  if (iso->ctl_tail)
    iso->ctl_tail->next = c;
  else
    iso->ctl_head = c;
  iso->ctl_tail = c;
  atomic_store_explicit(&iso->ctl_pending, true, memory_order_seq_cst);
  pthread_mutex_unlock(&iso->lock);
  rt_iso_wake(iso);
}

bool rt_iso_alive(rt_iso *iso) {
  return !iso->started || iso->alive > 0;
}

/* Ends an isolate on its own thread (or the scheduler): ports and timers go,
 * queued messages are freed, then the exit message, then the notices. */
void rt_iso_finish(rt_iso *iso) {
  rt_wake_flush();
  if (atomic_load(&iso->done)) return;
  rt_iso *prev = rt_self;
  rt_self = iso;
  iso->ending = true;
  atomic_store_explicit(&iso->dead, true, memory_order_seq_cst);
  rt_port_close_all(iso);
  rt_timers_free_all(iso);
  iso_value_free(iso->entry_msg);
  iso->entry_msg = NULL;
  rt_drain_mailbox(iso);
  if (iso->exit_val) {
    iso_value *v = iso->exit_val;
    iso->exit_val = NULL;
    if (!iso->exit_sp || rt_send_flags(iso->exit_sp, v, 0, true) != ISO_OK) iso_value_free(v);
  }
  iso_sendport_release(iso->exit_sp);
  iso->exit_sp = NULL;

  pthread_mutex_lock(&iso->lock);
  rt_notice *ex = iso->on_exit, *er = iso->on_error;
  rt_ctl *ctl = iso->ctl_head;
  iso->on_exit = iso->on_error = NULL;
  iso->ctl_head = iso->ctl_tail = NULL;
  atomic_store_explicit(&iso->done, true, memory_order_release);
  /* Under the lock: a joiner's record is gone once it can take the lock. */
  for (rt_joiner *j = iso->joiners; j; j = j->next) {
    j->linked = false;
    rt_iso_poke(j->who);
  }
  iso->joiners = NULL;
  pthread_mutex_unlock(&iso->lock);

  ctl_free(ctl);
  for (rt_notice *n = ex; n; n = n->next) {
    iso_value *m = n->msg; /* allocated with the notice */
    n->msg = NULL;
    if (m && rt_send_flags(n->sp, m, RT_MSG_EXIT_NOTICE, true) != ISO_OK) iso_value_free(m);
  }
  notices_free(ex);
  notices_free(er);
  rt_self = prev;
}
