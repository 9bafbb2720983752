/* The runtime: init, shutdown (killing and joining what still runs), the registry and counters. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "runtime/rt_internal.h"
_Thread_local bool rt_spawn_near;
cpu_set_t rt_proc_mask; /* the process's CPUs when the runtime started */
bool rt_have_mask;
atomic_int rt_live_threads;
/* The last shutdown gave up on threads stuck in foreign code (see
 * iso_runtime_shutdown_timed): their state is kept until they end. */
static bool rt_abandoned;
/* The registry's lock exists (between init and a shutdown that destroyed it):
 * handles released after the shutdown touch the registry alone. */
bool rt_lock_live;

int iso_runtime_init(iso_mode mode) {
  if (rt_rt.up) return ISO_ESTATE;
  if (mode != ISO_MODE_THREADS && mode != ISO_MODE_INLINE) return ISO_EINVAL;
  if (rt_abandoned) {
    /* Threads a timed-out shutdown left behind still touch the old state. */
    if (atomic_load(&rt_live_threads) > 0 || !rt_pool_idle()) return ISO_ESTATE;
    rt_reap_threads();
    rt_pool_shutdown(false);
    pthread_mutex_destroy(&rt_rt.lock);
    rt_abandoned = false;
  }
  rt_runtime z = {0};
  rt_rt = z;
  pthread_mutex_init(&rt_rt.lock, NULL);
  rt_lock_live = true;
  rt_rt.mode = mode;
  rt_have_mask = sched_getaffinity(0, sizeof rt_proc_mask, &rt_proc_mask) == 0;
  rt_iso *m = rt_iso_new("main");
  if (!m) return ISO_ENOMEM;
  m->is_main = true;
  m->started = true;
  atomic_store(&m->fatal_errors, false);
  rt_rt.main = m;
  rt_self = m;
  rt_rt.up = true;
  return ISO_OK;
}

void rt_reap_threads(void) {
  pthread_mutex_lock(&rt_rt.lock);
  pthread_t *v = rt_rt.reap;
  size_t n = rt_rt.nreap;
  rt_rt.reap = NULL;
  rt_rt.nreap = rt_rt.creap = 0;
  pthread_mutex_unlock(&rt_rt.lock);
  for (size_t i = 0; i < n; i++)
    pthread_join(v[i], NULL);
  free(v);
}

/* At spawn: joins the threads that have already gone and leaves the ones
 * still on their way out for later. Blocking on a thread that has queued
 * itself but not yet exited costs a spawn a cross-CPU wake, and a halted
 * vCPU is slow to wake. */
void rt_reap_finished(void) {
  pthread_mutex_lock(&rt_rt.lock);
  size_t keep = 0;
  for (size_t i = 0; i < rt_rt.nreap; i++)
    if (pthread_tryjoin_np(rt_rt.reap[i], NULL) != 0) rt_rt.reap[keep++] = rt_rt.reap[i];
  rt_rt.nreap = keep;
  pthread_mutex_unlock(&rt_rt.lock);
}

/* The first registered isolate that pred accepts, with a reference (or
 * NULL). Shutdown walks the registry this way, one isolate at a time, so it
 * never allocates: it must work when memory has run out. */
static rt_iso *registry_find(bool (*pred)(rt_iso *)) {
  pthread_mutex_lock(&rt_rt.lock);
  rt_iso *found = NULL;
  for (rt_iso *i = rt_rt.all; i && !found; i = i->all_next) {
    if (!pred(i)) continue;
    /* Skip isolates whose last reference is going: their unref is waiting
     * for this lock to unlink them. */
    unsigned r = atomic_load(&i->refs);
    while (r && !atomic_compare_exchange_weak(&i->refs, &r, r + 1)) {
    }
    if (r) found = i;
  }
  pthread_mutex_unlock(&rt_rt.lock);
  return found;
}

/* Flags a kill on every non-main isolate still running; true if any was
 * found. Kills are flags and wakes only, so this runs under the lock. An
 * isolate busy in a handler may spawn more, hence the callers' loops. */
