/* Spawning isolates: options, their threads (or the inline scheduler), exit and error notices. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "runtime/rt_internal.h"
void iso_spawn_opts_init(iso_spawn_opts *o) {
  memset(o, 0, sizeof(*o));
  o->errors_are_fatal = true;
}

static void *thread_main(void *arg) {
  rt_iso *iso = arg;
  /* The isolate's name on its thread (and on the codec threads it starts,
   * which inherit it): top -H, perf and gdb then show the stages. */
  if (iso->name && *iso->name) {
    char n[16];
    snprintf(n, sizeof n, "%s", iso->name);
    pthread_setname_np(pthread_self(), n);
  }
  if (iso->started_near) pthread_setaffinity_np(pthread_self(), sizeof rt_proc_mask, &rt_proc_mask);
  if (iso->batch) {
    struct sched_param sp = {0};
    pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp); /* keeps the nice value */
  }
  pthread_mutex_lock(&rt_rt.lock);
  iso->tid = (pid_t)syscall(SYS_gettid);
  if (iso->nice_abs) {
    setpriority(PRIO_PROCESS, (id_t)iso->tid, iso->nice);
  } else {
    /* Added to the spawner's niceness, not to what the thread inherited:
     * a realtime spawner's RESET_ON_FORK gives its threads nice 0, which
     * would lift the stages of a process started under nice above it. */
    int n = iso->base_nice + iso->nice;
    n = n > 19 ? 19 : n < -20 ? -20 : n;
    if (n != getpriority(PRIO_PROCESS, (id_t)iso->tid))
      setpriority(PRIO_PROCESS, (id_t)iso->tid, n);
  }
  pthread_mutex_unlock(&rt_rt.lock);
  rt_iso_ref(iso); /* rt_run_isolate drops the thread's own reference */
  rt_run_isolate(iso);
  pthread_mutex_lock(&rt_rt.lock);
  iso->tid = 0; /* the id may soon name another thread */
  pthread_mutex_unlock(&rt_rt.lock);
  rt_iso_unref(iso);
  rt_node_thread_done();
  pthread_mutex_lock(&rt_rt.lock);
  if (rt_rt.nreap == rt_rt.creap) {
    size_t c = rt_rt.creap ? rt_rt.creap * 2 : 16;
    pthread_t *r = realloc(rt_rt.reap, c * sizeof(*r));
    if (r) {
      rt_rt.reap = r;
      rt_rt.creap = c;
    }
  }
  if (rt_rt.nreap < rt_rt.creap)
    rt_rt.reap[rt_rt.nreap++] = pthread_self();
  else
    pthread_detach(pthread_self());
  atomic_fetch_sub(&rt_live_threads, 1);
  pthread_mutex_unlock(&rt_rt.lock);
  return NULL;
}

void rt_run_isolate(rt_iso *iso) {
  rt_self = iso;
  while (!iso->ending && rt_iso_alive(iso)) {
    if (rt_step(iso, 64) == 0 && !iso->ending && rt_iso_alive(iso))
      rt_park(iso, rt_timers_next(iso));
  }
  rt_iso_finish(iso);
  rt_self = NULL;
  rt_iso_unref(iso);
}

void rt_start_thread_for(rt_iso *iso, bool pooled, int *err) {
  if (pooled && rt_pool_submit(iso) == ISO_OK) {
    *err = ISO_OK;
    return;
  }
  pthread_attr_t a;
  pthread_attr_init(&a);
  size_t ss = iso->stack_size ? iso->stack_size : (size_t)1 << 20;
  if (ss < 16384) ss = 16384;
  pthread_attr_setstacksize(&a, ss);
  /* iso_run's caller waits for the result: start the thread on the caller's
   * CPU, which the caller is about to leave, instead of letting the
   * scheduler pick the idle one (a halted vCPU is slow to wake). The
   * thread takes the whole mask back before running any code. */
  int cpu = rt_spawn_near && rt_have_mask ? sched_getcpu() : -1;
  if (cpu >= 0) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    iso->started_near = pthread_attr_setaffinity_np(&a, sizeof one, &one) == 0;
  }
  atomic_fetch_add(&rt_live_threads, 1);
  pthread_t th; /* not stored in iso: the thread may end and free it at once */
  int rc = pthread_create(&th, &a, thread_main, iso);
  pthread_attr_destroy(&a);
  if (rc) {
    atomic_fetch_sub(&rt_live_threads, 1);
    *err = ISO_ENOMEM;
    return;
  }
  *err = ISO_OK;
}

