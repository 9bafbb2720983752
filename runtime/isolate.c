/* Isolate lifecycle: runtime init/shutdown, spawn, threads, exit, errors, kill, ping, notices. */
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
static atomic_int rt_live_threads;
static atomic_uint rt_name_seq;
/* The last shutdown gave up on threads stuck in foreign code (see
 * iso_runtime_shutdown_timed): their state is kept until they end. */
static bool rt_abandoned;

/* A thread waiting in iso_isolate_join, linked from the joined isolate; it
 * lives on the joiner's stack and is only touched under the joined lock. */
typedef struct rt_joiner {
  struct rt_joiner *prev, *next;
  rt_iso *who;
  bool linked;
} rt_joiner;

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
  pthread_mutex_lock(&rt_rt.lock);
  if (iso->all_prev)
    iso->all_prev->all_next = iso->all_next;
  else if (rt_rt.all == iso)
    rt_rt.all = iso->all_next;
  if (iso->all_next) iso->all_next->all_prev = iso->all_prev;
  pthread_mutex_unlock(&rt_rt.lock);
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
  if (atomic_load_explicit(&iso->parked, memory_order_seq_cst) &&
      atomic_exchange_explicit(&iso->parked, 0, memory_order_seq_cst))
    rt_futex_wake(&iso->parked, 1);
}

/* With wake batching on (iso_set_wake_batching), a send from inside an
 * event does not wake a parked receiver at once: the wake waits until this
 * isolate's mailbox runs dry, it parks, RT_WAKE_SENDS messages went to that
 * receiver, or an event ends RT_WAKE_DELAY_NS after the first deferral. A
 * starved receiver (a muxer fed packet by packet) then wakes once per burst
 * rather than once per item. The price is latency up to one event of the
 * sender's: only for isolates whose events are short CPU work. */
#define RT_WAKE_PENDING 8
#define RT_WAKE_SENDS 8
#define RT_WAKE_DELAY_NS 1000000u
static _Thread_local struct {
  rt_iso *iso;
  int sends;
} rt_pend[RT_WAKE_PENDING];
static _Thread_local int rt_npend;
static _Thread_local uint64_t rt_pend_since;

void rt_iso_wake_soon(rt_iso *iso) {
  rt_iso *me = rt_self;
  if (rt_rt.mode == ISO_MODE_INLINE || !me || !me->batch_wakes || me->depth == 0 || iso == me ||
      !atomic_load_explicit(&iso->parked, memory_order_seq_cst)) {
    rt_iso_wake(iso);
    return;
  }
  for (int i = 0; i < rt_npend; i++) {
    if (rt_pend[i].iso != iso) continue;
    if (++rt_pend[i].sends >= RT_WAKE_SENDS) {
      rt_pend[i].sends = 0;
      rt_iso_wake(iso);
    }
    return;
  }
  if (rt_npend == RT_WAKE_PENDING) {
    rt_iso_wake(iso);
    return;
  }
  rt_iso_ref(iso);
  if (rt_npend == 0) rt_pend_since = iso_now_ns();
  rt_pend[rt_npend].iso = iso;
  rt_pend[rt_npend].sends = 1;
  rt_npend++;
}

void rt_wake_flush(void) {
  int n = rt_npend;
  rt_npend = 0;
  for (int i = 0; i < n; i++) {
    rt_iso_wake(rt_pend[i].iso);
    rt_iso_unref(rt_pend[i].iso);
  }
}

void rt_wake_flush_due(void) {
  if (rt_npend && iso_now_ns() - rt_pend_since >= RT_WAKE_DELAY_NS) rt_wake_flush();
}