static bool kill_all(void) {
  bool any = false;
  pthread_mutex_lock(&rt_rt.lock);
  for (rt_iso *i = rt_rt.all; i; i = i->all_next) {
    if (i == rt_rt.main || atomic_load(&i->done) || !atomic_load(&i->refs)) continue;
    any = true;
    iso_kill(RT_H(i), ISO_PRIO_IMMEDIATE);
  }
  pthread_mutex_unlock(&rt_rt.lock);
  return any;
}

static bool running_other(rt_iso *i) {
  return i != rt_rt.main && !atomic_load(&i->done);
}

/* Inline mode: the killed isolates run their kill on the scheduler; any
 * left (one whose entry never ran) is finished here. */
static bool kill_pass_inline(void) {
  bool any = kill_all();
  /* Also when none is left: the ready list holds references (main's too). */
  while (rt_sched_step() > 0) {
  }
  rt_iso *i;
  while ((i = registry_find(running_other)) != NULL) {
    rt_iso_finish(i);
    rt_iso_unref(i); /* the runtime's reference */
    rt_iso_unref(i); /* registry_find's */
  }
  return any;
}

static bool queued_and_done(rt_iso *i) {
  return atomic_load(&i->done) && !rt_mpsc_empty(&i->mbox);
}

void iso_runtime_shutdown(void) {
  iso_runtime_shutdown_timed(ISO_SHUTDOWN_GRACE_NS);
}

int iso_runtime_shutdown_timed(uint64_t grace_ns) {
  if (!rt_rt.up || rt_self != rt_rt.main) return ISO_ESTATE;
  bool stuck = false;
  if (rt_rt.mode == ISO_MODE_INLINE) {
    while (kill_pass_inline()) {
    }
  } else {
    uint64_t deadline = iso_now_ns() + grace_ns;
    if (deadline < grace_ns) deadline = UINT64_MAX;
    struct timespec ts = {0, 100000};
    for (;;) {
      bool any = kill_all();
      rt_reap_threads();
      if (!any && atomic_load(&rt_live_threads) == 0) break;
      /* A kill acts between events: a handler blocked in foreign code
       * (a read that never returns) cannot be ended from here. */
      if (iso_now_ns() >= deadline) {
        stuck = true;
        break;
      }
      nanosleep(&ts, NULL);
    }
    rt_reap_threads();
    rt_pool_shutdown(stuck);
  }
  /* Stuck threads may still wake main: their fd stays open (and leaks). */
  int fd1 = atomic_exchange(&rt_rt.main_fd1, 0);
  if (fd1 > 0 && !stuck) close(fd1 - 1);
  rt_iso *m = rt_rt.main;
  rt_iso_finish(m);
  rt_iso_unref(m);
  rt_self = NULL;
  /* Messages pushed into a mailbox just as its isolate died can hold the
   * last references that keep it registered: drain them now. Only ended
   * isolates: a stuck one still owns its mailbox. */
  rt_iso *i;
  while ((i = registry_find(queued_and_done)) != NULL) {
    rt_drain_mailbox(i);
    rt_iso_unref(i);
  }
  rt_node_thread_done();
  rt_node_trim();
  pthread_mutex_lock(&rt_rt.lock);
  free(rt_rt.reap);
  rt_rt.reap = NULL;
  rt_rt.nreap = rt_rt.creap = 0;
  rt_rt.main = NULL;
  rt_rt.up = false;
  pthread_mutex_unlock(&rt_rt.lock);
  rt_abandoned = stuck;
  /* Stuck threads still use the registry and its lock when they end. */
  if (!stuck) {
    rt_lock_live = false;
    pthread_mutex_destroy(&rt_rt.lock);
  }
  return stuck ? ISO_ETIMEDOUT : ISO_OK;
}

iso_mode iso_runtime_mode(void) {
  return rt_rt.mode;
}
iso_isolate *iso_current(void) {
  return RT_H(rt_self);
}
bool iso_is_main(void) {
  return rt_self && rt_self->is_main;
}
const char *iso_name(iso_isolate *iso) {
  rt_iso *i = iso ? RT_ISO(iso) : rt_self;
  return i ? i->name : NULL;
}

void iso_counters_get(iso_counters *out) {
  if (!out) return;
  if (rt_self)
    *out = rt_self->ctr;
  else
    memset(out, 0, sizeof(*out));
}