/* Exit notices carry their message from the start (null included), so that
 * sending them when the isolate ends needs no allocation. */
int rt_add_notice(rt_notice **list, iso_sendport *sp, iso_value *msg, bool exit) {
  if (exit && !msg) msg = iso_null();
  rt_notice *n = calloc(1, sizeof(*n));
  if (!n || (exit && !msg)) {
    free(n);
    iso_value_free(msg);
    return ISO_ENOMEM;
  }
  n->sp = iso_sendport_ref(sp);
  n->msg = msg;
  while (*list)
    list = &(*list)->next;
  *list = n;
  return ISO_OK;
}

int rt_spawn_internal(iso_entry entry, iso_value *msg, const iso_spawn_opts *opts, bool pooled,
                      iso_isolate **out) {
  if (out) *out = NULL;
  iso_value *exit_msg = opts ? opts->exit_msg : NULL;
  if (!rt_rt.up || !entry) {
    iso_value_free(msg);
    iso_value_free(exit_msg);
    return rt_rt.up ? ISO_EINVAL : ISO_ESTATE;
  }
  rt_reap_finished();
  rt_iso *iso = rt_iso_new(opts ? opts->name : NULL);
  if (!iso) {
    iso_value_free(msg);
    iso_value_free(exit_msg);
    return ISO_ENOMEM;
  }
  iso->entry = entry;
  iso->entry_msg = msg ? msg : iso_null();
  iso->base_nice = getpriority(PRIO_PROCESS, 0);
  if (opts) {
    atomic_store(&iso->fatal_errors, opts->errors_are_fatal);
    iso->nice = opts->nice;
    iso->batch = opts->batch;
    iso->stack_size = opts->stack_size;
    int rc = ISO_OK;
    if (opts->on_exit)
      rc = rt_add_notice(&iso->on_exit, opts->on_exit, exit_msg, true);
    else
      iso_value_free(exit_msg);
    if (opts->on_error && rc == ISO_OK)
      rc = rt_add_notice(&iso->on_error, opts->on_error, NULL, false);
    if (rc) { /* a lost notice would leave the spawner waiting forever */
      atomic_store(&iso->done, true);
      rt_iso_unref(iso);
      return rc;
    }
  }
  if (out) {
    rt_iso_ref(iso);
    *out = RT_H(iso);
  }
  if (rt_rt.mode == ISO_MODE_INLINE) {
    rt_sched_ready(iso);
    return ISO_OK;
  }
  int err;
  rt_start_thread_for(iso, pooled, &err);
  if (err) {
    rt_iso_finish(iso);
    rt_iso_unref(iso);
    if (out) {
      rt_iso_unref(iso);
      *out = NULL;
    }
  }
  return err;
}

int iso_spawn(iso_entry entry, iso_value *msg, const iso_spawn_opts *opts, iso_isolate **out) {
  return rt_spawn_internal(entry, msg, opts, false, out);
}

iso_isolate *iso_isolate_ref(iso_isolate *iso) {
  if (iso) rt_iso_ref(RT_ISO(iso));
  return iso;
}
void iso_isolate_release(iso_isolate *iso) {
  rt_iso_unref(RT_ISO(iso));
}

int iso_isolate_set_nice(iso_isolate *iso, int nice) {
  rt_iso *r = RT_ISO(iso);
  if (!r || r->is_main || nice < -20 || nice > 19) return ISO_EINVAL;
  if (iso_runtime_mode() != ISO_MODE_THREADS) return ISO_ESTATE;
  int rc = ISO_OK;
  pthread_mutex_lock(&rt_rt.lock);
  if (r->tid) {
    if (setpriority(PRIO_PROCESS, (id_t)r->tid, nice) != 0) rc = ISO_ESTATE;
  } else if (atomic_load(&r->done)) {
    rc = ISO_ECLOSED;
  }
  if (rc == ISO_OK) { /* a thread not started yet takes it at start */
    r->nice = nice;
    r->nice_abs = true;
  }
  pthread_mutex_unlock(&rt_rt.lock);
  return rc;
}