void iso_set_wake_batching(bool on) {
  if (!rt_self) return;
  rt_self->batch_wakes = on;
  if (!on) rt_wake_flush();
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

/* ---- runtime -------------------------------------------------------------- */

_Thread_local bool rt_spawn_near;
static cpu_set_t rt_proc_mask; /* the process's CPUs when the runtime started */
static bool rt_have_mask;

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
static void reap_finished(void) {
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
  if (!stuck) pthread_mutex_destroy(&rt_rt.lock);
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

/* ---- spawn ------------------------------------------------------------------ */

void iso_spawn_opts_init(iso_spawn_opts *o) {
  memset(o, 0, sizeof(*o));
  o->errors_are_fatal = true;
}

static void *thread_main(void *arg) {
  rt_iso *iso = arg;
  if (iso->started_near) pthread_setaffinity_np(pthread_self(), sizeof rt_proc_mask, &rt_proc_mask);
  if (iso->batch) {
    struct sched_param sp = {0};
    pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp); /* keeps the nice value */
  }
  pthread_mutex_lock(&rt_rt.lock);
  iso->tid = (pid_t)syscall(SYS_gettid);
  if (iso->nice) setpriority(PRIO_PROCESS, (id_t)iso->tid, iso->nice);
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
static int add_notice(rt_notice **list, iso_sendport *sp, iso_value *msg, bool exit) {
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
  reap_finished();
  rt_iso *iso = rt_iso_new(opts ? opts->name : NULL);
  if (!iso) {
    iso_value_free(msg);
    iso_value_free(exit_msg);
    return ISO_ENOMEM;
  }
  iso->entry = entry;
  iso->entry_msg = msg ? msg : iso_null();
  if (opts) {
    atomic_store(&iso->fatal_errors, opts->errors_are_fatal);
    iso->nice = opts->nice;
    iso->batch = opts->batch;
    iso->stack_size = opts->stack_size;
    int rc = ISO_OK;
    if (opts->on_exit)
      rc = add_notice(&iso->on_exit, opts->on_exit, exit_msg, true);
    else
      iso_value_free(exit_msg);
    if (opts->on_error && rc == ISO_OK)
      rc = add_notice(&iso->on_error, opts->on_error, NULL, false);
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
  if (rc == ISO_OK) r->nice = nice; /* a thread not started yet takes it at start */
  pthread_mutex_unlock(&rt_rt.lock);
  return rc;
}

/* ---- exit, errors, control ------------------------------------------------- */

void iso_exit(iso_sendport *sp, iso_value *msg) {
  rt_iso *me = rt_self;
  if (!me || me->is_main || me->ending) {
    iso_value_free(msg);
    return;
  }
  me->exit_sp = sp ? iso_sendport_ref(sp) : NULL;
  me->exit_val = msg ? msg : iso_null();
  me->ending = true;
}

void iso_raise(const char *where, const char *fmt, ...) {
  rt_iso *me = rt_self;
  va_list ap;
  va_start(ap, fmt);
  char *text = rt_vasprintf(fmt, ap);
  va_end(ap);
  if (!me) {
    free(text);
    return;
  }
  size_t wl = strlen(me->name) + (where ? strlen(where) + 2 : 0) + 1;
  char *w = malloc(wl);
  if (w) snprintf(w, wl, where ? "%s: %s" : "%s", me->name, where ? where : "");
  if (me->capture) {
    if (!me->capture->raised) {
      me->capture->raised = true;
      me->capture->message = text;
      me->capture->where = w;
    } else {
      free(text);
      free(w);
    }
    return;
  }
  pthread_mutex_lock(&me->lock);
  for (rt_notice *n = me->on_error; n; n = n->next) {
    iso_value *m = rt_list_of(2, iso_str(text ? text : "error"), iso_str(w ? w : "?"));
    if (m && rt_send_flags(n->sp, m, 0, true) != ISO_OK) iso_value_free(m);
  }
  pthread_mutex_unlock(&me->lock);
  if (!me->is_main && atomic_load(&me->fatal_errors)) me->ending = true;
  free(text);
  free(w);
}

int iso_kill(iso_isolate *h, iso_priority prio) {
  rt_iso *iso = RT_ISO(h);
  if (!iso) return ISO_EINVAL;
  if (iso->is_main) return ISO_ESTATE;
  if (atomic_load(&iso->done)) return ISO_OK;
  (void)prio; /* both priorities run before the next event, ahead of data */
  /* A flag, not a queued record: a kill must work when memory has run out
   * (shutdown depends on it). */
  atomic_store_explicit(&iso->kill_req, true, memory_order_seq_cst);
  atomic_store_explicit(&iso->ctl_pending, true, memory_order_seq_cst);
  rt_iso_wake(iso);
  return ISO_OK;
}

int iso_ping(iso_isolate *h, iso_sendport *sp, iso_value *response, iso_priority prio) {
  rt_iso *iso = RT_ISO(h);
  (void)prio; /* both priorities overtake queued data */
  if (!iso || !sp) {
    iso_value_free(response);
    return ISO_EINVAL;
  }
  if (atomic_load(&iso->done)) {
    iso_value_free(response);
    return ISO_OK;
  }
  rt_ctl *c = calloc(1, sizeof(*c));
  if (!c) {
    iso_value_free(response);
    return ISO_ENOMEM;
  }
  c->kind = RT_CTL_PING;
  c->sp = iso_sendport_ref(sp);
  c->msg = response ? response : iso_null();
  rt_ctl_push(iso, c);
  return ISO_OK;
}

/* Runs control messages on the owner before any other event. */
void rt_ctl_run(rt_iso *iso) {
  pthread_mutex_lock(&iso->lock);
  rt_ctl *c = iso->ctl_head;
  iso->ctl_head = iso->ctl_tail = NULL;
  /* Cleared before kill_req is read: a kill flagged meanwhile sets it again. */
  atomic_store_explicit(&iso->ctl_pending, false, memory_order_seq_cst);
  pthread_mutex_unlock(&iso->lock);
  if (atomic_exchange_explicit(&iso->kill_req, false, memory_order_seq_cst)) {
    iso->ending = true;
    iso->killed = true;
  }
  while (c) {
    rt_ctl *next = c->next;
    if (c->kind == RT_CTL_PING && c->msg) {
      if (rt_send_flags(c->sp, c->msg, 0, true) != ISO_OK) iso_value_free(c->msg);
      c->msg = NULL;
    }
    iso_sendport_release(c->sp);
    iso_value_free(c->msg);
    free(c);
    c = next;
  }
}

void iso_set_errors_fatal(iso_isolate *iso, bool fatal) {
  if (iso) atomic_store(&RT_ISO(iso)->fatal_errors, fatal);
}

int iso_add_on_exit(iso_isolate *h, iso_sendport *sp, iso_value *msg) {
  rt_iso *iso = RT_ISO(h);
  if (!iso || !sp) {
    iso_value_free(msg);
    return ISO_EINVAL;
  }
  pthread_mutex_lock(&iso->lock);
  if (!atomic_load(&iso->done)) {
    int rc = add_notice(&iso->on_exit, sp, msg, true);
    pthread_mutex_unlock(&iso->lock);
    return rc;
  }
  pthread_mutex_unlock(&iso->lock);
  /* Already gone: the notice comes at once, like Dart's. */
  iso_value *m = msg ? msg : iso_null();
  if (!m) return ISO_ENOMEM;
  if (rt_send_flags(sp, m, RT_MSG_EXIT_NOTICE, true) != ISO_OK) iso_value_free(m);
  return ISO_OK;
}

int iso_add_on_error(iso_isolate *h, iso_sendport *sp) {
  rt_iso *iso = RT_ISO(h);
  if (!iso || !sp) return ISO_EINVAL;
  int rc = ISO_OK;
  pthread_mutex_lock(&iso->lock);
  if (!atomic_load(&iso->done)) rc = add_notice(&iso->on_error, sp, NULL, false);
  pthread_mutex_unlock(&iso->lock);
  return rc;
}

bool iso_isolate_done(iso_isolate *iso) {
  return iso && atomic_load_explicit(&RT_ISO(iso)->done, memory_order_acquire);
}

bool rt_iso_killed(iso_isolate *iso) {
  return iso && RT_ISO(iso)->killed;
}

static bool pred_done(void *arg) {
  return atomic_load_explicit(&((rt_iso *)arg)->done, memory_order_acquire);
}

int iso_isolate_join(iso_isolate *h, uint64_t timeout_ns) {
  rt_iso *iso = RT_ISO(h), *me = rt_self;
  if (!iso) return ISO_EINVAL;
  if (pred_done(iso)) return ISO_OK;
  if (!me || me == iso) return ISO_ESTATE;
  rt_joiner j = {NULL, NULL, me, false};
  if (rt_rt.mode == ISO_MODE_THREADS) {
    pthread_mutex_lock(&iso->lock);
    if (!atomic_load(&iso->done)) {
      j.next = iso->joiners;
      if (j.next) j.next->prev = &j;
      iso->joiners = &j;
      j.linked = true;
    }
    pthread_mutex_unlock(&iso->lock);
  }
  int rc = rt_wait(pred_done, iso, timeout_ns);
  if (rt_rt.mode == ISO_MODE_THREADS) {
    pthread_mutex_lock(&iso->lock);
    if (j.linked) { /* timed out or killed: unlink before the record goes */
      if (j.prev)
        j.prev->next = j.next;
      else
        iso->joiners = j.next;
      if (j.next) j.next->prev = j.prev;
    }
    pthread_mutex_unlock(&iso->lock);
  }
  return rc;
}
